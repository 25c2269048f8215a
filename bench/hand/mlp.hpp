// Hand-written two-layer network: Z = W1 X + b1, A = sigmoid(Z), yhat = w2 A + b2,
// L = mean((y - yhat)^2); X is F x m (samples are columns), row-major.
// Forward: per hidden row an axpy sweep over the samples, then sigmoid and yhat while the
// row is in cache. Backward: dyhat = 2 (yhat - y) / m, dw2 = A dyhat, dZ = w2 dyhat .*
// A .* (1 - A) row by row, dW1 = dZ X^T as dot products, db1 = row sums.
#pragma once

#include "bench/hand/kernels.hpp"

#include <cmath>
#include <cstddef>

namespace hand {

template <class T>
T mlp(const T* W1, const T* b1, const T* w2, const T& b2, const double* X, const double* y,
      std::size_t F, std::size_t H, std::size_t m) {
    using std::exp;
    T loss = 0.0;
    for (std::size_t s = 0; s < m; ++s) {
        T yhat = b2;
        for (std::size_t j = 0; j < H; ++j) {
            T z = b1[j];
            for (std::size_t f = 0; f < F; ++f)
                z += W1[j * F + f] * X[f * m + s];
            yhat += w2[j] * (1.0 / (1.0 + exp(-z)));
        }
        const T r = y[s] - yhat;
        loss += r * r;
    }
    return loss / static_cast<double>(m);
}

// Caller-provided scratch: H*m + m doubles.
struct MlpScratch {
    double* A;    // H x m
    double* dyh;  // m
};

inline double mlp_grad(const double* W1, const double* b1, const double* w2, double b2,
                       const double* X, const double* y, std::size_t F, std::size_t H,
                       std::size_t m, MlpScratch s, double* dW1, double* db1, double* dw2,
                       double* db2) {
    double* yhat = s.dyh;
    for (std::size_t c = 0; c < m; ++c)
        yhat[c] = b2;
    for (std::size_t j = 0; j < H; ++j) {
        double* a = s.A + j * m;
        for (std::size_t c = 0; c < m; ++c)
            a[c] = b1[j];
        for (std::size_t f = 0; f < F; ++f) {
            const double wf = W1[j * F + f];
            const double* xf = X + f * m;
            for (std::size_t c = 0; c < m; ++c)
                a[c] += wf * xf[c];
        }
        const double wj = w2[j];
        for (std::size_t c = 0; c < m; ++c) {
            a[c] = 1.0 / (1.0 + std::exp(-a[c]));
            yhat[c] += wj * a[c];
        }
    }
    const double scale = 2.0 / static_cast<double>(m);
    double loss = 0.0;
    for (std::size_t c = 0; c < m; ++c) { // yhat becomes dL/dyhat
        const double r = yhat[c] - y[c];
        loss += r * r;
        yhat[c] = scale * r;
    }
    const double* dyh = yhat;
    *db2 = sum(dyh, m);
    for (std::size_t j = 0; j < H; ++j) {
        double* a = s.A + j * m; // becomes dZ row j
        dw2[j] = dot(a, dyh, m);
        const double wj = w2[j];
        for (std::size_t c = 0; c < m; ++c)
            a[c] = wj * dyh[c] * a[c] * (1.0 - a[c]);
        db1[j] = sum(a, m);
        for (std::size_t f = 0; f < F; ++f)
            dW1[j * F + f] = dot(a, X + f * m, m);
    }
    return loss / static_cast<double>(m);
}

// The objective alone, the same loops without the backward pass.
inline double mlp_f(const double* W1, const double* b1, const double* w2, double b2,
                    const double* X, const double* y, std::size_t F, std::size_t H,
                    std::size_t m, MlpScratch s) {
    double* yhat = s.dyh;
    for (std::size_t c = 0; c < m; ++c)
        yhat[c] = b2;
    double* a = s.A; // one row at a time
    for (std::size_t j = 0; j < H; ++j) {
        for (std::size_t c = 0; c < m; ++c)
            a[c] = b1[j];
        for (std::size_t f = 0; f < F; ++f) {
            const double wf = W1[j * F + f];
            const double* xf = X + f * m;
            for (std::size_t c = 0; c < m; ++c)
                a[c] += wf * xf[c];
        }
        const double wj = w2[j];
        for (std::size_t c = 0; c < m; ++c)
            yhat[c] += wj / (1.0 + std::exp(-a[c]));
    }
    double loss = 0.0;
    for (std::size_t c = 0; c < m; ++c) {
        const double r = yhat[c] - y[c];
        loss += r * r;
    }
    return loss / static_cast<double>(m);
}

} // namespace hand
