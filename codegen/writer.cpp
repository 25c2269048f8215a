// The C++ spelling of numbers and ops (writer.hpp).
#include "codegen/writer.hpp"

#include "core/number_text.hpp"
#include "core/ops.hpp"

#include <cmath>

namespace symdiff::codegen {

std::string literal(double v) {
    if (std::isnan(v))
        return "std::numeric_limits<double>::quiet_NaN()";
    if (std::isinf(v))
        return v > 0 ? "std::numeric_limits<double>::infinity()"
                     : "(-std::numeric_limits<double>::infinity())";
    std::string s = shortest_text(v);
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return std::signbit(v) ? "(" + s + ")" : s;
}

std::string spell(std::string_view pattern, const std::array<std::string, 3>& operands) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}') {
            out += operands[static_cast<std::size_t>(pattern[i + 1] - '0')];
            i += 2;
        } else {
            out += pattern[i];
        }
    }
    return out;
}

std::string spell_op(Op op, const std::array<std::string, 3>& operands) {
    if (!info(op).formula)
        return spell(info(op).cpp, operands);
    std::string call = helper_name(op) + "(";
    for (int a = 0; a < info(op).arity; ++a)
        call += (a ? ", " : "") + operands[static_cast<std::size_t>(a)];
    return call + ")";
}

std::string helper_name(Op op) { return "::symdiff_rt::" + std::string(name(op)); }

} // namespace symdiff::codegen
