// Small building blocks of the hand-written references: dot products and sums with
// eight independent accumulators in an array, which GCC -O3 turns into SIMD partial
// sums (a single accumulator is a serial chain of adds without -ffast-math; measured
// on this machine: 4x faster for n = 100 and 256).
#pragma once

#include <cstddef>

namespace hand {

inline double dot(const double* a, const double* b, std::size_t n) {
    double acc[8] = {};
    const std::size_t n8 = n - n % 8;
    for (std::size_t i = 0; i < n8; i += 8)
        for (std::size_t k = 0; k < 8; ++k)
            acc[k] += a[i + k] * b[i + k];
    double tail = 0.0;
    for (std::size_t i = n8; i < n; ++i)
        tail += a[i] * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) +
           tail;
}

inline double sum(const double* a, std::size_t n) {
    double acc[8] = {};
    const std::size_t n8 = n - n % 8;
    for (std::size_t i = 0; i < n8; i += 8)
        for (std::size_t k = 0; k < 8; ++k)
            acc[k] += a[i + k];
    double tail = 0.0;
    for (std::size_t i = n8; i < n; ++i)
        tail += a[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) +
           tail;
}

} // namespace hand
