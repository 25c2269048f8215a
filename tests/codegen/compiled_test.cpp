// Compiled vs interpreter: every generated zoo function, through both overloads, at
// pinned random points, agrees with the interpreter on the same graph; its metadata
// matches the Function; results are written in full; and nothing outside the outputs
// and the `work` array is written (guard zones around every buffer; the input guards
// are NaN, so an out-of-bounds read poisons a result). One test case per zoo model.
#include "tests/codegen/compiled_registry.hpp"
#include "tests/codegen/test_support.hpp"

#include "codegen/kernel_printer.hpp"
#include "codegen/lower.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace symdiff::test {
namespace {

constexpr std::size_t guard_size = 16;                      // doubles on each side of a buffer
constexpr std::uint64_t sentinel_bits = 0x7ff8deadbeef0001; // a quiet NaN with a payload
const double sentinel = std::bit_cast<double>(sentinel_bits);
const double nan = std::numeric_limits<double>::quiet_NaN();
constexpr int points = 3;
constexpr std::uint64_t seed = 20240611;

// A buffer of n doubles between two guard zones filled with the sentinel.
class Guarded {
  public:
    Guarded(std::size_t n, double fill) : n_(n), data_(n + 2 * guard_size, sentinel) {
        fill_with(fill);
    }
    void fill_with(double v) { std::fill(data(), data() + n_, v); }
    double* data() { return data_.data() + guard_size; }
    const double* data() const { return data_.data() + guard_size; }
    std::size_t size() const { return n_; }
    double operator[](std::size_t i) const { return data()[i]; }
    bool guards_intact() const {
        for (std::size_t i = 0; i < data_.size(); ++i)
            if ((i < guard_size || i >= guard_size + n_) &&
                std::bit_cast<std::uint64_t>(data_[i]) != sentinel_bits)
                return false;
        return true;
    }

  private:
    std::size_t n_;
    std::vector<double> data_;
};

struct Buffers {
    std::vector<Guarded> in, out;
    std::vector<const double*> in_ptrs;
    std::vector<double*> out_ptrs;

