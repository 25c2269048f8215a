// Indices as NumPy writes them, x[i], A[i, j], x[a:b], A[:, j], turned into the window a
// slice node selects (SliceSpec). The model language's brackets and the C++ API's
// operator[] both go through here, so they agree on every range and every message.
#pragma once

#include "core/node.hpp"
#include "core/shape.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace symdiff {

// One index: an integer i (the axis is dropped) or a range lo:hi (the axis is kept; an
// end left out is the axis' start or end). Negative values count from the end.
struct Index {
    Index(std::int64_t i) : lo(i) {} // NOLINT: x[2] is an index
    static Index range(std::optional<std::int64_t> lo, std::optional<std::int64_t> hi) {
        Index r(0);
        r.lo = lo;
        r.hi = hi;
        r.is_range = true;
        return r;
    }
    std::optional<std::int64_t> lo, hi;
    bool is_range = false;
};

// lo:hi, lo:, :hi and :, as the C++ API spells them: A[{all(), range(1, 3)}].
inline Index range(std::int64_t lo, std::int64_t hi) { return Index::range(lo, hi); }
inline Index from(std::int64_t lo) { return Index::range(lo, std::nullopt); }
inline Index to(std::int64_t hi) { return Index::range(std::nullopt, hi); }
inline Index all() { return Index::range(std::nullopt, std::nullopt); }

// A window of all of `shape`, to which add_index() adds indices axis by axis.
SliceSpec whole(const Shape& shape);
// Index `ix` on axis `axis` of `shape`. Throws Error if the axis does not exist, an index
// is out of range or a range is empty.
void add_index(SliceSpec& spec, const Shape& shape, int axis, const Index& ix);
// The window of `indices` on the first axes of `shape` (the others whole).
SliceSpec slice_spec(const Shape& shape, std::span<const Index> indices);

} // namespace symdiff
