// The tape (symbol-to-number mode) against the symbolic mode: lecture examples, every
// op of the table, a random-expression corpus, higher order, forward mode, NaN safety,
// reuse, memory and errors. The symbolic reference is core `grad`/`vjp`/`jvp` evaluated
// by the interpreter; agreement is required to 1e-12 x max(1, |a|_inf, |b|_inf): relative
// for magnitudes of 1 and more, and an absolute floor of 1e-12 where the exact value
// is 0 and both modes give rounding noise (softmax of equal entries). Seeds are pinned.
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/eval.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random.hpp"
#include "tests/support/random_expr.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace symdiff;
using symdiff::test::tensor;

namespace {

namespace st = symdiff::test;
using st::window;

constexpr double rel = 1e-12;

// "a0", "t1", ... (built with +=: `"a" + std::to_string(i)` trips g++ 12's -Wrestrict).
std::string numbered(const char* prefix, std::size_t i) {
    std::string s(prefix);
    s += std::to_string(i);
    return s;
}

// Values in [d.lo, d.hi); with `snap`, about half are rounded to a multiple of 0.5 inside
// the interval, so ties, zeros and kinks occur (relu(0), max(a, a), where(0, ...)).
Tensor sample(st::Rng& rng, const Shape& s, Interval d, bool snap) {
    Tensor t(s);
    for (double& v : t.data()) {
        v = rng.real(d.lo, d.hi);
        const double r = std::round(v * 2.0) / 2.0;
        if (snap && rng.chance(0.5) && r >= d.lo && r <= d.hi)
            v = r;
    }
    return t;
}

// actual == expected to r x max(1, |actual|_inf, |expected|_inf); NaN only where both
// are NaN, an infinity only where both have it.
void check_agree(const Tensor& actual, const Tensor& expected, double r = rel) {
    const double scale = std::max({1.0, st::max_abs(actual), st::max_abs(expected)});
    CHECK_THAT(actual, st::IsClose(expected, {r, r * scale}));
}

std::vector<Tensor> eval_exprs(const Graph& g, const std::vector<Expr>& es, const Bindings& b) {
    std::vector<NodeId> roots;
    for (const Expr& e : es)
        roots.push_back(e.id());
    return evaluate(g, roots, b);
}

// Sum of the symbolic jvps of y along tangent inputs ts (one per x).
Expr symbolic_jvp(const Expr& y, const std::vector<Expr>& xs, const std::vector<Expr>& ts) {
    Expr total;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Expr d = jvp(y, xs[i], ts[i]);
        total = i == 0 ? d : d + total;
    }
    return total;
}

// For y (any shape) of variables xs at `b`: the tape's value, its reverse sweep seeded
// with the value of input `cot` and its forward sweep along inputs `ts` agree with the
// interpreter, the symbolic vjp and the symbolic jvp. Scalar y is also checked with
// backward()'s default seed against `grad`.
void check_modes_agree(const Expr& y, const std::vector<Expr>& xs, const Expr& cot,
                       const std::vector<Expr>& ts, const Bindings& b) {
    Graph& g = y.graph();
    const auto vj = vjp(y, xs, cot);
    const Expr jv = symbolic_jvp(y, xs, ts);
    std::vector<Expr> roots{y, cot, jv};
    roots.insert(roots.end(), vj.begin(), vj.end());
    for (const Expr& t : ts)
        roots.push_back(t);
    const auto ref = eval_exprs(g, roots, b);

    Tape tape(y, xs);
    CHECK_THAT(tape.forward(b), st::IsExactly(ref[0]));
    const auto d = tape.backward(ref[1]);
    REQUIRE(d.size() == xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
        INFO("reverse, variable " << i);
        check_agree(d[i], ref[3 + i]);
    }
    const std::vector<Tensor> tangents(ref.begin() + static_cast<std::ptrdiff_t>(3 + xs.size()),
                                       ref.end());
    {
        INFO("forward mode");
        check_agree(tape.jvp(b, tangents), ref[2]);
    }
    if (y.shape().is_scalar()) {
        const auto gr = eval_exprs(g, grad(y, xs), b);
        REQUIRE(tape.forward(b).shape() == Shape{});
        const auto d1 = tape.backward();
        for (std::size_t i = 0; i < xs.size(); ++i) {
            INFO("grad, variable " << i);
            check_agree(d1[i], gr[i]);
        }
    }
}

// Inputs "ct" (cotangent, y's shape) and "t0", "t1", ... (tangents, the xs' shapes).
struct Seeds {
    Expr cot;
    std::vector<Expr> ts;
};
Seeds seed_inputs(Graph& g, const Expr& y, const std::vector<Expr>& xs) {
    Seeds s;
    s.cot = input(g, "ct", y.shape());
    for (std::size_t i = 0; i < xs.size(); ++i)
        s.ts.push_back(input(g, numbered("t", i), xs[i].shape()));
    return s;
}

} // namespace

// ---------------------------------------------------------------------------------
// Lecture examples

TEST_CASE("tape: circuit (x + y) z") {
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y"), z = input(g, "z");
    Expr f = (x + y) * z;
    Tape tape(f, {x, y, z});
    Bindings b(g);
    b.set("x", Tensor(-2.0));
    b.set("y", Tensor(5.0));
    b.set("z", Tensor(-4.0));
    CHECK(tape.forward(b).item() == -12.0);
    const auto d = tape.backward();
    REQUIRE(d.size() == 3);
    CHECK(d[0].item() == -4.0);
    CHECK(d[1].item() == -4.0);
    CHECK(d[2].item() == 3.0);
}

