// symdiff's own numeric modes for a benchmark: the model is parsed and each export
// simplified exactly as `symdiff gen` does; `interpreter` evaluates the derivative
// export's simplified graph (core/eval.hpp), `tape` records the simplified objective
// once (core/tape.hpp) and times forward + backward. Both return their results in the
// export's order, flattened, so the harness compares them with the hand-written code.
#pragma once

#include "bench/common/harness.hpp"

#include "core/eval.hpp"
#include "core/tape.hpp"
#include "rewrite/simplify.hpp"
#include "lang/model.hpp"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace bench {

class SymdiffModel {
  public:
    // `objective` and `derivative` name exports of the model at `path`.
    SymdiffModel(const std::string& path, const std::string& objective,
                 const std::string& derivative);
    ~SymdiffModel();

    // Binds an input of the model (row-major values of its shape).
    void set(const std::string& input, std::span<const double> values);

    // The interpreter on the derivative export: its results, flattened, in order.
    Mode interpreter_mode();
    // The tape: record once (at the first call of run), then forward + backward per call.
    // grad exports: one forward and one reverse sweep for all grad results; hessian: the
    // gradient graph taped, a forward and a reverse sweep per row (a tape's backward()
    // consumes its forward()); jacobian: the output taped, the same per output element.
    Mode tape_mode();

    // Node counts of the simplifier (symdiff::rewrite::Stats) for each export.
    const symdiff::rewrite::Stats& objective_stats() const { return stats_[0]; }
    const symdiff::rewrite::Stats& derivative_stats() const { return stats_[1]; }

  private:
    struct TapeState;

    symdiff::Model model_;
    const symdiff::Function* objective_ = nullptr;
    const symdiff::Function* derivative_ = nullptr;
    std::size_t derivative_index_ = 0;
    std::vector<symdiff::NodeId> simplified_; // the derivative export's results
    symdiff::rewrite::Stats stats_[2];
    std::unique_ptr<symdiff::Bindings> bindings_;
    std::shared_ptr<TapeState> tape_;
};

} // namespace bench
