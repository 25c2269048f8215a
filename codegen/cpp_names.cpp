// The C++20 keyword list and the rules for names the emitter prints verbatim.
#include "codegen/cpp_names.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace symdiff::codegen {
namespace {

// C++20 keywords and alternative tokens ([lex.key], [lex.digraph]).
constexpr std::array<std::string_view, 97> keywords = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
    "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
    "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "final", "override",
    "import", "module"};

bool is_identifier(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

} // namespace

bool is_cpp_keyword(std::string_view name) {
    return std::find(keywords.begin(), keywords.end(), name) != keywords.end();
}

void require_emittable_name(std::string_view name, std::string_view what) {
    const std::string quoted = std::string(what) + " '" + std::string(name) + "'";
    if (!is_identifier(name))
        throw Error(quoted + " is not a C++ identifier");
    if (is_cpp_keyword(name))
        throw Error(quoted + " is a C++ keyword");
    if (name == "std" || name == "symdiff_rt")
        throw Error(quoted + " is reserved for the generated code's own use");
    if (name.find("__") != std::string_view::npos ||
        (name[0] == '_' && name.size() > 1 && std::isupper(static_cast<unsigned char>(name[1]))))
        throw Error(quoted + " is reserved by the C++ standard");
    if (name.back() == '_')
        throw Error(quoted + " ends in '_', which is reserved for generated names");
}

} // namespace symdiff::codegen
