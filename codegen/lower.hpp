// Lowering: the part of a graph a Function needs, as a linear program of loop kernels.
//
// Each kernel materialises one node into a buffer (an input, an output, a slice of the
// work array, or a local scalar). Its body is a small SSA expression evaluated once per
// loop iteration; element-wise producers read once per element are fused into their
// consumer's body, and views (broadcast, transpose, slice, reshape of a buffer) become
// index arithmetic, never copies. Code size is therefore proportional to the graph, not
// to tensor sizes. Invariant: kernels appear in a valid execution order and every
// buffer a body loads is written by an earlier kernel (or is an input).
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

// Flat element index into a buffer: base + sum_j step[j] * loop[j].
struct Access {
    int buffer = -1;
    std::int64_t base = 0;
    std::array<std::int64_t, Shape::max_rank> step{};
    friend bool operator==(const Access&, const Access&) = default;
};

// One scalar instruction of a kernel body; `args` index earlier values of the body.
struct Value {
    enum class Kind : std::uint8_t { load, constant, apply };
    Kind kind = Kind::constant;
    Op op{};                  // apply: an element-wise op of the table
    std::array<int, 3> args{}; // apply
    Access at;                // load
    double constant = 0.0;    // constant
};

struct Kernel {
    NodeId node = no_node; // the node this kernel computes
    Shape domain;          // loop extents, outermost first
    std::uint8_t reduced = 0; // bit j: loop axis j is combined (summed or logsumexp'd)
    Combine combine = Combine::assign;
    std::vector<Guard> guards; // the value is 0 where any guard fails
    std::vector<Value> body;
    int result = -1;       // the body value stored
    Access out;            // where it is stored
};

struct Program {
    std::vector<Buffer> buffers;
    std::vector<Kernel> kernels;
    std::int64_t work_size = 0;  // doubles
    std::vector<bool> param_used; // per parameter: does any kernel read it?
};

// Throws Error when a result depends on an input that is not a parameter.
Program lower(const Graph& g, const Function& fn);

} // namespace symdiff::codegen