    Buffers(const std::vector<Tensor>& inputs, const CompiledFunction& cf, double out_fill) {
        for (const Tensor& t : inputs) {
            in.emplace_back(t.size(), 0.0);
            std::copy(t.data().begin(), t.data().end(), in.back().data());
        }
        for (std::size_t j = 0; j < cf.outputs; ++j)
            out.emplace_back(cf.output_sizes[j], out_fill);
        for (Guarded& g : in)
            in_ptrs.push_back(g.data());
        for (Guarded& g : out)
            out_ptrs.push_back(g.data());
    }
};

std::string fmt(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// Every way the call went wrong, one per line (empty when it went right).
std::string problems(const CompiledFunction& cf, const Buffers& b,
                     const std::vector<Tensor>& inputs, const std::vector<Tensor>& want) {
    std::ostringstream os;
    for (std::size_t i = 0; i < b.in.size(); ++i) {
        if (!b.in[i].guards_intact())
            os << "wrote outside input '" << cf.input_names[i] << "'\n";
        for (std::size_t e = 0; e < inputs[i].size(); ++e)
            if (!same_bits(b.in[i][e], inputs[i][e])) {
                os << "changed input '" << cf.input_names[i] << "'\n";
                break;
            }
    }
    for (std::size_t j = 0; j < b.out.size(); ++j) {
        if (!b.out[j].guards_intact())
            os << "wrote outside result '" << cf.output_names[j] << "'\n";
        int shown = 0;
        for (std::size_t e = 0; e < want[j].size() && shown < 6; ++e)
            if (!close(b.out[j][e], want[j][e])) {
                os << "result " << cf.output_names[j] << "[" << e << "]: compiled "
                   << fmt(b.out[j][e]) << ", interpreter " << fmt(want[j][e]) << "\n";
                ++shown;
            }
    }
    return os.str();
}

std::string inputs_text(const CompiledFunction& cf, const std::vector<Tensor>& inputs) {
    std::ostringstream os;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        os << cf.input_names[i] << " = [";
        for (std::size_t e = 0; e < inputs[i].size() && e < 12; ++e)
            os << (e ? ", " : "") << fmt(inputs[i][e]);
        os << (inputs[i].size() > 12 ? ", ...]\n" : "]\n");
    }
    return os.str();
}

// One call of the work overload (work poisoned with NaN, outputs holding junk) against
// the interpreter's `want`: every way it went wrong, one per line.
std::string work_call_problems(const CompiledFunction& cf, const std::vector<Tensor>& inputs,
                               const std::vector<Tensor>& want) {
    Buffers b(inputs, cf, 1e300);
    Guarded work(cf.work_size, nan);
    cf.call_work(b.in_ptrs.data(), b.out_ptrs.data(), work.data());
    return problems(cf, b, inputs, want);
}

void check_metadata(const CompiledFunction& cf, const Model& m, const Function& fn) {
    const Graph& g = *m.graph;
    CHECK(std::string(cf.info_name) == fn.name);
    REQUIRE(cf.inputs == fn.params.size());
    REQUIRE(cf.outputs == fn.results.size());
    auto check_shape = [](const CompiledShape& got, const Shape& want) {
        REQUIRE(got.rank == static_cast<std::size_t>(want.rank()));
        for (int k = 0; k < want.rank(); ++k)
            CHECK(got.dims[k] == static_cast<std::size_t>(want[k]));
    };
    for (std::size_t i = 0; i < cf.inputs; ++i) {
        const InputInfo& in = g.inputs()[static_cast<std::size_t>(g[fn.params[i]].input_index())];
        INFO("parameter " << i);
        CHECK(std::string(cf.input_names[i]) == in.name);
        CHECK(cf.input_sizes[i] == static_cast<std::size_t>(in.shape.size()));
        check_shape(cf.input_shapes[i], in.shape);
    }
    for (std::size_t j = 0; j < cf.outputs; ++j) {
        const Shape& s = g[fn.results[j].node].shape;
        INFO("result " << j);
        CHECK(std::string(cf.output_names[j]) == fn.results[j].name);
        CHECK(cf.output_sizes[j] == static_cast<std::size_t>(s.size()));
        check_shape(cf.output_shapes[j], s);
    }
    CHECK(cf.work_size == cf.info_work_size);
    // At least one double, so that callers can always declare the array.
    CHECK(cf.work_size ==
          std::max<std::size_t>(1, static_cast<std::size_t>(codegen::lower(g, fn).work_size)));
}

void check_values(const CompiledFunction& cf, const Model& m, const Function& fn) {
    for (int p = 0; p < points; ++p) {
        const std::vector<Tensor> inputs = random_inputs(m, fn, seed + static_cast<unsigned>(p));
        const std::vector<Tensor> want = interpret(m, fn, inputs);
        INFO("point " << p << ":\n" << inputs_text(cf, inputs));

        Buffers alloc(inputs, cf, nan); // allocating overload
        cf.call(alloc.in_ptrs.data(), alloc.out_ptrs.data());
        {
            const std::string found = problems(cf, alloc, inputs, want);
            INFO("allocating overload:\n" << found);
            CHECK(found.empty());
        }

        Buffers with_work(inputs, cf, nan); // `work` overload, work poisoned with NaN
        Guarded work(cf.work_size, nan);
        cf.call_work(with_work.in_ptrs.data(), with_work.out_ptrs.data(), work.data());
        {
            const std::string found = problems(cf, with_work, inputs, want);
            INFO("work overload:\n" << found);
            CHECK(found.empty());
        }
        {
            INFO("the work overload wrote outside its " << cf.work_size << " doubles of work");
            CHECK(work.guards_intact());
        }

        // Again with the work array as the last call left it and outputs holding junk:
        // the same bits must come out (results written in full, no stale state).
        Buffers again(inputs, cf, 1e300);
        cf.call_work(again.in_ptrs.data(), again.out_ptrs.data(), work.data());
        std::string differences;
        for (std::size_t j = 0; j < cf.outputs; ++j)
            for (std::size_t e = 0; e < cf.output_sizes[j]; ++e)
                if (!same_bits(again.out[j][e], with_work.out[j][e]))
                    differences += std::string(cf.output_names[j]) + "[" + std::to_string(e) +
                                   "]: " + fmt(again.out[j][e]) + " after " +
                                   fmt(with_work.out[j][e]) + "\n";
        INFO("a second call (dirty work array, junk in the outputs) gave other results:\n"
             << differences);
        CHECK(differences.empty());
        CHECK(work.guards_intact());
    }
}

// Zoo models, each built once.
const Model& model(const std::string& name) {
    static std::map<std::string, Model> built;
    auto it = built.find(name);
    if (it == built.end())
        it = built.emplace(name, build_model(name)).first;
    return it->second;
}

const std::string test_prefix = "compiled vs interpreter: ";

// Zoo models whose test fails because of an emitter bug already reported to the
// architect; their test cases are tagged [!mayfail] until the fix lands.
const std::map<std::string, std::string>& known_emitter_bugs() {
    static const std::map<std::string, std::string> bugs = {};
    return bugs;
}

// The body of every per-model test case; the model is named by the test case's name.
void compiled_model_test() {
    const std::string name =
        Catch::getResultCapture().getCurrentTestName().substr(test_prefix.size());
    if (const auto bug = known_emitter_bugs().find(name); bug != known_emitter_bugs().end())
        WARN("known emitter bug: " << bug->second);
    for (std::size_t k = 0; uncompiled_models[k].model; ++k)
        if (name == uncompiled_models[k].model)
            FAIL("the emitted " << name << ".hpp does not compile:\n"
                                << uncompiled_models[k].compiler_output);
    const Model& m = model(name);
    int checked = 0;
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        if (name != cf.model)
            continue;
        INFO("function " << cf.model << "::" << cf.function);
        const Function& fn = function_named(m, cf.function);
        check_metadata(cf, m, fn);
        check_values(cf, m, fn);
        ++checked;
    }
    CHECK(checked == static_cast<int>(m.functions.size()));
}

