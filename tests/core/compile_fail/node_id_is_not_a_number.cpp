// A node id converted to a number: sin(id) * y computed sin(1) * y.
// expect: deleted
#include "core/expr.hpp"

int main() {
    symdiff::Graph g;
    const symdiff::NodeId id = g.add_input("x", {});
    const symdiff::Expr e = id;
    return e.is_literal();
}
