// `symdiff check`: every result of every export of a model, evaluated in every mode and
// compared with the symbolic graph (simplified as `gen` does, then interpreted), which is
// the reference: the tape (symbol-to-number), the emitted C++ compiled at run time, and
// central finite differences of the primal function. One row per result with the largest
// differences and a verdict; the tolerances are in Tolerances below.
#pragma once

#include "core/eval.hpp"
#include "tools/command.hpp"
#include "lang/model.hpp"
#include "tools/native_build.hpp"
#include "tools/tape_export.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace symdiff {

// How close a mode must come to the symbolic graph, element by element:
//   |a - b| <= rel * max(1, |a|, |b|)  (+ for differences, the stencil's rounding noise)
// NaN matches only NaN, an infinity only itself. The tape runs the unsimplified graph and
// the compiled code sums in another order, so both differ from the simplified graph by
// rounding only: `exact`. Richardson-extrapolated central differences with step
// 1e-4 max(1, |x|) are good to ~1e-9 on smooth functions: `fd` leaves room for curvature.
struct Tolerances {
    double exact = 1e-8; // tape and compiled code
    double fd = 1e-5;    // central differences
};

// The element test above: |a - b| <= rel max(1, |a|, |b|) + slack, NaN only for NaN.
bool within(double a, double b, double rel, double slack = 0.0);
// |a - b|; 0 for NaN against NaN or an infinity against itself, infinite for any other
// pair with a value that is not finite.
double difference(double a, double b);

struct CheckOptions {
    int points = 3;         // random points per export
    std::uint64_t seed = 1; // of the random points
    // A point given by input name (--set): inputs it leaves out take random values.
    std::vector<std::pair<std::string, Tensor>> at;
    bool compile = true; // compile the emitted code when a compiler is found
    NativeBuildOptions native;
    Tolerances tolerances;
    std::size_t max_fd_directions = 64; // per result and point; more are sampled evenly
    rewrite::Options simplify;          // as gen is given them (--strict)
};

// One mode's comparison with the symbolic graph, over every point.
struct ModeStats {
    bool applies = false;     // the mode computes this result at all
    std::size_t compared = 0; // elements compared
    std::size_t skipped = 0;  // elements not compared (unreliable differences)
    double max_abs = 0.0, max_rel = 0.0;
    bool ok = true;
    std::string note; // why it does not apply, or what was skipped
};

struct CheckRow {
    std::string export_name, result_name, kind;
    ModeStats tape, compiled, fd;
    bool ok() const { return tape.ok && compiled.ok && fd.ok; }
    bool checked() const { return tape.compared + compiled.compared + fd.compared > 0; }
};

struct CheckReport {
    std::string model;
    int random_points = 0;
    bool set_point = false;
    std::uint64_t seed = 0;
    Tolerances tolerances;
    std::vector<CheckRow> rows;
    std::vector<std::string> notes;
    bool ok() const;
};

// A check of one model. Construction simplifies every export as `gen` does; run()
// evaluates. Between the two, symbolic() may be changed (tests corrupt a derivative to
// see the check fail): the symbolic and compiled modes use it, the tape and the finite
// differences use the model's graph as parsed.
class Check {
  public:
    // Throws Error when `options.at` names no input of the model or has a wrong shape.
    Check(Model model, CheckOptions options = {});
    Model& model() { return model_; }
    Function& symbolic(std::size_t e) { return symbolic_.at(e); }
    CheckReport run();

  private:
    Model model_;
    CheckOptions options_;
    std::vector<Function> symbolic_;
};

void print_check_report(std::ostream& out, const CheckReport& report);

// Values for the inputs of `g` drawn uniformly from [lo, hi], in input order.
std::vector<Tensor> random_inputs(const Graph& g, std::uint64_t& state, double lo, double hi);
// Bindings of every input of `g` to `values` (one per input, in input order).
Bindings bind_all(const Graph& g, const std::vector<Tensor>& values);

} // namespace symdiff

namespace symdiff::cli {

// symdiff check MODEL.sd [--set NAME=VALUE ...] [--set-file F] [--points N] [--seed S]:
// prints the table; 0 when every result agrees, 1 when one does not. `before_run` (a
// test build's hook, see cli::Hooks) sees the check before it runs.
int check_command(const Args& a, std::ostream& out,
                  const std::function<void(Check&)>& before_run = {});

} // namespace symdiff::cli
