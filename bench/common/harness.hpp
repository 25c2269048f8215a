// The benchmark harness shared by every case: a Case holds named modes (each a
// callable that computes the objective or the derivative into its own buffer), checks
// every mode against the hand-written reference before anything is timed (relative
// 1e-8 in the max norm; a mismatch prints the worst entry and exits 3), then registers
// one Google Benchmark per mode, named "<case>/<mode>".
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bench {

inline constexpr double check_tolerance = 1e-8;

// What a mode computes: the objective's results, or the derivative export's results
// (objective value first where the export has it, then each derivative, flattened).
enum class Kind { objective, derivative };

struct Mode {
    std::string name;
    Kind kind;
    std::function<void()> run;                      // the timed call
    std::function<std::vector<double>()> results;   // after run(): what it computed
};

// max_i |a_i - b_i| / max_i |b_i| (0 when both vanish).
inline double relative_error(std::span<const double> a, std::span<const double> b,
                             std::size_t* worst) {
    double num = 0.0, den = 0.0;
    *worst = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const double d = std::abs(a[i] - b[i]);
        if (!(d <= num)) { // NaN counts as worst
            num = d;
            *worst = i;
        }
        den = std::max(den, std::abs(b[i]));
    }
    if (num == 0.0)
        return 0.0;
    return den > 0.0 ? num / den : num;
}

[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "\n*** BENCHMARK CHECK FAILED: %s\n*** nothing was timed\n\n",
                 what.c_str());
    std::fflush(stderr);
    std::exit(3);
}

class Case {
  public:
    explicit Case(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    void add(Mode m) { modes_.push_back(std::move(m)); }

    // Runs every mode once and compares it with the modes named `ref_objective` and
    // `ref_derivative` (the hand-written code). Prints one line per mode.
    void check(const std::string& ref_objective, const std::string& ref_derivative) const {
        const Mode* ro = find(ref_objective);
        const Mode* rd = find(ref_derivative);
        if (!ro || !rd)
            fail(name_ + ": reference modes missing");
        ro->run();
        const std::vector<double> obj = ro->results();
        rd->run();
        const std::vector<double> der = rd->results();
        for (const Mode& m : modes_) {
            const std::vector<double>& ref = m.kind == Kind::objective ? obj : der;
            m.run();
            const std::vector<double> got = m.results();
            if (got.size() != ref.size())
                fail(name_ + "/" + m.name + ": " + std::to_string(got.size()) +
                     " results, the reference has " + std::to_string(ref.size()));
            std::size_t worst = 0;
            const double err = relative_error(got, ref, &worst);
            std::printf("check %-22s %-14s rel. error %.2e (%zu values)\n", name_.c_str(),
                        m.name.c_str(), err, ref.size());
            if (!(err <= check_tolerance)) {
                char buf[256];
                std::snprintf(buf, sizeof buf,
                              "%s/%s differs from the hand-written reference: relative error "
                              "%.3e > %.0e; worst entry %zu: got %.17g, expected %.17g",
                              name_.c_str(), m.name.c_str(), err, check_tolerance, worst,
                              got[worst], ref[worst]);
                fail(buf);
            }
        }
    }

    void register_benchmarks() const {
        for (const Mode& m : modes_) {
            const std::function<void()> run = m.run;
            benchmark::RegisterBenchmark((name_ + "/" + m.name).c_str(),
                                         [run](benchmark::State& state) {
                                             for (auto _ : state) {
                                                 run();
                                                 benchmark::ClobberMemory();
                                             }
                                         })
                ->Unit(benchmark::kMicrosecond);
        }
    }

  private:
    const Mode* find(const std::string& n) const {
        for (const Mode& m : modes_)
            if (m.name == n)
                return &m;
        return nullptr;
    }

    std::string name_;
    std::vector<Mode> modes_;
};

// Buffers that outlive the benchmarks and keep their address (modes point into them).
class Buffers {
  public:
    std::vector<double>& make(std::size_t n, double fill = 0.0) {
        return store_.emplace_back(n, fill);
    }
    std::vector<double>& copy(std::span<const double> v) {
        return store_.emplace_back(v.begin(), v.end());
    }

    // Any object the modes need, kept alive (and in place) as long as the buffers.
    template <class T, class... A> T& own(A&&... args) {
        auto p = std::make_shared<T>(std::forward<A>(args)...);
        objects_.push_back(p);
        return *p;
    }

