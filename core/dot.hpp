// Graphviz (DOT) pictures of a graph, drawn like the lecture diagrams of backpropagation:
// operands flow left to right into the ops that read them, each edge can carry the value
// of its source (green, on the wire) and each node the gradient of one scalar with
// respect to it (red, under its name). Nodes made by differentiation can be set apart.
// Written through Boost.Graph's write_graphviz over core/graph_adapter.hpp.
#pragma once

#include "core/eval.hpp"
#include "core/function.hpp"
#include "core/graph.hpp"
#include "core/tensor.hpp"

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff {

// The colours of the numbers in labels: <FONT COLOR="...">.
inline constexpr std::string_view dot_value_colour = "#2e7d32";    // green
inline constexpr std::string_view dot_gradient_colour = "#c62828"; // red

struct DotOptions {
    std::string title; // a line above the picture (escaped here); empty: none
    // Named results, each drawn as a sink that its node's wire ends at (their nodes are
    // drawn whether or not `roots` reach them).
    std::vector<Function::Result> results;
    // The original function(s). What the roots reach beyond what these reach was made by
    // differentiation: drawn filled, inside a dashed "backward pass" cluster. Empty: no
    // node is marked.
    std::vector<NodeId> primal;
    // When not empty, the derivatives drawn: then only what these reach beyond what
    // `primal` reaches counts as made by differentiation, so what a result computes from a
    // derivative (the 2 * g of 2 * grad(f, x)) is drawn as an ordinary node.
    std::vector<NodeId> derivatives;
    // By NodeId; a missing entry (or a shorter vector) shows nothing. A value is written on
    // every edge leaving its node (and inside a node that no drawn edge leaves); a
    // gradient under the node's name.
    std::vector<std::optional<Tensor>> values, gradients;
    // The scalar the gradients are of: drawn with a double border, and named in the
    // legend ("red: d NAME / d node") by the first result it is.
    NodeId gradient_of = no_node;
    int max_listed = 9; // tensors with more elements are summarised by their shape
};

// Writes one `digraph` to `out`: the nodes `roots` (and options.results) reach, in id
// order, each edge operand -> consumer, rankdir=LR. Every text is escaped, so any input
// or result name is safe.
void write_dot(std::ostream& out, const Graph& g, std::span<const NodeId> roots,
               const DotOptions& options = {});

// The numbers of a picture (DotOptions::values and ::gradients).
struct DotNumbers {
    std::vector<std::optional<Tensor>> values, gradients; // by NodeId
};

// The value of every node `roots` reach, and the gradient of the scalar node `of` with
// respect to every node `of` depends on (d of / d node: the adjoint of the node in one
// reverse sweep seeded with 1, evaluated). Nodes inside the body of a jacobian loop have
// a value per direction only and get none. The gradients are built symbolically by vjp,
// so this appends nodes to g. Throws Error when `of` is not a scalar or an input lacks a
// value.
DotNumbers dot_numbers(Graph& g, std::span<const NodeId> roots, NodeId of, const Bindings& inputs);

// A number as pictures show it: exact when that takes at most 8 characters ("-12",
// "0.125"), else 4 significant digits ("0.7311"; 123456.75 as "1.235e+05"); zero as "0"
// whatever its sign.
std::string dot_number(double v);
// A tensor as pictures show it: a scalar as a number, up to `max_listed` elements as a
// nested list ("[[0.1, 0.5], [-0.3, 0.8]]"), else its shape ("(4x5 values)").
std::string dot_value(const Tensor& t, int max_listed = 9);

} // namespace symdiff
