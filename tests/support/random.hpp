// Seeded randomness for tests. The engine (std::mt19937_64) is fully specified by the
// standard, but std::uniform_*_distribution is not, so the mappings to integers and reals
// are written here: a pinned seed gives the same values under every standard library.
#pragma once

#include "core/tensor.hpp"

#include <cstdint>
#include <random>

namespace symdiff::test {

class Rng {
  public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}

    // Uniform in [lo, hi] (the modulo bias is far below anything a test can see).
    std::int64_t integer(std::int64_t lo, std::int64_t hi) {
        const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<std::int64_t>(engine_() % span);
    }
    // Uniform in [lo, hi), from the top 53 bits.
    double real(double lo, double hi) {
        const double u = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
        return lo + (hi - lo) * u;
    }
    bool chance(double p) { return real(0.0, 1.0) < p; }
    template <class Seq> const auto& pick(const Seq& s) {
        return s[static_cast<std::size_t>(integer(0, static_cast<std::int64_t>(s.size()) - 1))];
    }
    std::uint64_t next() { return engine_(); }

  private:
    std::mt19937_64 engine_;
};

// Uniform values in [lo, hi).
inline Tensor random_tensor(Rng& rng, const Shape& shape, double lo = -1.0, double hi = 1.0) {
    Tensor t(shape);
    for (double& v : t.data())
        v = rng.real(lo, hi);
    return t;
}

} // namespace symdiff::test
