// The check: drawing points, running the four modes on each export, finite differences
// with a reliability verdict, the table, and the `check` runner. Random values come from
// splitmix64, so a seed gives the same points with every compiler and standard library.
#include "tools/check.hpp"

#include "tools/values.hpp"

#include "core/cpp_names.hpp"
#include "core/differentiate.hpp"
#include "core/finite_diff.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace symdiff {
namespace {

using Kind = DerivativeSpec::Kind;

// ---------------------------------------------------------------------------------
// Random values

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double uniform(std::uint64_t& state, double lo, double hi) {
    const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * u;
}

double max_abs(const Tensor& t) {
    double m = 0.0;
    for (double v : t.data())
        m = std::max(m, std::fabs(v));
    return m;
}

bool all_finite(const Tensor& t) {
    return std::all_of(t.data().begin(), t.data().end(), [](double v) { return std::isfinite(v); });
}

// Derivative calls inside one result that are held against differences, at most.
constexpr std::size_t max_inner_derivatives = 8;

// Central differences with their verdict (core/finite_diff.hpp), from f(0) = f0 known.
template <class F> std::vector<FdEstimate> central_differences(F&& f, const Tensor& f0, double h) {
    const Tensor fp = f(h), fm = f(-h), hp = f(h / 2), hm = f(-h / 2);
    return central_estimates(f0, fp, fm, hp, hm, h);
}

// Up to `cap` of the indices 0..n-1, evenly spread, first and last included.
std::vector<std::size_t> sample_indices(std::size_t n, std::size_t cap) {
    std::vector<std::size_t> idx;
    if (n <= cap || cap < 2) {
        for (std::size_t i = 0; i < std::min(n, std::max<std::size_t>(cap, 1)); ++i)
            idx.push_back(i);
        return idx;
    }
    for (std::size_t k = 0; k < cap; ++k)
        idx.push_back(k * (n - 1) / (cap - 1));
    return idx;
}

// ---------------------------------------------------------------------------------
// Comparing with the symbolic graph

void compare_element(ModeStats& s, double ref, double got, double rel, double slack = 0.0) {
    ++s.compared;
    const double abs_diff = difference(ref, got);
    const double mag = std::max(std::fabs(ref), std::fabs(got));
    const double rel_diff = abs_diff == 0.0 ? 0.0 : mag > 0.0 ? abs_diff / mag : abs_diff;
    s.max_abs = std::max(s.max_abs, abs_diff);
    s.max_rel = std::max(s.max_rel, std::isnan(rel_diff) ? abs_diff : rel_diff);
    if (!within(ref, got, rel, slack))
        s.ok = false;
}

void compare_tensor(ModeStats& s, const Tensor& ref, std::span<const double> got, double rel) {
    if (got.size() != ref.size()) {
        s.ok = false;
        s.note = "has " + std::to_string(got.size()) + " elements, the symbolic graph " +
                 std::to_string(ref.size());
        return;
    }
    for (std::size_t i = 0; i < ref.size(); ++i)
        compare_element(s, ref[i], got[i], rel);
}

void add_note(std::string& note, const std::string& text) {
    if (note.find(text) == std::string::npos)
        note += (note.empty() ? "" : "; ") + text;
}

// What central differences of which function estimate a derivative result.
struct FdTarget {
    NodeId y = no_node;       // the function differentiated once
    int input = -1;           // the variable's input index
    NodeId tangent = no_node; // jvp: the direction
};

std::optional<FdTarget> fd_target(Graph& g, const DerivativeSpec& s) {
    if (s.variable == no_node || g[s.variable].op != Op::Input)
        return std::nullopt;
    FdTarget t;
    t.input = g[s.variable].input_index();
    const Expr f(g, s.function), x(g, s.variable);
    if (s.kind == Kind::grad || s.kind == Kind::jacobian) {
        t.y = s.function;
    } else if (s.kind == Kind::hessian) {
        t.y = grad(f, x).id();
    } else if (s.kind == Kind::diff) {
        if (s.order < 1)
            return std::nullopt;
        t.y = diff(f, x, s.order - 1).id();
    } else {
        t.y = s.function;
        t.tangent = s.tangent;
    }
    return t;
}

// One point of an export: a value for every input of the graph, in input order.
using Point = std::vector<Tensor>;

// Compares `ref`, a derivative at `point`, with central differences of target.y there.
void compare_with_differences(const Graph& g, const FdTarget& t, const Point& point,
                              const Tensor& ref, double rel, std::size_t max_directions,
                              ModeStats& s) {
    const auto x = static_cast<std::size_t>(t.input);
    Bindings moved = bind_all(g, point);
    auto y_at = [&](Tensor xv) {
        moved.set(t.input, std::move(xv));
        return evaluate(g, std::span<const NodeId>(&t.y, 1), moved)[0];
    };
    const Tensor y0 = y_at(point[x]);
    // Compares est[i] with ref[i * stride + offset].
    auto tally = [&](const std::vector<FdEstimate>& est, std::size_t stride, std::size_t offset) {
        for (std::size_t i = 0; i < est.size(); ++i) {
            if (est[i].reliable)
                compare_element(s, ref[i * stride + offset], est[i].value, rel, est[i].noise);
            else
                ++s.skipped;
        }
    };
    if (t.tangent != no_node) { // one directional derivative
        const Tensor dir = evaluate(g, std::span<const NodeId>(&t.tangent, 1), moved)[0];
        const double scale = max_abs(dir);
        if (scale == 0.0 || !std::isfinite(scale)) {
            add_note(s.note, "zero or non-finite tangent");
            return;
        }
        const double h = fd_step(max_abs(point[x])) / scale;
        tally(central_differences(
                  [&](double step) {
                      Tensor v = point[x];
                      for (std::size_t i = 0; i < v.size(); ++i)
                          v[i] += step * dir[i];
                      return y_at(std::move(v));
                  },
                  y0, h),
              1, 0);
        return;
    }
    const std::size_t cols = point[x].size();
    const auto picked = sample_indices(cols, max_directions);
    if (picked.size() < cols)
        add_note(s.note, std::to_string(picked.size()) + " of " + std::to_string(cols) +
                             " directions sampled");
    for (std::size_t k : picked) {
        const double h = fd_step(point[x][k]);
        tally(central_differences(
                  [&](double step) {
                      Tensor v = point[x];
                      v[k] += step;
                      return y_at(std::move(v));
                  },
                  y0, h),
              cols, k);
    }
}

std::string format_number(double v) {
    if (v == 0.0)
        return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1e", v);
    return buf;
}

} // namespace

