// The tables of names generated code cannot use, and the check that reads them.
#include "core/cpp_names.hpp"

#include <algorithm>
#include <iterator>

namespace symdiff {
namespace {

// C++20 keywords, including the alternative tokens (and, not, ...).
constexpr std::string_view cpp_keywords[] = {
    "alignas",       "alignof",     "and",
    "and_eq",        "asm",         "auto",
    "bitand",        "bitor",       "bool",
    "break",         "case",        "catch",
    "char",          "char8_t",     "char16_t",
    "char32_t",      "class",       "compl",
    "concept",       "const",       "consteval",
    "constexpr",     "constinit",   "const_cast",
    "continue",      "co_await",    "co_return",
    "co_yield",      "decltype",    "default",
    "delete",        "do",          "double",
    "dynamic_cast",  "else",        "enum",
    "explicit",      "export",      "extern",
    "false",         "float",       "for",
    "friend",        "goto",        "if",
    "inline",        "int",         "long",
    "mutable",       "namespace",   "new",
    "noexcept",      "not",         "not_eq",
    "nullptr",       "operator",    "or",
    "or_eq",         "private",     "protected",
    "public",        "register",    "reinterpret_cast",
    "requires",      "return",      "short",
    "signed",        "sizeof",      "static",
    "static_assert", "static_cast", "struct",
    "switch",        "template",    "this",
    "thread_local",  "throw",       "true",
    "try",           "typedef",     "typeid",
    "typename",      "union",       "unsigned",
    "using",         "virtual",     "void",
    "volatile",      "wchar_t",     "while",
    "xor",           "xor_eq",
};

// Object-like macros of <cmath>, <cstddef>, <cstdio>, <cerrno>, <cassert> (glibc's
// math.h adds M_PI and friends in g++'s default GNU mode), and the GNU-mode platform
// macros: a parameter named like one would not compile.
constexpr std::string_view std_macros[] = {
    "NULL",
    "EOF",
    "errno",
    "assert",
    "offsetof",
    "NAN",
    "INFINITY",
    "HUGE_VAL",
    "HUGE_VALF",
    "HUGE_VALL",
    "math_errhandling",
    "MATH_ERRNO",
    "MATH_ERREXCEPT",
    "FP_NAN",
    "FP_INFINITE",
    "FP_ZERO",
    "FP_SUBNORMAL",
    "FP_NORMAL",
    "FP_ILOGB0",
    "FP_ILOGBNAN",
    "M_E",
    "M_LOG2E",
    "M_LOG10E",
    "M_LN2",
    "M_LN10",
    "M_PI",
    "M_PI_2",
    "M_PI_4",
    "M_1_PI",
    "M_2_PI",
    "M_2_SQRTPI",
    "M_SQRT2",
    "M_SQRT1_2",
    "linux",
    "unix",
    "stdin",
    "stdout",
    "stderr",
};

template <std::size_t N> bool contains(const std::string_view (&table)[N], std::string_view name) {
    return std::find(std::begin(table), std::end(table), name) != std::end(table);
}

bool is_identifier(std::string_view s) {
    auto alpha = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.empty() || !alpha(s[0]))
        return false;
    return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || digit(c); });
}

} // namespace

std::string in_quotes(std::string_view name) { // appended: g++ 12 warns falsely on "'" + s
    std::string s(1, '\'');
    s += name;
    s += '\'';
    return s;
}

std::optional<std::string> cpp_name_problem(std::string_view name) {
    if (!is_identifier(name))
        return in_quotes(name) + " is not an identifier";
    if (contains(cpp_keywords, name))
        return in_quotes(name) + " is a C++ keyword";
    if (name == "std")
        return "'std' is reserved: generated code uses the namespace std";
    if (name == "symdiff_rt")
        return "'symdiff_rt' is reserved: generated code uses the namespace symdiff_rt";
    if (name == "SYMDIFF_RESTRICT")
        return "'SYMDIFF_RESTRICT' is reserved: generated code uses the macro SYMDIFF_RESTRICT";
    if (name.find("__") != std::string_view::npos ||
        (name.size() > 1 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z'))
        return in_quotes(name) +
               " is reserved in C++ (names with '__' or starting with '_' and a capital)";
    if (contains(std_macros, name))
        return in_quotes(name) + " is a macro of the C++ standard library";
    if (name.back() == '_')
        return in_quotes(name) + ": names ending in '_' are reserved for generated code";
    return std::nullopt;
}

} // namespace symdiff
