// Reachability and use counts by one downward sweep over ids; seeds by one upward sweep.
#include "core/traverse.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

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

std::vector<LoopSet> free_seeds(const Graph& g, std::span<const NodeId> nodes) {
    std::vector<LoopSet> seeds(nodes.empty() ? 0 : nodes.back() + 1);
    std::unordered_map<int, std::size_t> bit_of; // loop id (the seed's or carry's) -> bit
    auto bit = [&](int loop) {
        const auto [it, fresh] = bit_of.try_emplace(loop, bit_of.size());
        if (fresh && it->second >= max_loops)
            throw Error("more than " + std::to_string(max_loops) +
                        " loops (jacobian loops, folds and scans) in one evaluation");
        return LoopSet().set(it->second);
    };
    for (NodeId id : nodes) {
        const Node& n = g[id];
        if (n.op == Op::Seed || n.op == Op::Carry || n.op == Op::Elem)
            seeds[id] = bit(n.seed_id());
        for (NodeId a : n.operands())
            seeds[id] |= seeds[a];
        if (n.op == Op::SeedLoop || n.op == Op::Fold) // the loop binds its own placeholders
            seeds[id] &= ~seeds[n.args[1]];
    }
    return seeds;
}

bool depends_on(const Graph& g, NodeId root, NodeId leaf) {
    if (root < leaf)
        return false;
    std::vector<std::uint8_t> reads(root - leaf + 1, 0); // by id - leaf
    reads[0] = 1;
    for (NodeId id = leaf + 1; id <= root; ++id)
        for (NodeId a : g[id].operands())
            if (a >= leaf && reads[a - leaf]) {
                reads[id - leaf] = 1;
                break;
            }
    return reads[root - leaf] != 0;
}

} // namespace symdiff
