// Smoke tests: the two lecture examples of the README (the circuit (x+y)z and the
// squared norm of Wx) with hand-computed values, and the where-at-a-kink example.
// The long-chain test lives in differentiation_test.cpp, with a check of its value.
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/expr.hpp"

#include <catch2/catch.hpp>

using namespace symdiff;

TEST_CASE("the circuit (x+y)z has the gradient of the lecture", "[smoke]") {
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y"), z = input(g, "z");
    Expr f = (x + y) * z;
    auto d = grad(f, std::vector<Expr>{x, y, z});
    Bindings b(g);
    b.set("x", Tensor(-2.0));
    b.set("y", Tensor(5.0));
    b.set("z", Tensor(-4.0));
    std::vector<NodeId> roots{f.id(), d[0].id(), d[1].id(), d[2].id()};
    auto v = evaluate(g, roots, b);
    CHECK(v[0].item() == -12);
    CHECK(v[1].item() == -4);
    CHECK(v[2].item() == -4);
    CHECK(v[3].item() == 3);
}

TEST_CASE("the squared norm of Wx has the gradient of the lecture", "[smoke]") {
    Graph g;
    Expr W = input(g, "W", {2, 2}), x = input(g, "x", {2});
    Expr f = sum(pow(matmul(W, x), 2.0));
    auto d = grad(f, std::vector<Expr>{W, x});
    Bindings b(g);
    b.set("W", Tensor(Shape{2, 2}, {0.1, 0.5, -0.3, 0.8}));
    b.set("x", Tensor(Shape{2}, {0.2, 0.4}));
    std::vector<NodeId> roots{f.id(), d[0].id(), d[1].id()};
    auto v = evaluate(g, roots, b);
    CHECK(v[0].item() == Approx(0.116));
    CHECK(v[1][0] == Approx(0.088));
    CHECK(v[1][3] == Approx(0.208));
    CHECK(v[2][0] == Approx(-0.112));
    CHECK(v[2][1] == Approx(0.636));
}

TEST_CASE("where at a kink is NaN-free", "[smoke]") {
    Graph g;
    Expr x = input(g, "x"), y = input(g, "y");
    Expr f = where(x > 0.0, sqrt(x) * y, 2.0 * y);
    Expr dx = grad(f, x);
    Bindings b(g);
    b.set("x", Tensor(0.0));
    b.set("y", Tensor(3.0));
    std::vector<NodeId> roots{dx.id()};
    CHECK(evaluate(g, roots, b)[0].item() == 0.0);
}
