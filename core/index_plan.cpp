// Small helpers for building index plans.
#include "core/index_plan.hpp"

namespace symdiff {

AffineMap AffineMap::identity(int rank) {
    AffineMap m;
    m.rank = rank;
    for (int k = 0; k < rank; ++k)
        m.set(k, k);
    return m;
}

void AffineMap::set(int k, int axis, std::int64_t off) {
    auto& row = coef[static_cast<std::size_t>(k)];
    row.fill(0);
    if (axis >= 0)
        row[static_cast<std::size_t>(axis)] = 1;
    offset[static_cast<std::size_t>(k)] = off;
}

void IndexPlan::add_range(int axis, std::int64_t lo, std::int64_t hi) {
    Guard above; // loop[axis] - lo >= 0
    above.coef[static_cast<std::size_t>(axis)] = 1;
    above.constant = -lo;
    add_guard(above);
    Guard below; // hi - 1 - loop[axis] >= 0
    below.coef[static_cast<std::size_t>(axis)] = -1;
    below.constant = hi - 1;
    add_guard(below);
}

bool IndexPlan::is_reduced(int axis) const {
    for (int k = 0; k < out.rank; ++k)
        if (out.coef[static_cast<std::size_t>(k)][static_cast<std::size_t>(axis)] != 0)
            return false;
    return true;
}

} // namespace symdiff