// Registers "compiled vs interpreter: <model>" for every zoo model.
struct Registrar {
    std::deque<std::string> names; // Catch keeps references to the names
    Registrar() {
        for (const ZooEntry& e : zoo()) {
            const std::string model_name(e.name);
            const bool known_bug = known_emitter_bugs().count(model_name) > 0;
            names.push_back(test_prefix + model_name);
            Catch::AutoReg(Catch::makeTestInvoker(&compiled_model_test), CATCH_INTERNAL_LINEINFO,
                           Catch::StringRef(),
                           Catch::NameAndTags{names.back(),
                                              known_bug ? "[compiled][!mayfail]" : "[compiled]"});
        }
    }
} const registrar;

TEST_CASE("every zoo function is compiled and registered", "[compiled]") {
    // Models whose header did not compile fail their own test case; here they count as
    // registered, so that this test is only about the adapter's coverage.
    std::set<std::string> registered, expected, uncompiled;
    for (std::size_t k = 0; uncompiled_models[k].model; ++k)
        uncompiled.insert(uncompiled_models[k].model);
    for (std::size_t k = 0; k < compiled_function_count; ++k)
        registered.insert(std::string(compiled_functions[k].model) +
                          "::" + compiled_functions[k].function);
    for (const std::string& name : uncompiled)
        for (const Function& fn : model(name).functions)
            registered.insert(name + "::" + fn.name);
    for (const ZooEntry& e : zoo())
        for (const Function& fn : model(std::string(e.name)).functions)
            expected.insert(std::string(e.name) + "::" + fn.name);
    CHECK(registered == expected);
}

TEST_CASE("the zoo exercises no work, stack work and heap work", "[compiled]") {
    std::size_t none = 0, stack = 0, heap = 0;
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const std::size_t w = compiled_functions[k].work_size;
        (w == 1 ? none : w <= 4096 ? stack : heap) += 1; // 1: the floor of FN_work_size
    }
    CHECK(none > 0);
    CHECK(stack > 0);
    CHECK(heap > 0);
}

