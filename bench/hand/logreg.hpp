// Hand-written logistic regression: L = (1/m) sum_i softplus(z_i) - y_i z_i with
// z = X w + b (the mean negative log-likelihood, labels in {0, 1}), and its gradient
// dL/dz_i = (sigmoid(z_i) - y_i) / m, dw = X^T dz, db = sum dz: one pass over X, each
// row used for z_i and for dw while it is in cache.
#pragma once

#include "bench/hand/kernels.hpp"

#include <cmath>
#include <cstddef>

namespace hand {

// softplus(z) = log(1 + e^z), stable for doubles; the plain formula for other T.
inline double softplus(double z) { return std::fmax(z, 0.0) + std::log1p(std::exp(-std::fabs(z))); }
template <class T> T softplus(const T& z) {
    using std::exp, std::log;
    return log(1.0 + exp(z));
}

template <class T>
T logreg(const double* X, const double* y, const T* w, const T& b, std::size_t m, std::size_t d) {
    T sum = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        T z = b;
        for (std::size_t j = 0; j < d; ++j)
            z += X[i * d + j] * w[j];
        sum += softplus(z) - y[i] * z;
    }
    return sum / static_cast<double>(m);
}

// The objective alone, as the gradient's forward part.
inline double logreg_f(const double* X, const double* y, const double* w, double b,
                       std::size_t m, std::size_t d) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        const double z = b + dot(X + i * d, w, d);
        sum += softplus(z) - y[i] * z;
    }
    return sum / static_cast<double>(m);
}

inline double logreg_grad(const double* X, const double* y, const double* w, double b,
                          std::size_t m, std::size_t d, double* dw, double* db) {
    const double inv_m = 1.0 / static_cast<double>(m);
    for (std::size_t j = 0; j < d; ++j)
        dw[j] = 0.0;
    double sum = 0.0, dbias = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        const double* xi = X + i * d;
        const double z = b + dot(xi, w, d);
        const double e = std::exp(-std::fabs(z)); // one exp serves softplus and sigmoid
        sum += std::fmax(z, 0.0) + std::log1p(e) - y[i] * z;
        const double sig = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        const double dz = (sig - y[i]) * inv_m;
        dbias += dz;
        for (std::size_t j = 0; j < d; ++j)
            dw[j] += dz * xi[j];
    }
    *db = dbias;
    return sum * inv_m;
}

} // namespace hand
