// Hand-written extended Rosenbrock: f(x) = sum_i 100 (x[2i+1] - x[2i]^2)^2 + (1 - x[2i])^2
// (0-based pairs). The objective is a template (T = double here, adouble for ADOL-C);
// the gradient and the dense Hessian are written from the maths, one fused pass each.
#pragma once

#include <cstddef>
#include <cstring>

namespace hand {

template <class T> T rosenbrock(const T* x, std::size_t n) {
    T f = 0.0;
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        const T t = x[i + 1] - x[i] * x[i];
        const T s = 1.0 - x[i];
        f += 100.0 * t * t + s * s;
    }
    return f;
}

// f and df/dx: d/da = -400 t a - 2 s, d/db = 200 t with t = b - a^2, s = 1 - a.
inline double rosenbrock_grad(const double* x, double* g, std::size_t n) {
    double f = 0.0;
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        const double a = x[i], b = x[i + 1];
        const double t = b - a * a, s = 1.0 - a;
        f += 100.0 * t * t + s * s;
        g[i] = -400.0 * t * a - 2.0 * s;
        g[i + 1] = 200.0 * t;
    }
    return f;
}

// The dense n x n Hessian (row-major): 2 x 2 blocks on the diagonal,
// [[1200 a^2 - 400 b + 2, -400 a], [-400 a, 200]], zeros elsewhere.
inline void rosenbrock_hessian(const double* x, double* h, std::size_t n) {
    std::memset(h, 0, n * n * sizeof(double));
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        const double a = x[i], b = x[i + 1];
        double* r0 = h + i * n + i;
        double* r1 = r0 + n;
        r0[0] = 1200.0 * a * a - 400.0 * b + 2.0;
        r0[1] = r1[0] = -400.0 * a;
        r1[1] = 200.0;
    }
}

} // namespace hand
