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

LinearMap linearize(const AffineMap& m, const Shape& shape) {
    LinearMap l;
    const auto strides = shape.strides();
    for (int k = 0; k < m.rank; ++k) {
        const auto sk = strides[static_cast<std::size_t>(k)];
        l.base += sk * m.offset[static_cast<std::size_t>(k)];
        for (std::size_t j = 0; j < l.step.size(); ++j)
            l.step[j] += sk * m.coef[static_cast<std::size_t>(k)][j];
    }
    return l;
}

bool guards_hold(const IndexPlan& p, const LoopIndex& idx) {
    for (int g = 0; g < p.guard_count; ++g) {
        const Guard& gd = p.guards[static_cast<std::size_t>(g)];
        std::int64_t v = gd.constant;
        for (std::size_t j = 0; j < idx.size(); ++j)
            v += gd.coef[j] * idx[j];
        if (v < 0)
            return false;
    }
    return true;
}

} // namespace symdiff
