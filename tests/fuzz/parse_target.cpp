// The checks of one fuzz input. Each step runs in its own try block: a symdiff::Error is an
// answer (the user sees a message), any other exception or an "internal error" a finding.
// Values for the interpreter and the tape are drawn from a generator seeded by the input.
#include "tests/fuzz/parse_target.hpp"

#include "codegen/emit.hpp"
#include "core/eval.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"
#include "rewrite/simplify.hpp"
#include "tests/support/random.hpp"
#include "lang/model.hpp"

#include <functional>
#include <new>

namespace symdiff::fuzz {
namespace {

// Runs a step: nullopt if it returned or threw a plain symdiff::Error, else what went wrong.
std::optional<std::string> step(const char* name, const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        const std::string m = e.what();
        if (m.empty() || m.find("internal error") != std::string::npos)
            return std::string(name) + ": " + (m.empty() ? "an empty error message" : m);
    } catch (const std::bad_alloc&) {
        return std::string(name) + ": out of memory (std::bad_alloc) within the budget";
    } catch (const std::exception& e) {
        return std::string(name) + ": an exception that is not symdiff::Error: " + e.what();
    } catch (...) {
        return std::string(name) + ": an exception that is not a std::exception";
    }
    return std::nullopt;
}

// Whether interpreting the graph stays cheap: few nodes, small tensors, and loops (jacobian
// and hessian) that do not multiply the work beyond a few million element operations.
bool cheap_to_run(const Graph& g, const ParseBudget& budget) {
    if (g.size() > budget.evaluate_nodes)
        return false;
    std::int64_t work = 0, loop = 1;
    for (NodeId id = 0; id < g.size(); ++id) {
        const Node& n = g[id];
        if (static_cast<std::int64_t>(n.shape.size()) > budget.elements)
            return false;
        work += static_cast<std::int64_t>(n.shape.size());
        if (n.op == Op::Seed)
            loop *= std::max<std::int64_t>(1, static_cast<std::int64_t>(n.shape.size()));
        if (loop > budget.elements)
            return false;
    }
    return work * loop <= 4'000'000;
}

} // namespace

std::optional<std::string> check_model_bytes(std::string_view bytes, const ParseBudget& budget) {
    const std::string source(bytes);
    Model m;
    bool parsed = false;
    try {
        m = parse_model(source, "fuzz.sd");
        parsed = true;
    } catch (const Error& e) {
        const std::string msg = e.what();
        if (msg.empty() || msg.find("internal error") != std::string::npos)
            return "parse: " + msg;
        if (!e.loc().known())
            return "parse: an error without a location: " + msg;
        const std::string shown = format_error(e, "fuzz.sd", source);
        if (shown.find(": error: " + msg + "\n") == std::string::npos || !shown.ends_with("^\n"))
            return "format_error: not 'FILE:LINE:COL: error: MESSAGE', source line, caret: " + shown;
    } catch (const std::bad_alloc&) {
        return std::string("parse: out of memory (std::bad_alloc)");
    } catch (const std::exception& e) {
        return "parse: an exception that is not symdiff::Error: " + std::string(e.what());
    }
    if (!parsed)
        return std::nullopt;

    Graph& g = *m.graph;
    if (m.exports.empty())
        return std::string("parse: a model without exports was accepted");
    if (g.size() > budget.simplify_nodes)
        return std::nullopt;

    // What `symdiff gen` does: simplify each export, then emit one header.
    std::vector<Function> simplified = m.exports;
    if (auto p = step("simplify", [&] {
            for (Function& f : simplified) {
                std::vector<NodeId> roots;
                for (const auto& r : f.results)
                    roots.push_back(r.node);
                const auto s = rewrite::simplify(g, roots);
                for (std::size_t k = 0; k < s.size(); ++k)
                    f.results[k].node = s[k];
            }
        }))
        return p;
    if (auto p = step("emit", [&] {
            const std::string header =
                codegen::emit_header(g, simplified, codegen::EmitOptions{"fuzz", "fuzz.sd"});
            if (header.empty())
                throw std::logic_error("the emitter returned an empty header");
        }))
        return p;

    // What `symdiff eval` and the numeric modes do, when that is cheap.
    if (!cheap_to_run(g, budget))
        return std::nullopt;
    test::Rng rng(bytes.size() * 0x9E3779B97F4A7C15ULL + 17);
    Bindings b(g);
    for (std::size_t k = 0; k < g.inputs().size(); ++k)
        b.set(static_cast<int>(k), test::random_tensor(rng, g.inputs()[k].shape, -2.0, 2.0));
    for (std::size_t e = 0; e < m.exports.size(); ++e) {
        if (auto p = step("evaluate", [&] {
                std::vector<NodeId> roots, sroots;
                for (std::size_t r = 0; r < m.exports[e].results.size(); ++r) {
                    roots.push_back(m.exports[e].results[r].node);
                    sroots.push_back(simplified[e].results[r].node);
                }
                evaluate(g, roots, b);
                evaluate(g, sroots, b);
            }))
            return p;
        for (const auto& spec : m.result_specs[e]) {
            if (!spec || (spec->kind != DerivativeSpec::Kind::grad &&
                          spec->kind != DerivativeSpec::Kind::jvp))
                continue;
            if (auto p = step("tape", [&] {
                    Tape tape(g, spec->function, std::span<const NodeId>(&spec->variable, 1));
                    if (spec->kind == DerivativeSpec::Kind::grad) {
                        tape.forward(b);
                        tape.backward();
                    } else {
                        const NodeId t = spec->tangent;
                        tape.jvp(b, evaluate(g, std::span<const NodeId>(&t, 1), b)[0]);
                    }
                }))
                return p;
        }
    }
    return std::nullopt;
}

} // namespace symdiff::fuzz
