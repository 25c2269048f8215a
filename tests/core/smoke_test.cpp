#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/expr.hpp"

#include <catch2/catch.hpp>

using namespace symdiff;

TEST_CASE("circuit (x+y)z") {
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

TEST_CASE("norm Wx squared") {
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

TEST_CASE("where at a kink is NaN-free") {
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

TEST_CASE("long chain differentiates without recursion") {
    Graph g;
    Expr x = input(g, "x");
    Expr f = x;
    for (int i = 0; i < 1000000; ++i)
        f = sin(f) + x;
    Expr d = grad(f, x);
    CHECK(g.size() > 2000000);
    (void)d;
}
