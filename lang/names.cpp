// The names a model may not define: the language's own words, then C++'s (core/cpp_names);
// and the suggestion for a function name the language does not know.
#include "lang/names.hpp"

#include "lang/builtins.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace symdiff {

bool is_language_keyword(std::string_view name) {
    return name == "input" || name == "export" || name == "pi" || name == "inf" || name == "and" ||
           name == "or" || name == "not";
}

bool is_loop_name(std::string_view name) { return name == "fold" || name == "scan"; }

std::optional<std::string> model_name_problem(std::string_view name) {
    if (is_language_keyword(name))
        return in_quotes(name) + " is a keyword of the model language";
    if (find_builtin(name) || is_loop_name(name))
        return in_quotes(name) + " is the name of a function";
    return cpp_name_problem(name);
}

namespace {

// The optimal string alignment distance: insertions, deletions, substitutions and swaps
// of adjacent characters each cost 1 ("jacobain" is 1 from "jacobian").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// Other libraries' names (NumPy, PyTorch, SciPy, CasADi) of functions the language spells
// otherwise.
// clang-format off
constexpr std::pair<std::string_view, std::string_view> numpy_names[] = {
    {"maximum", "max"}, {"minimum", "min"}, {"power", "pow"}, {"hess", "hessian"},
    {"jac", "jacobian"}, {"gradient", "grad"}, {"vstack", "stack"}, {"concatenate", "concat"},
    {"cat", "concat"}, {"identity", "eye"}, {"logistic", "sigmoid"}, {"expit", "sigmoid"},
    {"matmul", "@"}, {"mm", "@"}, {"inner", "dot"}, {"reduce", "fold"}, {"foldl", "fold"},
    {"mapaccum", "scan"}, {"accumulate", "scan"},
};
// clang-format on

} // namespace

std::string function_suggestion(std::string_view name) {
    for (const auto& [numpy, ours] : numpy_names)
        if (name == numpy)
            return ours == "@" ? " (use the operator @ for matrix products)"
                               : " (did you mean '" + std::string(ours) + "'?)";
    // Close enough to be a typo: 1 edit in names of up to 4 letters, 2 up to 8, else 3.
    const std::size_t allowed = name.size() <= 4 ? 1 : name.size() <= 8 ? 2 : 3;
    std::string_view best;
    std::size_t best_distance = allowed + 1;
    auto consider = [&](std::string_view candidate) {
        const std::size_t d = edit_distance(name, candidate);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    };
    for (const Builtin& b : builtins())
        consider(b.name);
    consider("fold");
    consider("scan");
    return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

} // namespace symdiff
