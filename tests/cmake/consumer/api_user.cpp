// Links symdiff::core: d/dx x^3 at x = 2 by the C++ API and the interpreter (12), so
// a consumer that builds graphs in C++ compiles and links against the package.
#include "core/differentiate.hpp"
#include "core/eval.hpp"

#include <cstdio>

int main() {
    symdiff::Graph g;
    const symdiff::Expr x = symdiff::input(g, "x");
    const symdiff::Expr d = symdiff::grad(x * x * x, x);
    symdiff::Bindings at(g);
    at.set("x", symdiff::Tensor(2.0));
    const symdiff::NodeId root = d.id();
    const double v = symdiff::evaluate(g, std::span<const symdiff::NodeId>(&root, 1), at)[0].item();
    std::printf("d/dx x^3 at 2 = %g\n", v);
    return v == 12 ? 0 : 1;
}
