// Central finite differences with a verdict on whether each estimate can be trusted: the
// reference `symdiff check` and the tests hold derivatives against. Richardson-
// extrapolated central differences on the stencil {0, ±h/2, ±h}, (4 D(h/2) - D(h)) / 3,
// error O(h^4) + O(eps |f| / h). Two consistency checks mark a stencil that meets a kink
// or a jump unreliable, so callers skip such points (and count them):
//  - the second differences at h and h/2 both estimate f''(0): they differ by O(h^2 f^(4))
//    when smooth, by ~J/h for a kink of slope jump J near 0, ~jump/h^2 for a jump;
//  - D(h) and D(h/2) both estimate f'(0): they differ by O(h^2 f''') when smooth, by
//    ~J a/h for a kink at distance a (the first check is blind at a = h/3).
// With h = 1e-4, a kink that passes both moves the estimate by less than ~1e-6 J.
#pragma once

#include "core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace symdiff {

struct FdEstimate {
    double value = 0.0;    // Richardson-extrapolated central difference
    double noise = 0.0;    // the rounding error the stencil may carry
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

// The estimates, element by element, from f at 0, h, -h, h/2 and -h/2 (equal shapes).
std::vector<FdEstimate> central_estimates(const Tensor& f0, const Tensor& fp, const Tensor& fm,
                                          const Tensor& hp, const Tensor& hm, double h,
                                          const FdOptions& opt = {});

// d/dt f(t) at t = 0 for every element of f's result (f returns a Tensor).
template <class F>
std::vector<FdEstimate> central_differences(F&& f, double h, const FdOptions& opt = {}) {
    const Tensor f0 = f(0.0);
    const Tensor fp = f(h), fm = f(-h);
    const Tensor hp = f(h / 2), hm = f(-h / 2);
    return central_estimates(f0, fp, fm, hp, hm, h, opt);
}

} // namespace symdiff
