// Graph walks shared by every pass. Ids are a topological order, so each walk is one
// loop over ids (no recursion): a 10^6-deep chain is as easy as a flat graph.
#pragma once

#include "core/graph.hpp"

#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

namespace symdiff {

// The nodes `roots` depend on (roots included), in increasing id order.
std::vector<NodeId> reachable(const Graph& g, std::span<const NodeId> roots);

// For each node reachable from `roots`: how many times reachable nodes read it as an
// operand (x * x reads x twice), plus one per appearance in `roots`. Indexed by id;
// unreachable nodes count 0. Size: max root + 1.
std::vector<std::uint32_t> use_counts(const Graph& g, std::span<const NodeId> roots);

// For each of `nodes` (increasing ids, closed under operands, as reachable() lists them):
// one bit per loop whose placeholder the node depends on and which no loop between them
// binds, so the node has a value per iteration of those loops (it is in their bodies); 0
// outside every loop body. A Jacobian loop's placeholder is its seed; a fold's are its
// carry and its elements (one bit for all, by the loop's id). Bits go to loops in the
// order their placeholders appear. Indexed by id, of size nodes.back() + 1. Throws Error
// for more than max_loops loops.
constexpr std::size_t max_loops = 128;
using LoopSet = std::bitset<max_loops>;
std::vector<LoopSet> free_seeds(const Graph& g, std::span<const NodeId> nodes);

// True if node `root` reads node `leaf`, directly or through other nodes (or is it).
bool depends_on(const Graph& g, NodeId root, NodeId leaf);

} // namespace symdiff
