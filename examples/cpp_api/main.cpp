// The C++ API without a model file: builds two functions as graphs (symdiff::core),
// differentiates each twice (gradient, then the gradient's derivative: a Hessian),
// simplifies the results (symdiff::rewrite), evaluates them with the interpreter and
// checks them against closed forms, and emits them as a C++ header (symdiff::codegen).
//   cpp_api                 print the derivatives and check them; exit 1 on a mismatch
//   cpp_api --emit OUT.hpp  write the generated header (namespace derivatives) and exit
#include "closed_forms.hpp"

#include "codegen/emit.hpp"
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/function.hpp"
#include "rewrite/simplify.hpp"

#include <array>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace symdiff;

namespace {

// Simplifies a function's results in place; `report` prints the size of its graph.
void simplify_function(Graph& g, Function& fn, bool report) {
    std::vector<NodeId> roots;
    for (const auto& r : fn.results)
        roots.push_back(r.node);
    rewrite::Stats stats;
    const std::vector<NodeId> simplified = rewrite::simplify(g, roots, {}, &stats);
    for (std::size_t k = 0; k < roots.size(); ++k)
        fn.results[k].node = simplified[k];
    if (report)
        std::printf("%s: %zu nodes, %zu after simplification\n", fn.name.c_str(),
                    stats.nodes_before, stats.nodes_after);
}

// Prints `name = value` next to the closed form; counts mismatches.
int report(const char* name, double got, double want) {
    const bool ok = closed_form::close(got, want);
    std::printf("  %-10s = %-22.17g closed form %-22.17g %s\n", name, got, want,
                ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) try {
    Graph g;

    // Rosenbrock's function of two scalars.
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr f = pow(1 - x, 2) + 100 * pow(y - x * x, 2);
    const Expr fx = grad(f, x), fy = grad(f, y);                        // first derivatives
    const Expr fxx = grad(fx, x), fxy = grad(fx, y), fyy = grad(fy, y); // differentiated again

    // log-sum-exp of a vector: gradient (softmax) and Hessian, as tensors.
    const Expr w = input(g, "w", {3});
    const Expr s = logsumexp(w);
    const Expr ds = grad(s, w);
    const Expr H = hessian(s, w); // = jacobian(grad(s, w), w): 3x3

    std::vector<Function> functions = {
        {"rosenbrock",
         {x.id(), y.id()},
         {{"f", f.id()},
          {"fx", fx.id()},
          {"fy", fy.id()},
          {"fxx", fxx.id()},
          {"fxy", fxy.id()},
          {"fyy", fyy.id()}},
         {}},
        {"lse", {w.id()}, {{"s", s.id()}, {"ds", ds.id()}, {"H", H.id()}}, {}},
    };

    const bool emit = argc == 3 && std::string(argv[1]) == "--emit";
    if (argc != 1 && !emit) {
        std::fprintf(stderr, "usage: cpp_api [--emit OUT.hpp]\n");
        return 2;
    }
    for (Function& fn : functions)
        simplify_function(g, fn, !emit);
    if (emit) { // what `symdiff gen` would write for a model with these exports
        const std::string header =
            codegen::emit_header(g, functions, {"derivatives", "cpp_api/main.cpp"});
        const std::filesystem::path out = argv[2], tmp = out.string() + ".tmp";
        if (!(std::ofstream(tmp) << header))
            throw std::runtime_error("cannot write " + tmp.string());
        std::filesystem::rename(tmp, out); // a build never sees half a header
        return 0;
    }

    // Evaluate with the interpreter at a point, all results of both functions at once.
    const double x0 = -1.2, y0 = 1.0;
    const std::array<double, 3> w0 = {0.5, -1.0, 2.0};
    Bindings at(g); // inputs bound by handle (or by name: at.set("x", ...))
    at.set(x, Tensor::scalar(x0));
    at.set(y, Tensor::scalar(y0));
    at.set(w, Tensor(Shape{3}, {w0[0], w0[1], w0[2]}));
    std::vector<NodeId> roots;
    for (const Function& fn : functions)
        for (const auto& r : fn.results)
            roots.push_back(r.node);
    const std::vector<Tensor> v = evaluate(g, roots, at);

    int mismatches = 0;
    const closed_form::Rosenbrock r = closed_form::rosenbrock(x0, y0);
    std::printf("rosenbrock at x = %g, y = %g\n", x0, y0);
    mismatches += report("f", v[0].item(), r.f);
    mismatches += report("df/dx", v[1].item(), r.fx);
    mismatches += report("df/dy", v[2].item(), r.fy);
    mismatches += report("d2f/dx2", v[3].item(), r.fxx);
    mismatches += report("d2f/dxdy", v[4].item(), r.fxy);
    mismatches += report("d2f/dy2", v[5].item(), r.fyy);

    const closed_form::LogSumExp l = closed_form::logsumexp(w0);
    std::printf("lse at w = [%g, %g, %g]\n", w0[0], w0[1], w0[2]);
    mismatches += report("s", v[6].item(), l.s);
    for (std::size_t i = 0; i < 3; ++i) {
        const std::string name = "ds[" + std::to_string(i) + "]";
        mismatches += report(name.c_str(), v[7][i], l.grad[i]);
    }
    for (std::size_t i = 0; i < 9; ++i) {
        const std::string name = "H[" + std::to_string(i / 3) + "," + std::to_string(i % 3) + "]";
        mismatches += report(name.c_str(), v[8][i], l.hessian[i]);
    }

    if (mismatches != 0) {
        std::printf("FAILED: %d derivatives differ from their closed forms\n", mismatches);
        return 1;
    }
    std::printf("OK: all %zu values match their closed forms\n", std::size_t{6 + 1 + 3 + 9});
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cpp_api: %s\n", e.what());
    return 2;
}
