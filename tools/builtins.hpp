// The functions of the model language, as data: each entry names the function, says
// what kind each argument is (an expression, an integer literal such as an axis, or the
// name of an input to differentiate by) and how to build the call on the graph. The
// parser reads this table and nothing else about functions; element-wise functions
// take their op and arity from the op table (core/ops.hpp).
#pragma once

#include "core/expr.hpp"
#include "tools/model.hpp"

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
    std::vector<NodeId> wrt;            // inputs differentiated by anywhere inside (sorted)
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

struct Builtin;
using BuildFn = Value (*)(Graph& g, const Builtin& fn, std::span<const CallArg> args);

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
// A derivative call (each order of a diff counted on its own) may add at most this many
// nodes to the graph. Derivatives of derivatives grow geometrically (each order of
// diff(exp(sin(x) x) / (1 + x^2), x, k) doubles the graph: order 16 made two million nodes
// that took a minute and 2.5 GB to simplify), and so do nested grads; the cap refuses
// such models in about a second and bounds the graphs the simplifier meets.
inline constexpr std::size_t max_derivative_nodes = std::size_t{1} << 18;

} // namespace symdiff