  private:
    std::deque<std::vector<double>> store_;
    std::vector<std::shared_ptr<void>> objects_;
};

// A mode whose run() fills `out`; results() returns it.
inline Mode simple_mode(std::string name, Kind kind, std::vector<double>& out,
                        std::function<void()> run) {
    std::vector<double>* o = &out;
    return Mode{std::move(name), kind, std::move(run), [o] { return *o; }};
}

// A case of a benchmark program: its name and how to set it up.
struct CaseDef {
    std::string name;
    std::function<void(Case&, Buffers&)> setup;
};

// The main of every benchmark program: sets up the cases selected by --case=NAME
// (repeatable; default all), checks each (exit 3 on a mismatch), then times every mode.
// --check-only stops after the checks; --list prints the case names.
inline int run_main(int argc, char** argv, const std::vector<CaseDef>& defs) {
    bool check_only = false;
    std::vector<std::string> selected;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--check-only") {
            check_only = true;
        } else if (a.starts_with("--case=")) {
            selected.push_back(a.substr(7));
        } else if (a == "--list") {
            for (const CaseDef& d : defs)
                std::printf("%s\n", d.name.c_str());
            return 0;
        } else {
            args.push_back(argv[i]);
        }
    }
    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data()))
        return 2;
    for (const std::string& s : selected)
        if (std::none_of(defs.begin(), defs.end(), [&](const CaseDef& d) { return d.name == s; }))
            fail("no case named " + s + " (--list shows them)");
    Buffers buffers;
    std::deque<Case> cases;
    for (const CaseDef& d : defs) {
        if (!selected.empty() && std::find(selected.begin(), selected.end(), d.name) == selected.end())
            continue;
        Case& c = cases.emplace_back(d.name);
        d.setup(c, buffers);
        c.check("hand_f", "hand_deriv");
    }
    std::fflush(stdout);
    if (check_only)
        return 0;
    for (const Case& c : cases)
        c.register_benchmarks();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

// Concatenates pieces into one results vector.
inline std::vector<double> concat(std::initializer_list<std::span<const double>> parts) {
    std::vector<double> out;
    for (auto p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Checks a hand-written derivative against central differences of the hand-written
// function (a guard on the reference itself): `f` maps x to a vector of values,
// `jac(i, j)` is d value_i / d x_j. Checks `samples` random columns.
template <class F, class J>
void check_by_differences(const std::string& what, std::vector<double> x, F&& f, J&& jac,
                          std::size_t samples = 24, double tol = 1e-5) {
    const std::size_t n = x.size();
    double worst = 0.0;
    std::uint64_t state = 12345;
    for (std::size_t s = 0; s < std::min(samples, n); ++s) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const std::size_t j = samples >= n ? s : static_cast<std::size_t>(state >> 33) % n;
        const double h = 1e-6 * std::max(1.0, std::abs(x[j]));
        const double xj = x[j];
        x[j] = xj + h;
        const std::vector<double> fp = f(x);
        x[j] = xj - h;
        const std::vector<double> fm = f(x);
        x[j] = xj;
        double scale = 1e-300, fmax = 0.0;
        for (std::size_t i = 0; i < fp.size(); ++i) {
            scale = std::max(scale, std::abs(jac(i, j)));
            fmax = std::max(fmax, std::abs(fp[i]));
        }
        // Rounding in f(x +- h) limits a difference quotient to about eps |f| / h.
        const double noise = 64 * 2.2e-16 * fmax / h;
        for (std::size_t i = 0; i < fp.size(); ++i) {
            const double fd = (fp[i] - fm[i]) / (2 * h);
            const double e = std::max(0.0, std::abs(fd - jac(i, j)) - noise) / std::max(scale, 1.0);
            worst = std::max(worst, e);
            if (!(e <= tol)) {
                char buf[256];
                std::snprintf(buf, sizeof buf,
                              "%s: hand-written derivative [%zu, %zu] = %.12g, central "
                              "difference %.12g",
                              what.c_str(), i, j, jac(i, j), fd);
                fail(buf);
            }
        }
    }
    std::printf("check %-22s %-14s vs central differences: %.1e\n", what.c_str(), "hand", worst);
}

} // namespace bench