TEST_CASE("tape: sigmoid neuron") {
    Graph g;
    Expr w = input(g, "w", {3}), x = input(g, "x", {2});
    // f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))
    SliceSpec head;
    head.stop[0] = 2;
    SliceSpec last;
    last.start[0] = 2;
    last.stop[0] = 3;
    last.drop = 1;
    Expr z = sum(slice(w, head) * x) + slice(w, last);
    Expr f = 1.0 / (1.0 + exp(-z));
    Tape tape(f, std::vector<Expr>{w, x});
    Bindings b(g);
    b.set("w", tensor({3}, {2.0, -3.0, -3.0}));
    b.set("x", tensor({2}, {-1.0, -2.0}));
    CHECK(tape.forward(b).item() == Approx(0.7310585786300049));
    const auto d = tape.backward();
    CHECK(d[0][0] == Approx(-0.19661193324148185).margin(1e-12));
    CHECK(d[0][1] == Approx(-0.3932238664829637).margin(1e-12));
    CHECK(d[0][2] == Approx(0.19661193324148185).margin(1e-12));
    CHECK(d[1][0] == Approx(0.3932238664829637).margin(1e-12));
    CHECK(d[1][1] == Approx(-0.5898357997244456).margin(1e-12));
    // the slide's rounded values
    CHECK(d[0][0] == Approx(-0.20).margin(0.005));
    CHECK(d[0][1] == Approx(-0.39).margin(0.005));
    CHECK(d[1][1] == Approx(-0.59).margin(0.005));
}

TEST_CASE("tape: ||W x||^2") {
    Graph g;
    Expr W = input(g, "W", {2, 2}), x = input(g, "x", {2});
    Expr f = sum(pow(matmul(W, x), 2.0));
    Tape tape(f, {W, x});
    Bindings b(g);
    b.set("W", tensor({2, 2}, {0.1, 0.5, -0.3, 0.8}));
    b.set("x", tensor({2}, {0.2, 0.4}));
    CHECK(tape.forward(b).item() == Approx(0.116));
    const auto d = tape.backward();
    REQUIRE(d[0].shape() == Shape{2, 2});
    REQUIRE(d[1].shape() == Shape{2});
    const double dW[] = {0.088, 0.176, 0.104, 0.208};
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(d[0][i] == Approx(dW[i]).margin(1e-12));
    CHECK(d[1][0] == Approx(-0.112).margin(1e-12));
    CHECK(d[1][1] == Approx(0.636).margin(1e-12));
}

// ---------------------------------------------------------------------------------
// Every op of the table

TEST_CASE("tape: every element-wise op agrees with the symbolic mode") {
    st::Rng rng(0x7a9e01);
    int ops_tested = 0, elementwise_ops = 0;
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        if (!is_elementwise(op))
            continue;
        ++elementwise_ops;
        visit(op, [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise) {
                for (const Shape& s : {Shape{}, Shape{5}, Shape{2, 3}})
                    for (int trial = 0; trial < 6; ++trial) {
                        INFO(E::name << " on " << s.str() << ", trial " << trial);
                        Graph g;
                        std::vector<Expr> xs;
                        for (int j = 0; j < E::arity; ++j)
                            xs.push_back(input(g, numbered("a", j), s));
                        Expr y;
                        if constexpr (E::arity == 1)
                            y = elementwise(op, {xs[0]});
                        else if constexpr (E::arity == 2)
                            y = elementwise(op, {xs[0], xs[1]});
                        else
                            y = elementwise(op, {xs[0], xs[1], xs[2]});
                        const Seeds seeds = seed_inputs(g, y, xs);
                        const Expr w = input(g, "w", s);
                        const Expr f = sum(w * y);
                        Bindings b(g);
                        for (int j = 0; j < E::arity; ++j)
                            b.set(j, sample(rng, s, E::test_domain[static_cast<std::size_t>(j)],
                                            trial % 2 == 1));
                        b.set("ct", st::random_tensor(rng, s, -2.0, 2.0));
                        for (std::size_t j = 0; j < xs.size(); ++j)
                            b.set(numbered("t", j), st::random_tensor(rng, s, -2.0, 2.0));
                        check_modes_agree(y, xs, seeds.cot, seeds.ts, b);
                        // and through a scalar loss with the default seed
                        b.set("w", st::random_tensor(rng, s, -2.0, 2.0));
                        Tape tape(f, xs);
                        tape.forward(b);
                        const auto d = tape.backward();
                        const auto ref = eval_exprs(g, grad(f, xs), b);
                        for (std::size_t j = 0; j < xs.size(); ++j)
                            check_agree(d[j], ref[j]);
                    }
                ++ops_tested;
            }
        });
    }
    CHECK(ops_tested == elementwise_ops);
    CHECK(elementwise_ops >= 20);
}

