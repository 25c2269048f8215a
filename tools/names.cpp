// The names a model may not define: the language's own words, then C++'s (core/cpp_names).
#include "tools/names.hpp"

#include "tools/builtins.hpp"

namespace symdiff {

bool is_language_keyword(std::string_view name) {
    return name == "input" || name == "export" || name == "pi";
}

std::optional<std::string> model_name_problem(std::string_view name) {
    if (is_language_keyword(name))
        return in_quotes(name) + " is a keyword of the model language";
    if (find_builtin(name))
        return in_quotes(name) + " is the name of a function";
    return cpp_name_problem(name);
}

} // namespace symdiff
