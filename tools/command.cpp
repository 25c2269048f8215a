// The plumbing every command shares: arguments, model and values, exports and parameters.
#include "tools/command.hpp"

#include "core/cpp_names.hpp"
#include "tools/values.hpp"

#include <algorithm>
#include <charconv>

namespace symdiff::cli {

std::optional<std::string> Args::value(std::string_view name) const {
    const auto it = options.find(name);
    return it == options.end() || it->second.empty() ? std::nullopt
                                                     : std::optional(it->second.front());
}

std::vector<std::string> Args::values(std::string_view name) const {
    const auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

Model load(const std::string& path, const Args& a, bool keep_every_carry) {
    ParseOptions options;
    options.keep_every_carry = keep_every_carry;
    if (const auto c = a.value("--checkpoint")) {
        std::int32_t steps = 0;
        const char* end = c->data() + c->size();
        const auto [ptr, ec] = std::from_chars(c->data(), end, steps);
        if (*c == "sqrt")
            options.checkpoint = ParseOptions::checkpoint_sqrt;
        else if (!c->empty() && ec == std::errc() && ptr == end && steps >= 0)
            options.checkpoint = steps;
        else
            throw UsageError("--checkpoint needs the steps per segment (a whole number; 0 keeps every carry) or "
                             "'sqrt', got '" + *c + "'",
                             "for example --checkpoint sqrt (docs/language.md, \"Checkpointing\")");
    }
    const std::string source = read_source(path);
    return in_file(path, source, [&] { return parse_model(source, path, options); });
}

rewrite::Options simplify_options(const Args& a) {
    rewrite::Options o;
    o.strict = a.has("--strict");
    return o;
}

std::vector<std::pair<std::string, Tensor>> given_values(const Args& a, const Model& m,
                                                         const Function* f) {
    const Graph& g = *m.graph;
    std::vector<std::pair<std::string, Tensor>> values;
    if (const auto file = a.value("--set-file")) {
        const std::string text = read_source(*file);
        in_file(*file, text, [&] {
            for (NamedValue& v : parse_named_values(text)) {
                const auto input = g.find_input(v.name);
                if (!input) {
                    std::vector<std::string> inputs;
                    for (const InputInfo& in : g.inputs())
                        inputs.push_back(in.name);
                    throw Error(in_quotes(v.name) + " is not an input of '" + m.path + "' (" +
                                    (inputs.empty() ? "it has none"
                                                    : "its inputs: " + names_list(inputs)) +
                                    ")",
                                v.loc);
                }
                const bool parameter =
                    !f || std::any_of(f->params.begin(), f->params.end(),
                                      [&](NodeId p) { return g[p].input_index() == *input; });
                if (parameter) // the file may hold other exports' inputs too
                    values.emplace_back(std::move(v.name), std::move(v.value));
            }
        });
    }
    std::vector<std::string> from_set;
    for (const std::string& s : a.values("--set")) {
        const auto eq = s.find('=');
        const std::string name = s.substr(0, eq);
        if (eq == std::string::npos || name.empty())
            throw UsageError("--set needs NAME=VALUE, got '" + s + "'",
                             "for example --set x=0.5 or --set 'W=[[1,2],[3,4]]'");
        if (std::find(from_set.begin(), from_set.end(), name) != from_set.end())
            throw UsageError("'" + name + "' is set twice", "give each value once");
        from_set.push_back(name);
        Tensor t;
        try {
            t = parse_value(std::string_view(s).substr(eq + 1));
        } catch (const Error& e) {
            throw Error("--set " + name + ": " + e.what() + " (at character " +
                        std::to_string(e.loc().col) + " of the value)");
        }
        const auto it = std::find_if(values.begin(), values.end(),
                                     [&](const auto& v) { return v.first == name; });
        if (it != values.end())
            it->second = std::move(t);
        else
            values.emplace_back(name, std::move(t));
    }
    return values;
}

const Function& find_export(const Model& m, const std::string& fn) {
    if (const Function* f = m.find_export(fn))
        return *f;
    std::vector<std::string> names;
    for (const Function& e : m.exports)
        names.push_back(e.name);
    throw UsageError("'" + m.path + "' has no export '" + fn + "'",
                     "its exports: " + names_list(names));
}

std::vector<std::string> parameter_names(const Graph& g, const Function& f) {
    std::vector<std::string> names;
    for (NodeId p : f.params)
        names.push_back(g.inputs()[static_cast<std::size_t>(g[p].input_index())].name);
    return names;
}

void require_parameter(const Graph& g, const Function& f, const std::string& name) {
    const std::vector<std::string> params = parameter_names(g, f);
    if (std::find(params.begin(), params.end(), name) == params.end())
        throw UsageError("'" + name + "' is not a parameter of '" + f.name + "'",
                         params.empty() ? "'" + f.name + "' has no parameters"
                                        : "its parameters: " + names_list(params));
}

std::string names_list(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names)
        s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::vector<std::string> q;
    for (const auto& n : names)
        q.push_back(in_quotes(n));
    return names_list(q);
}

} // namespace symdiff::cli
