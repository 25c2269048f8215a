// How a kernel's loops are ordered and how it combines (the first decision of printing
// a kernel): the innermost loop is the axis its accesses walk most contiguously; a
// reduction accumulates in a register, or in memory when a kept axis is more contiguous
// (matrix products run i-k-j).
#pragma once

#include "codegen/lower.hpp"

#include <cstdint>
#include <vector>

namespace symdiff::codegen {

enum class Mode {
    assign,             // each iteration writes its own output element
    reduce_in_register, // reduced axes innermost, summed into a local accumulator
    reduce_in_memory,   // a kept axis innermost: the output is zeroed, then accumulated
    logsumexp,          // reduced axes innermost, two passes (max, then sum of exp)
    fold,               // reduced axes innermost, max/min/prod into a local accumulator
};

struct LoopPlan {
    Mode mode = Mode::assign;
    std::vector<int> loops; // domain axes with extent > 1, outermost first
    std::size_t kept = 0;   // the first `kept` loops run over kept (not reduced) axes
};

// Partial sums of a reduction whose innermost loop is long enough: two AVX2 vectors.
constexpr int lanes = 8;

// Partial sums pay from two rounds of them on.
inline bool lanes_pay(std::int64_t extent) { return extent >= 2 * lanes; }

inline bool reduced_axis(const Kernel& k, int j) { return (k.reduced >> j) & 1u; }

LoopPlan plan_loops(const Kernel& k);

} // namespace symdiff::codegen