namespace {

struct StructuralCase {
    Op op;
    std::vector<Shape> operands;
    Payload payload = {};
    Shape target = {};
    bool same_operand = false; // every operand is one node (x @ x)
};

std::vector<StructuralCase> structural_cases() {
    return {
        {Op::Broadcast, {{3}}, {}, {2, 3}},
        {Op::Broadcast, {{}}, {}, {4}},
        {Op::Broadcast, {{2, 1}}, {}, {2, 3}},
        {Op::Broadcast, {{3, 1}}, {}, {2, 3, 4}},
        {Op::SumTo, {{2, 3}}, {}, {}},
        {Op::SumTo, {{2, 3}}, {}, {1, 3}},
        {Op::SumTo, {{2, 3}}, {}, {3}},
        {Op::SumTo, {{2, 3}}, {}, {2, 1}},
        {Op::SumTo, {{2, 3, 4}}, {}, {3, 1}},
        {Op::LogSumExpTo, {{2, 3}}, {}, {}},
        {Op::LogSumExpTo, {{2, 3}}, {}, {2, 1}},
        {Op::LogSumExpTo, {{4}}, {}, {}},
        {Op::LogSumExpTo, {{2, 3, 2}}, {}, {1, 3, 1}},
        {Op::MaxTo, {{2, 3}}, {}, {}},
        {Op::MaxTo, {{2, 3}}, {}, {2, 1}},
        {Op::MinTo, {{2, 3, 2}}, {}, {1, 3, 1}},
        {Op::MinTo, {{4}}, {}, {}},
        {Op::ProdTo, {{2, 3}}, {}, {}},
        {Op::ProdTo, {{2, 3}}, {}, {3}},
        {Op::Reshape, {{2, 3}}, {}, {3, 2}},
        {Op::Reshape, {{6}}, {}, {2, 3}},
        {Op::Reshape, {{2, 3}}, {}, {6}},
        {Op::Reshape, {{1}}, {}, {}},
        {Op::Transpose, {{2, 3}}},
        {Op::Transpose, {{2, 3, 4}}},
        {Op::MatMul, {{2, 3}, {3, 4}}},
        {Op::MatMul, {{2, 3}, {3}}},
        {Op::MatMul, {{3}, {3, 4}}},
        {Op::MatMul, {{3}, {3}}},
        {Op::MatMul, {{3, 3}, {3, 3}}, {}, {}, true},
        {Op::MatMul, {{4}, {4}}, {}, {}, true},
        {Op::Slice, {{4}}, window({{1, 2}}, 1)},
        {Op::Slice, {{4}}, window({{1, 3}})},
        {Op::Slice, {{3, 4}}, window({{0, 3}, {1, 2}}, 2)},
        {Op::Slice, {{3, 4}}, window({{1, 3}, {0, 2}})},
        {Op::Slice, {{3, 4}}, window({{1, 2}, {0, 4}}, 1)},
        {Op::Slice, {{2, 3, 4}}, window({{0, 2}, {1, 3}, {2, 3}}, 4)},
        {Op::Embed, {{2}}, window({{1, 3}}), {4}},
        {Op::Embed, {{2, 2}}, window({{1, 3}, {1, 3}}), {3, 4}},
        {Op::Embed, {{4}}, window({{1, 2}, {0, 4}}, 1), {3, 4}},
        {Op::Diag, {{3}}},
        {Op::DiagPart, {{3, 3}}},
        {Op::Tril, {{3, 3}}},
        {Op::Tril, {{2, 2}}},
    };
}

} // namespace

TEST_CASE("tape: every structural op agrees with the symbolic mode") {
    const auto cases = structural_cases();
    for (int k = 0; k < op_count; ++k) { // the table's structural ops all have cases
        const Op op = static_cast<Op>(k);
        const OpKind kind = info(op).kind;
        if (kind == OpKind::leaf || kind == OpKind::elementwise || kind == OpKind::loop ||
            kind == OpKind::fold || kind == OpKind::element)
            continue; // the tape does not record jacobian loops or folds (tape.hpp)
        INFO("structural op " << name(op));
        CHECK(std::any_of(cases.begin(), cases.end(),
                          [op](const StructuralCase& c) { return c.op == op; }));
    }
    st::Rng rng(0x5eed5);
    for (const StructuralCase& c : cases)
        for (int trial = 0; trial < 3; ++trial) {
            Graph g;
            std::vector<Expr> xs;
            std::vector<NodeId> ids;
            for (std::size_t j = 0; j < c.operands.size(); ++j) {
                if (!c.same_operand || j == 0)
                    xs.push_back(input(g, numbered("a", j), c.operands[j]));
                ids.push_back(xs.back().id());
            }
            const Expr y(g, g.make(c.op, ids, c.payload, c.target));
            INFO(name(c.op) << " of " << c.operands[0].str() << " -> " << y.shape().str()
                            << ", trial " << trial);
            REQUIRE(y.node().op == c.op); // not folded away
            const Seeds seeds = seed_inputs(g, y, xs);
            Bindings b(g);
            for (std::size_t j = 0; j < xs.size(); ++j)
                b.set(static_cast<int>(j), st::random_tensor(rng, xs[j].shape(), -2.0, 2.0));
            b.set("ct", st::random_tensor(rng, y.shape(), -2.0, 2.0));
            for (std::size_t j = 0; j < xs.size(); ++j)
                b.set(numbered("t", j), st::random_tensor(rng, xs[j].shape(), -2.0, 2.0));
            check_modes_agree(y, xs, seeds.cot, seeds.ts, b);
            // one operand a variable and the other data (only one of the rules runs)
            if (xs.size() == 2) {
                const std::vector<Expr> one{xs[trial % 2]};
                const std::vector<Expr> t_one{seeds.ts[static_cast<std::size_t>(trial % 2)]};
                check_modes_agree(y, one, seeds.cot, t_one, b);
            }
        }
}

// ---------------------------------------------------------------------------------
// Random expressions

TEST_CASE("tape vs symbolic graph: 400 random expressions (fixed seeds) agree to 1e-12 "
          "relative, reverse and forward") {
    int checked = 0;
    for (std::uint64_t e = 0; e < 400; ++e) {
        Graph g;
        st::Rng rng(0xc0ffee + e);
        const std::vector<Expr> xs = st::random_inputs(g, rng, 3, 2, 3);
        st::RandomExprOptions opt;
        opt.depth = 3 + static_cast<int>(e % 3);
        st::RandomExprGenerator gen(xs, 0xbeef + e, opt);
        std::vector<std::int64_t> dims(
            static_cast<std::size_t>(e % 2 == 0 ? 0 : rng.integer(1, 2)));
        for (auto& d : dims)
            d = rng.integer(1, 3);
        const Shape out(dims);
        const Expr y = gen(out);
        const Seeds seeds = seed_inputs(g, y, xs);
        const Bindings b = st::bind(g, st::random_values(g, rng, -1.0, 1.0));
        INFO("expression " << e << ":\n" << st::listing(y));
        check_modes_agree(y, xs, seeds.cot, seeds.ts, b);
        ++checked;
    }
    CHECK(checked == 400);
}