// ---------------------------------------------------------------------------------
// Tolerances and names

double difference(double a, double b) {
    if (std::isfinite(a) && std::isfinite(b))
        return std::fabs(a - b);
    return (std::isnan(a) && std::isnan(b)) || a == b ? 0.0
                                                      : std::numeric_limits<double>::infinity();
}

bool within(double a, double b, double rel, double slack) {
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b))
        return a == b;
    return std::fabs(a - b) <= rel * std::max({1.0, std::fabs(a), std::fabs(b)}) + slack;
}

std::vector<Tensor> random_inputs(const Graph& g, std::uint64_t& state, double lo, double hi) {
    std::vector<Tensor> values;
    for (const InputInfo& in : g.inputs()) {
        Tensor t(in.shape);
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = uniform(state, lo, hi);
        values.push_back(std::move(t));
    }
    return values;
}

Bindings bind_all(const Graph& g, const std::vector<Tensor>& values) {
    Bindings b(g);
    for (std::size_t i = 0; i < values.size(); ++i)
        b.set(static_cast<int>(i), values[i]);
    return b;
}

// ---------------------------------------------------------------------------------
// The check

bool CheckReport::ok() const {
    return std::all_of(rows.begin(), rows.end(), [](const CheckRow& r) { return r.ok(); });
}

Check::Check(Model model, CheckOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
    const Graph& g = *model_.graph;
    for (const auto& [name, value] : options_.at) {
        const auto k = g.find_input(name);
        if (!k)
            throw Error(in_quotes(name) + " is not an input of the model");
        if (const Shape& want = g.inputs()[static_cast<std::size_t>(*k)].shape;
            value.shape() != want)
            throw Error(shape_mismatch(name, want, value.shape()));
    }
    for (const Function& f : model_.exports)
        symbolic_.push_back(simplified(*model_.graph, f, options_.simplify));
}

