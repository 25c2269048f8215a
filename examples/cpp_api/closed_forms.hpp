// The derivatives of the two example functions worked out by hand, for checking what
// symdiff derives: Rosenbrock's f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 and the
// log-sum-exp s(w) = log(sum(exp(w))) of a 3-vector.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace closed_form {

// f and its gradient (fx, fy) and Hessian (fxx, fxy, fyy).
struct Rosenbrock {
    double f, fx, fy, fxx, fxy, fyy;
};

inline Rosenbrock rosenbrock(double x, double y) {
    const double r = y - x * x;
    return {
        (1 - x) * (1 - x) + 100 * r * r,
        -2 * (1 - x) - 400 * x * r, // d/dx
        200 * r,                    // d/dy
        2 - 400 * r + 800 * x * x,  // d2/dx2 = 2 - 400 y + 1200 x^2
        -400 * x,                   // d2/dxdy
        200,                        // d2/dy2
    };
}

// s, its gradient p = softmax(w), and its Hessian diag(p) - p p^T (row-major).
struct LogSumExp {
    double s;
    std::array<double, 3> grad;
    std::array<double, 9> hessian;
};

inline LogSumExp logsumexp(const std::array<double, 3>& w) {
    double total = 0;
    for (double v : w)
        total += std::exp(v);
    LogSumExp r{};
    r.s = std::log(total);
    for (std::size_t i = 0; i < 3; ++i)
        r.grad[i] = std::exp(w[i]) / total;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            r.hessian[i * 3 + j] = (i == j ? r.grad[i] : 0.0) - r.grad[i] * r.grad[j];
    return r;
}

// Relative agreement, with an absolute floor for values near zero.
inline bool close(double got, double want) {
    return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
}

} // namespace closed_form