TEST_CASE("tape: a model indexed element by element") {
    // Extended Rosenbrock written with x[i]: the reverse sweep scatters each index's
    // adjoint into x's (and a row of a matrix, and a diagonal, the same way).
    const int n = 200;
    Graph g;
    Expr x = input(g, "x", {n}), A = input(g, "A", {4, 4});
    auto at = [&](int i) { return slice(x, window({{i, i + 1}}, 1)); };
    Expr f = sum(slice(A, window({{2, 3}, {0, 4}}, 1)) * diag_part(A));
    for (int i = 0; i < n / 2; ++i) {
        const Expr a = at(2 * i), b = at(2 * i + 1);
        f = f + 100.0 * pow(b - a * a, 2.0) + pow(1.0 - a, 2.0);
    }
    st::Rng rng(3);
    Tape tape(f, {x, A});
    for (int run = 0; run < 2; ++run) {
        Bindings b(g);
        b.set("x", st::random_tensor(rng, {n}, -1.5, 1.5));
        b.set("A", st::random_tensor(rng, {4, 4}, -1.0, 1.0));
        const auto ref = eval_exprs(g, grad(f, std::vector<Expr>{x, A}), b);
        tape.forward(b);
        const auto d = tape.backward();
        check_agree(d[0], ref[0]);
        check_agree(d[1], ref[1]);
    }
}

// ---------------------------------------------------------------------------------
// Higher order: a tape over a graph that already holds a symbolic derivative

TEST_CASE("tape: over a symbolic gradient it gives Hessian-vector products") {
    Graph g;
    Expr x = input(g, "x", {3}), v = input(g, "v", {3}), W = input(g, "W", {3, 3});
    Expr f = sum(tanh(matmul(W, x)) * x) + logsumexp(x * x) + sum(relu(x) * exp(x)) +
             sum(pow(x * x + 1.0, 1.5)) / (1.0 + sum(sigmoid(x)));
    Expr y = sum(grad(f, x) * v); // d f . v
    Expr hv = grad(y, x);         // the symbolic Hessian-vector product
    st::Rng rng(42);
    Tape tape(y, std::vector<Expr>{x});
    for (int trial = 0; trial < 5; ++trial) {
        Bindings b(g);
        b.set("x", st::random_tensor(rng, {3}, -1.5, 1.5));
        b.set("v", st::random_tensor(rng, {3}, -1.0, 1.0));
        b.set("W", st::random_tensor(rng, {3, 3}, -1.0, 1.0));
        const auto ref = eval_exprs(g, {y, hv}, b);
        CHECK_THAT(tape.forward(b), st::IsExactly(ref[0]));
        check_agree(tape.backward()[0], ref[1]);
    }
}

TEST_CASE("tape: Hessian-vector products of random expressions") {
    for (std::uint64_t e = 0; e < 60; ++e) {
        Graph g;
        st::Rng rng(0x4e55 + e);
        const std::vector<Expr> xs = st::random_inputs(g, rng, 2, 2, 3);
        st::RandomExprGenerator gen(xs, 0x11 + e);
        const Expr f = gen(Shape{});
        const Expr v = input(g, "v", xs[0].shape());
        const Expr y = sum(grad(f, xs[0]) * v);
        const auto hv = grad(y, xs);
        const Bindings b = st::bind(g, st::random_values(g, rng, -1.0, 1.0));
        INFO("expression " << e << ":\n" << st::listing(f));
        const auto ref = eval_exprs(g, hv, b);
        Tape tape(y, xs);
        tape.forward(b);
        const auto d = tape.backward();
        for (std::size_t i = 0; i < xs.size(); ++i)
            check_agree(d[i], ref[i]);
    }
}

// ---------------------------------------------------------------------------------
// Forward mode

TEST_CASE("tape: jvp agrees with the symbolic jvp and with <cotangent, vjp>") {
    Graph g;
    Expr A = input(g, "A", {3, 4}), x = input(g, "x", {4}), b0 = input(g, "b0", {3});
    Expr y = softmax(tanh(matmul(A, x) + b0) * 2.0); // [3]
    const std::vector<Expr> xs{A, x};
    const Expr tA = input(g, "tA", {3, 4}), tx = input(g, "tx", {4});
    const Expr sym = jvp(y, A, tA) + jvp(y, x, tx);
    st::Rng rng(7);
    Bindings b = st::bind(g, st::random_values(g, rng, -1.0, 1.0));
    const auto ref = eval_exprs(g, {sym, tA, tx}, b);
    Tape tape(y, xs);
    const std::vector<Tensor> t{ref[1], ref[2]};
    const Tensor jv = tape.jvp(b, t);
    check_agree(jv, ref[0]);
    // <c, J t> = <J^T c, t>
    const Tensor c = st::random_tensor(rng, {3});
    tape.forward(b);
    const auto d = tape.backward(c);
    CHECK(st::inner(c, jv) == Approx(st::inner(d[0], t[0]) + st::inner(d[1], t[1])).epsilon(1e-12));
    // a single variable
    Tape one(y, std::vector<Expr>{x});
    const auto ref1 = eval_exprs(g, {jvp(y, x, tx)}, b);
    check_agree(one.jvp(b, ref[2]), ref1[0]);
}

TEST_CASE("tape: tangents of a variable that depends on another variable add up") {
    Graph g;
    Expr x = input(g, "x");
    Expr u = sin(x) * 3.0; // an intermediate node as the second variable
    Expr y = u * u + x;
    Tape tape(y, std::vector<Expr>{x, u});
    Bindings b(g);
    b.set("x", Tensor(0.7));
    tape.forward(b);
    const auto d = tape.backward();
    const double uv = 3.0 * std::sin(0.7);
    CHECK(d[1].item() == Approx(2.0 * uv));                             // dy/du, u held
    CHECK(d[0].item() == Approx(2.0 * uv * 3.0 * std::cos(0.7) + 1.0)); // total dy/dx
    // symbolically, the adjoints of those nodes (grad takes inputs only)
    const auto sym = eval_exprs(g, node_adjoints(y, std::vector<Expr>{x, u}, 1.0), b);
    check_agree(d[0], sym[0]);
    check_agree(d[1], sym[1]);
    // jvp along (tx, tu) = <grad, (tx, tu)>
    const std::vector<Tensor> t{Tensor(0.3), Tensor(-1.1)};
    CHECK(tape.jvp(b, t).item() == Approx(0.3 * d[0].item() - 1.1 * d[1].item()));
}

