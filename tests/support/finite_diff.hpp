// Central finite differences for tests over Values (by input and element, or along a
// direction), from core's estimator and its verdict (core/finite_diff.hpp).
#pragma once

#include "core/finite_diff.hpp"
#include "core/tensor.hpp"
#include "tests/support/eval_helpers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace symdiff::test {

// The verdict and the estimator are core's (core/finite_diff.hpp); these adapt them to
// the tests' Values.
using symdiff::FdEstimate;
using symdiff::FdOptions;
using symdiff::fd_step;

namespace detail {
inline Tensor as_tensor(const Tensor& t) { return t; }
inline Tensor as_tensor(double v) { return Tensor(v); }
} // namespace detail

// d/dt f(t) at t = 0 for every element of f's result (f returns a Tensor or a double).
template <class F> std::vector<FdEstimate> derivative(F&& f, double h, FdOptions opt = {}) {
    return central_differences([&](double t) { return detail::as_tensor(f(t)); }, h, opt);
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
