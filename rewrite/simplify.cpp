// TEMPORARY scaffolding: returns the roots unchanged until the rule engine lands.
#include "rewrite/simplify.hpp"

#include "core/traverse.hpp"

namespace symdiff::rewrite {

std::vector<NodeId> simplify(Graph& g, std::span<const NodeId> roots, const Options&, Stats* stats) {
    if (stats) {
        stats->nodes_before = stats->nodes_after = reachable(g, roots).size();
        stats->passes = 0;
        stats->rewrites = 0;
    }
    return {roots.begin(), roots.end()};
}

} // namespace symdiff::rewrite