// ---------------------------------------------------------------------------------
// NaN safety (see tape.hpp): masks and kinks select away infinite partials; where the
// symbolic graph multiplies 0 by inf in an ordinary product, the tape's strong zero
// gives 0.

namespace {

struct Both {
    std::vector<Tensor> tape, symbolic;
};

Both both_grads(const Expr& f, const std::vector<Expr>& xs, const Bindings& b) {
    Tape tape(f, xs);
    tape.forward(b);
    const auto d = tape.backward();
    return {std::vector<Tensor>(d.begin(), d.end()), eval_exprs(f.graph(), grad(f, xs), b)};
}

} // namespace

TEST_CASE("tape: where keeps the branch not taken out of the gradient") {
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y");
    Expr f = where(x > 0.0, sqrt(x) * y, 2.0 * y);
    Bindings b(g);
    b.set("y", Tensor(3.0));
    SECTION("branch not taken, its partial infinite") {
        b.set("x", Tensor(0.0));
        const Both r = both_grads(f, {x, y}, b);
        CHECK(r.tape[0].item() == 0.0);
        CHECK(r.tape[1].item() == 2.0);
        CHECK(r.symbolic[0].item() == 0.0);
        CHECK(r.symbolic[1].item() == 2.0);
    }
    SECTION("branch taken") {
        b.set("x", Tensor(4.0));
        const Both r = both_grads(f, {x, y}, b);
        CHECK(r.tape[0].item() == 0.75); // y / (2 sqrt x)
        CHECK(r.tape[1].item() == 2.0);  // sqrt x
        CHECK(r.symbolic[0].item() == 0.75);
    }
    SECTION("a tensor of mixed branches") {
        Graph h;
        Expr u = input(h, "u", {4});
        Expr fu = sum(where(u > 0.0, sqrt(u), -u));
        Bindings bu(h);
        bu.set("u", tensor({4}, {0.0, 4.0, -1.0, 0.25}));
        const Both r = both_grads(fu, {u}, bu);
        CHECK_THAT(r.tape[0], st::IsExactly(tensor({4}, {-1.0, 0.25, -1.0, 1.0})));
        CHECK_THAT(r.symbolic[0], st::IsExactly(r.tape[0]));
    }
}

TEST_CASE("tape: kinks of relu, abs, max and min mask infinite adjoints") {
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y");
    Bindings b(g);
    const double inf = std::numeric_limits<double>::infinity();
    struct Case {
        const char* label;
        Expr f;
        double x, y, dx, dy;
    };
    // sqrt'(0) = inf reaches the kink; the kink's partial there is exactly 0.
    const std::vector<Case> cases = {
        {"sqrt(relu x), x < 0", sqrt(relu(x)) + y, -1.0, 0.0, 0.0, 1.0},
        {"sqrt(relu x), x = 0", sqrt(relu(x)) + y, 0.0, 0.0, 0.0, 1.0},
        {"sqrt(relu x), x > 0", sqrt(relu(x)) + y, 4.0, 0.0, 0.25, 1.0},
        {"sqrt(abs x), x = 0", sqrt(abs(x)) + y, 0.0, 0.0, 0.0, 1.0},
        {"sqrt(abs x), x < 0", sqrt(abs(x)) + y, -4.0, 0.0, -0.25, 1.0},
        {"sqrt(max(x, y)), x < y = 0", sqrt(max(x, y)), -1.0, 0.0, 0.0, inf},
        {"sqrt(max(x, 0)) y, x < 0", sqrt(max(x, 0.0)) * y, -1.0, 2.0, 0.0, 0.0},
        {"max tie goes to a", max(x, y) * 3.0, 1.5, 1.5, 3.0, 0.0},
        {"min tie goes to a", min(x, y) * 3.0, 1.5, 1.5, 3.0, 0.0},
        {"max away from a tie", max(x, y) * 3.0, 1.0, 1.5, 0.0, 3.0},
        {"min away from a tie", min(x, y) * 3.0, 1.0, 1.5, 3.0, 0.0},
        {"sqrt(min(x, 0)) masks, x > 0", sqrt(-min(x, 0.0)) + y, 2.0, 0.0, 0.0, 1.0},
        {"relu(x) y at x = 0", relu(x) * y, 0.0, 5.0, 0.0, 0.0},
    };
    for (const Case& c : cases) {
        INFO(c.label);
        b.set("x", Tensor(c.x));
        b.set("y", Tensor(c.y));
        const Both r = both_grads(c.f, {x, y}, b);
        CHECK(r.tape[0].item() == c.dx);
        CHECK(r.tape[1].item() == c.dy);
        CHECK_THAT(r.symbolic[0], st::IsExactly(r.tape[0]));
        CHECK_THAT(r.symbolic[1], st::IsExactly(r.tape[1]));
    }
}

