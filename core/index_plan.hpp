// The index semantics of structural tensor ops, as data: a loop domain, an affine map
// from loop indices to each operand's index and to the output's index, guards, and how
// values combine. The interpreter evaluates plans directly; codegen lowers them to loops.
// Invariant: every loop index appears in the output map unless it is a reduced axis.
#pragma once

#include "core/shape.hpp"

#include <array>
#include <cstdint>

namespace symdiff {

// index[k] = offset[k] + sum_j coef[k][j] * loop[j], for k < rank.
struct AffineMap {
    int rank = 0;
    std::array<std::array<std::int64_t, Shape::max_rank>, Shape::max_rank> coef{};
    std::array<std::int64_t, Shape::max_rank> offset{};

    static AffineMap identity(int rank);
    // index[k] = loop[axis]; axis < 0 leaves index[k] = offset only.
    void set(int k, int axis, std::int64_t offset = 0);
};

// sum_j coef[j] * loop[j] + constant >= 0
struct Guard {
    std::array<std::int64_t, Shape::max_rank> coef{};
    std::int64_t constant = 0;
};

enum class Combine : std::uint8_t {
    assign,    // every output element is written by exactly one loop iteration
    sum,       // loop axes missing from the output map are summed over
    logsumexp, // ... combined by log(sum(exp(.))), evaluated with a max shift
};

enum class Body : std::uint8_t {
    copy,    // the value is operand 0
    product, // the value is operand 0 times operand 1 (matrix products)
};

struct IndexPlan {
    Shape domain;        // loop extents (rank <= 4)
    AffineMap out;       // loop index -> output index
    std::array<AffineMap, 2> in{};
    int operands = 1;
    Body body = Body::copy;
    Combine combine = Combine::assign;
    std::array<Guard, 2 * Shape::max_rank> guards{}; // when any fails the value is 0
    int guard_count = 0;

    void add_guard(const Guard& g) { guards[static_cast<std::size_t>(guard_count++)] = g; }
    // Guards "lo <= loop[axis] + shift < hi".
    void add_range(int axis, std::int64_t lo, std::int64_t hi);
    // A loop axis is reduced if no output index depends on it.
    bool is_reduced(int axis) const;
};

} // namespace symdiff
