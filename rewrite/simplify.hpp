// The algebraic simplifier: rewrite rules (data, indexed by root op) applied bottom-up
// over what the roots reach, to a fixpoint or a cap. New nodes are appended to the
// graph (which is append-only); the returned roots replace the old ones.
#pragma once

#include "core/graph.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace symdiff::rewrite {

struct Options {
    // Strict mode keeps only the rules that are exact in IEEE arithmetic (see
    // docs/float-policy.md); the default also applies real-number algebra.
    bool strict = false;
    int max_passes = 16; // fixpoint cap
};

struct Stats {
    std::size_t nodes_before = 0; // reachable from the roots
    std::size_t nodes_after = 0;
    std::size_t rewrites = 0;
    int passes = 0;
};

std::vector<NodeId> simplify(Graph& g, std::span<const NodeId> roots, const Options& options = {},
                             Stats* stats = nullptr);

} // namespace symdiff::rewrite
