// Reachability and use counts by one downward sweep over ids.
#include "core/traverse.hpp"

#include <algorithm>

namespace symdiff {
namespace {

std::vector<std::uint8_t> mark(const Graph& g, std::span<const NodeId> roots) {
    if (roots.empty())
        return {};
    std::vector<std::uint8_t> seen(*std::max_element(roots.begin(), roots.end()) + 1, 0);
    for (NodeId r : roots)
        seen[r] = 1;
    for (NodeId id = static_cast<NodeId>(seen.size()); id-- > 0;)
        if (seen[id])
            for (NodeId a : g[id].operands())
                seen[a] = 1;
    return seen;
}

} // namespace

std::vector<NodeId> reachable(const Graph& g, std::span<const NodeId> roots) {
    const auto seen = mark(g, roots);
    std::vector<NodeId> out;
    for (NodeId id = 0; id < seen.size(); ++id)
        if (seen[id])
            out.push_back(id);
    return out;
}

std::vector<std::uint32_t> use_counts(const Graph& g, std::span<const NodeId> roots) {
    const auto seen = mark(g, roots);
    std::vector<std::uint32_t> uses(seen.size(), 0);
    for (NodeId r : roots)
        ++uses[r];
    for (NodeId id = 0; id < seen.size(); ++id)
        if (seen[id])
            for (NodeId a : g[id].operands())
                ++uses[a];
    return uses;
}

} // namespace symdiff
