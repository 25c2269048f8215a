// The algebraic simplifier: rewrite rules (data, indexed by root op; rewrite/rule.hpp)
// applied bottom-up over what the roots reach, to a fixpoint or a cap (max_passes; and
// on graphs of 1024 nodes or more, the first pass that removes under 1/1024 of them is
// the last, since every later pass rebuilds all nodes above its changes). New nodes are
// appended to the graph (which is append-only); the returned roots replace the old ones,
// and only what they reach matters (callers walk from them, so dead nodes cost nothing).
// Deterministic: the same graph and roots give the same ids.
#pragma once

#include "core/graph.hpp"

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace symdiff::rewrite {

struct Options {
    // Strict mode keeps only the rules that are exact in IEEE arithmetic (see
    // docs/float-policy.md); the default also applies numerically stable forms and
    // real-number algebra.
    bool strict = false;
    int max_passes = 16; // fixpoint cap
};

struct Stats {
    std::size_t nodes_before = 0; // reachable from the roots
    std::size_t nodes_after = 0;
    std::size_t rewrites = 0;                   // rule applications
    int passes = 0;                             // sweeps made (the last one changed nothing
                                                // unless a cap stopped them)
    std::map<std::string, std::size_t> applied; // rule name -> applications
};

std::vector<NodeId> simplify(Graph& g, std::span<const NodeId> roots, const Options& options = {},
                             Stats* stats = nullptr);

} // namespace symdiff::rewrite
