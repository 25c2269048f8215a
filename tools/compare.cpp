// The comparison of one export across modes: node counts, agreement, timing (median of
// batched calls, see median_call_us), memory; its JSON object and its table; and the
// `compare` runner. Figures that could not be measured are null in JSON, with a note.
#include "tools/compare.hpp"

#include "tools/values.hpp"

#include "codegen/lower.hpp"
#include "core/cpp_names.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <cstdio>
#include <limits>
#include <memory>
#include <sstream>

namespace symdiff {
namespace {

// The largest element difference (see difference()); infinite for different sizes.
double max_difference(const Tensor& a, std::span<const double> b) {
    if (a.size() != b.size())
        return std::numeric_limits<double>::infinity();
    double m = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        m = std::max(m, difference(a[i], b[i]));
    return m;
}

bool all_within(const Tensor& a, std::span<const double> b, double rel) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!within(a[i], b[i], rel))
            return false;
    return true;
}

std::string bytes_text(std::size_t b) {
    char buf[32];
    if (b < 10 * 1024)
        std::snprintf(buf, sizeof buf, "%zu B", b);
    else if (b < 10 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024);
    else
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1024 * 1024));
    return buf;
}

std::string us_text(double us) {
    char buf[32];
    if (us < 1000)
        std::snprintf(buf, sizeof buf, "%.3g us", us);
    else if (us < 1e6)
        std::snprintf(buf, sizeof buf, "%.3g ms", us / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.3g s", us / 1e6);
    return buf;
}

std::string diff_text(const std::optional<double>& d) {
    if (!d)
        return "-";
    if (*d == 0.0)
        return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", *d);
    return buf;
}

template <class T> void json_optional(std::ostream& out, const std::optional<T>& v) {
    if (!v)
        out << "null";
    else if constexpr (std::is_floating_point_v<T>)
        out << json_number(*v);
    else
        out << *v;
}

} // namespace

std::optional<std::size_t> interpreter_peak_bytes(const Graph& g, std::span<const NodeId> roots) {
    if (roots.empty())
        return 0;
    const std::vector<NodeId> order = reachable(g, roots);
    const NodeId hi = order.back();
    std::vector<NodeId> last_use(hi + 1, 0);
    for (NodeId r : roots)
        last_use[r] = hi + 1;
    for (NodeId id : order) {
        if (runs_body(info(g[id].op).kind))
            return std::nullopt;
        for (NodeId a : g[id].operands())
            last_use[a] = std::max(last_use[a], id);
    }
    std::size_t live = 0, peak = 0;
    for (NodeId id : order) {
        live += static_cast<std::size_t>(g[id].shape.size()) * sizeof(double);
        peak = std::max(peak, live);
        const Node& n = g[id];
        for (std::size_t k = 0; k < n.arity; ++k) {
            const NodeId a = n.args[k];
            const bool seen_before =
                std::find(n.args.begin(), n.args.begin() + static_cast<std::ptrdiff_t>(k), a) !=
                n.args.begin() + static_cast<std::ptrdiff_t>(k);
            if (last_use[a] == id && !seen_before)
                live -= static_cast<std::size_t>(g[a].shape.size()) * sizeof(double);
        }
    }
    return peak;
}

std::optional<LoopFigures> loop_figures(const Graph& g, const codegen::Program& p) {
    std::optional<LoopFigures> f;
    // The kept carries' buffers may share parts of the work array (when their lives do
    // not overlap): the bytes of their union.
    std::vector<std::pair<std::int64_t, std::int64_t>> kept; // [begin, end) in the work array
    for (const codegen::Buffer& b : p.buffers)
        if (b.kind == codegen::Buffer::Kind::work && b.node != no_node && g[b.node].op == Op::Fold &&
            (g[b.node].fold().mode == FoldMode::before || g[b.node].fold().keeps_steps))
            kept.emplace_back(b.offset, b.offset + b.size);
    std::sort(kept.begin(), kept.end());
    std::int64_t covered = 0, reach = 0;
    for (const auto& [begin, end] : kept) {
        covered += std::max<std::int64_t>(0, end - std::max(begin, reach));
        reach = std::max(reach, end);
    }
    if (!kept.empty())
        f = LoopFigures{0, static_cast<std::size_t>(covered) * sizeof(double)};
    auto visit = [&](auto& self, const std::vector<codegen::Step>& steps, std::int64_t times) -> void {
        for (const codegen::Step& s : steps) {
            if (s.loop < 0)
                continue;
            const codegen::Loop& l = p.loops[static_cast<std::size_t>(s.loop)];
            if (l.fold) {
                if (!f)
                    f = LoopFigures{};
                f->iterations += times * l.count;
            }
            self(self, l.steps, times * l.count);
        }
    };
    visit(visit, p.steps, 1);
    return f;
}

