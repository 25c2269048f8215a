// Calls the header that cpp_api emitted at build time (derivatives.hpp: plain C++17, no
// symdiff inside) and checks the compiled derivatives against the same closed forms as
// the interpreter's. Exits 1 on a mismatch.
#include "closed_forms.hpp"
#include "derivatives.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace {

int report(const std::string& name, double got, double want) {
    const bool ok = closed_form::close(got, want);
    std::printf("  %-10s = %-22.17g %s\n", name.c_str(), got, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}

} // namespace

int main() {
    int mismatches = 0;
    const double x = -1.2, y = 1.0;
    double f, fx, fy, fxx, fxy, fyy;
    derivatives::rosenbrock(&x, &y, &f, &fx, &fy, &fxx, &fxy, &fyy);
    const closed_form::Rosenbrock r = closed_form::rosenbrock(x, y);
    std::printf("compiled rosenbrock at x = %g, y = %g\n", x, y);
    mismatches += report("f", f, r.f) + report("df/dx", fx, r.fx) + report("df/dy", fy, r.fy);
    mismatches += report("d2f/dx2", fxx, r.fxx) + report("d2f/dxdy", fxy, r.fxy) +
                  report("d2f/dy2", fyy, r.fyy);

    const std::array<double, 3> w = {0.5, -1.0, 2.0};
    double s;
    std::array<double, 3> ds;
    std::array<double, 9> H;
    // The allocation-free overload. std::array, not a C array: a work size may be 0.
    std::array<double, derivatives::lse_work_size> work;
    derivatives::lse(w.data(), &s, ds.data(), H.data(), work.data());
    const closed_form::LogSumExp l = closed_form::logsumexp(w);
    std::printf("compiled lse at w = [%g, %g, %g]\n", w[0], w[1], w[2]);
    mismatches += report("s", s, l.s);
    for (std::size_t i = 0; i < 3; ++i)
        mismatches += report("ds[" + std::to_string(i) + "]", ds[i], l.grad[i]);
    for (std::size_t i = 0; i < 9; ++i)
        mismatches += report("H[" + std::to_string(i / 3) + "," + std::to_string(i % 3) + "]", H[i],
                             l.hessian[i]);
    if (mismatches != 0) {
        std::printf("FAILED: %d compiled derivatives differ from their closed forms\n", mismatches);
        return 1;
    }
    std::printf("OK: the compiled derivatives match their closed forms\n");
    return 0;
}
