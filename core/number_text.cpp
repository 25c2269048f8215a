// The one formatter of doubles (number_text.hpp).
#include "core/number_text.hpp"

#include <charconv>
#include <cmath>

namespace symdiff {

std::string shortest_text(double v) {
    if (std::isnan(v))
        return "nan";
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

} // namespace symdiff
