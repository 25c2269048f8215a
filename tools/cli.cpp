// The command table, argument parsing, and the gen and eval commands. Every failure is
// an Error caught in run(): located ones are shown with their source line and caret,
// the rest as one "error:" line and at most one hint line.
#include "tools/cli.hpp"

#include "tools/atomic_file.hpp"
#include "tools/compare.hpp"
#include "tools/dot_command.hpp"
#include "tools/model.hpp"
#include "tools/names.hpp"
#include "tools/values.hpp"

#include "codegen/emit.hpp"
#include "core/eval.hpp"
#include "rewrite/simplify.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <sstream>
#include <vector>

#ifndef SYMDIFF_VERSION
#error "SYMDIFF_VERSION must be defined by the build"
#endif

namespace symdiff::cli {
namespace {

// --------------------------------------------------------------------------------
// Errors

// A command-line mistake, with a hint on what to do instead.
class UsageError : public Error {
  public:
    UsageError(const std::string& message, std::string hint)
        : Error(message), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }

  private:
    std::string hint_;
};

// A located error in a file (a model, a JSON file): shown with its line and caret.
class FileError : public Error {
  public:
    FileError(const Error& e, std::string path, std::string text)
        : Error(e.what(), e.loc()), path_(std::move(path)), text_(std::move(text)) {}
    std::string format() const { return format_error(*this, path_, text_); }

  private:
    std::string path_, text_;
};

// Runs f; a located Error becomes a FileError of `path` with content `text`.
template <class F>
auto in_file(const std::string& path, const std::string& text, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const FileError&) {
        throw;
    } catch (const Error& e) {
        if (!e.loc().known())
            throw;
        throw FileError(e, path, text);
    }
}

// --------------------------------------------------------------------------------
// Options and the command table

struct OptionSpec {
    std::string_view name;
    bool takes_value;
    bool repeatable;
};

constexpr OptionSpec option_specs[] = {
    {"--set", true, true},   {"--set-file", true, false},  {"--json", false, false},
    {"-o", true, false},     {"--namespace", true, false}, {"--points", true, false},
    {"--seed", true, false}, {"--help", false, false},     {"--simplify", false, false},
};

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>, std::less<>> options;

    bool has(std::string_view name) const { return options.find(name) != options.end(); }
    std::optional<std::string> value(std::string_view name) const {
        const auto it = options.find(name);
        return it == options.end() ? std::nullopt : std::optional(it->second.front());
    }
    std::vector<std::string> values(std::string_view name) const {
        const auto it = options.find(name);
        return it == options.end() ? std::vector<std::string>{} : it->second;
    }
};

struct Command {
    std::string_view name;
    std::string_view synopsis; // the arguments after the command name
    std::string_view summary;
    std::vector<std::string_view> positionals;
    std::vector<std::string_view> options;      // besides --help
    int (*run)(const Args&, std::ostream& out); // null: announced, not available yet
};

int gen_command(const Args& a, std::ostream& out);
int eval_command(const Args& a, std::ostream& out);
int dot_command(const Args& a, std::ostream& out);

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"gen",
         "MODEL.sd -o OUT.hpp [--namespace NS]",
         "write a C++ header with every export of the model (namespace: the model's file stem)",
         {"MODEL.sd"},
         {"-o", "--namespace"},
         gen_command},
        {"eval",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--json]",
         "evaluate export FN (its results, derivatives included) at the given values",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--json"},
         eval_command},
        {"check",
         "MODEL.sd [--set NAME=VALUE ...] [--set-file F.json] [--points N] [--seed S]",
         "hold every result against the tape, the compiled code and finite differences, at N "
         "random points (default 3, from seed S, default 1) and the --set point",
         {"MODEL.sd"},
         {"--set", "--set-file", "--points", "--seed"},
         [](const Args& a, std::ostream& out) {
             return translate_errors<UsageError, FileError>([&] {
                 return check_command({a.positional, a.options}, out);
             });
         }},
        {"compare",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--json]",
         "one export in symbol-to-symbol and symbol-to-number mode: agreement, node counts, "
         "time per call, memory",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--json"},
         [](const Args& a, std::ostream& out) {
             return translate_errors<UsageError, FileError>([&] {
                 return compare_command({a.positional, a.options}, out);
             });
         }},
        {"dot",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--simplify] [-o OUT.dot]",
         "write a Graphviz picture of an export's graph; with values, edges carry forward "
         "values and nodes gradients (docs/pictures.md)",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--simplify", "-o"},
         dot_command},
    };
    return table;
}

