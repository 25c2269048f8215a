// Hand-written reference of the ODE case: classical RK4 for y' = f(y), f(y)_0 = x_0,
// f(y)_i = x_i y_{i-1}, from y(0) = x, and the gradient of the last element of y(T) by x,
// its reverse sweep written out stage by stage (the states kept, the stages recomputed).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace hand {

struct Ode {
    std::size_t n = 0;
    int steps = 10;
    double h = 0.2;
    // scratch, sized once
    std::vector<double> states, k1, k2, k3, k4, u, a, k1b, k2b, k3b, k4b, ub, u4b, u3b, u2b, tmp;

    explicit Ode(std::size_t size) : n(size) {
        states.resize(n * static_cast<std::size_t>(steps + 1));
        for (auto* v : {&k1, &k2, &k3, &k4, &u, &a, &k1b, &k2b, &k3b, &k4b, &ub, &u4b, &u3b, &u2b, &tmp})
            v->resize(n);
    }

    // k = f(y) = x .* (1, y_0, ..., y_{n-2})
    void f(const double* x, const double* y, double* k) const {
        k[0] = x[0];
        for (std::size_t i = 1; i < n; ++i)
            k[i] = x[i] * y[i - 1];
    }
    // y_next = y + h/6 (k1 + 2 k2 + 2 k3 + k4), the stages left in k1..k4
    void step(const double* x, const double* y, double* next) {
        f(x, y, k1.data());
        for (std::size_t i = 0; i < n; ++i)
            u[i] = y[i] + 0.5 * h * k1[i];
        f(x, u.data(), k2.data());
        for (std::size_t i = 0; i < n; ++i)
            u[i] = y[i] + 0.5 * h * k2[i];
        f(x, u.data(), k3.data());
        for (std::size_t i = 0; i < n; ++i)
            u[i] = y[i] + h * k3[i];
        f(x, u.data(), k4.data());
        for (std::size_t i = 0; i < n; ++i)
            next[i] = y[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }

    double solve(const double* x) {
        std::copy(x, x + n, states.begin());
        for (int s = 0; s < steps; ++s)
            step(x, &states[n * static_cast<std::size_t>(s)], &states[n * static_cast<std::size_t>(s + 1)]);
        return states[n * static_cast<std::size_t>(steps + 1) - 1];
    }

    // The vjp of f at y with cotangent v: ybar_{i-1} += v_i x_i, xbar_i += v_i shift(y)_i.
    void f_vjp(const double* x, const double* y, const double* v, double* ybar, double* xbar) const {
        xbar[0] += v[0];
        for (std::size_t i = 1; i < n; ++i) {
            ybar[i - 1] += v[i] * x[i];
            xbar[i] += v[i] * y[i - 1];
        }
    }

    // The last element of y(T), and its gradient by x into g.
    double gradient(const double* x, double* g) {
        const double r = solve(x);
        std::fill(g, g + n, 0.0);
        std::fill(a.begin(), a.end(), 0.0);
        a[n - 1] = 1.0; // adjoint of y(T)
        for (int s = steps; s-- > 0;) {
            const double* y = &states[n * static_cast<std::size_t>(s)];
            step(x, y, tmp.data()); // the stages k1..k3 of this step again
            // stage adjoints: k1b..k4b = h/6, h/3, h/3, h/6 times a; ybar starts at a
            std::vector<double>& ybar = ub; // reuse: the new adjoint of y
            std::copy(a.begin(), a.end(), ybar.begin());
            for (std::size_t i = 0; i < n; ++i) {
                k1b[i] = h / 6 * a[i];
                k2b[i] = h / 3 * a[i];
                k3b[i] = h / 3 * a[i];
            }
            // k4 = f(u4), u4 = y + h k3
            for (std::size_t i = 0; i < n; ++i)
                u[i] = y[i] + h * k3[i];
            std::fill(u4b.begin(), u4b.end(), 0.0);
            for (std::size_t i = 0; i < n; ++i)
                k4b[i] = h / 6 * a[i];
            f_vjp(x, u.data(), k4b.data(), u4b.data(), g);
            for (std::size_t i = 0; i < n; ++i) {
                ybar[i] += u4b[i];
                k3b[i] += h * u4b[i];
            }
            // k3 = f(u3), u3 = y + h/2 k2
            for (std::size_t i = 0; i < n; ++i)
                u[i] = y[i] + 0.5 * h * k2[i];
            std::fill(u3b.begin(), u3b.end(), 0.0);
            f_vjp(x, u.data(), k3b.data(), u3b.data(), g);
            for (std::size_t i = 0; i < n; ++i) {
                ybar[i] += u3b[i];
                k2b[i] += 0.5 * h * u3b[i];
            }
            // k2 = f(u2), u2 = y + h/2 k1
            for (std::size_t i = 0; i < n; ++i)
                u[i] = y[i] + 0.5 * h * k1[i];
            std::fill(u2b.begin(), u2b.end(), 0.0);
            f_vjp(x, u.data(), k2b.data(), u2b.data(), g);
            for (std::size_t i = 0; i < n; ++i) {
                ybar[i] += u2b[i];
                k1b[i] += 0.5 * h * u2b[i];
            }
            // k1 = f(y)
            f_vjp(x, y, k1b.data(), ybar.data(), g);
            std::copy(ybar.begin(), ybar.end(), a.begin());
        }
        for (std::size_t i = 0; i < n; ++i) // y(0) = x
            g[i] += a[i];
        return r;
    }
};

} // namespace hand
