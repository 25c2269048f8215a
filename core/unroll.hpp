// The loops of the model written out step by step, for the symbol-to-number mode: a tape
// records every step of a loop, as a tape does (the symbolic modes keep loops as loops).
#pragma once

#include "core/graph.hpp"

#include <memory>
#include <span>
#include <vector>

namespace symdiff {

// True if `roots` reach a loop of the model (ops::Fold).
bool reaches_fold(const Graph& g, std::span<const NodeId> roots);

// A new graph with every input of g (same indices) and what `roots` reach, each fold
// replaced by its steps: the body made again per step, its carry the step before's
// value, its elements rows of their sequences; a scan stacks its rows. map[old id] is
// the new id of each node outside every loop's body (no_node for a body's nodes). Throws
// Error for a Jacobian loop (the tape records their rows or columns instead).
std::unique_ptr<Graph> unroll_folds(const Graph& g, std::span<const NodeId> roots, std::vector<NodeId>& map);

} // namespace symdiff