std::optional<LoopFigures> loop_figures(const Graph& g, const Function& function) {
    return loop_figures(g, codegen::lower(g, function));
}

CompareReport run_compare(Model& model, const std::string& function,
                          const CompareOptions& options) {
    Graph& g = *model.graph;
    const Function* found = model.find_export(function);
    if (!found)
        throw Error("the model has no export " + in_quotes(function));
    const auto e = static_cast<std::size_t>(found - model.exports.data());
    const Function raw = *found;
    const auto& specs = model.result_specs[e];

    CompareReport report;
    report.model = model.path;
    report.function = raw.name;

    // The point: given values, the rest random.
    std::uint64_t state = options.seed;
    std::vector<Tensor> values = random_inputs(g, state, -1.0, 1.0);
    std::vector<std::string> random_params = cli::parameter_names(g, raw);
    for (const auto& [name, value] : options.at) {
        const auto it = std::find(random_params.begin(), random_params.end(), name);
        const auto k = g.find_input(name);
        if (!k || std::none_of(raw.params.begin(), raw.params.end(),
                               [&](NodeId p) { return g[p].input_index() == *k; }))
            throw Error(in_quotes(name) + " is not a parameter of " + in_quotes(raw.name));
        const Shape& want = g.inputs()[static_cast<std::size_t>(*k)].shape;
        if (value.shape() != want)
            throw Error(shape_mismatch(name, want, value.shape()));
        values[static_cast<std::size_t>(*k)] = value;
        if (it != random_params.end())
            random_params.erase(it);
    }
    if (random_params.empty())
        report.point = "the --set values";
    else if (options.at.empty())
        report.point = "random values in [-1, 1] (seed " + std::to_string(options.seed) + ")";
    else
        report.point = "the --set values; random in [-1, 1] (seed " + std::to_string(options.seed) +
                       ") for the rest";
    const Bindings b = bind_all(g, values);

    // Node counts.
    std::vector<NodeId> raw_roots;
    for (const auto& r : raw.results)
        raw_roots.push_back(r.node);
    report.symbolic.nodes_function = reachable(g, primal_roots(raw, specs)).size();
    report.symbolic.nodes_raw = reachable(g, raw_roots).size();
    const Function sym = simplified(g, raw, options.simplify);
    std::vector<NodeId> sym_roots;
    for (const auto& r : sym.results)
        sym_roots.push_back(r.node);
    report.symbolic.nodes_simplified = reachable(g, sym_roots).size();

    // The interpreted graph: the reference values.
    const std::vector<Tensor> ref = evaluate(g, sym_roots, b);
    report.symbolic.interpreted_us =
        median_call_us([&] { (void)evaluate(g, sym_roots, b); }, options.seconds_per_mode);
    report.symbolic.interpreter_peak_bytes = interpreter_peak_bytes(g, sym_roots);
    if (!report.symbolic.interpreter_peak_bytes)
        report.notes.push_back("interpreter peak not computed: the graph has Jacobian loops");
    try {
        const codegen::Program program = codegen::lower(g, sym);
        report.symbolic.work_bytes = static_cast<std::size_t>(program.work_size) * sizeof(double);
        report.symbolic.loops = loop_figures(g, program);
    } catch (const Error& err) {
        report.notes.push_back(std::string("work size unknown: ") + err.what());
    }

    // The tapes.
    const auto t0 = std::chrono::steady_clock::now();
    TapeExport tape(g, raw, specs);
    report.tape.record_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    const std::vector<std::optional<Tensor>> tv = tape.run(b);
    report.tape.tape_us = median_call_us([&] { (void)tape.run(b); }, options.seconds_per_mode);
    report.tape.tape_bytes = tape.bytes();
    report.tape.tapes = tape.tape_count();

    // The compiled code.
    std::optional<NativeCall> compiled;
    std::unique_ptr<NativeModule> module; // outlives `compiled`, which calls into it
    if (options.compile) {
        NativeBuild nb = build_native(g, std::span<const Function>(&sym, 1), options.native);
        if (nb.status == NativeBuild::Status::ok) {
            module = std::move(nb.module);
            compiled.emplace(*module, 0, g, sym, values);
            compiled->run();
            report.symbolic.compiled_us =
                median_call_us([&] { compiled->run(); }, options.seconds_per_mode);
            report.symbolic.compile_seconds = nb.compile_seconds;
            report.symbolic.header_bytes = nb.header_bytes;
            if (module->work_size(0) * sizeof(double) != report.symbolic.work_bytes)
                report.notes.push_back("the compiled work size differs from the lowered one");
        } else {
            report.not_run.push_back({"compiled code", std::nullopt,
                                      (nb.skipped() ? "" : "a failure of the emitter: ") +
                                          nb.note.substr(0, nb.note.find('\n')),
                                      !nb.skipped()});
            if (!nb.skipped())
                report.agree = false;
        }
    } else {
        report.not_run.push_back({"compiled code", std::nullopt, "disabled"});
    }

    // Agreement.
    const double rel = Tolerances{}.exact;
    for (std::size_t r = 0; r < raw.results.size(); ++r) {
        CompareResult c;
        c.name = raw.results[r].name;
        c.kind = kind_name(specs[r]);
        if (tv[r]) {
            c.interpreted_vs_tape = max_difference(ref[r], tv[r]->data());
            report.agree = report.agree && all_within(ref[r], tv[r]->data(), rel);
        } else {
            c.tape_refusal = tape.refusal(r).value_or("the tape did not compute it");
            report.not_run.push_back({"tape", c.name, *c.tape_refusal});
        }
        if (compiled) {
            const std::vector<double>& cv = compiled->out(r);
            c.compiled_vs_interpreted = max_difference(ref[r], cv);
            report.agree = report.agree && all_within(ref[r], cv, rel);
            if (tv[r]) {
                c.compiled_vs_tape = max_difference(*tv[r], cv);
                report.agree = report.agree && all_within(*tv[r], cv, rel);
            }
        }
        report.results.push_back(std::move(c));
    }
    summarize_agreement(report);
    return report;
}

