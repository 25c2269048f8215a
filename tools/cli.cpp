// The command table, argument parsing, and the gen, eval and dot commands (check and
// compare run in tools/check.cpp and tools/compare.cpp). Every failure is an Error caught
// in run(): located ones are shown with their source line and caret, the rest as one
// "error:" line and at most one hint line.
#include "tools/cli.hpp"

#include "tools/atomic_file.hpp"
#include "tools/check.hpp"
#include "tools/command.hpp"
#include "tools/compare.hpp"
#include "tools/dot_command.hpp"
#include "lang/model.hpp"
#include "lang/names.hpp"
#include "tools/values.hpp"

#include "codegen/emit.hpp"
#include "core/eval.hpp"

#include <algorithm>
#include <filesystem>
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
    {"--strict", false, false}, {"--checkpoint", true, false},
};

struct Command {
    std::string_view name;
    std::string_view synopsis; // the arguments after the command name
    std::string_view summary;
    std::vector<std::string_view> positionals;
    std::vector<std::string_view> options; // besides --help
    int (*run)(const Args&, std::ostream& out, const Hooks&);
};

int gen_command(const Args& a, std::ostream& out, const Hooks&);
int eval_command(const Args& a, std::ostream& out, const Hooks&);
int dot_command(const Args& a, std::ostream& out, const Hooks&);

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"gen",
         "MODEL.sd -o OUT.hpp [--namespace NS] [--strict] [--checkpoint N|sqrt]",
         "write a C++ header with every export of the model (namespace: the model's file stem)",
         {"MODEL.sd"},
         {"-o", "--namespace", "--strict", "--checkpoint"},
         gen_command},
        {"eval",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--json] [--strict] [--checkpoint N|sqrt]",
         "evaluate export FN (its results, derivatives included) at the given values",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--json", "--strict", "--checkpoint"},
         eval_command},
        {"check",
         "MODEL.sd [--set NAME=VALUE ...] [--set-file F.json] [--points N] [--seed S] "
         "[--strict] [--checkpoint N|sqrt]",
         "hold every result against the tape, the compiled code and finite differences, at N "
         "random points (default 3, from seed S, default 1) and the --set point",
         {"MODEL.sd"},
         {"--set", "--set-file", "--points", "--seed", "--strict", "--checkpoint"},
         [](const Args& a, std::ostream& out, const Hooks& hooks) {
             return check_command(a, out, hooks.before_check);
         }},
        {"compare",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--json] [--strict] [--checkpoint N|sqrt]",
         "one export in symbol-to-symbol and symbol-to-number mode: agreement, node counts, "
         "time per call, memory",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--json", "--strict", "--checkpoint"},
         [](const Args& a, std::ostream& out, const Hooks&) { return compare_command(a, out); }},
        {"dot",
         "MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--simplify] [--checkpoint N|sqrt] "
         "[-o OUT.dot]",
         "write a Graphviz picture of an export's graph; with values, edges carry forward "
         "values and nodes gradients (docs/pictures.md)",
         {"MODEL.sd", "FN"},
         {"--set", "--set-file", "--simplify", "--checkpoint", "-o"},
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
    s +=
        "\noptions:\n"
        "  --set NAME=VALUE   a value for input NAME: a number or a nested list in row-major\n"
        "                     order, e.g. --set 'W=[[0.1,0.5],[-0.3,0.8]]'\n"
        "  --set-file F.json  a JSON object of such values; --set overrides its entries. One\n"
        "                     file may hold every input of the model: a command for one\n"
        "                     export takes its parameters' values and leaves out the rest\n"
        "  --json             eval: print one JSON object {\"function\": FN, \"outputs\": {...}}\n"
        "                     (strict JSON: NaN and infinities as \"NaN\", \"Infinity\", ...);\n"
        "                     compare: its figures as one JSON object (docs/higher-order.md)\n"
        "  -o FILE            the output file, replaced atomically\n"
        "  --namespace NS     the namespace of generated code (default: the model's stem)\n"
        "  --points N         check: how many random points per export (default 3)\n"
        "  --seed S           check: the seed of the random points (default 1)\n"
        "  --simplify         dot: draw the simplified graph, not the one differentiation built\n"
        "  --strict           gen, eval, check, compare: simplify by the rules that are exact in\n"
        "                     IEEE arithmetic only (docs/float-policy.md)\n"
        "  --checkpoint N     every fold keeps one carry per N steps for its reverse-mode\n"
        "                     derivative, recomputing the rest (sqrt: N = the square root of\n"
        "                     its count; 0: keep every carry, the default; a fold's own\n"
        "                     'checkpoint = N' wins). docs/language.md, \"Checkpointing\"\n"
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

int gen_command(const Args& a, std::ostream&, const Hooks&) {
    const std::string& path = a.positional[0];
    const auto output = a.value("-o");
    if (!output)
        throw UsageError("gen needs the output file: -o OUT.hpp", usage_line(*find_command("gen")));
    const std::string ns = namespace_for(a, path);
    Model m = load(path, a);
    for (Function& f : m.exports)
        f = simplified(*m.graph, f, simplify_options(a));
    keep_only_exports(m); // what building and simplifying left behind is dead: free it
    const codegen::EmitOptions options{ns, std::filesystem::path(path).filename().string()};
    // Streamed to the file: a large model's header is not held in memory.
    write_file_atomically(*output, [&](std::ostream& out) {
        in_file(path, m.source, [&] { codegen::emit_header(*m.graph, m.exports, options, out); });
    });
    return 0;
}

// --------------------------------------------------------------------------------
// eval

// Every parameter of f bound to its value (each value must name one, with its shape).
Bindings bind_params(const Graph& g, const Function& f,
                     const std::vector<std::pair<std::string, Tensor>>& values) {
    const std::vector<std::string> params = parameter_names(g, f);
    Bindings b(g);
    std::vector<bool> bound(params.size(), false);
    for (const auto& [name, value] : values) {
        require_parameter(g, f, name);
        const auto k = static_cast<std::size_t>(std::find(params.begin(), params.end(), name) -
                                                params.begin());
        const Shape& want = g[f.params[k]].shape;
        if (value.shape() != want)
            throw Error(shape_mismatch(name, want, value.shape()));
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

int eval_command(const Args& a, std::ostream& out, const Hooks&) {
    Model m = load(a.positional[0], a);
    const Function& raw = find_export(m, a.positional[1]);
    const Bindings bindings = bind_params(*m.graph, raw, given_values(a, m, &raw));
    const Function f = simplified(*m.graph, raw, simplify_options(a));
    std::vector<NodeId> roots;
    for (const auto& r : f.results)
        roots.push_back(r.node);
    const std::vector<Tensor> results = evaluate(*m.graph, roots, bindings);

    std::ostringstream text; // printed only once everything has succeeded
    if (a.has("--json")) {
        text << "{\"function\": " << json_string(f.name) << ", \"outputs\": {";
        for (std::size_t k = 0; k < results.size(); ++k) {
            text << (k ? ", " : "") << json_string(f.results[k].name) << ": ";
            write_json(text, results[k]);
        }
        text << "}}\n";
    } else {
        for (std::size_t k = 0; k < results.size(); ++k) {
            text << f.results[k].name << " = ";
            write_value(text, results[k]);
            text << "\n";
        }
    }
    out << text.str();
    return 0;
}

// --------------------------------------------------------------------------------
// dot (what the picture shows: tools/dot_command.cpp)

int dot_command(const Args& a, std::ostream& out, const Hooks&) {
    Model m = load(a.positional[0], a);
    const Function& f = find_export(m, a.positional[1]);
    std::optional<Bindings> bindings; // values only when some are given; then all of them
    if (a.has("--set") || a.has("--set-file"))
        bindings.emplace(bind_params(*m.graph, f, given_values(a, m, &f)));
    const std::string text = in_file(m.path, m.source, [&] {
        return dot_picture(m, f, bindings ? &*bindings : nullptr, a.has("--simplify"));
    });
    if (const auto output = a.value("-o"))
        write_file_atomically(*output, text);
    else
        out << text;
    return 0;
}

int dispatch(std::span<const std::string> args, std::ostream& out, const Hooks& hooks) {
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
    const Args a = parse_args(*c, args.subspan(1));
    if (a.has("--help")) {
        out << usage_line(*c) << "\n" << c->summary << "\n";
        return 0;
    }
    return c->run(a, out, hooks);
}

} // namespace

int run(std::span<const std::string> args, std::ostream& out, std::ostream& err,
        const Hooks& hooks) {
    try {
        return dispatch(args, out, hooks);
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
