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
    max,       // ... by their maximum (from -inf; a NaN wins)
    min,       // ... by their minimum (from +inf; a NaN wins)
    prod,      // ... multiplied (from 1)
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

// --- Walking a plan's loop domain (the interpreter, the tape, the sparsity analysis)

using LoopIndex = std::array<std::int64_t, Shape::max_rank>;

// A tensor's flat offset as a linear function of the loop index: base + sum_j step[j] loop[j].
struct LinearMap {
    std::int64_t base = 0;
    LoopIndex step{};
};

// The flat offsets into a row-major tensor of `shape` that map `m` reads.
LinearMap linearize(const AffineMap& m, const Shape& shape);

// True if every guard of the plan holds at loop index idx.
bool guards_hold(const IndexPlan& p, const LoopIndex& idx);

// Walks every loop index of `domain` in row-major order, calling f(offsets, index) where
// offsets[t] is the flat offset given by lin[t].
template <std::size_t N, class F>
void for_each_index(const Shape& domain, const std::array<LinearMap, N>& lin, F&& f) {
    const int rank = domain.rank();
    LoopIndex idx{};
    std::array<std::int64_t, N> off{};
    for (std::size_t t = 0; t < N; ++t)
        off[t] = lin[t].base;
    const std::int64_t total = domain.size();
    for (std::int64_t n = 0; n < total; ++n) {
        f(off, idx);
        for (int j = rank - 1; j >= 0; --j) { // odometer step
            const auto ju = static_cast<std::size_t>(j);
            ++idx[ju];
            for (std::size_t t = 0; t < N; ++t)
                off[t] += lin[t].step[ju];
            if (idx[ju] < domain[j])
                break;
            for (std::size_t t = 0; t < N; ++t)
                off[t] -= lin[t].step[ju] * idx[ju];
            idx[ju] = 0;
        }
    }
}

} // namespace symdiff
