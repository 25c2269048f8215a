// The harness's control: the right spellings of what the other files misspell compile.
// expect-success
#include "core/eval.hpp"
#include "core/expr.hpp"

int main() {
    symdiff::Graph g;
    const symdiff::Expr x = symdiff::input(g, "x");
    const symdiff::Expr e(g, g.add_input("y", {}));
    const symdiff::Expr f = sin(x) * e * 2;
    symdiff::Bindings b(g);
    b.set(x, symdiff::Tensor::scalar(3));
    b.set("y", symdiff::Tensor::zeros(symdiff::Shape{}));
    const symdiff::Tensor t(symdiff::Shape{2}, {1.0, 2.0});
    return f.is_literal() || t.size() != 2;
}