// IEEE special values must come through bit for bit (tolerance would let -0.0 pass as
// 0.0), and must match what the constants are, not only what the interpreter says.
TEST_CASE("NaN, infinities and -0.0 round-trip through the header", "[compiled][constants]") {
    const Model& m = model("special_constants");
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        if (std::string(cf.model) != m.name)
            continue;
        const Function& fn = function_named(m, cf.function);
        const std::vector<Tensor> inputs = random_inputs(m, fn, seed);
        const std::vector<Tensor> want = interpret(m, fn, inputs);
        Buffers b(inputs, cf, 1e300);
        cf.call(b.in_ptrs.data(), b.out_ptrs.data());
        for (std::size_t j = 0; j < cf.outputs; ++j)
            for (std::size_t e = 0; e < cf.output_sizes[j]; ++e) {
                INFO(cf.function << " result " << cf.output_names[j] << "[" << e << "]: compiled "
                                 << fmt(b.out[j][e]) << ", interpreter " << fmt(want[j][e]));
                CHECK(same_bits(b.out[j][e], want[j][e]));
            }
        if (std::string(cf.function) == "alone") {
            auto out = [&](const char* name) {
                for (std::size_t j = 0; j < cf.outputs; ++j)
                    if (std::string(cf.output_names[j]) == name)
                        return b.out[j][0];
                FAIL("no result " << name);
                return 0.0;
            };
            CHECK(std::isnan(out("nan")));
            CHECK(out("pinf") == std::numeric_limits<double>::infinity());
            CHECK(out("ninf") == -std::numeric_limits<double>::infinity());
            CHECK(std::signbit(out("nzero")));
            CHECK(out("nzero") == 0.0);
            CHECK(!std::signbit(out("pzero")));
            CHECK(std::signbit(out("nzeros")));
            CHECK(out("tiny") == std::numeric_limits<double>::denorm_min());
            CHECK(out("huge") == std::numeric_limits<double>::max());
            CHECK(out("third") == 1.0 / 3.0);
            CHECK(out("neg_tenth") == -0.1);
            CHECK(out("big_int") == 9007199254740993.0);
        }
    }
}

// IEEE special values as inputs: every function, at a point where one element of every
// other input is one of {±inf, NaN, ±0, ±1, 0.5, 2}, gives the interpreter's values (NaN where it
// gives NaN). Only values whose sums do not depend on the order of summation are used.
TEST_CASE("special input values give the interpreter's results", "[compiled][special]") {
    const std::array<double, 9> specials = {std::numeric_limits<double>::infinity(),
                                            -std::numeric_limits<double>::infinity(),
                                            nan,
                                            0.0,
                                            -0.0,
                                            1.0,
                                            -1.0,
                                            0.5,
                                            2.0};
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, specials.size() - 1);
    std::size_t mostly_numbers = 0; // functions whose results are mostly not NaN
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        const Model& m = model(cf.model);
        const Function& fn = function_named(m, cf.function);
        INFO("function " << cf.model << "::" << cf.function);
        std::vector<Tensor> inputs = random_inputs(m, fn, seed);
        for (Tensor& t : inputs) // every other input gets one special element
            if (pick(rng) % 2 == 0)
                t[std::uniform_int_distribution<std::size_t>(0, t.size() - 1)(rng)] =
                    specials[pick(rng)];
        const std::vector<Tensor> want = interpret(m, fn, inputs);
        INFO(inputs_text(cf, inputs));
        const std::string found = work_call_problems(cf, inputs, want);
        INFO(found);
        CHECK(found.empty());
        std::size_t nans = 0, all = 0;
        for (const Tensor& t : want)
            for (std::size_t e = 0; e < t.size(); ++e, ++all)
                nans += std::isnan(t[e]) ? 1 : 0;
        mostly_numbers += 2 * nans < all ? 1 : 0;
    }
    // The test keeps its power: most functions still give mostly numbers.
    CHECK(mostly_numbers * 4 > compiled_function_count * 3);
}

