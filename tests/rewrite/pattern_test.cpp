// The pattern DSL and the matcher on their own: how patterns print, commutative matching
// with backtracking (also through the guard), non-linear wildcards, literals and constant
// wildcards, captures, folds, and the right-side shape check.
#include "core/error.hpp"
#include "core/expr.hpp"
#include "rewrite/match.hpp"
#include "rewrite/rule.hpp"

#include <catch2/catch.hpp>

using namespace symdiff;
using namespace symdiff::rewrite;

namespace {

bool matches(const Graph& g, const Pat& p, NodeId id, Condition guard = {}) {
    Match m(g, id);
    return match(p, guard, id, m);
}

} // namespace

TEST_CASE("patterns print as algebra") {
    using namespace dsl;
    CHECK(to_string(x * 1) == "x * 1");
    CHECK(to_string(x * (-1)) == "x * (-1)");
    CHECK(to_string(log(sigmoid(x))) == "log(sigmoid(x))");
    CHECK(to_string(-softplus(-x)) == "-softplus(-x)");
    CHECK(to_string(-(x * y)) == "-(x * y)");
    CHECK(to_string(x - (y - z)) == "x - (y - z)");
    CHECK(to_string((x - y) - z) == "x - y - z");
    CHECK(to_string((x + y) * z) == "(x + y) * z");
    CHECK(to_string(c0 * (c1 * x)) == "c0 * (c1 * x)");
    CHECK(to_string(fold(c0 + c1) + x) == "fold(c0 + c1) + x");
    CHECK(to_string(sum_to(as(y, broadcast(x)))) == "sum_to(y@broadcast(x))");
    CHECK(to_string(fold(numel(y) / numel(x))) == "fold(numel(shape(y)) / numel(shape(x)))");
    CHECK(to_string(where(w, x, 0)) == "where(w, x, 0)");
    CHECK(to_string(pow(x, 0.5)) == "pow(x, 0.5)");
    CHECK(to_string(lit(0.1)) == "0.1");
}

TEST_CASE("the matcher: literals, constant wildcards, equal wildcards") {
    using namespace dsl;
    Graph g;
    const Expr a = input(g, "a"), b = input(g, "b");
    CHECK(matches(g, x * 1, (a * 1.0).id()));
    CHECK(matches(g, x * 1, (1.0 * a).id())); // commutative: either order
    CHECK_FALSE(matches(g, x * 1, (a * 2.0).id()));
    CHECK_FALSE(matches(g, x / 1, (1.0 / a).id())); // div is not commutative
    CHECK(matches(g, x + 0, (a + -0.0).id()));      // lit(0) matches -0 too
    CHECK(matches(g, x - x, (a - a).id()));
    CHECK_FALSE(matches(g, x - x, (a - b).id()));
    CHECK(matches(g, c0 * x, (a * 2.5).id()));
    CHECK_FALSE(matches(g, c0 * x, (a * b).id()));
    Match m(g, (a * 2.5).id());
    REQUIRE(match(c0 * x, {}, (a * 2.5).id(), m));
    CHECK(m.value(c0) == 2.5);
    CHECK(m.node(x) == a.id());
    CHECK(evaluate_fold(c0 * 2 + 1, m) == 6.0);
}

TEST_CASE("the matcher backtracks over commutative orders and guards") {
    using namespace dsl;
    Graph g;
    const Expr a = input(g, "a"), b = input(g, "b"), c = input(g, "c");
    // x y + x z against a b + b c: the common factor is b, found only on the second try
    // of the inner products' orders
    const NodeId e = (a * b + b * c).id();
    Match m(g, e);
    REQUIRE(match(x * y + x * z, {}, e, m));
    CHECK(m.node(x) == b.id());
    // a guard that refuses the first binding makes the matcher try the other order
    const NodeId ab = (a * b).id();
    const Condition x_is_b{[&](const Match& mm) { return mm.node(x) == b.id(); }, "x is b", {x}};
    Match m2(g, ab);
    REQUIRE(match(x * y, x_is_b, ab, m2));
    CHECK(m2.node(x) == b.id());
    CHECK(m2.node(y) == a.id());
    const Condition never{[](const Match&) { return false; }, "never", {}};
    CHECK_FALSE(matches(g, x * y, ab, never));
}

TEST_CASE("captures bind inner nodes, and the right side keeps the left side's shape") {
    using namespace dsl;
    Graph g;
    const Expr a = input(g, "a", {3});
    const Expr s = sum_to(broadcast(a, {2, 3}), {3});
    Match m(g, s.id());
    REQUIRE(match(sum_to(as(y, broadcast(x))), {}, s.id(), m));
    CHECK(m.node(x) == a.id());
    CHECK(m.shape(y) == Shape{2, 3});
    CHECK(evaluate_fold(numel(y) / numel(x), m) == 2.0);
    // a rule whose right side has another shape is an internal error when applied
    const Rule wrong("wrong-shape", sum_to(as(y, broadcast(x))), y);
    CHECK_THROWS_AS(apply_rule(g, wrong, s.id()), Error);
    const Rule right("right-shape", sum_to(as(y, broadcast(x))), x * fold(numel(y) / numel(x)));
    const auto out = apply_rule(g, right, s.id());
    REQUIRE(out);
    CHECK(*out == (a * 2.0).id());
    CHECK_FALSE(apply_rule(g, right, a.id()));
}
