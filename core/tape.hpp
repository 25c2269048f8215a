// Symbol-to-number mode: a tape over a graph, the way ADOL-C or PyTorch compute
// derivatives. Recording plans once which nodes to evaluate, which values the reverse
// sweep reads, and where every value, adjoint and tangent lives; each run then only
// fills the planned buffers. The local rules are the op table's (partials<double>,
// vjp<Tensor>, jvp<Tensor>): one rule serves the symbolic and the numeric mode.
#pragma once

#include "core/eval.hpp"
#include "core/expr.hpp"
#include "core/graph.hpp"
#include "core/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symdiff {

// What a tape holds, in bytes.
struct TapeMemory {
    std::size_t kept = 0;        // values the reverse sweep reads (operands, results, constants)
    std::size_t buffers = 0;     // every value / adjoint buffer of the reverse plan (kept included)
    std::size_t bookkeeping = 0; // the recorded node list, slot tables, scratch
    std::size_t tangents = 0;    // the forward-mode (jvp) plan's buffers, once jvp has run
    std::size_t total() const { return buffers + bookkeeping + tangents; }
};

// A recorded reverse (and forward) sweep of output y with respect to variables x1..xn.
//
//   Tape tape(f, {w, b});                    // record once
//   for (...) {
//       bindings.set("w", ...);
//       double loss = tape.forward(bindings).item();
//       std::span<const Tensor> d = tape.backward();   // d[0] = df/dw, d[1] = df/db
//   }
//
// forward(bindings) evaluates the nodes y reaches, in id order. A value is kept after
// its last forward use only if the reverse sweep reads it: the op table's rule for an
// op is probed once, at recording, for which of its operands and result it reads (a
// partial of exp reads its result, of log its operand, of add nothing; d(A@B)/dB reads
// A only). Buffers that are free are reused for later values and adjoints of the same
// shape, so a run allocates nothing except inside structural ops other than those views
// (tensor.cpp's apply and the vjp/jvp rules return new Tensors).
//
// backward(cotangent) runs one reverse sweep accumulating adjoint x local partial into
// the nodes that depend on a variable, and returns d<y, cotangent>/dxi in xi's shape
// (zeros for a variable y does not depend on). A variable may be any node; its result is
// its adjoint, as in symbolic `vjp`. jvp(bindings, tangents) is forward mode along one
// tangent per variable (tangents of several variables add up).
//
// Element-wise ops apply partials<double> element by element; structural ops their
// vjp<Tensor>/jvp<Tensor> rules, with one exception written here for a reason: a view
// without guards (slice, broadcast, transpose, diag_part) is evaluated by gathering along
// its index plan (the op's `plan`, flattened once at recording, no allocation per run),
// and when that gather reads fewer elements than its operand has (slice, diag_part), its
// adjoint is scattered back along the same plan - the gather's transpose, equal to the
// vjp rule's result (embed, diag) but touching only the window, where the rule builds a
// dense tensor of the operand's shape. Indexing x[0], x[1], ... one by one thus costs
// O(n) in the reverse sweep instead of O(n^2).
//
// NaN safety. Every local product adjoint x partial (and tangent x partial) is a "strong
// zero" product: when either factor is exactly 0 the contribution is 0, so 0 x inf and
// 0 x NaN never happen. This is the numeric counterpart of the symbolic mode's masks
// (differentiate.hpp): where a `where`, relu, abs, max or min selects a branch, the
// symbolic graph keeps its mask outside the product and the tape sees an exact 0
// partial or adjoint, so the branch not taken contributes exactly 0 in both modes, e.g.
// where(x > 0, sqrt(x) * y, 2 * y) at x = 0 gives d/dx = 0. Where the two modes differ:
// the symbolic graph multiplies an adjoint that evaluates to 0 (or a partial that does)
// by an infinite or NaN factor in an ordinary product: there the symbolic result is NaN
// and the tape's is 0, and that NaN does not flow on into other derivatives. Example:
// d(y * sqrt(x))/dx at y = 0, x = 0 is y * (0.5 / sqrt(x)) = 0 x inf = NaN symbolically,
// 0 on the tape. Otherwise the two agree to rounding (the sums run in the same order).
// Structural ops' rules (matmul, broadcast, ...) run unchanged in both modes and multiply
// ordinarily (0 x inf inside a matrix product is NaN in both), except that a cotangent
// that is zero everywhere contributes zero without running the rule: the numeric
// counterpart of the symbolic mode lifting a mask whose condition is one scalar out of a
// rule (differentiate.cpp), so the branch a `where` on a scalar did not take contributes
// exactly 0 also through a sum or a dot of its NaN values (a rotation at angle 0).
//
// A tape owns mutable buffers: run one tape from one thread at a time.
class Tape {
  public:
    // Records the sweeps of y with respect to xs (nodes of g; any node may be a variable,
    // and one may repeat). `g` need not outlive the tape; the tape copies what it needs.
    Tape(const Graph& g, NodeId y, std::span<const NodeId> xs);
    // The same for Expr handles (y and xs must be nodes of one graph).
    Tape(const Expr& y, std::span<const Expr> xs);
    Tape(const Expr& y, std::initializer_list<Expr> xs)
        : Tape(y, std::span<const Expr>(xs.begin(), xs.size())) {}
    ~Tape();
    Tape(Tape&&) noexcept;
    Tape& operator=(Tape&&) noexcept;
    Tape(const Tape&) = delete;
    Tape& operator=(const Tape&) = delete;

    // Evaluates y with these input values, recording what backward() needs. Throws
    // Error naming an input that y needs but `inputs` does not bind. The result stays
    // valid until the next forward(). `inputs` must belong to the recorded graph; it may
    // change or die after the call (the values backward() reads are copied).
    const Tensor& forward(const Bindings& inputs);

    // The reverse sweep after forward(): d<y, cotangent>/dxi, one per variable, in the
    // order given at recording. Throws Error if the cotangent's shape is not y's, or if
    // forward() has not run. Valid until the next backward(). backward() without a
    // cotangent needs a scalar y and seeds 1.
    std::span<const Tensor> backward(const Tensor& cotangent);
    std::span<const Tensor> backward();

    // Forward mode: the derivative of y along `tangents` (one per variable, each in its
    // variable's shape), evaluated at `inputs`. Independent of forward()/backward().
    // Valid until the next jvp().
    const Tensor& jvp(const Bindings& inputs, std::span<const Tensor> tangents);
    const Tensor& jvp(const Bindings& inputs, const Tensor& tangent); // one variable

    // Bytes the tape holds for the reverse sweep: buffers (kept values included) plus
    // bookkeeping. Does not count the jvp plan (see memory()).
    std::size_t bytes() const;
    TapeMemory memory() const;

    const Shape& output_shape() const;
    std::size_t node_count() const; // nodes y reaches (the recorded node list)
    std::size_t variable_count() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace symdiff
