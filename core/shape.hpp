// Static tensor shapes: rank 0 (scalar) to 4, row-major, every dimension >= 1.
// Invariant: dimensions past rank() are zero, so defaulted equality and hashing
// compare only what matters, and the rank is the number of nonzero dimensions (not
// stored: a shape is 16 bytes, and every graph node holds one).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace symdiff {

class Shape {
  public:
    static constexpr int max_rank = 4;

    Shape() = default; // scalar
    Shape(std::initializer_list<std::int64_t> dims);
    explicit Shape(std::span<const std::int64_t> dims);

    int rank() const {
        return (dims_[0] != 0) + (dims_[1] != 0) + (dims_[2] != 0) + (dims_[3] != 0);
    }
    std::int64_t operator[](int axis) const { return dims_[static_cast<std::size_t>(axis)]; }
    std::int64_t size() const;
    bool is_scalar() const { return dims_[0] == 0; }

    // Row-major stride of each axis, in elements.
    std::array<std::int64_t, max_rank> strides() const;
    // The shape with `axis` removed / replaced / inserted.
    Shape without(int axis) const;
    Shape with(int axis, std::int64_t dim) const;
    Shape inserted(int axis, std::int64_t dim) const;
    // This shape followed by `tail` (ranks must add up to at most max_rank).
    Shape concat(const Shape& tail) const;

    std::string str() const; // "[2,3]", "[]" for a scalar

    friend bool operator==(const Shape&, const Shape&) = default;

  private:
    std::array<std::int32_t, max_rank> dims_{};
};

// NumPy broadcasting of two shapes (axes aligned from the right; 1 stretches).
// Throws Error naming both shapes when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// True if `from` broadcasts to exactly `to`.
bool broadcasts_to(const Shape& from, const Shape& to);

std::size_t hash_value(const Shape& s);

} // namespace symdiff
