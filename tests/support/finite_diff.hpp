// Central finite differences for tests, with a verdict on whether each estimate can be
// trusted: Richardson-extrapolated central differences on the stencil {0, ±h/2, ±h}, and
// two consistency checks that mark a stencil meeting a kink or jump as unreliable, so a
// test skips such points (and counts them) instead of comparing against garbage.
#pragma once

#include "core/tensor.hpp"
#include "tests/support/eval_helpers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace symdiff::test {

// The value is (4 D(h/2) - D(h)) / 3 for central differences D, with error O(h^4) +
// O(eps |f| / h). Reliability, passed by smooth functions and failed by a kink (slope
// jump J) or a jump inside [-h, h]:
//  - the second differences at h and h/2 both estimate f''(0): they differ by O(h^2 f^(4))
//    when smooth, by ~J/h for a kink near 0 and by ~jump/h^2 for a jump;
//  - D(h) and D(h/2) both estimate f'(0): they differ by O(h^2 f''') when smooth, by ~J a/h
//    for a kink at distance a (the first check is blind at a = h/3).
// With h = 1e-4, a kink that passes both moves the estimate by less than ~1e-6 J.

struct FdEstimate {
    double value = 0.0;    // Richardson-extrapolated central difference
    bool reliable = false; // false: non-finite values, a kink or jump in the stencil
};

struct FdOptions {
    double curvature_floor = 1e-3; // second differences must agree to this (absolute) ...
    double curvature_rel = 0.05;   // ... plus this (relative)
    double slope_floor = 1e-6;     // D(h) and D(h/2) must agree to this (absolute) ...
    double slope_rel = 1e-4;       // ... plus this (relative)
};

// The step for a variable of magnitude |x|: relative for large |x|, absolute near 0.
inline double fd_step(double x, double rel = 1e-4) { return rel * std::max(1.0, std::fabs(x)); }

namespace detail {
inline Tensor as_tensor(const Tensor& t) { return t; }
inline Tensor as_tensor(double v) { return Tensor(v); }
} // namespace detail

// d/dt f(t) at t = 0 for every element of f's result (f returns a Tensor or a double).
template <class F> std::vector<FdEstimate> derivative(F&& f, double h, FdOptions opt = {}) {
    const Tensor f0 = detail::as_tensor(f(0.0));
    const Tensor fp = detail::as_tensor(f(h)), fm = detail::as_tensor(f(-h));
    const Tensor hp = detail::as_tensor(f(h / 2)), hm = detail::as_tensor(f(-h / 2));
    std::vector<FdEstimate> out(f0.size());
    const double eps = std::numeric_limits<double>::epsilon();
    for (std::size_t i = 0; i < f0.size(); ++i) {
        const double v[5] = {f0[i], fp[i], fm[i], hp[i], hm[i]};
        bool finite = true;
        double scale = 0.0;
        for (double x : v) {
            finite = finite && std::isfinite(x);
            scale = std::max(scale, std::fabs(x));
        }
        const double d1 = (fp[i] - fm[i]) / (2 * h);
        const double d2 = (hp[i] - hm[i]) / h;
        const double s1 = (fp[i] - 2 * f0[i] + fm[i]) / (h * h);
        const double s2 = (hp[i] - 2 * f0[i] + hm[i]) / (h * h / 4);
        // Rounding in s2 and d2, generously.
        const double s_noise = 64 * eps * scale / (h * h), d_noise = 16 * eps * scale / h;
        const bool curvature_agrees =
            std::fabs(s1 - s2) <=
            opt.curvature_floor + opt.curvature_rel * (std::fabs(s1) + std::fabs(s2)) + s_noise;
        const bool slope_agrees =
            std::fabs(d1 - d2) <=
            opt.slope_floor + opt.slope_rel * (std::fabs(d1) + std::fabs(d2)) + d_noise;
        const bool smooth = curvature_agrees && slope_agrees;
        out[i].value = (4 * d2 - d1) / 3;
        out[i].reliable = finite && smooth && std::isfinite(out[i].value);
    }
    return out;
}

// Derivative of y(values) by element `element` of input `input`: one estimate per element
// of y. `y` maps Values to a Tensor (or double).
template <class F>
std::vector<FdEstimate> partial(F&& y, const Values& at, int input, std::size_t element,
                                FdOptions opt = {}) {
    const double x0 = at[static_cast<std::size_t>(input)][element];
    Values v = at;
    return derivative(
        [&](double t) {
            v[static_cast<std::size_t>(input)][element] = x0 + t;
            return y(v);
        },
        fd_step(x0), opt);
}

// Directional derivative d/dt y(values with input += t * dir) at t = 0.
template <class F>
std::vector<FdEstimate> directional(F&& y, const Values& at, int input, const Tensor& dir,
                                    FdOptions opt = {}) {
    const Tensor& x0 = at[static_cast<std::size_t>(input)];
    double scale = 0.0;
    for (double d : dir.data())
        scale = std::max(scale, std::fabs(d));
    const double h = fd_step(max_abs(x0)) / std::max(scale, 1e-300);
    Values v = at;
    return derivative(
        [&](double t) {
            Tensor& x = v[static_cast<std::size_t>(input)];
            for (std::size_t i = 0; i < x.size(); ++i)
                x[i] = x0[i] + t * dir[i];
            return y(v);
        },
        h, opt);
}

// Counts of compared and skipped estimates, for asserting that skipping stays rare.
struct FdTally {
    int compared = 0;
    int skipped = 0;
    double skipped_fraction() const {
        const int n = compared + skipped;
        return n ? static_cast<double>(skipped) / n : 0.0;
    }
};

} // namespace symdiff::test
