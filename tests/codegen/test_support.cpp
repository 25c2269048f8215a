// Helpers shared by the codegen tests (see test_support.hpp): random inputs, the
// interpreter's reference values, the comparison rule, and compile probes.
#include "tests/codegen/test_support.hpp"

#include "core/error.hpp"
#include "core/eval.hpp"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace symdiff::test {

std::vector<Tensor> random_inputs(const Model& m, const Function& fn, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Tensor> values;
    const Graph& g = *m.graph;
    for (NodeId p : fn.params) {
        const InputInfo& in = g.inputs()[static_cast<std::size_t>(g[p].input_index())];
        const InputDomain d = m.domain(in.name);
        Tensor t(in.shape);
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (d.integers) {
                std::uniform_int_distribution<int> pick(static_cast<int>(d.lo),
                                                        static_cast<int>(d.hi));
                t[i] = pick(rng);
            } else {
                std::uniform_real_distribution<double> pick(d.lo, d.hi);
                t[i] = pick(rng);
            }
        }
        values.push_back(std::move(t));
    }
    return values;
}

std::vector<Tensor> interpret(const Model& m, const Function& fn, const std::vector<Tensor>& in) {
    const Graph& g = *m.graph;
    Bindings b(g);
    for (std::size_t i = 0; i < fn.params.size(); ++i)
        b.set(g[fn.params[i]].input_index(), in[i]);
    std::vector<NodeId> roots;
    for (const auto& r : fn.results)
        roots.push_back(r.node);
    return evaluate(g, roots, b);
}

bool close(double got, double want) {
    if (std::isnan(want) || std::isnan(got))
        return std::isnan(want) && std::isnan(got);
    if (std::isinf(want) || std::isinf(got))
        return got == want;
    return std::fabs(got - want) <= 1e-9 * std::max(1.0, std::fabs(want));
}

bool same_bits(double got, double want) {
    if (std::isnan(want) || std::isnan(got))
        return std::isnan(want) && std::isnan(got);
    return std::bit_cast<std::uint64_t>(got) == std::bit_cast<std::uint64_t>(want);
}

const Function& function_named(const Model& m, const std::string& name) {
    for (const Function& f : m.functions)
        if (f.name == name)
            return f;
    throw Error("model '" + m.name + "' has no function '" + name + "'");
}

bool have_probe_compiler() { return std::string(SYMDIFF_CODEGEN_CXX).size() > 0; }

ProbeResult compile_probe(const std::string& stem, const std::string& header,
                          const std::string& extra_flags) {
    namespace fs = std::filesystem;
    const fs::path dir = SYMDIFF_CODEGEN_PROBE_DIR;
    fs::create_directories(dir);
    const fs::path hpp = dir / (stem + ".hpp"), log = dir / (stem + ".log");
    {
        std::ofstream out(hpp, std::ios::binary);
        out << header;
    }
    const std::string cmd = std::string("\"") + SYMDIFF_CODEGEN_CXX +
                            "\" -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only " +
                            extra_flags + " -x c++ /dev/null -include \"" + hpp.string() +
                            "\" > \"" + log.string() + "\" 2>&1";
    ProbeResult r;
    r.compiled = std::system(cmd.c_str()) == 0;
    std::ifstream in(log, std::ios::binary);
    r.output.assign(std::istreambuf_iterator<char>(in), {});
    return r;
}

} // namespace symdiff::test
