// Helpers shared by the simplifier's tests: value comparison under the float policy,
// op-node counts, operand test domains read from the op table, and evaluation of a few
// roots on bound inputs.
#pragma once

#include "core/eval.hpp"
#include "core/graph.hpp"
#include "core/ops.hpp"

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace symdiff::rewrite::testing {

// Equal as the float policy's `exact` means it: == (so +0 == -0), or both NaN.
bool same_value(double a, double b);
// Equal to a mixed tolerance: |a - b| <= tol (1 + max(|a|, |b|)), or both NaN, or equal.
bool close(double a, double b, double tol);

// Op nodes (non-leaves) reachable from the roots: what a rewrite should not increase.
std::size_t op_nodes(const Graph& g, std::span<const NodeId> roots);
std::size_t op_nodes(const Graph& g, NodeId root);

// The test domain of operand k of an element-wise op, from the op table.
std::optional<Interval> operand_domain(Op op, int k);

// Values of the roots, flattened into one vector per root.
std::vector<std::vector<double>> values(const Graph& g, std::span<const NodeId> roots,
                                        const Bindings& b);

// A one-line picture of the expression at `id` ("add(x, neg(y))"), for failure
// messages; subtrees below `depth` levels print as "...".
std::string show(const Graph& g, NodeId id, int depth = 8);

// Random values for every input of g, uniform in [lo, hi].
Bindings random_inputs(const Graph& g, std::mt19937_64& rng, double lo, double hi);

} // namespace symdiff::rewrite::testing