const Command* find_command(std::string_view name) {
    for (const Command& c : commands())
        if (c.name == name)
            return &c;
    return nullptr;
}

std::string usage_line(const Command& c) {
    return "usage: symdiff " + std::string(c.name) + " " + std::string(c.synopsis);
}

std::string help_text() {
    std::string s = "usage: symdiff COMMAND ARGS...\n"
                    "       symdiff --help | --version\n\n"
                    "Differentiates models written in the symdiff language (*.sd) symbol to\n"
                    "symbol, and evaluates them or emits them as C++.\n\ncommands:\n";
    for (const Command& c : commands())
        s += "  " + std::string(c.name) + " " + std::string(c.synopsis) + "\n      " +
             std::string(c.summary) + "\n";
    s += "\noptions:\n"
         "  --set NAME=VALUE   a value for input NAME: a number or a nested list in row-major\n"
         "                     order, e.g. --set 'W=[[0.1,0.5],[-0.3,0.8]]'\n"
         "  --set-file F.json  a JSON object of such values; --set overrides its entries\n"
         "  --json             print one JSON object {\"function\": FN, \"outputs\": {...}}\n"
         "  -o FILE            the output file, replaced atomically\n"
         "  --namespace NS     the namespace of generated code (default: the model's stem)\n"
         "  --simplify         dot: draw the simplified graph, not the one differentiation built\n"
         "  --help             this text, or a command's usage: symdiff eval --help\n"
         "  --version          the version\n"
         "\nexit status: 0 success, 1 a check failed, 2 bad input (a message on stderr)\n";
    return s;
}

const OptionSpec* find_option(std::string_view name) {
    for (const OptionSpec& o : option_specs)
        if (o.name == name)
            return &o;
    return nullptr;
}

Args parse_args(const Command& c, std::span<const std::string> args) {
    const std::string hint = "run 'symdiff " + std::string(c.name) + " --help' for its usage";
    Args a;
    bool only_positional = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (only_positional || arg.size() < 2 || arg[0] != '-') {
            a.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_positional = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const OptionSpec* spec = find_option(name);
        const bool accepted = name == "--help" || std::find(c.options.begin(), c.options.end(),
                                                            name) != c.options.end();
        if (!spec || !accepted)
            throw UsageError("unknown option '" + name + "' for '" + std::string(c.name) + "'",
                             hint);
        auto& values = a.options[name];
        if (!values.empty() && !spec->repeatable)
            throw UsageError("option '" + name + "' is given twice", hint);
        if (!spec->takes_value) {
            if (inline_value)
                throw UsageError("option '" + name + "' takes no value", hint);
            values.emplace_back();
        } else if (inline_value) {
            values.push_back(*inline_value);
        } else if (i + 1 < args.size()) {
            values.push_back(args[++i]);
        } else {
            throw UsageError("option '" + name + "' needs a value", hint);
        }
    }
    if (a.has("--help"))
        return a;
    if (a.positional.size() < c.positionals.size())
        throw UsageError("missing argument " + std::string(c.positionals[a.positional.size()]) +
                             " for '" + std::string(c.name) + "'",
                         usage_line(c));
    if (a.positional.size() > c.positionals.size())
        throw UsageError("unexpected argument '" + a.positional[c.positionals.size()] + "'",
                         usage_line(c));
    return a;
}

// --------------------------------------------------------------------------------
// Shared steps

