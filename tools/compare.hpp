// `symdiff compare`: one export in symbol-to-symbol mode (the simplified derivative graph,
// interpreted, and the emitted C++ compiled at run time) against symbol-to-number mode
// (tapes, see TapeExport): their agreement, node counts before and after simplification,
// time per call (median over repeated calls) and memory (tape bytes against the emitted
// code's work array).
#pragma once

#include "tools/check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace symdiff {

struct CompareOptions {
    // Values by parameter name (--set); parameters left out take random values in
    // [-1, 1] drawn from `seed`.
    std::vector<std::pair<std::string, Tensor>> at;
    std::uint64_t seed = 1;
    bool compile = true;
    NativeBuildOptions native;
    rewrite::Options simplify; // as gen is given them (--strict)
    // Time spent measuring each mode, at most (and at least 5 samples of >= 200 us each,
    // whichever takes longer).
    double seconds_per_mode = 0.25;
};

// One result of the export: the largest element differences between the modes.
struct CompareResult {
    std::string name, kind;
    std::optional<double> interpreted_vs_tape; // nullopt: the tape refused (tape_refusal)
    std::optional<double> compiled_vs_tape;    // nullopt: also when nothing was compiled
    std::optional<double> compiled_vs_interpreted;
    std::optional<std::string> tape_refusal;
};

// A mode that did not run: the tape for one result (it refused), or the compiled code for
// the whole export (no compiler, disabled, or a failure of the emitter).
struct NotRun {
    std::string mode;                  // "tape" or "compiled code"
    std::optional<std::string> result; // nullopt: every result
    std::string why;
    bool failure = false; // the emitted code does not compile: a bug, so no agreement
};

// What the loops of the model (fold, scan) cost in an emitted function: how many
// iterations of their bodies a call runs (a loop nested in another counted for every
// iteration of the outer one), and the bytes of the carries kept for reverse mode (the
// scans of carries before each step that reverse loops read back).
struct LoopFigures {
    std::int64_t iterations = 0;
    std::size_t kept_bytes = 0;
    friend bool operator==(const LoopFigures&, const LoopFigures&) = default;
};

// The loop figures of `function` (simplified, as gen emits it); nullopt when it has no loop.
std::optional<LoopFigures> loop_figures(const Graph& g, const Function& function);

struct CompareReport {
    std::string model, function, point; // point: how the inputs were chosen
    bool agree = true; // every comparison that ran within Tolerances::exact (and the
                       // emitted code, if a compiler was found, compiles)
    // Over every comparison that ran (interpreted vs tape, compiled vs tape, compiled vs
    // interpreted, each result): how many ran, the largest element difference, and where
    // it is (empty when it is 0). See summarize_agreement.
    std::size_t comparisons = 0;
    double max_abs_diff = 0;
    std::string largest_result, largest_between; // "J", "compiled vs interpreted"
    std::vector<NotRun> not_run;
    std::vector<CompareResult> results;

    struct Symbolic {
        std::size_t nodes_function = 0;   // the functions differentiated (and plain results)
        std::size_t nodes_raw = 0;        // every result, as parsed
        std::size_t nodes_simplified = 0; // every result, after simplification
        double interpreted_us = 0.0;
        std::optional<double> compiled_us;
        std::size_t work_bytes = 0; // FN_work_size * 8
        std::optional<std::size_t> interpreter_peak_bytes;
        std::optional<double> compile_seconds;
        std::optional<std::size_t> header_bytes;
        // The model's loops (fold, scan) in the emitted code: what a call runs and what
        // reverse mode keeps; nullopt without loops. every_carry: the same export parsed
        // with every carry kept (no checkpointing), when that differs.
        std::optional<LoopFigures> loops, every_carry;
    } symbolic;

    struct Numeric {
        double tape_us = 0.0;   // forward and reverse (or jvp) sweeps of every tape
        double record_us = 0.0; // recording the tapes, once
        std::size_t tape_bytes = 0;
        std::size_t tapes = 0;
    } tape;

    std::vector<std::string> notes;
};

// Sets comparisons, max_abs_diff and largest_* of `report` from its results.
void summarize_agreement(CompareReport& report);

// Throws Error for an unknown export, a value that names no parameter of it, or a
// value of the wrong shape.
CompareReport run_compare(Model& model, const std::string& function,
                          const CompareOptions& options = {});

// The median time of one call of f, in microseconds: f runs in batches long enough for
// the clock (>= 100 us), for at least 5 and at most 101 batches, within `seconds`.
template <class F> double median_call_us(F&& f, double seconds) {
    using Clock = std::chrono::steady_clock;
    const auto elapsed = [](Clock::time_point t0) {
        return std::chrono::duration<double>(Clock::now() - t0).count();
    };
    f(); // warm up: caches, lazy allocations
    auto t0 = Clock::now();
    f();
    const double one = std::max(elapsed(t0), 1e-9);
    const auto batch = static_cast<long>(std::clamp(std::ceil(200e-6 / one), 1.0, 1e7));
    std::vector<double> samples;
    const auto start = Clock::now();
    while (samples.size() < 101 && (samples.size() < 5 || elapsed(start) < seconds)) {
        t0 = Clock::now();
        for (long k = 0; k < batch; ++k)
            f();
        samples.push_back(elapsed(t0) / static_cast<double>(batch) * 1e6);
    }
    const auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), mid, samples.end());
    return *mid;
}

// One JSON object: {"model", "function", "point", "agree", "max_abs_diff", "largest",
// "not_run": [...], "symbolic": {...}, "tape": {...}, "results": [...], "notes": [...]};
// null for what was not measured (agree and max_abs_diff when no comparison ran).
void print_compare_json(std::ostream& out, const CompareReport& report);
void print_compare_table(std::ostream& out, const CompareReport& report);

// Bytes of the values the interpreter holds at once when evaluating `roots` (its rule:
// a value lives from its evaluation to its last use; roots to the end), not counting
// temporaries inside one op; nullopt when the graph has Jacobian loops.
std::optional<std::size_t> interpreter_peak_bytes(const Graph& g, std::span<const NodeId> roots);

} // namespace symdiff

namespace symdiff::cli {

// symdiff compare MODEL.sd FN [--set NAME=VALUE ...] [--set-file F] [--json]; exits 0
// whenever it could compare (agreement is one of its figures).
int compare_command(const Args& a, std::ostream& out);

} // namespace symdiff::cli