TEST_CASE("tape: the documented difference - 0 x inf in an unmasked product") {
    // d(y sqrt x)/dx = y * 0.5 / sqrt(x): at y = 0, x = 0 the symbolic graph computes
    // 0 * inf = NaN; the tape's adjoint of sqrt(x) is exactly 0, so it contributes 0.
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y");
    const Expr tx = input(g, "tx"), ty = input(g, "ty");
    Expr f = y * sqrt(x);
    Bindings b(g);
    b.set("x", Tensor(0.0));
    b.set("y", Tensor(0.0));
    const Both r = both_grads(f, {x, y}, b);
    CHECK(std::isnan(r.symbolic[0].item()));
    CHECK(r.tape[0].item() == 0.0);
    CHECK(r.symbolic[1].item() == 0.0); // d/dy = sqrt(0) in both
    CHECK(r.tape[1].item() == 0.0);
    SECTION("the NaN the symbolic graph makes flows on; the tape stays finite") {
        Expr h = exp(f) + x;
        const Both s = both_grads(h, {x}, b);
        CHECK(std::isnan(s.symbolic[0].item()));
        CHECK(s.tape[0].item() == 1.0);
    }
    SECTION("forward mode: a zero tangent meets the infinite partial") {
        Tape tape(f, std::vector<Expr>{x, y});
        const std::vector<Tensor> t{Tensor(0.0), Tensor(1.0)}; // along y only
        CHECK(tape.jvp(b, t).item() == 0.0);
        b.set("ty", Tensor(1.0));
        b.set("tx", Tensor(0.0));
        const auto sym = eval_exprs(g, {jvp(f, x, tx) + jvp(f, y, ty)}, b);
        CHECK(std::isnan(sym[0].item()));
    }
    SECTION("forward mode: a zero tangent meets an infinite partial of a binary op") {
        // d pow(x, y) = (y x^(y-1), 0 at x = 0): along y only, at x = 0, y = 0.5, the
        // symbolic jvp computes 0 * inf + 1 * 0 = NaN, the tape 0 (= d/dy 0^y for y > 0).
        const Expr p = pow(x, y);
        b.set("y", Tensor(0.5));
        b.set("tx", Tensor(0.0));
        b.set("ty", Tensor(1.0));
        Tape tape(p, std::vector<Expr>{x, y});
        const std::vector<Tensor> t{Tensor(0.0), Tensor(1.0)};
        CHECK(tape.jvp(b, t).item() == 0.0);
        const auto sym = eval_exprs(g, {jvp(p, x, tx) + jvp(p, y, ty)}, b);
        CHECK(std::isnan(sym[0].item()));
        // the reverse sweep: dx = inf in both, dy = 0 in both
        const Both rp = both_grads(p, {x, y}, b);
        CHECK(rp.tape[0].item() == std::numeric_limits<double>::infinity());
        CHECK_THAT(rp.symbolic[0], st::IsExactly(rp.tape[0]));
        CHECK(rp.tape[1].item() == 0.0);
        CHECK(rp.symbolic[1].item() == 0.0);
    }
    SECTION("away from the singular point the two agree") {
        b.set("x", Tensor(0.25));
        b.set("y", Tensor(0.0));
        const Both s = both_grads(f, {x, y}, b);
        CHECK(s.tape[0].item() == 0.0);
        CHECK(s.symbolic[0].item() == 0.0);
        CHECK(s.tape[1].item() == 0.5);
    }
}

TEST_CASE("tape: a NaN adjoint meets a zero partial as 0, a nonzero one as NaN") {
    Graph g;
    Expr x = input(g, "x");
    Bindings b(g);
    b.set("x", Tensor(-2.0));
    // sqrt(relu(x) - 1) at x = -2: sqrt(-1) is NaN and so is its partial, the adjoint of
    // relu(x); relu'(-2) = 0 masks it in both modes.
    const Both masked = both_grads(sqrt(relu(x) - 1.0), {x}, b);
    CHECK(masked.tape[0].item() == 0.0);
    CHECK(masked.symbolic[0].item() == 0.0);
    // sqrt(x - 1) at x = -2: the NaN partial meets a nonzero adjoint: NaN in both.
    const Both open = both_grads(sqrt(x - 1.0), {x}, b);
    CHECK(std::isnan(open.tape[0].item()));
    CHECK(std::isnan(open.symbolic[0].item()));
}

// ---------------------------------------------------------------------------------
// Reuse and memory

TEST_CASE("tape: record once, run with new inputs") {
    Graph g;
    const std::int64_t d = 6, m = 9;
    Expr X = input(g, "X", {m, d}), t = input(g, "t", {m}), w = input(g, "w", {d}),
         c = input(g, "c");
    Expr p = sigmoid(matmul(X, w) + c);
    Expr loss = -mean(t * log(p) + (1.0 - t) * log(1.0 - p)) + 0.01 * sum(w * w);
    const std::vector<Expr> xs{w, c};
    const auto sym = grad(loss, xs);
    Tape tape(loss, xs);
    st::Rng rng(99);
    for (int run = 0; run < 3; ++run) {
        INFO("run " << run);
        Bindings b(g);
        b.set("X", st::random_tensor(rng, {m, d}, -2.0, 2.0));
        Tensor labels(Shape{m});
        for (double& v : labels.data())
            v = rng.chance(0.5) ? 1.0 : 0.0;
        b.set("t", labels);
        b.set("w", st::random_tensor(rng, {d}, -1.0, 1.0));
        b.set("c", st::random_tensor(rng, {}, -1.0, 1.0));
        const auto ref = eval_exprs(g, {loss, sym[0], sym[1]}, b);
        CHECK_THAT(tape.forward(b), st::IsExactly(ref[0]));
        const auto dv = tape.backward();
        check_agree(dv[0], ref[1]);
        check_agree(dv[1], ref[2]);
        // and a freshly recorded tape gives the same numbers bit for bit
        Tape fresh(loss, xs);
        fresh.forward(b);
        const auto df = fresh.backward();
        CHECK_THAT(dv[0], st::IsExactly(df[0]));
        CHECK_THAT(dv[1], st::IsExactly(df[1]));
    }
}

TEST_CASE("tape: the gradient matches central differences on a small network") {
    Graph g;
    Expr X = input(g, "X", {5, 4}), W1 = input(g, "W1", {4, 3}), b1 = input(g, "b1", {3}),
         w2 = input(g, "w2", {3}), t = input(g, "t", {5});
    Expr h = tanh(matmul(X, W1) + b1);
    Expr f = mean(pow(matmul(h, w2) - t, 2.0));
    const std::vector<Expr> xs{W1, b1, w2};
    st::Rng rng(5);
    const st::Values at = st::random_values(g, rng, -1.0, 1.0);
    Tape tape(f, xs);
    tape.forward(st::bind(g, at));
    const auto d = tape.backward();
    const int index[] = {1, 2, 3}; // graph input index of each variable
    auto value = [&](const st::Values& v) { return st::eval(f, v); };
    for (std::size_t i = 0; i < xs.size(); ++i)
        for (std::size_t e = 0; e < d[i].size(); ++e) {
            const auto fd = st::partial(value, at, index[i], e);
            REQUIRE(fd[0].reliable);
            CHECK(d[i][e] == Approx(fd[0].value).margin(1e-9));
        }
}

