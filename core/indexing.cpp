// NumPy's indices as slice windows (indexing.hpp).
#include "core/indexing.hpp"

#include "core/error.hpp"

#include <string>

namespace symdiff {

SliceSpec whole(const Shape& shape) {
    SliceSpec spec;
    for (int k = 0; k < shape.rank(); ++k)
        spec.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(shape[k]);
    return spec;
}

void add_index(SliceSpec& spec, const Shape& shape, int axis, const Index& ix) {
    if (axis >= shape.rank())
        throw Error("too many indices for shape " + shape.str());
    const std::int64_t dim = shape[axis];
    const auto k = static_cast<std::size_t>(axis);
    const auto normal = [dim](std::int64_t i) { return i < 0 ? i + dim : i; };
    if (!ix.is_range) {
        const std::int64_t i = normal(*ix.lo);
        if (i < 0 || i >= dim)
            throw Error("index " + std::to_string(*ix.lo) + " is out of range for axis " +
                        std::to_string(axis) + " of shape " + shape.str());
        spec.start[k] = static_cast<std::int32_t>(i);
        spec.stop[k] = static_cast<std::int32_t>(i + 1);
        spec.drop = static_cast<std::uint8_t>(spec.drop | (1u << axis));
        return;
    }
    const std::string text = (ix.lo ? std::to_string(*ix.lo) : "") + ":" + (ix.hi ? std::to_string(*ix.hi) : "");
    const std::int64_t a = ix.lo ? normal(*ix.lo) : 0, b = ix.hi ? normal(*ix.hi) : dim;
    if (a < 0 || a > dim || b < 0 || b > dim)
        throw Error("slice " + text + " is out of range for axis " + std::to_string(axis) + " of shape " +
                    shape.str());
    if (a >= b)
        throw Error("slice " + text + " of axis " + std::to_string(axis) + " is empty");
    spec.start[k] = static_cast<std::int32_t>(a);
    spec.stop[k] = static_cast<std::int32_t>(b);
}

SliceSpec slice_spec(const Shape& shape, std::span<const Index> indices) {
    SliceSpec spec = whole(shape);
    for (std::size_t k = 0; k < indices.size(); ++k)
        add_index(spec, shape, static_cast<int>(k), indices[k]);
    return spec;
}

} // namespace symdiff
