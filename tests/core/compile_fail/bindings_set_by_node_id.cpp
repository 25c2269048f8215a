// Bindings::set(x.id(), v) took the node id as an input's position.
// expect: deleted
#include "core/eval.hpp"

int main() {
    symdiff::Graph g;
    const symdiff::Expr x = symdiff::input(g, "x");
    symdiff::Bindings b(g);
    b.set(x.id(), symdiff::Tensor::scalar(1));
    return 0;
}