TEST_CASE("tape: keeps exactly what the reverse rules read") {
    const std::int64_t n = 100;
    const std::size_t bytes = n * sizeof(double);
    struct Case {
        const char* label;
        Expr (*make)(const Expr&, const Expr&);
        std::size_t kept;
    };
    const std::vector<Case> cases = {
        // exp's partial reads its result; sum_to's rule reads nothing
        {"sum(exp x)", [](const Expr& x, const Expr&) { return sum(exp(x)); }, bytes},
        // log's partial reads its operand, the input x (copied)
        {"sum(log x)", [](const Expr& x, const Expr&) { return sum(log(x)); }, bytes},
        // add's partials are constants
        {"sum(x + c)", [](const Expr& x, const Expr& c) { return sum(x + c); }, 0},
        // d(x * c)/dx = c: only c is kept, not x
        {"sum(x * c)", [](const Expr& x, const Expr& c) { return sum(x * c); }, bytes},
        // d(x * x): x once
        {"sum(x * x)", [](const Expr& x, const Expr&) { return sum(x * x); }, bytes},
        // tanh reads its result; d(tanh(x) * c)/d tanh(x) reads c only
        {"sum(tanh(x) * c)", [](const Expr& x, const Expr& c) { return sum(tanh(x) * c); },
         2 * bytes},
    };
    for (const Case& c : cases) {
        INFO(c.label);
        Graph g;
        Expr x = input(g, "x", {n}), k = input(g, "c", {n});
        Tape tape(c.make(x, k), std::vector<Expr>{x});
        CHECK(tape.memory().kept == c.kept);
        CHECK(tape.memory().kept <= tape.memory().buffers);
    }
    SECTION("d(A@x)/dx reads A only; d(A@x)/dA reads x only") {
        Graph g;
        Expr A = input(g, "A", {50, 40}), x = input(g, "x", {40});
        const Expr f = sum(matmul(A, x));
        CHECK(Tape(f, std::vector<Expr>{x}).memory().kept == 50 * 40 * sizeof(double));
        CHECK(Tape(f, std::vector<Expr>{A}).memory().kept == 40 * sizeof(double));
    }
}

TEST_CASE("tape: buffers are reused once their values are dead") {
    // A chain of 200 element-wise steps keeps nothing: a few buffers serve all of it.
    const std::int64_t n = 1000;
    Graph g;
    Expr x = input(g, "x", {n});
    Expr y = x;
    for (int i = 0; i < 200; ++i)
        y = (y + 1.0) * 0.5;
    Tape tape(sum(y), std::vector<Expr>{x});
    const TapeMemory mem = tape.memory();
    CHECK(mem.kept == n * sizeof(double)); // the constant 0.5 splat
    CHECK(mem.buffers <= 8 * n * sizeof(double));
    Bindings b(g);
    b.set("x", Tensor::filled(Shape{n}, 3.0));
    CHECK(tape.forward(b).item() == Approx(static_cast<double>(n)));
    const auto d = tape.backward();
    CHECK(d[0][0] == std::ldexp(1.0, -200));
}

TEST_CASE("tape: bytes() is positive and grows with the tensors") {
    auto tape_bytes = [](std::int64_t n) {
        Graph g;
        Expr A = input(g, "A", {n, n}), x = input(g, "x", {n});
        Tape tape(sum(tanh(matmul(A, x))), std::vector<Expr>{A, x});
        CHECK(tape.memory().total() == tape.bytes()); // no jvp plan yet
        return tape.bytes();
    };
    const std::size_t small = tape_bytes(4), large = tape_bytes(64);
    CHECK(small > 0);
    CHECK(large > small);
    CHECK(large >= 64 * 64 * sizeof(double)); // A is kept for dx
}

// ---------------------------------------------------------------------------------
// Shapes of the unusual kinds

TEST_CASE("tape: outputs and variables of the unusual kinds") {
    Graph g;
    Expr x = input(g, "x", {3}), z = input(g, "z", {2});
    Bindings b(g);
    b.set("x", tensor({3}, {1.0, 2.0, 3.0}));
    b.set("z", tensor({2}, {5.0, 6.0}));
    SECTION("y does not depend on a variable") {
        Tape tape(sum(x * x), std::vector<Expr>{z});
        CHECK(tape.forward(b).item() == 14.0);
        CHECK_THAT(tape.backward()[0], st::IsExactly(Tensor(Shape{2})));
        CHECK_THAT(tape.jvp(b, tensor({2}, {1.0, 1.0})), st::IsExactly(Tensor(0.0)));
    }
    SECTION("y is a variable") {
        Tape tape(x, std::vector<Expr>{x});
        CHECK_THAT(tape.forward(b), st::IsExactly(tensor({3}, {1.0, 2.0, 3.0})));
        CHECK_THAT(tape.backward(tensor({3}, {7.0, 8.0, 9.0}))[0],
                   st::IsExactly(tensor({3}, {7.0, 8.0, 9.0})));
    }
    SECTION("y is a constant") {
        Tape tape(constant(g, 2.5), std::vector<Expr>{x});
        CHECK(tape.forward(b).item() == 2.5);
        CHECK_THAT(tape.backward()[0], st::IsExactly(Tensor(Shape{3})));
    }
    SECTION("a variable listed twice gets its gradient twice") {
        Tape tape(sum(x * x), std::vector<Expr>{x, x});
        tape.forward(b);
        const auto d = tape.backward();
        CHECK_THAT(d[0], st::IsExactly(tensor({3}, {2.0, 4.0, 6.0})));
        CHECK_THAT(d[1], st::IsExactly(d[0]));
    }
    SECTION("a variable y does not reach, or that comes after y") {
        const Expr f = sum(x);
        const Expr later = f * 2.0;
        Tape tape(f, std::vector<Expr>{z, later, x});
        tape.forward(b);
        const auto d = tape.backward();
        CHECK_THAT(d[0], st::IsExactly(Tensor(Shape{2})));
        CHECK_THAT(d[1], st::IsExactly(Tensor(0.0)));
        CHECK_THAT(d[2], st::IsExactly(tensor({3}, {1.0, 1.0, 1.0})));
    }
    SECTION("the output's value stays valid after backward") {
        Tape tape(x * 2.0, std::vector<Expr>{x});
        const Tensor& y = tape.forward(b);
        tape.backward(tensor({3}, {1.0, 1.0, 1.0}));
        CHECK_THAT(y, st::IsExactly(tensor({3}, {2.0, 4.0, 6.0})));
    }
}

