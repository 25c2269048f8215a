// Test helpers for numeric tensors: readable printing for Catch, element-wise closeness
// with a tolerance (as a Catch matcher that names the first mismatch), inner products,
// and tensors from literal values. Header-only; everything lives in symdiff::test.
// Closeness: |a - b| <= abs + rel * max(|a|, |b|); NaN matches only NaN, inf only itself.
#pragma once

#include "core/tensor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

namespace symdiff::test {

struct Tolerance {
    double rel = 1e-12;
    double abs = 1e-12;
};

inline constexpr Tolerance exact{0.0, 0.0};

inline bool close(double a, double b, Tolerance tol = {}) {
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b))
        return a == b;
    return std::fabs(a - b) <= tol.abs + tol.rel * std::max(std::fabs(a), std::fabs(b));
}

// "[2,3]{1, 2, 3, 4, 5, 6}", full precision, at most `limit` values.
inline std::string to_string(const Tensor& t, std::size_t limit = 24) {
    std::ostringstream os;
    os.precision(17);
    os << t.shape().str() << "{";
    for (std::size_t i = 0; i < t.size() && i < limit; ++i)
        os << (i ? ", " : "") << t[i];
    if (t.size() > limit)
        os << ", ... (" << t.size() << " values)";
    os << "}";
    return os.str();
}

// A tensor from a shape and its values in row-major order.
inline Tensor tensor(const Shape& shape, std::vector<double> values) {
    return Tensor(shape, std::move(values));
}

inline double inner(const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        s += a[i] * b[i];
    return s;
}

inline double max_abs(const Tensor& t) {
    double m = 0.0;
    for (double v : t.data())
        m = std::max(m, std::fabs(v));
    return m;
}

inline bool all_finite(const Tensor& t) {
    return std::all_of(t.data().begin(), t.data().end(), [](double v) { return std::isfinite(v); });
}

// CHECK_THAT(actual, IsClose(expected, {rel, abs})): same shape, every element close.
class TensorCloseMatcher : public Catch::MatcherBase<Tensor> {
  public:
    TensorCloseMatcher(Tensor expected, Tolerance tol)
        : expected_(std::move(expected)), tol_(tol) {}

    bool match(const Tensor& actual) const override {
        mismatch_.clear();
        if (actual.shape() != expected_.shape()) {
            mismatch_ = "shapes differ";
            return false;
        }
        for (std::size_t i = 0; i < actual.size(); ++i)
            if (!close(actual[i], expected_[i], tol_)) {
                std::ostringstream os;
                os.precision(17);
                os << "first mismatch at flat index " << i << ": " << actual[i] << " vs "
                   << expected_[i];
                mismatch_ = os.str();
                return false;
            }
        return true;
    }

    std::string describe() const override {
        std::ostringstream os;
        os << "is close to " << to_string(expected_) << " (rel " << tol_.rel << ", abs " << tol_.abs
           << ")";
        if (!mismatch_.empty())
            os << "; " << mismatch_;
        return os.str();
    }

  private:
    Tensor expected_;
    Tolerance tol_;
    mutable std::string mismatch_;
};

inline TensorCloseMatcher IsClose(Tensor expected, Tolerance tol = {}) {
    return TensorCloseMatcher(std::move(expected), tol);
}

// Bitwise-minded equality: same shape and every element == (NaN matches NaN).
inline TensorCloseMatcher IsExactly(Tensor expected) {
    return TensorCloseMatcher(std::move(expected), exact);
}

} // namespace symdiff::test

namespace Catch {
template <> struct StringMaker<symdiff::Tensor> {
    static std::string convert(const symdiff::Tensor& t) { return symdiff::test::to_string(t); }
};
} // namespace Catch
