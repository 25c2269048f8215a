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

class KernelBuilder {
  public:
    KernelBuilder(const Graph& g, const Schedule& s, const Placement& p) : g_(g), s_(s), p_(p) {}

    // The kernel computing instance i into its buffer; for a loop, the last step of its
    // body: the body's value for this direction, into the loop's result (compressed
    // loops: the band of every direction of this colour).
    Kernel compute(int i);
    // Fills instance i's buffer with a constant, or copies instance i into buffer `out`.
    Kernel fill(int i, double value);
    Kernel copy(int i, int out);

  private:
    struct Memo {
        int instance;
        AffineMap map;
        int value;
    };
    struct Built;

    int push(Kernel& k, const Value& v);
    int load(Kernel& k, int buffer, const AffineMap& map, const Shape& shape);
    int constant(Kernel& k, double c);
    int apply(Kernel& k, Op op, std::initializer_list<int> args);
    int seed(Kernel& k, int i, const AffineMap& map, const Shape& shape);
    int value(Kernel& k, int i, const AffineMap& map);
    int expand(Kernel& k, int i, const AffineMap& map);
    int logistic(Kernel& k, Op op, int x);
    Kernel build(int i);
    Kernel store(int loop);
    Kernel recovery(int loop);

    const Graph& g_;
    const Schedule& s_;
    const Placement& p_;
    std::vector<Memo> memo_;          // per kernel: fused values already built
    bool spell_out_logistic_ = false; // see logistic()
};

// Inside a Jacobian loop, sum_j P(j) * e_k[j] = P(k): a reduced axis that a one-hot seed
// factor pins to the loop counter disappears (A @ e_k reads column k of A instead of a
// dot product per element).
void pin_one_hot_axes(Kernel& k);
// Axes of extent 1 have index 0: drops them from every access and guard; guards that
// hold on the whole domain go too.
void normalize(Kernel& k);

} // namespace symdiff::codegen
