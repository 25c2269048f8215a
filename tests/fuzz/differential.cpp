// Every mode on one model, and the compiled batch. Tolerances: the tape and symbolic
// forward mode against the symbolic graph, and compiled code against the interpreter,
// 1e-9 relative to the result's largest element (the same sums, rounded alike but for
// fused multiply-adds); simplified against as built 1e-6 (real-algebra rules reassociate);
// finite differences 1e-5 plus their rounding noise, at reliable stencils only.
#include "tests/fuzz/differential.hpp"

#include "codegen/emit.hpp"
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/tape.hpp"
#include "core/traverse.hpp"
#include "rewrite/simplify.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random.hpp"
#include "lang/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unistd.h>

namespace symdiff::fuzz {
namespace {

using test::Values;

struct Call {
    std::string function;
    std::vector<Tensor> params;
    std::vector<Tensor> want; // the interpreter's values of the simplified results
    std::vector<std::string> names;
    int point = 0;
};

struct Queued {
    std::uint64_t seed = 0;
    std::string model;
    std::string header;
    std::vector<Call> calls;
};

std::string hex(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", v);
    return buf;
}

std::string shown(const Tensor& t, std::size_t limit = 12) {
    std::ostringstream os;
    os.precision(17);
    os << t.shape().str() << "{";
    for (std::size_t i = 0; i < t.size() && i < limit; ++i)
        os << (i ? ", " : "") << t[i];
    os << (t.size() > limit ? ", ...}" : "}");
    return os.str();
}

double max_abs(const Tensor& t) {
    double m = 0;
    for (double v : t.data())
        m = std::max(m, std::fabs(v));
    return m;
}

bool regular(const Tensor& t, double bound) {
    for (double v : t.data())
        if (!std::isfinite(v) || std::fabs(v) > bound)
            return false;
    return true;
}

// What the compiled driver fills buffers with before a call (see run_compiled).
constexpr double result_garbage = 12345.0;

// For a compiled result that disagrees: whether it shows the garbage the buffers held
// (never written, or copied from scratch never written) or NaN where the interpreter has
// a number (the work overload's results start as NaN; half the work array is NaN).
std::string garbage_note(const Tensor& got, const Tensor& want) {
    for (std::size_t i = 0; i < got.size(); ++i)
        if (got[i] == result_garbage && want[i] != result_garbage)
            return " [never written: element " + std::to_string(i) +
                   " holds the garbage the buffers were filled with]";
    for (std::size_t i = 0; i < got.size(); ++i)
        if (std::isnan(got[i]) && !std::isnan(want[i]))
            return " [NaN where the interpreter has a number: never written, or garbage read]";
    return "";
}

std::string spec_name(const DerivativeSpec& s) {
    switch (s.kind) {
    case DerivativeSpec::Kind::grad:
        return "grad";
    case DerivativeSpec::Kind::jvp:
        return "jvp";
    case DerivativeSpec::Kind::diff:
        return "diff(order " + std::to_string(s.order) + ")";
    case DerivativeSpec::Kind::jacobian:
        return "jacobian";
    case DerivativeSpec::Kind::hessian:
        return "hessian";
    }
    return "?";
}

} // namespace

struct DifferentialChecker::Impl {
    DifferentialOptions opt;
    DifferentialStats stats;
    std::vector<Finding> findings;
    std::vector<Queued> queue;

    // the model being checked
    std::uint64_t seed = 0;
    const std::string* text = nullptr;

    void finding(const std::string& what) { findings.push_back({seed, *text, what}); }

