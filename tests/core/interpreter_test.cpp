// The interpreter (core/eval.hpp): correct values on big graphs (long chains, wide sums,
// values needed again long after they were made, operands read twice), several and
// repeated roots, and its errors: a missing input named, Bindings with unknown names or
// wrong shapes, and Bindings made before all inputs were declared.
#include "core/eval.hpp"
#include "core/expr.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace symdiff;
using namespace symdiff::test;
using Catch::Matchers::Equals;

TEST_CASE("a 10^5-step chain evaluates to the closed form", "[eval]") {
    Graph g;
    const Expr x = input(g, "x");
    Expr f = x;
    for (int i = 0; i < 100000; ++i)
        f = f * 0.5 + x; // f_n = x (2 - 2^-n) -> 2x
    CHECK(eval(f, {Tensor(3.0)}).item() == Approx(6.0).epsilon(1e-15));
}

TEST_CASE("a value used at the start and at the very end of a long graph", "[eval]") {
    Graph g;
    const Expr x = input(g, "x", {4}), y = input(g, "y", {4});
    Expr chain = y;
    for (int i = 0; i < 20000; ++i)
        chain = sin(chain);
    const Expr early = exp(x); // made early, read again only at the end
    const Expr f = early * 0.0 + x * x + early + chain * 0.0;
    const Values v{tensor({4}, {0, 1, 2, 3}), tensor({4}, {1, 1, 1, 1})};
    CHECK_THAT(eval(f, v),
               IsClose(tensor({4}, {1, 1 + std::exp(1.0), 4 + std::exp(2.0), 9 + std::exp(3.0)}),
                       {1e-15, 0}));
}

TEST_CASE("a wide graph: the sum of many slices of a large tensor", "[eval]") {
    Graph g;
    const std::int64_t n = 2000;
    const Expr x = input(g, "x", {n});
    Expr total = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        SliceSpec s;
        s.start[0] = static_cast<std::int32_t>(i);
        s.stop[0] = static_cast<std::int32_t>(i + 1);
        s.drop = 1;
        total = total + slice(x, s) * slice(x, s);
    }
    Tensor v(Shape{n});
    for (std::int64_t i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] = static_cast<double>(i);
    // sum of i^2 for i < n = (n-1) n (2n-1) / 6
    CHECK(eval(total, {v}).item() == static_cast<double>((n - 1) * n * (2 * n - 1) / 6));
}

TEST_CASE("several roots, repeated roots and inputs as roots", "[eval]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr s = x + y, p = x * y;
    Bindings b(g);
    b.set("x", Tensor(2.0));
    b.set("y", Tensor(5.0));
    const std::vector<NodeId> roots{p.id(), s.id(), p.id(), x.id()};
    const auto v = evaluate(g, roots, b);
    REQUIRE(v.size() == 4);
    CHECK(v[0].item() == 10.0);
    CHECK(v[1].item() == 7.0);
    CHECK(v[2].item() == 10.0);
    CHECK(v[3].item() == 2.0);
    CHECK(evaluate(g, std::vector<NodeId>{}, b).empty());
}

TEST_CASE("only the inputs the roots need must be bound", "[eval]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr f = exp(x);
    (void)(y * 2.0);
    Bindings b(g);
    b.set("x", Tensor(0.0));
    const NodeId id = f.id();
    CHECK(evaluate(g, std::span<const NodeId>(&id, 1), b)[0].item() == 1.0);
}

TEST_CASE("a missing input is an error naming it", "[eval][errors]") {
    Graph g;
    const Expr x = input(g, "x"), weights = input(g, "weights", {2});
    const Expr f = sum(weights * x);
    Bindings b(g);
    b.set("x", Tensor(1.0));
    const NodeId id = f.id();
    CHECK_THROWS_WITH(evaluate(g, std::span<const NodeId>(&id, 1), b),
                      Equals("input 'weights' has no value"));
}

TEST_CASE("Bindings reject unknown names and values of the wrong size", "[eval][errors]") {
    Graph g;
    input(g, "W", {2, 3});
    Bindings b(g);
    CHECK_THROWS_WITH(b.set("V", Tensor(1.0)), Equals("unknown input 'V'"));
    CHECK_THROWS_WITH(b.set("W", Tensor(Shape{4})),
                      Equals("input 'W' has shape [2,3], got a value of shape [4]"));
    CHECK_THROWS_WITH(b.set("W", Tensor(1.0)),
                      Equals("input 'W' has shape [2,3], got a value of shape []"));
}

TEST_CASE("Bindings take a value with the right number of elements in row-major order", "[eval]") {
    Graph g;
    const Expr w = input(g, "W", {2, 3});
    Bindings b(g);
    b.set("W", tensor({6}, {1, 2, 3, 4, 5, 6}));
    REQUIRE(b.get(0) != nullptr);
    CHECK(b.get(0)->shape() == Shape{2, 3});
    const Expr col = sum(w, 0);
    const NodeId id = col.id();
    CHECK_THAT(evaluate(g, std::span<const NodeId>(&id, 1), b)[0],
               IsExactly(tensor({3}, {5, 7, 9})));
}

TEST_CASE("Bindings made before an input was declared still bind it", "[eval]") {
    Graph g;
    const Expr x = input(g, "x");
    Bindings b(g);
    const Expr y = input(g, "y"); // declared after the bindings
    b.set("x", Tensor(2.0));
    b.set("y", Tensor(3.0));
    const Expr f = x * y;
    const NodeId id = f.id();
    CHECK(evaluate(g, std::span<const NodeId>(&id, 1), b)[0].item() == 6.0);
    SECTION("and an unbound later input is reported as missing") {
        const Expr z = input(g, "z");
        const Expr h = f * z;
        const NodeId hid = h.id();
        CHECK_THROWS_WITH(evaluate(g, std::span<const NodeId>(&hid, 1), b),
                          Equals("input 'z' has no value"));
    }
}

TEST_CASE("Bindings reject an input index out of range", "[eval][errors]") {
    Graph g;
    input(g, "x");
    Bindings b(g);
    CHECK_THROWS(b.set(1, Tensor(1.0)));
    CHECK_THROWS(b.set(-1, Tensor(1.0)));
    CHECK(b.get(0) == nullptr);
}