CheckReport Check::run() {
    Graph& g = *model_.graph;
    const Tolerances tol = options_.tolerances;
    CheckReport report;
    report.model = model_.path;
    report.random_points = options_.points;
    report.set_point = !options_.at.empty();
    report.seed = options_.seed;
    report.tolerances = tol;

    // Rows, in export and result order.
    std::vector<std::vector<std::size_t>> row_of(model_.exports.size());
    for (std::size_t e = 0; e < model_.exports.size(); ++e) {
        const Function& f = model_.exports[e];
        for (std::size_t r = 0; r < f.results.size(); ++r) {
            const auto& spec = model_.result_specs[e][r];
            CheckRow row;
            row.export_name = f.name;
            row.result_name = f.results[r].name;
            row.kind = kind_name(spec);
            row.tape.applies = true;
            row_of[e].push_back(report.rows.size());
            report.rows.push_back(std::move(row));
        }
    }

    // Compiled code: one library for every export.
    std::unique_ptr<NativeModule> native;
    if (options_.compile && !symbolic_.empty()) {
        NativeBuild nb = build_native(g, symbolic_, options_.native);
        if (nb.status == NativeBuild::Status::ok) {
            native = std::move(nb.module);
            for (CheckRow& row : report.rows)
                row.compiled.applies = true;
        } else {
            const std::string first = nb.note.substr(0, nb.note.find('\n'));
            const bool fails = nb.status == NativeBuild::Status::compile_failed;
            for (CheckRow& row : report.rows) {
                row.compiled.ok = !fails;
                row.compiled.note = fails ? "the emitted code does not compile" : "skipped";
            }
            report.notes.push_back(fails ? "compiled code: " + nb.note
                                         : "compiled code not checked: " + first);
        }
    } else if (!options_.compile) {
        report.notes.push_back("compiled code not checked (disabled)");
    }

    std::uint64_t rng = options_.seed;
    for (std::size_t e = 0; e < model_.exports.size(); ++e) {
        const Function& raw = model_.exports[e];
        const Function& sym = symbolic_[e];
        const auto& specs = model_.result_specs[e];
        TapeExport tape(g, raw, specs);
        const std::vector<NodeId> primal = primal_roots(raw, specs);
        std::vector<NodeId> sym_roots;
        std::vector<std::optional<FdTarget>> targets;
        // A result that wraps derivatives (-grad(E, R), transpose(J) @ J) is not one itself:
        // each derivative call inside is held against differences of its own function, by
        // its node as differentiation built it (the tape and the compiled code check the
        // rest of the result against the symbolic graph).
        std::vector<std::vector<std::pair<NodeId, FdTarget>>> inner(raw.results.size());
        std::vector<NodeId> inner_nodes;
        for (std::size_t r = 0; r < raw.results.size(); ++r) {
            sym_roots.push_back(sym.results[r].node);
            targets.push_back(specs[r] ? fd_target(g, *specs[r]) : std::nullopt);
            CheckRow& row = report.rows[row_of[e][r]];
            row.fd.applies = targets.back().has_value();
            if (specs[r])
                continue;
            std::vector<std::string> texts;
            const auto& calls = model_.derivative_calls[e][r];
            for (const DerivativeCall& c : calls) {
                if (inner[r].size() == max_inner_derivatives)
                    break;
                if (const auto t = fd_target(g, c.spec)) {
                    inner[r].emplace_back(c.node, *t);
                    inner_nodes.push_back(c.node);
                    texts.push_back(c.text);
                }
            }
            if (texts.empty())
                continue;
            row.fd.applies = true;
            std::string list;
            for (const std::string& t : texts)
                list += (list.empty() ? "" : ", ") + t;
            add_note(row.fd.note,
                     texts.size() == 1
                         ? "the derivative inside, " + list + ", against differences of its function"
                         : "the " + std::to_string(texts.size()) + " derivatives inside, " + list +
                               ", each against differences of its function");
            if (texts.size() < calls.size())
                add_note(row.fd.note, std::to_string(calls.size() - texts.size()) +
                                          " more not checked");
        }

        // Points: random ones whose primal values are finite, then the given one.
        std::vector<Point> points;
        bool all_found = true;
        for (int p = 0; p < options_.points; ++p) {
            Point pt;
            bool finite = false;
            for (int attempt = 0; attempt < 20 && !finite; ++attempt) {
                const bool positive = attempt % 2 == 1; // log, sqrt, ... need x > 0
                pt = random_inputs(g, rng, positive ? 0.1 : -1.0, positive ? 1.1 : 1.0);
                const auto v = evaluate(g, primal, bind_all(g, pt));
                finite = std::all_of(v.begin(), v.end(), all_finite);
            }
            all_found = all_found && finite;
            points.push_back(std::move(pt));
        }
        if (!all_found)
            report.notes.push_back(raw.name + ": no random point with finite values found; "
                                              "checked where some are not finite");
        if (!options_.at.empty()) { // the --set point, completed by the first random one
            Point pt = points.empty() ? random_inputs(g, rng, -1.0, 1.0) : points[0];
            for (const auto& [name, value] : options_.at)
                pt[static_cast<std::size_t>(*g.find_input(name))] = value;
            points.push_back(std::move(pt));
        }

        for (const Point& pt : points) {
            const Bindings b = bind_all(g, pt);
            const std::vector<Tensor> ref = evaluate(g, sym_roots, b);
            const std::vector<Tensor> inner_ref = evaluate(g, inner_nodes, b);
            const std::vector<std::optional<Tensor>> tv = tape.run(b);

            std::optional<NativeCall> compiled;
            if (native) {
                compiled.emplace(*native, e, g, sym, pt);
                compiled->run();
            }

            for (std::size_t r = 0; r < ref.size(); ++r) {
                CheckRow& row = report.rows[row_of[e][r]];
                if (tv[r]) {
                    compare_tensor(row.tape, ref[r], tv[r]->data(), tol.exact);
                } else if (tape.refusal(r)) {
                    row.tape.applies = false;
                    add_note(row.tape.note, *tape.refusal(r));
                }
                if (compiled)
                    compare_tensor(row.compiled, ref[r], compiled->out(r), tol.exact);
                if (targets[r])
                    compare_with_differences(g, *targets[r], pt, ref[r], tol.fd,
                                             options_.max_fd_directions, row.fd);
                for (const auto& [node, target] : inner[r]) {
                    const auto k = static_cast<std::size_t>(
                        std::find(inner_nodes.begin(), inner_nodes.end(), node) -
                        inner_nodes.begin());
                    compare_with_differences(g, target, pt, inner_ref[k], tol.fd,
                                             options_.max_fd_directions, row.fd);
                }
            }
        }
    }
    for (CheckRow& row : report.rows)
        if (row.fd.skipped > 0)
            add_note(row.fd.note, std::to_string(row.fd.skipped) + " of " +
                                      std::to_string(row.fd.skipped + row.fd.compared) +
                                      " estimates skipped (a kink, jump or non-finite value "
                                      "in the stencil)");
    return report;
}

