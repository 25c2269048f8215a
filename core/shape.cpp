// Shape arithmetic: construction checks, strides and NumPy broadcasting.
#include "core/shape.hpp"

#include "core/error.hpp"

#include <limits>

namespace symdiff {

Shape::Shape(std::initializer_list<std::int64_t> dims)
    : Shape(std::span<const std::int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const std::int64_t> dims) {
    if (dims.size() > static_cast<std::size_t>(max_rank))
        throw Error("tensors have at most " + std::to_string(max_rank) + " dimensions, got " +
                    std::to_string(dims.size()));
    std::int64_t total = 1;
    for (std::size_t k = 0; k < dims.size(); ++k) {
        if (dims[k] < 1)
            throw Error("dimension " + std::to_string(dims[k]) + " must be positive");
        if (dims[k] > std::numeric_limits<std::int32_t>::max())
            throw Error("dimension " + std::to_string(dims[k]) + " is too large");
        if (total > (std::int64_t{1} << 40) / dims[k])
            throw Error("tensor with more than 2^40 elements");
        total *= dims[k];
        dims_[k] = static_cast<std::int32_t>(dims[k]);
    }
}

std::int64_t Shape::size() const {
    std::int64_t n = 1;
    for (const std::int32_t d : dims_) // 0 past the rank
        n *= d == 0 ? 1 : d;
    return n;
}

std::array<std::int64_t, Shape::max_rank> Shape::strides() const {
    std::array<std::int64_t, max_rank> s{};
    std::int64_t stride = 1;
    for (int k = rank() - 1; k >= 0; --k) {
        s[static_cast<std::size_t>(k)] = stride;
        stride *= dims_[static_cast<std::size_t>(k)];
    }
    return s;
}

Shape Shape::without(int axis) const {
    std::array<std::int64_t, max_rank> d{};
    int n = 0;
    for (int k = 0; k < rank(); ++k)
        if (k != axis)
            d[static_cast<std::size_t>(n++)] = (*this)[k];
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(n)));
}

Shape Shape::with(int axis, std::int64_t dim) const {
    std::array<std::int64_t, max_rank> d{};
    for (int k = 0; k < rank(); ++k)
        d[static_cast<std::size_t>(k)] = k == axis ? dim : (*this)[k];
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(rank())));
}

Shape Shape::inserted(int axis, std::int64_t dim) const {
    std::array<std::int64_t, max_rank + 1> d{};
    int n = 0;
    for (int k = 0; k <= rank(); ++k) {
        if (k == axis)
            d[static_cast<std::size_t>(n++)] = dim;
        if (k < rank())
            d[static_cast<std::size_t>(n++)] = (*this)[k];
    }
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(n)));
}

Shape Shape::concat(const Shape& tail) const {
    std::array<std::int64_t, 2 * max_rank> d{};
    int n = 0;
    for (int k = 0; k < rank(); ++k)
        d[static_cast<std::size_t>(n++)] = (*this)[k];
    for (int k = 0; k < tail.rank(); ++k)
        d[static_cast<std::size_t>(n++)] = tail[k];
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(n)));
}

std::string Shape::str() const {
    std::string s = "[";
    for (int k = 0; k < rank(); ++k) {
        if (k)
            s += ",";
        s += std::to_string((*this)[k]);
    }
    return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
    const int rank = std::max(a.rank(), b.rank());
    std::array<std::int64_t, Shape::max_rank> d{};
    for (int k = 0; k < rank; ++k) { // k counts axes from the right
        const int ka = a.rank() - 1 - k, kb = b.rank() - 1 - k;
        const std::int64_t da = ka >= 0 ? a[ka] : 1, db = kb >= 0 ? b[kb] : 1;
        if (da != db && da != 1 && db != 1)
            throw Error("shapes " + a.str() + " and " + b.str() + " do not broadcast");
        d[static_cast<std::size_t>(rank - 1 - k)] = std::max(da, db);
    }
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(rank)));
}

bool broadcasts_to(const Shape& from, const Shape& to) {
    if (from.rank() > to.rank())
        return false;
    for (int k = 0; k < from.rank(); ++k) {
        const std::int64_t df = from[from.rank() - 1 - k], dt = to[to.rank() - 1 - k];
        if (df != dt && df != 1)
            return false;
    }
    return true;
}

std::size_t hash_value(const Shape& s) {
    std::size_t h = static_cast<std::size_t>(s.rank());
    for (int k = 0; k < s.rank(); ++k)
        h = h * 1000003u ^ static_cast<std::size_t>(s[k]);
    return h;
}

} // namespace symdiff
