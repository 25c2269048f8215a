// NaN safety survives simplification, and the stable forms pay off at extreme points:
// derivatives masked by `where` stay exactly zero in the branch not taken (in default
// and strict mode), no rule multiplies a mask from outside, and the stable rewrites turn
// overflow, log(0) and cancellation into the right answers.
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "rewrite/rule.hpp"
#include "rewrite/simplify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using namespace symdiff;
using namespace symdiff::rewrite;
using namespace symdiff::rewrite::testing;
namespace v2 = boost::variant2;

namespace {

Options mode(bool strict) {
    Options o;
    o.strict = strict;
    return o;
}

NodeId simplified(Graph& g, const Expr& e, const Options& o = {}) {
    const NodeId root = e.id();
    return simplify(g, std::span<const NodeId>(&root, 1), o)[0];
}

double at(const Graph& g, NodeId root, std::initializer_list<std::pair<const char*, double>> in) {
    Bindings b(g);
    for (const auto& [name, value] : in)
        b.set(name, Tensor(value));
    return evaluate(g, std::span<const NodeId>(&root, 1), b)[0].item();
}

// True if some mul, div or matmul of the pattern has a `where` as an operand: a mask
// multiplied from outside, which would let 0 * inf back in.
bool multiplies_a_mask(const Pat& p) {
    const Apply* a = v2::get_if<Apply>(&p.node().kind);
    if (!a)
        return false;
    if (a->op == Op::Mul || a->op == Op::Div || a->op == Op::MatMul)
        for (const Pat& q : a->args)
            if (const Apply* qa = v2::get_if<Apply>(&q.node().kind); qa && qa->op == Op::Where)
                return true;
    for (const Pat& q : a->args)
        if (multiplies_a_mask(q))
            return true;
    return false;
}

} // namespace

TEST_CASE("no rule multiplies a mask from outside") {
    for (const Rule& r : all_rules()) {
        INFO(r.name << ": " << to_string(r.lhs) << " -> " << to_string(r.rhs));
        CHECK_FALSE(multiplies_a_mask(r.rhs));
    }
}

TEST_CASE("grad of where(x > 0, sqrt(x) y, 2y) stays exactly 0 at x = 0 after simplify") {
    for (const bool strict : {false, true}) {
        INFO((strict ? "strict" : "default"));
        Graph g;
        const Expr x = input(g, "x"), y = input(g, "y");
        const Expr f = where(x > 0.0, sqrt(x) * y, 2.0 * y);
        const auto d = grad(f, std::vector<Expr>{x, y});
        const std::vector<NodeId> roots{f.id(), d[0].id(), d[1].id()};
        Stats stats;
        const auto r = simplify(g, roots, mode(strict), &stats);
        CHECK(stats.nodes_after <= stats.nodes_before);
        CHECK(at(g, r[1], {{"x", 0.0}, {"y", 3.0}}) == 0.0);
        CHECK(at(g, r[2], {{"x", 0.0}, {"y", 3.0}}) == 2.0);
        CHECK(at(g, r[1], {{"x", -1.0}, {"y", 3.0}}) == 0.0); // sqrt(-1) is NaN, not taken
        CHECK(at(g, r[0], {{"x", -1.0}, {"y", 3.0}}) == 6.0);
        CHECK(at(g, r[1], {{"x", 4.0}, {"y", 3.0}}) == 0.75);
        CHECK(at(g, r[2], {{"x", 4.0}, {"y", 3.0}}) == 2.0);
    }
}

TEST_CASE("masked log and second derivatives stay NaN-free after simplify") {
    Graph g;
    const Expr x = input(g, "x"), a = input(g, "a", {3});
    // d/dx where(x > 0, log x, 0) = where(x > 0, 1/x, 0): the 1/0 is selected away
    const Expr f = where(x > 0.0, log(x), 0.0);
    const NodeId df = simplified(g, grad(f, x));
    CHECK(at(g, df, {{"x", 0.0}}) == 0.0);
    CHECK(at(g, df, {{"x", 2.0}}) == 0.5);
    // second derivative of where(x > 0, x sqrt(x), 0) at 0
    const Expr h = where(x > 0.0, x * sqrt(x), 0.0);
    const NodeId d2 = simplified(g, diff(h, x, 2));
    CHECK(at(g, d2, {{"x", 0.0}}) == 0.0);
    CHECK(at(g, d2, {{"x", 4.0}}) == Approx(0.375));
    // a vector of masks
    const Expr s = sum(where(a > 0.0, a * log(a), 0.0));
    const NodeId ds = simplified(g, grad(s, a));
    Bindings b(g);
    b.set("a", Tensor(Shape{3}, {0.0, -1.0, 1.0}));
    const Tensor v = evaluate(g, std::span<const NodeId>(&ds, 1), b)[0];
    CHECK(v[0] == 0.0);
    CHECK(v[1] == 0.0);
    CHECK(v[2] == 1.0);
}

