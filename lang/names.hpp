// Which identifiers a model may define. Model names become C++ names in generated
// code (parameters, results, functions, the namespace), so C++ keywords, reserved
// identifiers and the macros of the standard headers the emitter includes are refused,
// as are the language's own keywords and functions, and names ending in '_' (kept for
// generated code).
#pragma once

#include "core/cpp_names.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace symdiff {

// Why `name` cannot be defined in a model (input, value, export or result name).
std::optional<std::string> model_name_problem(std::string_view name);

bool is_language_keyword(std::string_view name); // input, export, pi, inf, and, or, not
bool is_loop_name(std::string_view name);        // fold, scan: the loops (parser_loop.cpp)

// For an unknown function: " (did you mean 'max'?)" naming the function of the language
// closest to `name` (by edit distance, adjacent transpositions counting one; or the
// language's spelling of a NumPy name such as 'maximum'), or "" when none is close.
std::string function_suggestion(std::string_view name);


} // namespace symdiff
