// auto x = g.input(...) gave a node id that converted silently to a number; the C++ API's
// input(g, name, shape) returns an Expr, and Graph has no member input.
// expect: no member named
#include "core/expr.hpp"

int main() {
    symdiff::Graph g;
    auto x = g.input("x", {});
    return static_cast<int>(x);
}