TEST_CASE("log(sigmoid x) at x = -800: value -800 and gradient 1 after simplify") {
    Graph g;
    const Expr x = input(g, "x");
    const Expr f = log(sigmoid(x));
    const Expr df = grad(f, x);
    // unsimplified, both fail: log(0) and (1/0) * 0
    CHECK(std::isinf(at(g, f.id(), {{"x", -800.0}})));
    CHECK(std::isnan(at(g, df.id(), {{"x", -800.0}})));
    const std::vector<NodeId> roots{f.id(), df.id()};
    const auto r = simplify(g, roots);
    CHECK(at(g, r[0], {{"x", -800.0}}) == -800.0);
    CHECK(at(g, r[1], {{"x", -800.0}}) == 1.0);
    CHECK(at(g, r[0], {{"x", 800.0}}) == 0.0);
    CHECK(at(g, r[1], {{"x", 800.0}}) == 0.0);
    CHECK(at(g, r[0], {{"x", 0.0}}) == Approx(std::log(0.5)));
    CHECK(at(g, r[1], {{"x", 0.0}}) == 0.5);
    // and the gradient of the simplified function agrees
    const NodeId dr = simplified(g, grad(Expr(g, r[0]), x));
    CHECK(at(g, dr, {{"x", -800.0}}) == 1.0);
}

TEST_CASE("stable forms at extreme points") {
    Graph g;
    const Expr x = input(g, "x");
    const NodeId sp = softplus(x).id();
    CHECK(at(g, sp, {{"x", 1000.0}}) == 1000.0);
    CHECK(at(g, sp, {{"x", -1000.0}}) == 0.0);

    const Expr naive_softplus = log(1.0 + exp(x));
    CHECK(std::isinf(at(g, naive_softplus.id(), {{"x", 1000.0}})));
    CHECK(at(g, simplified(g, naive_softplus), {{"x", 1000.0}}) == 1000.0);

    const Expr naive_log1p = log(1.0 + x);
    CHECK(at(g, naive_log1p.id(), {{"x", 1e-20}}) == 0.0);
    CHECK(at(g, simplified(g, naive_log1p), {{"x", 1e-20}}) == 1e-20);

    const Expr naive_expm1 = exp(x) - 1.0;
    CHECK(at(g, naive_expm1.id(), {{"x", 1e-20}}) == 0.0);
    CHECK(at(g, simplified(g, naive_expm1), {{"x", 1e-20}}) == 1e-20);

    const Expr naive_sigmoid = 1.0 / (1.0 + exp(-x));
    CHECK(at(g, naive_sigmoid.id(), {{"x", -740.0}}) == 0.0);
    CHECK(at(g, simplified(g, naive_sigmoid), {{"x", -740.0}}) == std::exp(-740.0));

    const Expr naive_bce = log(1.0 - sigmoid(x));
    CHECK(std::isinf(at(g, naive_bce.id(), {{"x", 40.0}})));
    CHECK(at(g, simplified(g, naive_bce), {{"x", 40.0}}) == -40.0);

    const Expr naive_abs = sqrt(x * x);
    CHECK(std::isinf(at(g, naive_abs.id(), {{"x", -1e200}})));
    CHECK(at(g, simplified(g, naive_abs), {{"x", -1e200}}) == 1e200);
    CHECK(at(g, simplified(g, naive_abs), {{"x", 1e-200}}) == 1e-200);

    // strict mode leaves them alone: the naive values stay
    CHECK(std::isinf(at(g, simplified(g, naive_softplus, mode(true)), {{"x", 1000.0}})));
}

// The textbook logistic loss: its gradient shares 1 - s(z) with the loss, so rewriting
// log(1 - s(z)) to -softplus(z) adds nodes on net; stable rules are applied anyway. Its
// gradient s (1 - s) (a / s - b / (1 - s)) loses its divisions (mul-quotients-sub).
TEST_CASE("the textbook logistic loss and its gradient are finite at z = 40 after simplify") {
    Graph g;
    const Expr z = input(g, "z"), y = input(g, "y");
    const Expr loss = -(y * log(sigmoid(z)) + (1.0 - y) * log(1.0 - sigmoid(z)));
    const Expr dz = grad(loss, z);
    const std::array<NodeId, 2> roots{loss.id(), dz.id()};
    const std::vector<NodeId> out = simplify(g, roots);
    CHECK(std::isinf(at(g, loss.id(), {{"z", 40.0}, {"y", 0.0}})));
    CHECK(at(g, out[0], {{"z", 40.0}, {"y", 0.0}}) == 40.0);
    CHECK(at(g, out[0], {{"z", -40.0}, {"y", 1.0}}) == 40.0);
    CHECK(at(g, out[1], {{"z", 1.0}, {"y", 0.0}}) == Approx(1.0 / (1.0 + std::exp(-1.0))));
    CHECK(std::isnan(at(g, dz.id(), {{"z", 40.0}, {"y", 0.0}})));
    CHECK(at(g, out[1], {{"z", 40.0}, {"y", 0.0}}) == 1.0);
    CHECK(at(g, out[1], {{"z", -40.0}, {"y", 1.0}}) == -1.0);
}