// ---------------------------------------------------------------------------------
// The table

void print_check_report(std::ostream& out, const CheckReport& report) {
    out << "symdiff check " << report.model << ": ";
    if (report.random_points > 0)
        out << report.random_points << " random point" << (report.random_points == 1 ? "" : "s")
            << " per export (seed " << report.seed << ")" << (report.set_point ? " and " : "");
    if (report.set_point)
        out << "the --set point";
    out << "\nlargest differences from the symbolic graph (simplified as gen does, interpreted):"
           "\n\n";
    const std::vector<std::string> head = {"export",   "result",       "kind",         "tape abs",
                                           "tape rel", "compiled abs", "compiled rel", "fd abs",
                                           "fd rel",   "verdict"};
    std::vector<std::vector<std::string>> cells;
    auto mode_cells = [](const ModeStats& s, std::vector<std::string>& line) {
        if (s.compared == 0) {
            line.push_back(s.ok ? "-" : "FAIL");
            line.push_back(s.ok ? "-" : "FAIL");
        } else {
            line.push_back(format_number(s.max_abs));
            line.push_back(format_number(s.max_rel));
        }
    };
    for (const CheckRow& r : report.rows) {
        std::vector<std::string> line = {r.export_name, r.result_name, r.kind};
        mode_cells(r.tape, line);
        mode_cells(r.compiled, line);
        mode_cells(r.fd, line);
        line.push_back(!r.ok() ? "FAIL" : r.checked() ? "ok" : "unchecked");
        cells.push_back(std::move(line));
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        width[c] = head[c].size();
        for (const auto& line : cells)
            width[c] = std::max(width[c], line[c].size());
    }
    auto print_line = [&](const std::vector<std::string>& line) {
        std::string s;
        for (std::size_t c = 0; c < line.size(); ++c) {
            s += line[c];
            if (c + 1 < line.size())
                s += std::string(width[c] - line[c].size() + 2, ' ');
        }
        out << s << "\n";
    };
    print_line(head);
    for (const auto& line : cells)
        print_line(line);

    out << "\ntolerances: tape and compiled |d| <= " << format_number(report.tolerances.exact)
        << " max(1, |a|, |b|); finite differences |d| <= " << format_number(report.tolerances.fd)
        << " max(1, |a|, |b|) + rounding of the stencil\n";
    bool any_note = false;
    for (const CheckRow& r : report.rows) {
        for (const auto& [name, s] : {std::pair<const char*, const ModeStats*>{"tape", &r.tape},
                                      {"compiled", &r.compiled},
                                      {"fd", &r.fd}}) {
            if (s->note.empty() || s->note == "skipped")
                continue;
            out << (any_note ? "" : "notes:\n") << "  " << r.export_name << "." << r.result_name
                << ": " << name << ": " << s->note << "\n";
            any_note = true;
        }
        if (r.fd.applies && r.fd.compared == 0 && r.fd.note.empty()) {
            out << (any_note ? "" : "notes:\n") << "  " << r.export_name << "." << r.result_name
                << ": fd: no estimate compared\n";
            any_note = true;
        }
    }
    for (const std::string& n : report.notes) {
        out << (any_note ? "" : "notes:\n") << "  " << n << "\n";
        any_note = true;
    }
    std::vector<std::string> failed;
    for (const CheckRow& r : report.rows)
        if (!r.ok())
            failed.push_back(r.export_name + "." + r.result_name);
    if (failed.empty()) {
        out << (report.rows.size() == 1
                    ? std::string("\nthe result agrees\n")
                    : "\nall " + std::to_string(report.rows.size()) + " results agree\n");
    } else {
        out << "\n" << failed.size() << " of " << report.rows.size() << " results DISAGREE:";
        for (const std::string& f : failed)
            out << " " << f;
        out << "\n";
    }
}

} // namespace symdiff

