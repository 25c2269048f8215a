// Symbol-to-number mode of a whole export: each result of an export computed by tapes
// (core/tape.hpp) recorded over the model's graph as parsed, following how the result
// was made (DerivativeSpec). `check` and `compare` hold it against the symbolic graph.
#pragma once

#include "core/eval.hpp"
#include "core/tape.hpp"
#include "lang/model.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symdiff {

// Symbol-to-number mode of one export: each result computed with tapes recorded over the
// model's graph, following its DerivativeSpec: grad results of one function share one
// reverse sweep; jvp uses the tape's forward mode; diff(f, x, k) tapes the (k-1)-th
// symbolic derivative; a Jacobian is assembled row by row from vjps (at most as many rows
// as columns) or else column by column from jvps; a Hessian row by row from vjps of the
// symbolic gradient. Plain results are taped forward only. Recording happens once, here.
class TapeExport {
  public:
    // `g` gains the symbolic derivatives diff and hessian need (hash-consed: usually found).
    TapeExport(Graph& g, const Function& raw, std::span<const std::optional<DerivativeSpec>> specs);
    ~TapeExport();
    TapeExport(TapeExport&&) noexcept;
    TapeExport& operator=(TapeExport&&) noexcept;

    // The export's results in order, at `inputs`; nullopt where the tape cannot compute the
    // result (refusal() says why), e.g. a function containing a Jacobian loop.
    std::vector<std::optional<Tensor>> run(const Bindings& inputs);
    const std::optional<std::string>& refusal(std::size_t result) const;
    std::size_t tape_count() const;
    // Bytes of every tape (TapeMemory::total(): Tape::bytes() plus the jvp plans that have
    // run).
    std::size_t bytes() const;

    struct Job;

  private:
    std::vector<std::unique_ptr<Job>> jobs_;
    std::vector<std::optional<std::string>> refusals_;
    std::size_t results_ = 0;
};

// The name of a result's kind in tables: grad, jvp, diff k=K, jacobian, hessian, value.
std::string kind_name(const std::optional<DerivativeSpec>& spec);

} // namespace symdiff