TEST_CASE("tape: a long chain runs without recursion") {
    const int n = 300000;
    Graph g;
    Expr x = input(g, "x");
    Expr f = x;
    for (int i = 0; i < n; ++i)
        f = sin(f) + x;
    Tape tape(f, std::vector<Expr>{x});
    Bindings b(g);
    b.set("x", Tensor(0.3));
    const double y = tape.forward(b).item();
    const double dy = tape.backward()[0].item();
    // the recurrence f' = cos(f) f' + 1, computed directly
    double v = 0.3, dv = 1.0;
    for (int i = 0; i < n; ++i) {
        dv = std::cos(v) * dv + 1.0;
        v = std::sin(v) + 0.3;
    }
    CHECK(y == v);
    CHECK(dy == Approx(dv).epsilon(1e-9));
    CHECK(tape.jvp(b, Tensor(1.0)).item() == Approx(dv).epsilon(1e-9));
    CHECK(tape.memory().buffers < 64 * n); // a scalar or two per node at most
}

// ---------------------------------------------------------------------------------
// Errors

TEST_CASE("tape: errors") {
    Graph g;
    Expr x = input(g, "x", {3}), w = input(g, "weights", {3});
    Expr f = sum(x * w);
    Tape tape(f, std::vector<Expr>{x});
    Bindings b(g);
    b.set("x", tensor({3}, {1.0, 2.0, 3.0}));
    SECTION("a missing input is named") {
        CHECK_THROWS_WITH(tape.forward(b),
                          Catch::Contains("'weights'") && Catch::Contains("no value"));
        CHECK_THROWS_WITH(tape.jvp(b, Tensor(Shape{3})), Catch::Contains("'weights'"));
    }
    b.set("weights", tensor({3}, {1.0, 1.0, 1.0}));
    SECTION("backward needs a forward, once per forward") {
        CHECK_THROWS_WITH(tape.backward(), Catch::Contains("forward()"));
        tape.forward(b);
        tape.backward();
        CHECK_THROWS_WITH(tape.backward(), Catch::Contains("forward()"));
    }
    SECTION("a cotangent of the wrong shape") {
        tape.forward(b);
        CHECK_THROWS_WITH(tape.backward(Tensor(Shape{3})),
                          Catch::Contains("cotangent has shape [3]") && Catch::Contains("[]"));
        Tape vec(x * w, std::vector<Expr>{x});
        vec.forward(b);
        CHECK_THROWS_WITH(vec.backward(), Catch::Contains("scalar"));
        CHECK_THROWS_WITH(vec.backward(Tensor(Shape{2, 3})), Catch::Contains("[2,3]"));
        CHECK_NOTHROW(vec.backward(Tensor(Shape{3})));
    }
    SECTION("tangents of the wrong number or shape") {
        CHECK_THROWS_WITH(tape.jvp(b, Tensor(Shape{2})),
                          Catch::Contains("'x'") && Catch::Contains("[2]"));
        CHECK_THROWS_WITH(tape.jvp(b, std::vector<Tensor>{}),
                          Catch::Contains("one tangent per variable"));
    }
    SECTION("variables and outputs that are not nodes of the graph") {
        Graph other;
        Expr u = input(other, "u");
        CHECK_THROWS_AS(Tape(f, std::vector<Expr>{u}), Error);
        CHECK_THROWS_AS(Tape(Expr(1.0), std::vector<Expr>{x}), Error);
        CHECK_THROWS_AS(Tape(g, g.size(), std::vector<NodeId>{x.id()}), Error);
    }
}

TEST_CASE("tape: a loop of the model is recorded step by step") {
    // c = c * w + sin(v) over the rows v of xs, from c = x: the tape's gradient by w, x and
    // xs against the symbolic one (a reverse loop), and its jvp against the symbolic jvp.
    Graph g;
    const Expr x = input(g, "x", {2}), w = input(g, "w"), xs = input(g, "xs", {4, 2});
    const Expr carry(g, g.carry(Shape{2}));
    const Expr v = elem(xs, SeedRef{carry.node().seed_id()});
    const Expr body = carry * w + sin(v);
    const Expr last = fold_loop(body, carry, x, FoldSpec{4, FoldMode::last, false});
    const Expr y = sum(last * last);
    Bindings b(g);
    b.set(x, Tensor(Shape{2}, {0.3, -0.2}));
    b.set(w, Tensor::scalar(0.9));
    b.set(xs, Tensor(Shape{4, 2}, {0.1, 0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8}));
    const Expr vars[] = {w, x, xs};
    Tape tape(y, vars);
    CHECK(tape.forward(b).item() == evaluate(std::span<const Expr>(&y, 1), b)[0].item());
    const std::span<const Tensor> d = tape.backward();
    const std::vector<Expr> sym = grad(y, vars);
    const std::vector<Tensor> want = evaluate(sym, b);
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t i = 0; i < want[k].size(); ++i)
            CHECK(d[k].data()[i] == Approx(want[k].data()[i]).epsilon(1e-13));
    const Tensor t(Shape{2}, {1.0, -2.0});
    const Expr jv = jvp(y, x, constant(g, t));
    CHECK(tape.jvp(b, std::vector<Tensor>{Tensor::scalar(0.0), t, Tensor(Shape{4, 2})}).item() ==
          Approx(evaluate(std::span<const Expr>(&jv, 1), b)[0].item()).epsilon(1e-13));
}
