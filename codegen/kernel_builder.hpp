// Kernel bodies, the third pass of lowering: each instance placed in a buffer becomes a
// kernel whose body is a small SSA expression evaluated once per loop iteration, with the
// fused instances it reads expanded in place and the rest loaded from their buffers.
// Views become index arithmetic (an affine map composed into every load), guarded views
// conditionals; identical loads, constants and operations share one value of the body.
#pragma once

#include "codegen/lower.hpp"
#include "codegen/placement.hpp"
#include "codegen/schedule.hpp"

#include <vector>

namespace symdiff::codegen {

// The SSA values of a kernel body: identical loads, constants and operations are made
// once, and ops defined by a formula (sigmoid, softplus, ...) may be spelled out by their
// entry's formula, noting whether two formulas met on a costly value.
class BodyBuilder {
  public:
    int push(Kernel& k, const Value& v);
    int constant(Kernel& k, double c);
    int apply(Kernel& k, Op op, std::span<const int> args);
    // `op` of `args`, spelled out by its entry's formula on behalf of `owner`.
    int spell_formula(Kernel& k, Op op, std::span<const int> args, int owner);
    // What Spelled values call (kernel_builder.cpp).
    int spelled(Kernel& k, Op op, std::initializer_list<int> args);

  protected:
    void start_trial() {
        shared_ = false;
        made_by_.clear();
    }
    bool shared() const { return shared_; }

  private:
    int owner_ = -1;           // whose formula is being spelled
    bool shared_ = false;      // two formulas met on a costly value
    std::vector<int> made_by_; // per body value: the owner whose formula made it, or -1
};

class KernelBuilder : public BodyBuilder {
  public:
    KernelBuilder(const Graph& g, const Schedule& s, const Placement& p) : g_(g), s_(s), p_(p) {}

    // The kernel computing instance i into its buffer; for a loop, the last step of its
    // body: the body's value for this direction, into the loop's result (compressed
    // loops: the band of every direction of this colour).
    Kernel compute(int i);
    // Fills instance i's buffer with a constant, or copies instance i into buffer `out`.
    Kernel fill(int i, double value);
    Kernel copy(int i, int out);
    // A fold's kernels: its init into its carry (before the loop), its body's value into
    // its carry (the last kernel of a step), a scan's row t from the carry.
    enum class FoldKernel : std::uint8_t { init, update, row };
    Kernel fold_kernel(int loop, FoldKernel what);

  private:
    struct Memo {
        int instance;
        AffineMap map;
        int value;
    };

    int load(Kernel& k, int buffer, const AffineMap& map, const Shape& shape);
    int load(Kernel& k, const Access& at); // identical loads share one value
    int seed(Kernel& k, int i, const AffineMap& map, const Shape& shape);
    int element(Kernel& k, int i, const AffineMap& map);
    int value(Kernel& k, int i, const AffineMap& map);
    int expand(Kernel& k, int i, const AffineMap& map);
    Kernel build(int i);
    Kernel store(int loop);
    Kernel recovery(int loop);

    const Graph& g_;
    const Schedule& s_;
    const Placement& p_;
    std::vector<Memo> memo_;      // per kernel: fused values already built
    bool spell_formulas_ = false; // see compute()
};

// A formula op's definition as a kernel of one scalar: buffers 0..arity-1 are its
// operands, buffer `arity` its value (the emitter prints it as a helper function).
Kernel formula_kernel(Op op);

// Inside a Jacobian loop, sum_j P(j) * e_k[j] = P(k): a reduced axis that a one-hot seed
// factor pins to the loop counter disappears (A @ e_k reads column k of A instead of a
// dot product per element).
void pin_one_hot_axes(Kernel& k);
// Axes of extent 1 have index 0: drops them from every access and guard; guards that
// hold on the whole domain go too.
void normalize(Kernel& k);

} // namespace symdiff::codegen