// ---------------------------------------------------------------------------------
// The command line

namespace symdiff::cli {
namespace {

// A whole number in [lo, hi] given to `option`, or a usage error.
std::uint64_t whole_number(const std::string& option, const std::string& text, std::uint64_t lo,
                           std::uint64_t hi, const std::string& what) {
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi)
        throw UsageError(option + " needs " + what + ", got '" + text + "'",
                         "for example " + option + " " + std::to_string(lo == 0 ? 3 : lo));
    return v;
}

} // namespace

int check_command(const Args& a, std::ostream& out, const std::function<void(Check&)>& before_run) {
    const std::string& path = a.positional.at(0);
    CheckOptions options;
    if (const auto p = a.value("--points"))
        options.points = static_cast<int>(
            whole_number("--points", *p, 0, 10000, "a whole number from 0 to 10000"));
    if (const auto s = a.value("--seed"))
        options.seed = whole_number("--seed", *s, 0, std::numeric_limits<std::uint64_t>::max(),
                                    "a non-negative whole number");
    Model m = load(path, a);
    options.at = given_values(a, m);
    options.simplify = simplify_options(a);
    std::vector<std::string> inputs;
    for (const InputInfo& in : m.graph->inputs())
        inputs.push_back(in.name);
    for (const auto& [name, value] : options.at)
        if (!m.graph->find_input(name))
            throw UsageError("'" + name + "' is not an input of '" + path + "'",
                             inputs.empty() ? "the model has no inputs"
                                            : "its inputs: " + names_list(inputs));
    if (options.points == 0 && options.at.empty())
        throw UsageError("nothing to check: --points 0 and no --set values",
                         "give --points N with N > 0, or a point with --set");
    Check check(std::move(m), options); // throws for a value of the wrong shape
    if (before_run)
        before_run(check);
    const CheckReport report = check.run();
    std::ostringstream text;
    print_check_report(text, report);
    out << text.str();
    return report.ok() ? 0 : 1;
}

} // namespace symdiff::cli
