// Which names generated C++ may use as written. User names (parameters, results,
// functions, namespaces) appear verbatim in emitted headers, so C++ keywords, reserved
// identifiers, the macros of the standard headers the emitter includes, the namespaces
// generated code relies on, and names ending in '_' (the emitter's own) are refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace symdiff {

// Why `name` cannot be a name in generated code, or nullopt if it can.
std::optional<std::string> cpp_name_problem(std::string_view name);

// 'name', as messages show names.
std::string in_quotes(std::string_view name);

} // namespace symdiff
