// Deterministic random numbers for benchmark inputs: splitmix64 bits, uniform doubles
// from the top 53 bits and normals by Box-Muller. Written out (not <random>'s
// distributions, which differ between standard libraries) so data is the same everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace bench {

class Rng {
  public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t bits() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi).
    double uniform(double lo = 0.0, double hi = 1.0) {
        return lo + (hi - lo) * static_cast<double>(bits() >> 11) * 0x1.0p-53;
    }
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u = 0.0;
        while (u <= 0.0)
            u = uniform();
        const double v = uniform();
        const double r = std::sqrt(-2.0 * std::log(u));
        spare_ = r * std::sin(2.0 * std::numbers::pi * v);
        has_spare_ = true;
        return r * std::cos(2.0 * std::numbers::pi * v);
    }
    std::vector<double> uniform_vector(std::size_t n, double lo, double hi) {
        std::vector<double> v(n);
        for (double& e : v)
            e = uniform(lo, hi);
        return v;
    }

  private:
    std::uint64_t state_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

} // namespace bench
