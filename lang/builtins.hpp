// The functions of the model language, as data: each entry names the function, says
// what kind each argument is (an expression, an integer literal such as an axis, or the
// name of an input to differentiate by) and how to build the call on the graph. The
// parser reads this table and nothing else about functions; element-wise functions
// take their op and arity from the op table (core/ops.hpp).
#pragma once

#include "core/expr.hpp"
#include "lang/model.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace symdiff {

// An expression as the parser sees it.
struct Value {
    Expr expr;                          // always a node of the model's graph
    std::optional<DerivativeSpec> spec; // set when the expression is a derivative call
    std::vector<DerivativeCall> calls;  // the derivative calls inside (see Model)
};

enum class ArgKind : std::uint8_t {
    expr,      // any expression
    condition, // an expression that may be a comparison (the first argument of where)
    axis,      // an integer literal; negative counts from the end
    dim,       // a positive integer literal
    order,     // a non-negative integer literal (the k of diff)
    variable,  // the name of an input (what a derivative is taken by)
};

struct CallArg {
    Value value;              // for expr, condition and variable arguments
    std::int64_t integer = 0; // for axis, dim and order arguments
};

// What bounds a builder's work, from the parser's view of the whole model.
struct BuildLimits {
    std::size_t derivative_nodes; // a derivative call may add at most this many nodes
};

struct Builtin;
using BuildFn = Value (*)(Graph& g, const Builtin& fn, std::span<const CallArg> args,
                          const BuildLimits& limits);

struct Builtin {
    std::string_view name;
    std::vector<ArgKind> leading; // kinds of the first arguments
    ArgKind rest;                 // kind of any further argument
    int min_args;
    int max_args; // negative: no limit
    BuildFn build;
};

const Builtin* find_builtin(std::string_view name);
std::span<const Builtin> builtins();
ArgKind arg_kind(const Builtin& fn, std::size_t position);

// A diff of higher order is refused: each order differentiates the previous derivative
// graph, which (unsimplified) can grow geometrically.
inline constexpr int max_diff_order = 16;
// A derivative call (each order of a diff counted on its own) may add at most
// derivative_node_cap(n) nodes to the graph, where n counts the model's own nodes: those
// built outside derivative calls, which its text spells out. Derivatives of derivatives
// grow geometrically (each order of diff(exp(sin(x) x) / (1 + x^2), x, k) doubles the
// graph: order 16 made two million nodes that took a minute and 2.5 GB to simplify), and
// so do nested grads; the cap refuses such models in about a second and bounds the graphs
// the simplifier meets. A derivative of the model's own expressions is not refused,
// however large the model: each op's rule makes a bounded number of nodes per node it
// differentiates (reverse mode costs a constant factor of the function), so one order adds
// a bounded multiple of n. Measured on chains of every op (300 layers each), the examples
// and the fuzz corpus: grad, jvp and jacobian add at most 7 n, a hessian (two orders in
// one call) at most 21 n; derivatives of derivatives outgrow the cap within a few orders.
// The floor lets small models take them up to 2^18 nodes (a diff of order 8 of a line).
inline constexpr std::size_t min_derivative_nodes = std::size_t{1} << 18;
inline constexpr std::size_t derivative_nodes_per_node = 64;
constexpr std::size_t derivative_node_cap(std::size_t own_nodes) {
    return std::max(min_derivative_nodes, derivative_nodes_per_node * own_nodes);
}

} // namespace symdiff
