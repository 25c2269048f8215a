// The algebraic simplifier: rewrite rules (data, indexed by root op; rewrite/rule.hpp)
// applied bottom-up over what the roots reach, to a fixpoint or a cap (max_passes; and
// on graphs of 2^14 nodes or more, a pass is the last when it removed under 1/128 of them
// or leaves fewer than that many changes to a next one, since every pass rebuilds all
// nodes above its changes). New nodes are
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
