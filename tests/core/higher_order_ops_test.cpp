// Hessians, Jacobians and JVPs of every op of the table against central differences.
// Each case is y = op(operands) with every operand a window of one vector variable x (so
// the Hessian holds the mixed partials too), and the scalar f = sum(w * y) + sum(y * y) / 2
// (a linear op has Hessian J^T J, a non-linear one its second derivatives as well):
//   hessian(f, x)                 against differences of grad(f, x), column by column
//   jacobian(y, x)                against differences of y (forward or reverse mode)
//   jvp(y, x, v)                  against differences of y along v
//   jvp(grad(f, x), x, v)         forward over reverse  \  each against H v and against
//   grad(jvp(f, x, v), x)         reverse over forward   > differences of grad(f, x)
//   grad(sum(grad(f, x) * v), x)  reverse over reverse  /  along v
// Every op of the table must occur in some case's y: a new op without one fails here.
#include "core/differentiate.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// Symbolic against central differences; the differences are good to ~1e-9 relative.
constexpr Tolerance fd_tol{1e-6, 1e-6};
// Two symbolic routes to the same number differ by rounding only.
constexpr Tolerance exact_tol{1e-11, 1e-11};

struct OpCase {
    std::string name;
    std::vector<Shape> operands;   // windows of x, in order
    std::vector<Interval> domains; // where each operand's values are drawn
    // y from the operands (each reshaped to its shape).
    std::function<Expr(const std::vector<Expr>&)> build;
    // Reverse mode cannot cross a Jacobian loop (differentiate.hpp): only the forward
    // derivatives (jacobian in forward mode, jvp) of such a y are checked.
    bool forward_only = false;
};

// A case whose y is op(operands) as Graph::make builds it.
OpCase made(Op op, std::vector<Shape> operands, Payload payload = {}, Shape target = {}) {
    OpCase c;
    c.name = std::string(name(op)) + " of " + operands[0].str();
    c.domains.assign(operands.size(), Interval{-2.0, 2.0});
    c.operands = std::move(operands);
    c.build = [op, payload, target](const std::vector<Expr>& xs) {
        std::vector<NodeId> ids;
        for (const Expr& x : xs)
            ids.push_back(x.id());
        Graph& g = xs[0].graph();
        return Expr(g, g.make(op, ids, payload, target));
    };
    return c;
}