void summarize_agreement(CompareReport& r) {
    r.comparisons = 0;
    r.max_abs_diff = 0;
    r.largest_result.clear();
    r.largest_between.clear();
    for (const CompareResult& c : r.results) {
        for (const auto& [d, between] :
             {std::pair{&c.interpreted_vs_tape, "interpreted vs tape"},
              std::pair{&c.compiled_vs_tape, "compiled vs tape"},
              std::pair{&c.compiled_vs_interpreted, "compiled vs interpreted"}}) {
            if (!*d)
                continue;
            ++r.comparisons;
            if (**d > r.max_abs_diff) {
                r.max_abs_diff = **d;
                r.largest_result = c.name;
                r.largest_between = between;
            }
        }
    }
}

void print_compare_json(std::ostream& out, const CompareReport& r) {
    const auto& s = r.symbolic;
    out << "{\"model\": " << json_string(r.model) << ", \"function\": " << json_string(r.function)
        << ", \"point\": " << json_string(r.point) << ", \"agree\": "
        << (!r.agree ? "false" : r.comparisons == 0 ? "null" : "true")
        << ", \"max_abs_diff\": " << (r.comparisons ? json_number(r.max_abs_diff) : "null")
        << ", \"largest\": ";
    if (r.largest_result.empty())
        out << "null";
    else
        out << "{\"result\": " << json_string(r.largest_result)
            << ", \"between\": " << json_string(r.largest_between) << "}";
    out << ", \"not_run\": [";
    for (std::size_t k = 0; k < r.not_run.size(); ++k) {
        const NotRun& n = r.not_run[k];
        out << (k ? ", " : "") << "{\"mode\": " << json_string(n.mode) << ", \"result\": "
            << (n.result ? json_string(*n.result) : "null") << ", \"why\": " << json_string(n.why)
            << "}";
    }
    out << "], \"symbolic\": {"
        << "\"nodes_function\": " << s.nodes_function << ", \"nodes_raw\": " << s.nodes_raw
        << ", \"nodes_simplified\": " << s.nodes_simplified
        << ", \"interpreted_us\": " << json_number(s.interpreted_us) << ", \"compiled_us\": ";
    json_optional(out, s.compiled_us);
    out << ", \"work_bytes\": " << s.work_bytes << ", \"interpreter_peak_bytes\": ";
    json_optional(out, s.interpreter_peak_bytes);
    out << ", \"compile_seconds\": ";
    json_optional(out, s.compile_seconds);
    out << ", \"header_bytes\": ";
    json_optional(out, s.header_bytes);
    auto loops = [&](const char* key, const std::optional<LoopFigures>& l) {
        out << ", \"" << key << "\": ";
        if (!l) {
            out << "null";
            return;
        }
        out << "{\"iterations\": " << l->iterations << ", \"kept_bytes\": " << l->kept_bytes << "}";
    };
    loops("loops", s.loops);
    loops("loops_every_carry_kept", s.every_carry);
    out << "}, \"tape\": {\"tape_us\": " << json_number(r.tape.tape_us)
        << ", \"tape_bytes\": " << r.tape.tape_bytes
        << ", \"record_us\": " << json_number(r.tape.record_us) << ", \"tapes\": " << r.tape.tapes
        << "}, \"results\": [";
    for (std::size_t k = 0; k < r.results.size(); ++k) {
        const CompareResult& c = r.results[k];
        out << (k ? ", " : "") << "{\"name\": " << json_string(c.name)
            << ", \"kind\": " << json_string(c.kind) << ", \"interpreted_vs_tape\": ";
        json_optional(out, c.interpreted_vs_tape);
        out << ", \"compiled_vs_tape\": ";
        json_optional(out, c.compiled_vs_tape);
        out << ", \"compiled_vs_interpreted\": ";
        json_optional(out, c.compiled_vs_interpreted);
        out << "}";
    }
    out << "], \"notes\": [";
    for (std::size_t k = 0; k < r.notes.size(); ++k)
        out << (k ? ", " : "") << json_string(r.notes[k]);
    out << "]}\n";
}