Model load(const std::string& path) {
    const std::string source = read_source(path);
    return in_file(path, source, [&] { return parse_model(source, path); });
}

// Replaces each result of export `e` by its simplified form (one simplifier call per
// export, so the results share their simplified subexpressions).
void simplify_export(Model& m, std::size_t e) {
    Function& f = m.exports[e];
    std::vector<NodeId> roots;
    for (const auto& r : f.results)
        roots.push_back(r.node);
    const std::vector<NodeId> simplified = rewrite::simplify(*m.graph, roots);
    for (std::size_t k = 0; k < roots.size(); ++k)
        f.results[k].node = simplified[k];
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

// --------------------------------------------------------------------------------
// gen

std::string namespace_for(const Args& a, const std::string& model_path) {
    if (const auto ns = a.value("--namespace")) {
        if (const auto problem = cpp_name_problem(*ns))
            throw UsageError("cannot use '" + *ns + "' as the namespace: " + *problem,
                             "choose another with --namespace NS");
        return *ns;
    }
    const std::string stem = std::filesystem::path(model_path).stem().string();
    if (const auto problem = cpp_name_problem(stem))
        throw UsageError("cannot use the model's file name '" + stem +
                             "' as the namespace: " + *problem,
                         "choose a namespace with --namespace NS");
    return stem;
}

int gen_command(const Args& a, std::ostream&) {
    const std::string& path = a.positional[0];
    const auto output = a.value("-o");
    if (!output)
        throw UsageError("gen needs the output file: -o OUT.hpp", usage_line(*find_command("gen")));
    const std::string ns = namespace_for(a, path);
    Model m = load(path);
    for (std::size_t e = 0; e < m.exports.size(); ++e)
        simplify_export(m, e);
    const codegen::EmitOptions options{ns, std::filesystem::path(path).filename().string()};
    const std::string header =
        in_file(path, m.source, [&] { return codegen::emit_header(*m.graph, m.exports, options); });
    write_file_atomically(*output, header);
    return 0;
}

// --------------------------------------------------------------------------------
// eval

// The values of --set-file, then --set (which override), by name, in first-given order.
std::vector<std::pair<std::string, Tensor>> given_values(const Args& a) {
    std::vector<std::pair<std::string, Tensor>> values;
    if (const auto file = a.value("--set-file")) {
        const std::string text = read_source(*file);
        values = in_file(*file, text, [&] { return parse_value_object(text); });
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

Bindings bind_params(const Graph& g, const Function& f,
                     const std::vector<std::pair<std::string, Tensor>>& values) {
    std::vector<std::string> params;
    for (NodeId p : f.params)
        params.push_back(g.inputs()[static_cast<std::size_t>(g[p].input_index())].name);
    Bindings b(g);
    std::vector<bool> bound(params.size(), false);
    for (const auto& [name, value] : values) {
        const auto it = std::find(params.begin(), params.end(), name);
        if (it == params.end())
            throw UsageError("'" + name + "' is not a parameter of '" + f.name + "'",
                             params.empty() ? "'" + f.name + "' has no parameters"
                                            : "its parameters: " + names_list(params));
        const auto k = static_cast<std::size_t>(it - params.begin());
        const Shape& want = g[f.params[k]].shape;
        if (value.shape() != want)
            throw Error(in_quotes(name) + " needs " +
                        (want.is_scalar() ? "a scalar" : "shape " + want.str()) + ", got " +
                        (value.shape().is_scalar() ? "a scalar"
                                                   : "a value of shape " + value.shape().str()));
        b.set(g[f.params[k]].input_index(), value);
        bound[k] = true;
    }
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < params.size(); ++k)
        if (!bound[k])
            missing.push_back(params[k]);
    if (!missing.empty())
        throw UsageError(std::string(missing.size() == 1 ? "no value for parameter "
                                                         : "no values for parameters ") +
                             quoted_list(missing) + " of '" + f.name + "'",
                         "give each with --set NAME=VALUE or --set-file F.json");
    return b;
}

int eval_command(const Args& a, std::ostream& out) {
    const std::string& path = a.positional[0];
    const std::string& fn = a.positional[1];
    Model m = load(path);
    const Function* f = m.find_export(fn);
    if (!f) {
        std::vector<std::string> names;
        for (const Function& e : m.exports)
            names.push_back(e.name);
        throw UsageError("'" + path + "' has no export '" + fn + "'",
                         "its exports: " + names_list(names));
    }
    const auto values = given_values(a);
    const Bindings bindings = bind_params(*m.graph, *f, values);
    simplify_export(m, static_cast<std::size_t>(f - m.exports.data()));
    std::vector<NodeId> roots;
    for (const auto& r : f->results)
        roots.push_back(r.node);
    const std::vector<Tensor> results = evaluate(*m.graph, roots, bindings);

    std::ostringstream text; // printed only once everything has succeeded
    if (a.has("--json")) {
        text << "{\"function\": " << json_string(f->name) << ", \"outputs\": {";
        for (std::size_t k = 0; k < results.size(); ++k) {
            text << (k ? ", " : "") << json_string(f->results[k].name) << ": ";
            write_json(text, results[k]);
        }
        text << "}}\n";
    } else {
        for (std::size_t k = 0; k < results.size(); ++k) {
            text << f->results[k].name << " = ";
            write_json(text, results[k]);
            text << "\n";
        }
    }
    out << text.str();
    return 0;
}

// --------------------------------------------------------------------------------
// dot (what the picture shows: tools/dot_command.cpp)

int dot_command(const Args& a, std::ostream& out) {
    const std::string& path = a.positional[0];
    const std::string& fn = a.positional[1];
    Model m = load(path);
    const Function* f = m.find_export(fn);
    if (!f) {
        std::vector<std::string> names;
        for (const Function& e : m.exports)
            names.push_back(e.name);
        throw UsageError("'" + path + "' has no export '" + fn + "'",
                         "its exports: " + names_list(names));
    }
    std::optional<Bindings> bindings; // values only when some are given; then all of them
    if (a.has("--set") || a.has("--set-file"))
        bindings.emplace(bind_params(*m.graph, *f, given_values(a)));
    const std::string text = in_file(path, m.source, [&] {
        return dot_picture(m, *f, bindings ? &*bindings : nullptr, a.has("--simplify"));
    });
    if (const auto output = a.value("-o"))
        write_file_atomically(*output, text);
    else
        out << text;
    return 0;
}

int dispatch(std::span<const std::string> args, std::ostream& out) {
    if (args.empty())
        throw UsageError("no command given", "run 'symdiff --help' for usage");
    const std::string& first = args[0];
    if (first == "--help" || first == "-h" || first == "help") {
        out << help_text();
        return 0;
    }
    if (first == "--version") {
        out << "symdiff " << SYMDIFF_VERSION << "\n";
        return 0;
    }
    const Command* c = find_command(first);
    if (!c)
        throw UsageError((first.starts_with("-") ? "unknown option '" : "unknown command '") +
                             first + "'",
                         "run 'symdiff --help' for the commands");
    if (!c->run)
        throw Error("'" + first + "' is not available yet");
    const Args a = parse_args(*c, args.subspan(1));
    if (a.has("--help")) {
        out << usage_line(*c) << "\n" << c->summary << "\n";
        return 0;
    }
    return c->run(a, out);
}

} // namespace

int run(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
    try {
        return dispatch(args, out);
    } catch (const FileError& e) {
        err << e.format();
    } catch (const UsageError& e) {
        err << "error: " << e.what() << "\n"
            << (e.hint().empty() ? "" : "hint: " + e.hint() + "\n");
    } catch (const Error& e) {
        err << "error: " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        err << "error: out of memory\n";
    } catch (const std::exception& e) {
        err << "error: internal error: " << e.what() << "\n";
    }
    return 2;
}

} // namespace symdiff::cli
