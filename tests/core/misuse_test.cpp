// Misuses of the C++ API that used to crash or answer wrongly, each now a symdiff::Error
// naming the mistake (those the compiler refuses are in tests/core/compile_fail/).
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/eval.hpp"
#include "core/expr.hpp"
#include "core/tape.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace symdiff;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

TEST_CASE("misuse: evaluating a number's id, or an id past the graph, is an error") {
    Graph g;
    const Expr x = input(g, "x");
    Bindings b(g);
    b.set(x, Tensor(2.0));
    const Expr acc = 0.0; // a literal: no node
    const NodeId literal[] = {acc.id()};
    CHECK_THROWS_WITH(evaluate(g, literal, b), Equals("evaluate: a number, not a node of the graph"));
    const NodeId past[] = {g.size() + 7};
    CHECK_THROWS_WITH(evaluate(g, past, b), Contains("is not a node of this graph"));
    // With handles, a literal is simply its value.
    const Expr roots[] = {acc, x * 3};
    const std::vector<Tensor> v = evaluate(roots, b);
    CHECK(v[0].item() == 0.0);
    CHECK(v[1].item() == 6.0);
}

TEST_CASE("misuse: bindings made for another graph are refused, by evaluate and by the tape") {
    Graph g, other;
    const Expr x = input(g, "x");
    input(other, "x");
    Bindings foreign(other);
    foreign.set("x", Tensor(5.0));
    const NodeId roots[] = {x.id()};
    CHECK_THROWS_WITH(evaluate(g, roots, foreign),
                      Equals("evaluate: the bindings were made for another graph"));
    Tape tape(x * x, {x});
    CHECK_THROWS_WITH(tape.forward(foreign),
                      Equals("tape: the bindings were made for another graph than the recorded one"));
    CHECK_THROWS_WITH(tape.jvp(foreign, Tensor(1.0)),
                      Equals("tape: the bindings were made for another graph than the recorded one"));
}

TEST_CASE("misuse: Bindings::set by handle takes an input of its own graph") {
    Graph g, other;
    const Expr x = input(g, "x");
    const Expr y = input(other, "y");
    Bindings b(g);
    CHECK_THROWS_WITH(b.set(y, Tensor(1.0)),
                      Equals("Bindings::set: the input is not a node of the bindings' graph"));
    CHECK_THROWS_WITH(b.set(sin(x), Tensor(1.0)),
                      Equals("Bindings::set: the node is a 'sin' node, not an input"));
    CHECK_THROWS_WITH(b.set(7, Tensor(1.0)),
                      Equals("Bindings::set: input index 7 is out of range (the graph has 1 inputs)"));
    b.set(x, Tensor(4.0));
    const Expr roots[] = {x};
    CHECK(evaluate(roots, b)[0].item() == 4.0);
}

TEST_CASE("misuse: derivatives are by inputs, not by constants or other nodes") {
    Graph g;
    const Expr x = input(g, "x");
    const Expr two = constant(g, 2.0);
    const Expr f = two * x + two * two; // the constant 2 is one node, used three times
    CHECK_THROWS_WITH(grad(f, two),
                      Equals("grad: the variable must be an input, made by input(); got a 'const' node"));
    CHECK_THROWS_WITH(grad(f, sin(x)),
                      Equals("grad: the variable must be an input, made by input(); got a 'sin' node"));
    CHECK_THROWS_WITH(jvp(f, two, 1.0),
                      Equals("jvp: the variable must be an input, made by input(); got a 'const' node"));
    CHECK_THROWS_WITH(grad(f, Expr(2.0)), Equals("grad: the variable is a number, not an input"));
}

TEST_CASE("misuse: a node's payload accessors throw symdiff::Error on the wrong kind of node") {
    Graph g;
    const Expr x = input(g, "x");
    CHECK_THROWS_WITH(x.node().value(),
                      Equals("a node of op 'input' is not a constant"));
    CHECK_THROWS_AS(sin(x).node().slice(), Error);
}

TEST_CASE("misuse: an input's name must be able to name a parameter of generated code") {
    Graph g;
    CHECK_THROWS_WITH(input(g, ""), Equals("input name '' is not an identifier"));
    CHECK_THROWS_WITH(input(g, "1 bad-name"), Equals("input name '1 bad-name' is not an identifier"));
    CHECK_THROWS_WITH(input(g, "class"), Equals("input name 'class' is a C++ keyword"));
    CHECK_NOTHROW(input(g, "ok_name"));
}

TEST_CASE("misuse: a handle of an id that is not a node of the graph is an error") {
    Graph g;
    input(g, "x");
    CHECK_THROWS_WITH(Expr(g, 12345), Equals("Expr: node id 12345 is not a node of this graph (it has 1 nodes)"));
    CHECK_THROWS_WITH(Expr(g, no_node), Equals("Expr: a number, not a node of the graph"));
}

TEST_CASE("misuse: a tensor's values must fill its shape, and named factories say what they make") {
    CHECK_THROWS_WITH(Tensor(Shape{3}, {5.0}), Equals("tensor of shape [3] needs 3 values, got 1"));
    CHECK(Tensor::scalar(3).shape() == Shape{});
    CHECK(Tensor::zeros(Shape{3, 5}).size() == 15);
    const Tensor f = Tensor::filled(Shape{2}, 5.0);
    CHECK(f.data()[0] == 5.0);
    CHECK(f.data()[1] == 5.0);
}