// A logsumexp's kernel stores the softmax its derivative needs (exp(v - max) / sum from
// its own sum pass): no kernel of its own, no second exp per element. Where a reduced
// slice's maximum is not finite (all -inf, +inf, NaN) it falls back to exp(v - lse), so
// NaN lands where the interpreter puts it; finite extremes stay finite.
TEST_CASE("softmax is stored by its logsumexp's kernel, also where the maximum is not finite",
          "[compiled][softmax]") {
    const Model& m = model("softmax_side");
    const double inf = std::numeric_limits<double>::infinity();
    for (const Function& fn : m.functions) {
        INFO("function " << fn.name);
        const codegen::Program p = codegen::lower(*m.graph, fn);
        int sides = 0, exps = 0;
        p.for_each_kernel([&](const codegen::Kernel& k) {
            sides += k.side.buffer >= 0 ? 1 : 0;
            exps += (*m.graph)[k.node].op == Op::Exp ? 1 : 0;
        });
        CHECK(sides == (fn.name == "grads" ? 3 : 1));
        CHECK(exps == 0);
    }
    const std::vector<std::vector<Tensor>> edges = {
        {Tensor(Shape{5}, {-inf, -inf, -inf, -inf, -inf}),
         Tensor(Shape{3, 4}, {inf, 0, 1, 2, nan, 0, 1, 2, 700, 700, -1e308, 0})},
        {Tensor(Shape{5}, {1000, -1000, 0, 3, -inf}),
         Tensor(Shape{3, 4}, {-inf, -inf, -inf, -inf, 5, 5, 5, 5, -745, 0, 709, 710})},
        {Tensor(Shape{5}, {0.5, -0.25, 2, 1, 0}),
         Tensor(Shape{3, 4}, {1, 2, 3, 4, -1, -2, -3, -4, 0.5, 0, -0.5, 1e-300})},
    };
    int checked = 0;
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        if (std::string(cf.model) != m.name)
            continue;
        const Function& fn = function_named(m, cf.function);
        for (const std::vector<Tensor>& point : edges) {
            const std::vector<Tensor> inputs =
                fn.params.size() == 2 ? point : std::vector<Tensor>{point[1]};
            INFO("function " << cf.function << " at\n" << inputs_text(cf, inputs));
            const std::string found = work_call_problems(cf, inputs, interpret(m, fn, inputs));
            INFO(found);
            CHECK(found.empty());
            ++checked;
        }
    }
    CHECK(checked == 6);

    // Where the maximum is huge, lse = max + log(sum) rounds to max, and exp(v - lse)
    // (the interpreter's softmax) says 1 twice; exp(v - max) / sum is right.
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        if (std::string(cf.model) != m.name || std::string(cf.function) != "grads")
            continue;
        const std::vector<Tensor> inputs = {
            Tensor(Shape{5}, {1e308, 1e308, 0, 0, 0}),
            Tensor(Shape{3, 4}, {1e308, 1e308, -1e308, 0, 0, 0, 0, 0, 0, 0, 0, 0})};
        Buffers b(inputs, cf, 1e300);
        cf.call(b.in_ptrs.data(), b.out_ptrs.data());
        CHECK(b.out[1][0] == 0.5); // dv
        CHECK(b.out[1][1] == 0.5);
        CHECK(b.out[2][0] == 0.5); // dM_rows
        CHECK(b.out[2][1] == 0.5);
        CHECK(b.out[2][2] == 0.0);
    }
}

// A column times a row, (m,1) @ (1,n) or (m,1) @ (1), is one product per element:
// fused into the kernel that reads it like an element-wise op, never a buffer of its own.
TEST_CASE("sums of one term are fused into their consumers", "[compiled][fusion]") {
    const Model& m = model("matmuls");
    const Function& fn = function_named(m, "single_terms");
    const codegen::Program p = codegen::lower(*m.graph, fn);
    std::vector<Op> computed;
    p.for_each_kernel([&](const codegen::Kernel& k) { computed.push_back((*m.graph)[k.node].op); });
    CHECK(computed == std::vector<Op>{Op::Mul, Op::Sin}); // r and q, nothing else
}