std::vector<OpCase> op_cases() {
    std::vector<OpCase> cases;
    // Element-wise ops (and comparisons, where), each operand drawn from its test domain.
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        if (!is_elementwise(op))
            continue;
        visit(op, [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise) {
                OpCase c = made(op, std::vector<Shape>(E::arity, Shape{2, 3}));
                c.domains.assign(E::test_domain.begin(), E::test_domain.end());
                cases.push_back(std::move(c));
            }
        });
    }
    // Structural ops: y and x together of rank at most 4 (the Jacobian's limit).
    cases.push_back(made(Op::Broadcast, {{3}}, {}, {2, 3}));
    cases.push_back(made(Op::Broadcast, {{2, 1}}, {}, {2, 3}));
    cases.push_back(made(Op::SumTo, {{2, 3}}, {}, {}));
    cases.push_back(made(Op::SumTo, {{2, 3}}, {}, {1, 3}));
    cases.push_back(made(Op::LogSumExpTo, {{2, 3}}, {}, {2, 1}));
    cases.push_back(made(Op::LogSumExpTo, {{4}}, {}, {}));
    cases.push_back(made(Op::MaxTo, {{2, 3}}, {}, {2, 1}));
    cases.push_back(made(Op::MinTo, {{4}}, {}, {}));
    cases.push_back(made(Op::ProdTo, {{2, 3}}, {}, {1, 3}));
    cases.push_back(made(Op::ProdTo, {{4}}, {}, {}));
    cases.push_back(made(Op::Reshape, {{2, 3}}, {}, {3, 2}));
    cases.push_back(made(Op::Transpose, {{2, 3}}));
    cases.push_back(made(Op::MatMul, {{2, 3}, {3, 2}}));
    cases.push_back(made(Op::MatMul, {{2, 3}, {3}}));
    cases.push_back(made(Op::MatMul, {{3}, {3}}));
    {
        OpCase square = made(Op::MatMul, {{3, 3}}); // x @ x: one operand on both sides
        square.name = "matmul of a matrix by itself";
        square.build = [](const std::vector<Expr>& xs) { return matmul(xs[0], xs[0]); };
        cases.push_back(std::move(square));
    }
    cases.push_back(made(Op::Slice, {{3, 4}}, window({{1, 3}, {0, 2}})));
    cases.push_back(made(Op::Slice, {{3, 4}}, window({{1, 2}, {0, 4}}, 1)));
    cases.push_back(made(Op::Embed, {{2}}, window({{1, 3}}), {4}));
    cases.push_back(made(Op::Embed, {{2, 2}}, window({{1, 3}, {1, 3}}), {3, 4}));
    cases.push_back(made(Op::Diag, {{3}}));
    cases.push_back(made(Op::DiagPart, {{3, 3}}));
    cases.push_back(made(Op::Tril, {{3, 3}}));
    // Constants, as the language's literals make them.
    OpCase constants;
    constants.name = "constants";
    constants.operands = {{2, 3}};
    constants.domains = {{-2.0, 2.0}};
    constants.build = [](const std::vector<Expr>& xs) {
        return xs[0] * constant(xs[0].graph(), 1.5, xs[0].shape()) + 0.5;
    };
    cases.push_back(std::move(constants));
    // A Jacobian loop (with its seed) inside the function.
    OpCase loop;
    loop.name = "a jacobian loop";
    loop.operands = {{3}};
    loop.domains = {{-2.0, 2.0}};
    loop.build = [](const std::vector<Expr>& xs) {
        return jacobian(sin(xs[0]) * sum(xs[0] * xs[0]), xs[0]);
    };
    loop.forward_only = true;
    cases.push_back(std::move(loop));
    return cases;
}

struct Built {
    Graph g;
    Expr x, w, v, y, f;
};

// x (input 0) holds every operand; w (input 1, y's shape) and v (input 2, x's shape).
void build(const OpCase& c, Built& b) {
    std::int64_t n = 0;
    for (const Shape& s : c.operands)
        n += s.size();
    b.x = input(b.g, "x", {n});
    std::vector<Expr> operands;
    std::int32_t at = 0;
    for (const Shape& s : c.operands) {
        const auto size = static_cast<std::int32_t>(s.size());
        operands.push_back(reshape(slice(b.x, window({{at, at + size}})), s));
        at += size;
    }
    b.y = c.build(operands);
    b.w = input(b.g, "w", b.y.shape());
    b.v = input(b.g, "v", {n});
    b.f = sum(b.w * b.y) + sum(b.y * b.y) * 0.5;
}

Values values_for(const OpCase& c, Built& b, Rng& rng) {
    Tensor x(b.x.shape());
    std::size_t k = 0;
    for (std::size_t j = 0; j < c.operands.size(); ++j)
        for (std::int64_t e = 0; e < c.operands[j].size(); ++e)
            x[k++] = rng.real(c.domains[j].lo, c.domains[j].hi);
    return {x, random_tensor(rng, b.w.shape()), random_tensor(rng, b.v.shape())};
}

// result[i * cols + e] against the differences of `of` by x[e], for every e.
void against_columns(const Tensor& result, const Expr& of, const Values& at, FdTally& tally) {
    const auto cols = static_cast<std::size_t>(at[0].size());
    REQUIRE(result.size() == static_cast<std::size_t>(of.shape().size()) * cols);
    for (std::size_t e = 0; e < cols; ++e) {
        const auto fd = partial([&](const Values& v) { return eval(of, v); }, at, 0, e);
        for (std::size_t i = 0; i < fd.size(); ++i) {
            if (!fd[i].reliable) {
                ++tally.skipped;
                continue;
            }
            ++tally.compared;
            INFO("[" << i << ", " << e << "] = " << result[i * cols + e] << ", differences "
                     << fd[i].value);
            CHECK(close(result[i * cols + e], fd[i].value, fd_tol));
        }
    }
}