    // got ~ want element by element, relative to the larger of 1 and want's largest element.
    bool agree(const Tensor& got, const Tensor& want, double rel, const std::string& what) {
        if (got.shape() != want.shape()) {
            finding(what + ": shapes differ, " + got.shape().str() + " vs " + want.shape().str());
            return false;
        }
        const double scale = std::max({1.0, max_abs(want), max_abs(got)});
        for (std::size_t i = 0; i < got.size(); ++i) {
            const double a = got[i], b = want[i];
            const bool ok = (std::isnan(a) && std::isnan(b)) ||
                            (std::isinf(a) || std::isinf(b) ? a == b
                                                            : std::fabs(a - b) <= rel * scale);
            if (!ok) {
                std::ostringstream os;
                os.precision(17);
                os << what << ": element " << i << " is " << a << ", expected " << b << " (got "
                   << shown(got) << ", expected " << shown(want) << ")";
                finding(os.str());
                return false;
            }
        }
        return true;
    }

    void check(const std::string& model_text, std::uint64_t model_seed);
    void check_export(Model& m, std::size_t e, const Function& simplified, test::Rng& rng,
                      Queued& q);
    void check_derivative(Model& m, const DerivativeSpec& s, const Values& at, bool grid,
                          const Tensor& value, const std::string& where);
    void run_compiled();
};

void DifferentialChecker::Impl::check(const std::string& model_text, std::uint64_t model_seed) {
    seed = model_seed;
    text = &model_text;
    ++stats.models;
    Model m;
    try {
        m = parse_model(model_text, "random.sd");
    } catch (const Error& e) {
        finding("the model does not parse: " + std::string(e.what()) + " at " +
                std::to_string(e.loc().line) + ":" + std::to_string(e.loc().col));
        return;
    }
    Graph& g = *m.graph;
    test::Rng rng(model_seed ^ 0x5eedf00dULL);
    Queued q;
    q.seed = model_seed;
    q.model = model_text;
    try {
        // as `symdiff gen` does: each export simplified on its own, then one header
        std::vector<Function> simplified;
        for (const Function& f : m.exports) {
            std::vector<NodeId> roots;
            for (const auto& r : f.results)
                roots.push_back(r.node);
            const std::vector<NodeId> s = rewrite::simplify(g, roots);
            Function fs = f;
            for (std::size_t k = 0; k < s.size(); ++k)
                fs.results[k].node = s[k];
            simplified.push_back(std::move(fs));
        }
        for (std::size_t e = 0; e < m.exports.size(); ++e)
            check_export(m, e, simplified[e], rng, q);
        if (opt.compiled && !q.calls.empty()) {
            q.header = codegen::emit_header(
                g, simplified,
                codegen::EmitOptions{"m" + std::to_string(queue.size()), "random.sd"});
            queue.push_back(std::move(q));
        }
    } catch (const Error& e) {
        finding("error: " + std::string(e.what()));
    } catch (const std::exception& e) {
        finding("exception: " + std::string(e.what()));
    }
}

void DifferentialChecker::Impl::check_export(Model& m, std::size_t e, const Function& simplified,
                                             test::Rng& rng, Queued& q) {
    Graph& g = *m.graph;
    const Function fn = m.exports[e]; // a copy: checks append nodes to the graph
    ++stats.exports;
    std::vector<NodeId> roots, sroots;
    for (std::size_t r = 0; r < fn.results.size(); ++r) {
        roots.push_back(fn.results[r].node);
        sroots.push_back(simplified.results[r].node);
    }
    for (int p = 0; p < opt.points + opt.grid_points; ++p) {
        const bool grid = p >= opt.points;
        Values at;
        for (const InputInfo& in : g.inputs()) {
            at.push_back(test::random_tensor(rng, in.shape, -2.0, 2.0));
            if (grid)
                for (double& v : at.back().data())
                    v = 0.5 * static_cast<double>(rng.integer(-2, 2));
        }
        const Bindings b = test::bind(g, at);
        const std::vector<Tensor> built = evaluate(g, roots, b);
        bool ok = true;
        for (const Tensor& t : built)
            ok = ok && regular(t, opt.value_bound);
        if (!ok) {
            ++stats.skipped_points;
            continue;
        }
        ++stats.points;
        const std::string where =
            "export " + fn.name + ", " + (grid ? "grid " : "") + "point " + std::to_string(p);
        const std::vector<Tensor> simple = evaluate(g, sroots, b);
        for (std::size_t r = 0; r < roots.size(); ++r) {
            ++stats.simplified;
            agree(simple[r], built[r], 1e-6,
                  where + ", result " + fn.results[r].name + ": simplified vs as built");
        }
        for (std::size_t r = 0; r < roots.size(); ++r)
            if (const auto& spec = m.result_specs[e][r])
                check_derivative(m, *spec, at, grid, built[r],
                                 where + ", result " + fn.results[r].name + " (" +
                                     spec_name(*spec) + ")");
        if (opt.compiled) {
            Call c;
            c.function = fn.name;
            c.point = p;
            for (NodeId param : fn.params)
                c.params.push_back(at[static_cast<std::size_t>(g[param].input_index())]);
            c.want = simple;
            for (const auto& r : fn.results)
                c.names.push_back(r.name);
            q.calls.push_back(std::move(c));
        }
    }
}

void DifferentialChecker::Impl::check_derivative(Model& m, const DerivativeSpec& s,
                                                 const Values& at, bool grid, const Tensor& value,
                                                 const std::string& where) {
    Graph& g = *m.graph;
    const Bindings b = test::bind(g, at);
    const Expr f(g, s.function), x(g, s.variable);
    const int xin = g[s.variable].input_index();
    const std::size_t nx = x.shape().size();
    auto eval_node = [&](NodeId id) {
        return evaluate(g, std::span<const NodeId>(&id, 1), b)[0];
    };
    // Tape of node y by x: reverse sweeps seeded one-hot over y's elements, one row each.
    auto tape_rows = [&](NodeId y) {
        Tape tape(g, y, std::span<const NodeId>(&s.variable, 1));
        const Shape ys = g[y].shape;
        std::vector<double> out;
        for (std::size_t i = 0; i < static_cast<std::size_t>(ys.size()); ++i) {
            tape.forward(b);
            Tensor c(ys);
            c[i] = 1.0;
            const auto d = tape.backward(c);
            out.insert(out.end(), d[0].data().begin(), d[0].data().end());
        }
        for (double& v : out)
            v += opt.tape_offset;
        return out;
    };
    const auto as_tensor = [&](std::vector<double> v) { return Tensor(value.shape(), std::move(v)); };

    // --- the tape, which does not record Jacobian loops (it records a fold's steps): a
    // derivative of a function holding one is compared with finite differences and the
    // compiled code only
    const NodeId root[] = {s.function};
    const std::vector<NodeId> reached = reachable(g, root);
    const bool loop = std::any_of(reached.begin(), reached.end(), [&](NodeId id) {
        return g[id].op == Op::Seed || g[id].op == Op::SeedLoop;
    });
    if (loop) {
        ++stats.untaped;
    } else {
        ++stats.tape;
        switch (s.kind) {
        case DerivativeSpec::Kind::grad: {
            Tape tape(g, s.function, std::span<const NodeId>(&s.variable, 1));
            tape.forward(b);
            Tensor d = tape.backward()[0];
            for (double& v : d.data())
                v += opt.tape_offset;
            agree(d, value, 1e-9, where + ": tape (reverse) vs symbolic");
            if (nx <= 8) { // the tape's forward mode, one element at a time
                std::vector<double> cols;
                for (std::size_t j = 0; j < nx; ++j) {
                    Tensor t(x.shape());
                    t[j] = 1.0;
                    cols.push_back(tape.jvp(b, t).item() + opt.tape_offset);
                }
                agree(as_tensor(cols), value, 1e-9, where + ": tape (forward) vs symbolic");
            }
            break;
        }
        case DerivativeSpec::Kind::jvp: {
            Tape tape(g, s.function, std::span<const NodeId>(&s.variable, 1));
            Tensor d = tape.jvp(b, eval_node(s.tangent));
            for (double& v : d.data())
                v += opt.tape_offset;
            agree(d, value, 1e-9, where + ": tape (forward) vs symbolic");
            break;
        }
        case DerivativeSpec::Kind::diff: {
            if (s.order == 0) {
                agree(eval_node(s.function), value, 0.0, where + ": order 0 vs the function");
                break;
            }
            const NodeId y = s.order == 1 ? s.function : diff(f, x, s.order - 1).id();
            agree(as_tensor(tape_rows(y)), value, 1e-9, where + ": tape of order k-1 vs symbolic");
            break;
        }
        case DerivativeSpec::Kind::jacobian:
            agree(as_tensor(tape_rows(s.function)), value, 1e-9, where + ": tape rows vs symbolic");
            break;
        case DerivativeSpec::Kind::hessian:
            agree(as_tensor(tape_rows(grad(f, x).id())), value, 1e-9,
                  where + ": tape rows of the symbolic gradient vs symbolic");
            break;
        }
    }
    // symbolic forward mode along ones = the sum of the gradient
    if (s.kind == DerivativeSpec::Kind::grad) {
        const Expr along = jvp(f, x, constant(g, 1.0, x.shape()));
        double sum = 0;
        for (double v : value.data())
            sum += v;
        ++stats.forward;
        agree(eval_node(along.id()), Tensor(sum), 1e-9,
              where + ": symbolic forward (jvp along ones) vs sum of the gradient");
    }

    // --- finite differences: d/dx_j of a node, per element
    if (!opt.finite_differences || grid)
        return;
    auto fd_column = [&](NodeId y, std::size_t j) {
        return test::partial(
            [&](const Values& v) {
                return evaluate(g, std::span<const NodeId>(&y, 1), test::bind(g, v))[0];
            },
            at, xin, j);
    };
    const double eps = std::numeric_limits<double>::epsilon();
    auto compare_fd = [&](const test::FdEstimate& est, double want, double fscale,
                          const std::string& what) {
        if (!est.reliable) {
            ++stats.fd_skipped;
            return;
        }
        ++stats.fd_compared;
        const double h = test::fd_step(1.0);
        const double tol = 1e-5 * std::max(1.0, std::fabs(want)) + 256 * eps * fscale / h;
        if (!(std::fabs(est.value - want) <= tol)) {
            std::ostringstream os;
            os.precision(17);
            os << what << ": finite differences give " << est.value << ", symbolic " << want;
            finding(os.str());
        }
    };
    constexpr std::size_t max_columns = 12;
    switch (s.kind) {
    case DerivativeSpec::Kind::grad: {
        const double fs = max_abs(eval_node(s.function));
        for (std::size_t j = 0; j < nx && j < max_columns; ++j)
            compare_fd(fd_column(s.function, j)[0], value[j], fs,
                       where + ", element " + std::to_string(j));
        break;
    }
    case DerivativeSpec::Kind::jvp: {
        const Tensor y0 = eval_node(s.function);
        const auto est = test::directional(
            [&](const Values& v) {
                return evaluate(g, std::span<const NodeId>(&s.function, 1), test::bind(g, v))[0];
            },
            at, xin, eval_node(s.tangent));
        for (std::size_t i = 0; i < est.size(); ++i)
            compare_fd(est[i], value[i], max_abs(y0) * std::max(1.0, max_abs(eval_node(s.tangent))),
                       where + ", element " + std::to_string(i));
        break;
    }
    case DerivativeSpec::Kind::diff: {
        if (s.order == 0)
            break;
        const NodeId y = s.order == 1 ? s.function : diff(f, x, s.order - 1).id();
        compare_fd(fd_column(y, 0)[0], value.item(), max_abs(eval_node(y)), where);
        break;
    }
    case DerivativeSpec::Kind::jacobian:
    case DerivativeSpec::Kind::hessian: {
        const NodeId y =
            s.kind == DerivativeSpec::Kind::jacobian ? s.function : grad(f, x).id();
        const double fs = max_abs(eval_node(y));
        const std::size_t ny = g[y].shape.size();
        for (std::size_t j = 0; j < nx && j < max_columns; ++j) {
            const auto col = fd_column(y, j);
            for (std::size_t i = 0; i < ny; ++i)
                compare_fd(col[i], value[i * nx + j], fs,
                           where + ", element (" + std::to_string(i) + ", " + std::to_string(j) +
                               ")");
        }
        break;
    }
    }
}

namespace {

// The driver of a compiled batch: includes the headers m<k>.hpp of the models `included`,
// calls both overloads of each export at each point, and prints one line per result:
// model, call, result, whether the overloads gave the same bits, and the values (%a) of
// the allocating overload, then of the work overload.
std::string driver_text(const std::vector<Queued>& batch, const std::vector<std::size_t>& included) {
    std::ostringstream driver;
    driver << "#include <cstdio>\n#include <cstring>\n#include <limits>\n#include <vector>\n";
    for (std::size_t k : included)
        driver << "#include \"m" << k << ".hpp\"\n";
    // The points reach the calls through `opaque`, so the compiler cannot fold a call
    // at compile time (its pow or exp may round differently from the library's at run
    // time, which would tell the two overloads apart for no fault of the header).
    driver << "static void opaque(void* p) { asm volatile(\"\" : : \"r\"(p) : \"memory\"); }\n";
    // Buffers start as garbage, so a result never written, or scratch read before it is
    // written, shows: results of the allocating overload hold result_garbage, those of
    // the work overload NaN, and the work array result_garbage and NaN alternately.
    driver << "static void fill(double* p, std::size_t n, double a, double b) {\n"
              "    for (std::size_t i = 0; i < n; ++i) p[i] = i % 2 ? b : a;\n"
              "    opaque(p);\n}\n"
              "static const double nan_ = std::numeric_limits<double>::quiet_NaN();\n";
    driver << "static void put(int m, int c, int r, const double* a, const double* b, "
              "std::size_t n) {\n"
              "    std::printf(\"%d %d %d %d\", m, c, r, std::memcmp(a, b, n * sizeof(double)) "
              "== 0 ? 1 : 0);\n"
              "    for (std::size_t i = 0; i < n; ++i) std::printf(\" %a\", a[i]);\n"
              "    for (std::size_t i = 0; i < n; ++i) std::printf(\" %a\", b[i]);\n"
              "    std::printf(\"\\n\");\n}\n";
    // One function per model, not inlined: the optimiser's time grows faster than the size
    // of a function (clang -O1 took 71 s for 76 nested-derivative models in one, 15 s so).
    for (std::size_t k : included) {
        driver << "[[gnu::noinline]] static void run_m" << k << "() {\n";
        const std::string ns = "::m" + std::to_string(k) + "::";
        for (std::size_t c = 0; c < batch[k].calls.size(); ++c) {
            const Call& call = batch[k].calls[c];
            driver << "    {\n";
            std::string args;
            for (std::size_t p = 0; p < call.params.size(); ++p) {
                driver << "        static double p" << p << "[] = {";
                for (std::size_t i = 0; i < call.params[p].size(); ++i)
                    driver << (i ? ", " : "") << hex(call.params[p][i]);
                driver << "};\n        opaque(p" << p << ");\n";
                args += "p" + std::to_string(p) + ", ";
            }
            std::string outs, outs2;
            for (std::size_t r = 0; r < call.want.size(); ++r) {
                const std::size_t n = call.want[r].size();
                driver << "        static double r" << r << "[" << n << "], s" << r << "[" << n
                       << "];\n"
                       << "        fill(r" << r << ", " << n << ", " << hex(result_garbage)
                       << ", " << hex(result_garbage) << ");\n"
                       << "        fill(s" << r << ", " << n << ", nan_, nan_);\n";
                outs += (r ? ", r" : "r") + std::to_string(r);
                outs2 += (r ? ", s" : "s") + std::to_string(r);
            }
            driver << "        " << ns << call.function << "(" << args << outs << ");\n"
                   << "        std::vector<double> work(" << ns << call.function
                   << "_work_size + 1);\n"
                   << "        fill(work.data(), work.size(), " << hex(result_garbage)
                   << ", nan_);\n"
                   << "        " << ns << call.function << "(" << args << outs2
                   << ", work.data());\n";
            for (std::size_t r = 0; r < call.want.size(); ++r)
                driver << "        put(" << k << ", " << c << ", " << r << ", r" << r << ", s" << r
                       << ", " << call.want[r].size() << ");\n";
            driver << "    }\n";
        }
        driver << "}\n";
    }
    driver << "int main() {\n";
    for (std::size_t k : included)
        driver << "    run_m" << k << "();\n";
    driver << "    return 0;\n}\n";
    return driver.str();
}

// Where the compiler's log has an error in header m<k>.hpp: its first such line and what
// follows, or npos.
std::size_t first_error_in(const std::string& log, std::size_t k) {
    const std::string file = "m" + std::to_string(k) + ".hpp:";
    for (std::size_t at = log.find(file); at != std::string::npos; at = log.find(file, at + 1)) {
        const std::size_t eol = std::min(log.find('\n', at), log.size());
        const bool own_file = at > 0 && (log[at - 1] == '/' || log[at - 1] == '\\');
        if (own_file && log.substr(at, eol - at).find(": error") != std::string::npos)
            return log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    }
    return std::string::npos;
}

} // namespace

void DifferentialChecker::Impl::run_compiled() {
    if (queue.empty())
        return;
    std::vector<Queued> batch;
    batch.swap(queue);
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "symdiff-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
        findings.push_back({0, "", "cannot make a temporary directory for the compiled batch"});
        return;
    }
    const fs::path dir = tmpl;
    for (std::size_t k = 0; k < batch.size(); ++k)
        std::ofstream(dir / ("m" + std::to_string(k) + ".hpp"), std::ios::binary) << batch[k].header;
    // The compiler on driver.cpp: to an executable, or only checked (-fsyntax-only).
    const bool clang = fs::path(opt.cxx).filename().string().find("clang") != std::string::npos;
    auto compile = [&](bool syntax_only) {
        ++stats.compiler_runs;
        const auto start = std::chrono::steady_clock::now();
        // every error at once (clang stops after 20 by default; g++ does not stop)
        const std::string out = syntax_only ? std::string(" -fsyntax-only") +
                                                  (clang ? " -ferror-limit=0" : "")
                                            : " -o '" + (dir / "driver").string() + "'";
        const std::string command = "'" + opt.cxx + "' " + opt.cxx_flags + " -I'" +
                                    dir.string() + "'" + out + " '" +
                                    (dir / "driver.cpp").string() + "' > '" +
                                    (dir / "compile.log").string() + "' 2>&1";
        const bool ok = std::system(command.c_str()) == 0;
        (syntax_only ? stats.check_seconds : stats.compile_seconds) +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return ok;
    };
    const std::string run = "'" + (dir / "driver").string() + "' > '" +
                            (dir / "out.txt").string() + "' 2>&1";