// How many apply values of each op the lowered kernels of `fn` hold.
std::map<Op, int> applied_ops(const Model& m, const char* fn) {
    std::map<Op, int> ops;
    codegen::lower(*m.graph, function_named(m, fn)).for_each_kernel([&](const codegen::Kernel& k) {
        for (const codegen::Value& v : k.body)
            if (v.kind == codegen::Value::Kind::apply)
                ++ops[v.op];
    });
    return ops;
}

// Sigmoid and softplus of one value in one kernel share exp(-|z|) and log1p of it;
// alone they stay helper calls. Values: the generic zoo tests (also at inf and NaN).
TEST_CASE("sigmoid and softplus of one value in a kernel pay one exp", "[compiled][logistic]") {
    for (const char* name : {"halves", "mixed"}) {
        INFO(name);
        std::map<Op, int> ops = applied_ops(model("logistic"), name);
        CHECK(ops[Op::Exp] == 1);
        CHECK(ops[Op::Log1p] == 1);
        CHECK(ops[Op::Sigmoid] + ops[Op::Softplus] == 0);
    }
    std::map<Op, int> alone = applied_ops(model("neuron"), "neuron");
    CHECK(alone[Op::Sigmoid] == 1);
    CHECK(alone[Op::Exp] == 0);
}

// An objective's sum and the gradient kernel after it share one loop; a kernel that
// reads the sum does not. Values: the generic zoo tests.
TEST_CASE("a sum and the element-wise kernel after it are fused", "[compiled][fusion]") {
    const Model& m = model("fused_sums");
    for (const char* name : {"f_grad", "g_grad", "reads_sum"}) {
        INFO(name);
        const codegen::Program p = codegen::lower(*m.graph, function_named(m, name));
        int fused = 0;
        for (std::size_t i = 0; i + 1 < p.steps.size(); ++i)
            fused += codegen::fusable(p.steps[i].kernel, p.steps[i + 1].kernel, p.buffers) ? 1 : 0;
        CHECK(fused == (std::string(name) == "reads_sum" ? 0 : 1));
    }
}

// No mutable global state: the same calls from several threads at once give the bits
// a single thread gets.
TEST_CASE("generated functions are reentrant across threads", "[compiled][threads]") {
    struct Call {
        const CompiledFunction* cf;
        std::vector<Tensor> inputs;
        std::vector<std::vector<double>> want; // from a single-threaded call
    };
    std::vector<Call> calls;
    for (std::size_t k = 0; k < compiled_function_count; ++k) {
        const CompiledFunction& cf = compiled_functions[k];
        const Model& m = model(cf.model);
        Call c{&cf, random_inputs(m, function_named(m, cf.function), seed), {}};
        Buffers b(c.inputs, cf, nan);
        cf.call(b.in_ptrs.data(), b.out_ptrs.data());
        for (const Guarded& g : b.out)
            c.want.emplace_back(g.data(), g.data() + g.size());
        calls.push_back(std::move(c));
    }
    std::atomic<int> mismatches{0};
    auto worker = [&](std::size_t offset) {
        for (int round = 0; round < 3; ++round)
            for (std::size_t i = 0; i < calls.size(); ++i) {
                const Call& c = calls[(i + offset) % calls.size()]; // threads out of step
                Buffers b(c.inputs, *c.cf, nan);
                if (round % 2 == 0) {
                    c.cf->call(b.in_ptrs.data(), b.out_ptrs.data());
                } else {
                    Guarded work(c.cf->work_size, nan);
                    c.cf->call_work(b.in_ptrs.data(), b.out_ptrs.data(), work.data());
                }
                for (std::size_t j = 0; j < b.out.size(); ++j)
                    for (std::size_t e = 0; e < b.out[j].size(); ++e)
                        if (!same_bits(b.out[j][e], c.want[j][e]))
                            ++mismatches;
            }
    };
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t)
        threads.emplace_back(worker, t * 7);
    for (std::thread& t : threads)
        t.join();
    CHECK(mismatches == 0);
}

} // namespace
} // namespace symdiff::test