// `result` against the differences of `of` along v (input 2).
void against_direction(const Tensor& result, const Expr& of, const Values& at, FdTally& tally) {
    const auto fd = directional([&](const Values& v) { return eval(of, v); }, at, 0, at[2]);
    REQUIRE(fd.size() == result.size());
    for (std::size_t i = 0; i < fd.size(); ++i) {
        if (!fd[i].reliable) {
            ++tally.skipped;
            continue;
        }
        ++tally.compared;
        INFO("[" << i << "] = " << result[i] << ", differences " << fd[i].value);
        CHECK(close(result[i], fd[i].value, fd_tol));
    }
}

} // namespace

TEST_CASE("every op of the table occurs in a case of the higher-order test") {
    std::set<Op> covered;
    for (const OpCase& c : op_cases()) {
        Built b;
        build(c, b);
        const NodeId y = b.y.id();
        for (NodeId id : reachable(b.g, std::span<const NodeId>(&y, 1)))
            covered.insert(b.g[id].op);
    }
    std::string missing;
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        // The loops of the model (carry, elem, fold_loop) are built by the parser from a
        // function's text; tests/tools/loops_test.cpp runs them through every derivative.
        if (!covered.count(op) && !(op == Op::Carry || op == Op::Elem || op == Op::Fold))
            missing += " " + std::string(name(op));
    }
    INFO("ops without a case:" << missing);
    CHECK(missing.empty());
}

TEST_CASE("Hessians, Jacobians and JVPs of every op agree with central differences") {
    Rng rng(0x4e55);
    FdTally tally;
    int forward = 0, reverse = 0;
    for (const OpCase& c : op_cases()) {
        for (int trial = 0; trial < 2; ++trial) {
            Built b;
            build(c, b);
            const Values at = values_for(c, b, rng);
            INFO(c.name << ", trial " << trial << "\n" << listing(b.y));

            const Expr j = jacobian(b.y, b.x);
            if (j.node().op == Op::SeedLoop)
                (j.node().loop().seed_axes_last ? forward : reverse)++;
            {
                INFO("jacobian(y, x)");
                against_columns(eval(j, at), b.y, at, tally);
            }
            {
                INFO("jvp(y, x, v)");
                against_direction(eval(jvp(b.y, b.x, b.v), at), b.y, at, tally);
            }
            if (c.forward_only)
                continue;

            const Expr g = grad(b.f, b.x);
            const Expr h = hessian(b.f, b.x);
            const std::vector<Expr> roots = {h, jvp(g, b.x, b.v), grad(jvp(b.f, b.x, b.v), b.x),
                                             grad(sum(g * b.v), b.x)};
            const std::vector<Tensor> r = eval_all(b.g, roots, at);
            {
                INFO("hessian(f, x)");
                against_columns(r[0], g, at, tally);
            }
            // H v from the Hessian itself.
            const auto n = static_cast<std::size_t>(at[0].size());
            Tensor hv(Shape{static_cast<std::int64_t>(n)});
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < n; ++k)
                    hv[i] += r[0][i * n + k] * at[2][k];
            const char* names[] = {"jvp(grad(f, x), x, v)", "grad(jvp(f, x, v), x)",
                                   "grad(sum(grad(f, x) * v), x)"};
            for (std::size_t k = 1; k < r.size(); ++k) {
                INFO(names[k - 1]);
                const double scale = std::max(1.0, max_abs(hv));
                CHECK_THAT(r[k], IsClose(hv, {exact_tol.rel, exact_tol.abs * scale}));
                against_direction(r[k], g, at, tally);
            }
        }
    }
    CHECK(forward > 10);
    CHECK(reverse > 10);
    CHECK(tally.compared > 3000);
    CHECK(tally.skipped_fraction() < 0.05);
}