void print_compare_table(std::ostream& out, const CompareReport& r) {
    const auto& s = r.symbolic;
    out << "symdiff compare " << r.model << " " << r.function << "\nat " << r.point << "\n\n";
    // The headline speaks of the comparisons that ran, and names the modes that did not.
    const bool emitter_failed =
        std::any_of(r.not_run.begin(), r.not_run.end(), [](const NotRun& n) { return n.failure; });
    out << (r.comparisons == 0   ? "agreement"
            : r.not_run.empty() ? "agreement of symbol-to-symbol and symbol-to-number mode"
                                : "agreement of the modes that ran")
        << ": "
        << (emitter_failed       ? "NO (the emitted code does not compile)"
            : r.comparisons == 0 ? "not measured (no two modes computed the same result)"
            : r.agree            ? "yes"
                                 : "NO");
    if (r.comparisons > 0)
        out << ", largest difference " << diff_text(r.max_abs_diff)
            << (r.largest_result.empty() ? ""
                                         : " (" + r.largest_result + ", " + r.largest_between + ")");
    out << "\n";
    // One line per mode and reason: "not run: the tape for R, T (why)".
    std::vector<bool> shown(r.not_run.size(), false);
    for (std::size_t k = 0; k < r.not_run.size(); ++k) {
        if (shown[k])
            continue;
        const NotRun& n = r.not_run[k];
        std::string which = n.result.value_or("");
        for (std::size_t j = k + 1; j < r.not_run.size(); ++j) {
            const NotRun& m = r.not_run[j];
            if (m.mode == n.mode && m.why == n.why && n.result && m.result) {
                which += ", " + *m.result;
                shown[j] = true;
            }
        }
        out << "  not run: the " << n.mode << (n.result ? " for " + which : std::string()) << " ("
            << n.why << ")\n";
    }
    std::size_t name_w = 6, kind_w = 4;
    for (const CompareResult& c : r.results) {
        name_w = std::max(name_w, c.name.size());
        kind_w = std::max(kind_w, c.kind.size());
    }
    auto pad = [](const std::string& t, std::size_t w) {
        return t + std::string(w - t.size() + 2, ' ');
    };
    out << "  " << pad("result", name_w) << pad("kind", kind_w)
        << "interpreted vs tape  compiled vs tape  compiled vs interpreted\n";
    for (const CompareResult& c : r.results)
        out << "  " << pad(c.name, name_w) << pad(c.kind, kind_w)
            << pad(c.tape_refusal ? "refused" : diff_text(c.interpreted_vs_tape), 19)
            << pad(diff_text(c.compiled_vs_tape), 16) << diff_text(c.compiled_vs_interpreted)
            << "\n";
    out << "\nsymbol-to-symbol (the derivative graph)\n"
        << "  nodes                 function " << s.nodes_function << ", with derivatives "
        << s.nodes_raw << ", simplified " << s.nodes_simplified << "\n"
        << "  time per call         interpreted " << us_text(s.interpreted_us) << ", compiled "
        << (s.compiled_us ? us_text(*s.compiled_us) : std::string("not measured")) << "\n"
        << "  memory                work array " << bytes_text(s.work_bytes)
        << " (FN_work_size x 8), interpreter peak "
        << (s.interpreter_peak_bytes ? bytes_text(*s.interpreter_peak_bytes)
                                     : std::string("not computed"))
        << "\n";
    if (s.loops) {
        auto figures = [&](const LoopFigures& l) {
            return std::to_string(l.iterations) + (l.iterations == 1 ? " iteration" : " iterations") +
                   " of loop bodies, carries kept " + bytes_text(l.kept_bytes);
        };
        out << "  loops                 " << figures(*s.loops) << "\n";
        if (s.every_carry)
            out << "                        (every carry kept: " << figures(*s.every_carry) << ")\n";
    }
    if (s.compile_seconds)
        out << "  compiling             " << *s.header_bytes << " bytes of C++ in "
            << static_cast<int>(*s.compile_seconds * 1000 + 0.5) << " ms\n";
    out << "symbol-to-number (" << r.tape.tapes << (r.tape.tapes == 1 ? " tape" : " tapes") << ")\n"
        << "  time per call         " << us_text(r.tape.tape_us) << " (recorded once in "
        << us_text(r.tape.record_us) << ")\n"
        << "  memory                tape " << bytes_text(r.tape.tape_bytes) << "\n";
    if (!r.notes.empty()) {
        out << "\nnotes:\n";
        for (const std::string& n : r.notes)
            out << "  " << n << "\n";
    }
    out << "\ntimes are medians of repeated calls at this point; the tape's include its forward\n"
           "and reverse (or jvp) sweeps, not recording\n";
}

} // namespace symdiff

namespace symdiff::cli {

int compare_command(const Args& a, std::ostream& out) {
    Model m = load(a.positional.at(0), a);
    const Function& f = find_export(m, a.positional.at(1));
    CompareOptions options;
    options.at = given_values(a, m, &f);
    options.simplify = simplify_options(a);
    for (const auto& [name, value] : options.at)
        require_parameter(*m.graph, f, name);
    const std::string fn = f.name;
    CompareReport report = run_compare(m, fn, options); // checks the shapes
    if (report.symbolic.loops) { // what checkpointing saves, and costs
        Model every = load(a.positional.at(0), a, true);
        const Function& same = find_export(every, fn);
        const std::optional<LoopFigures> base =
            loop_figures(*every.graph, simplified(*every.graph, same, options.simplify));
        if (base != report.symbolic.loops)
            report.symbolic.every_carry = base;
    }
    std::ostringstream text;
    if (a.has("--json"))
        print_compare_json(text, report);
    else
        print_compare_table(text, report);
    out << text.str();
    return 0;
}

} // namespace symdiff::cli
