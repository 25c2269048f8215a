// Matching a rule's left side at a node, and building its right side. Both walk the
// pattern (a few nodes), never the graph beyond the pattern's depth. Commutative ops
// match their operands in either order, with full backtracking; equal wildcards must
// bind equal ids (hash-consing makes that structural equality).
#pragma once

#include "rewrite/pattern.hpp"
#include "rewrite/rule.hpp"

#include <functional>
#include <optional>
#include <span>

namespace symdiff::rewrite {

// How the right side makes its op nodes: Graph::make, or make-and-simplify (the driver).
using Build = std::function<NodeId(Op, std::span<const NodeId>, const Payload&, const Shape&)>;

// Matches `lhs` and `guard` at node `id` of m.graph(); on success `m` holds the bindings.
bool match(const Pat& lhs, const Condition& guard, NodeId id, Match& m);
bool match(const Rule& rule, NodeId id, Match& m);

// The value of a fold expression on the bindings of `m`.
double evaluate_fold(const Pat& expr, const Match& m);

// Builds `rhs` for match `m` (made in g, which is m.graph()), with the shape of the
// matched node at the root. Throws Error if the result's shape differs from it.
NodeId instantiate(Graph& g, const Pat& rhs, const Match& m, const Build& build);

// One rule on its own: match at `id` and build the right side with Graph::make only.
std::optional<NodeId> apply_rule(Graph& g, const Rule& rule, NodeId id);

} // namespace symdiff::rewrite