    // Compile the models of the batch. When that fails, a header with errors is a finding
    // of its model, and the others are checked again without it (syntax only, which is
    // cheaper, until they pass; a compiler may stop after some errors), then compiled.
    std::vector<std::size_t> included(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k)
        included[k] = k;
    std::ofstream(dir / "driver.cpp", std::ios::binary) << driver_text(batch, included);
    bool compiled = compile(false);
    while (!compiled && !included.empty()) {
        std::ifstream in(dir / "compile.log");
        const std::string log((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
        std::vector<std::size_t> rest;
        for (std::size_t k : included) {
            const std::size_t at = first_error_in(log, k);
            if (at == std::string::npos)
                rest.push_back(k);
            else
                findings.push_back({batch[k].seed, batch[k].model,
                                    "the emitted code does not compile: " + log.substr(at, 2000)});
        }
        if (rest.size() == included.size()) { // an error in no header: the driver's
            for (std::size_t k : included)
                findings.push_back({batch[k].seed, batch[k].model,
                                    "the emitted code does not compile (batch of " +
                                        std::to_string(included.size()) +
                                        " models): " + log.substr(0, 4000)});
            rest.clear();
        }
        included = rest;
        if (included.empty())
            break;
        std::ofstream(dir / "driver.cpp", std::ios::binary) << driver_text(batch, included);
        if (compile(true))
            compiled = compile(false);
    }
    if (compiled && std::system(run.c_str()) != 0) {
        for (std::size_t k : included)
            findings.push_back({batch[k].seed, batch[k].model, "the compiled driver failed"});
    } else if (compiled) {
        std::ifstream out(dir / "out.txt");
        std::map<std::tuple<int, int, int>, std::pair<bool, std::vector<double>>> got;
        for (std::string line; std::getline(out, line);) {
            std::istringstream in(line);
            int k = 0, c = 0, r = 0, same = 0;
            in >> k >> c >> r >> same;
            std::vector<double> v;
            for (std::string w; in >> w;)
                v.push_back(std::strtod(w.c_str(), nullptr));
            got[{k, c, r}] = {same == 1, std::move(v)};
        }
        for (std::size_t k : included) {
            seed = batch[k].seed;
            text = &batch[k].model;
            for (std::size_t c = 0; c < batch[k].calls.size(); ++c) {
                const Call& call = batch[k].calls[c];
                for (std::size_t r = 0; r < call.want.size(); ++r) {
                    const std::string what = "compiled export " + call.function + ", point " +
                                             std::to_string(call.point) + ", result " +
                                             call.names[r];
                    const auto it = got.find({static_cast<int>(k), static_cast<int>(c),
                                              static_cast<int>(r)});
                    const std::size_t n = call.want[r].size();
                    if (it == got.end() || it->second.second.size() != 2 * n) {
                        finding(what + ": missing from the driver's output");
                        continue;
                    }
                    ++stats.compiled;
                    const std::vector<double>& v = it->second.second;
                    const auto half = v.begin() + static_cast<std::ptrdiff_t>(n);
                    const Tensor allocating(call.want[r].shape(),
                                            std::vector<double>(v.begin(), half));
                    const Tensor work(call.want[r].shape(), std::vector<double>(half, v.end()));
                    agree(allocating, call.want[r], 1e-9,
                          what + " vs the interpreter (simplified)" +
                              garbage_note(allocating, call.want[r]));
                    if (!it->second.first) {
                        finding(what + ": the work overload gives other bits than the allocating one");
                        agree(work, call.want[r], 1e-9,
                              what + " (work overload) vs the interpreter (simplified)" +
                                  garbage_note(work, call.want[r]));
                    }
                }
            }
        }
    }
    std::error_code ec;
    if (!std::getenv("SYMDIFF_FUZZ_KEEP")) // set: the driver, headers and output stay
        fs::remove_all(dir, ec);
}

DifferentialChecker::DifferentialChecker(DifferentialOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->opt = std::move(options);
    if (impl_->opt.cxx.empty())
        impl_->opt.compiled = false;
}
DifferentialChecker::~DifferentialChecker() = default;

void DifferentialChecker::check(const std::string& model_text, std::uint64_t seed) {
    impl_->check(model_text, seed);
}
void DifferentialChecker::run_compiled() { impl_->run_compiled(); }
const std::vector<Finding>& DifferentialChecker::findings() const { return impl_->findings; }
const DifferentialStats& DifferentialChecker::stats() const { return impl_->stats; }

double check_seeds(DifferentialChecker& checker, std::uint64_t first, std::uint64_t count,
                   std::uint64_t batch, const std::function<std::string(std::uint64_t)>& make,
                   std::vector<std::string>& unwritten) {
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; k < count; ++k) {
        std::string text;
        try {
            text = make(first + k);
        } catch (const std::exception& e) {
            unwritten.push_back("seed " + std::to_string(first + k) + ": " + e.what());
            continue;
        }
        checker.check(text, first + k);
        if ((k + 1) % batch == 0)
            checker.run_compiled();
    }
    checker.run_compiled();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace symdiff::fuzz
