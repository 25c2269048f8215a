// Lowering: the part of a graph a Function needs, as a linear program of loop kernels,
// in named passes, each taking and returning an explicit value:
//
//   schedule   (schedule.hpp)  graph -> Schedule: each node computed in which scope (the
//                              top level or a Jacobian loop's body), in which order
//   fuse_loops (schedule.hpp)  Schedule -> Schedule: sibling loops over one seed share one
//   place      (placement.hpp) Schedule -> Placement: buffer or fused, and which buffer
//   kernels    (kernel_builder.hpp) -> Program: one kernel per buffer, loops as steps
//   drop_unread (here)         Program -> Program: kernels whose buffer nothing reads go
//   allocate_work (allocate.hpp) Program -> Program: work-array offsets by lifetime
//
// Each kernel materialises one value into a buffer (an input, an output, a slice of the
// work array, or a local scalar). Its body is a small SSA expression evaluated once per
// loop iteration; element-wise producers read once per element are fused into their
// consumer's body, and views (broadcast, transpose, slice, reshape of a buffer) become
// index arithmetic, never copies. Code size is therefore proportional to the graph, not
// to tensor sizes. Invariant: steps appear in a valid execution order, every buffer a
// body loads is written by an earlier step (or is an input), and no buffer is
// overwritten while a later step still reads it, across loop boundaries too.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"
#include "core/index_plan.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace symdiff::codegen {

struct Buffer {
    enum class Kind : std::uint8_t {
        input,  // parameter `index` of the function
        output, // result `index` of the function
        work,   // doubles [offset, offset + size) of the work array
        local,  // a scalar local variable
    };
    Kind kind = Kind::work;
    int index = 0;
    std::int64_t offset = 0;
    std::int64_t size = 1;
    NodeId node = no_node; // the node whose value it holds
};

// Jacobian loops nest at most this deep inside one function (their counters are k0_, k1_,
// ...): a third derivative of a vector function nests three.
inline constexpr int max_loop_depth = 4;

// Index arithmetic of emitted code. 32 bits: lower() refuses tensors of 2^31 or more
// elements, so every offset fits, and a program holds one value per graph node it
// computes, so its size matters.
using Index = std::int32_t;

// Flat element index into a buffer: base + sum_j step[j] * loop[j] + sum_d counter[d] * k_d,
// where loop[j] are the kernel's loop indices and k_d the counters of enclosing
// Jacobian loops.
struct Access {
    int buffer = -1;
    Index base = 0;
    std::array<Index, Shape::max_rank> step{};
    std::array<Index, max_loop_depth> counter{};
    friend bool operator==(const Access&, const Access&) = default;
};

// One scalar instruction of a kernel body; `args` index earlier values of the body.
struct Value {
    enum class Kind : std::uint8_t {
        load,     // buffer element `at`
        constant, // `constant`
        apply,    // element-wise `op` of earlier values `args`
        seed,     // 1 where the flat index `at` (no buffer) equals the counter of loop `depth`
        guard,    // value `args[0]` where the linear form `at` (no buffer) is >= 0, else 0;
                  // args[0] is evaluated only there (a padded view's operand may be out of
                  // range elsewhere)
    };
    Access at;
    double constant = 0.0;
    std::array<int, 3> args{};
    Index directions = 0;     // seed: how many directions that loop runs
    Index colours = 0;        // seed: compressed, 1 where index mod colours == counter
    Kind kind = Kind::constant;
    Op op{};
    std::int8_t depth = 0;    // seed: which loop's counter
};

// sum_j coef[j] * loop[j] + sum_d counter[d] * k_d + constant >= 0
struct KernelGuard {
    std::array<Index, Shape::max_rank> coef{};
    std::array<Index, max_loop_depth> counter{};
    Index constant = 0;
};

struct Kernel {
    NodeId node = no_node; // the node this kernel computes
    Shape domain;          // loop extents, outermost first
    std::uint8_t reduced = 0; // bit j: loop axis j is combined (summed or logsumexp'd)
    Combine combine = Combine::assign;
    std::vector<KernelGuard> guards; // where any fails: the value is 0 (or, if `skip`, nothing is stored)
    bool skip = false;
    std::vector<Value> body;
    int result = -1;       // the body value stored
    Access out;            // where it is stored
    // Logsumexp kernels only: where the kernel also stores softmax, exp(v - result), at
    // every domain element (buffer -1: nowhere). The sum pass computes exp(v - max)
    // anyway, so the softmax a logsumexp's derivative needs costs a division, not
    // another exp.
    Access side;
};

// A step of a program: a kernel, or a loop (`loop` indexes Program::loops): a Jacobian
// loop, or a fold's.
struct Step {
    Kernel kernel;
    int loop = -1;
};

// for (k_depth = 0; k_depth < count; ++k_depth) { steps }
struct Loop {
    NodeId node = no_node; // the SeedLoop or the Fold
    std::int64_t count = 0;
    int depth = 0;
    bool fold = false; // a loop of the model (fold, scan): one step per iteration
    std::vector<Step> steps;
};

struct Program {
    std::vector<Buffer> buffers;
    std::vector<Step> steps;
    std::vector<Loop> loops;
    std::int64_t work_size = 0;   // doubles
    std::vector<bool> param_used; // per parameter: does any kernel read it?

    // Calls f(kernel) for every kernel, loops included, in execution order.
    template <class F> void for_each_kernel(F&& f) const { visit_steps(steps, f); }

  private:
    template <class F> void visit_steps(const std::vector<Step>& s, F& f) const {
        for (const Step& step : s) {
            if (step.loop >= 0)
                visit_steps(loops[static_cast<std::size_t>(step.loop)].steps, f);
            else
                f(step.kernel);
        }
    }
};

// Throws Error when a result depends on an input that is not a parameter.
Program lower(const Graph& g, const Function& fn);

} // namespace symdiff::codegen
