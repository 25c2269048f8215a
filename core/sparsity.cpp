// Interval-hull dependency analysis of a loop body on its seed, one sweep over ids.
#include "core/sparsity.hpp"

#include "core/ops.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace symdiff {
namespace {

// Seed indices an element may depend on, as their interval hull; empty when lo > hi.
struct Hull {
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = std::numeric_limits<std::int64_t>::min();
    void add(const Hull& o) {
        lo = std::min(lo, o.lo);
        hi = std::max(hi, o.hi);
    }
};

using Hulls = std::vector<Hull>; // one per element, row-major

constexpr std::int64_t work_limit = 20'000'000; // element visits before giving up

} // namespace

std::optional<int> jacobian_band(const Graph& g, NodeId body, NodeId seed) {
    if (g[body].shape.rank() != 1 || g[seed].shape.rank() != 1 || body < seed)
        return std::nullopt;
    const std::size_t n = body - seed + 1;
    std::vector<Hulls> hulls(n); // empty vector: does not depend on the seed
    std::int64_t work = 0;
    auto of = [&](NodeId id) -> const Hulls* {
        return id >= seed && !hulls[id - seed].empty() ? &hulls[id - seed] : nullptr;
    };
    Hulls& s = hulls[0];
    s.resize(static_cast<std::size_t>(g[seed].shape.size()));
    for (std::size_t j = 0; j < s.size(); ++j)
        s[j] = {static_cast<std::int64_t>(j), static_cast<std::int64_t>(j)};

    for (NodeId id = seed + 1; id <= body; ++id) {
        const Node& node = g[id];
        std::array<const Hulls*, 3> in{};
        bool depends = false;
        for (std::size_t k = 0; k < node.arity; ++k)
            depends = (in[k] = of(node.args[k])) != nullptr || depends;
        if (!depends)
            continue;
        const OpKind kind = info(node.op).kind;
        if (runs_body(kind) || kind == OpKind::element)
            return std::nullopt; // a loop inside the body: too complex to bound
        Hulls out(static_cast<std::size_t>(node.shape.size()));
        if (kind == OpKind::elementwise || kind == OpKind::flat) { // same element index
            for (const Hulls* h : in)
                if (h)
                    for (std::size_t i = 0; i < out.size(); ++i)
                        out[i].add((*h)[i]);
            work += static_cast<std::int64_t>(out.size());
        } else { // views and reductions: follow the index plan
            const IndexPlan p = index_plan(g, node);
            const auto shapes = g.operand_shapes(node);
            work += p.domain.size();
            if (work > work_limit)
                return std::nullopt;
            const std::array<LinearMap, 3> lin = {
                linearize(p.out, node.shape), linearize(p.in[0], shapes[0]),
                p.operands > 1 ? linearize(p.in[1], shapes[1]) : LinearMap{}};
            for_each_index(p.domain, lin, [&](const std::array<std::int64_t, 3>& off, const LoopIndex& idx) {
                if (!guards_hold(p, idx))
                    return;
                Hull& o = out[static_cast<std::size_t>(off[0])];
                for (int t = 0; t < p.operands; ++t)
                    if (in[static_cast<std::size_t>(t)])
                        o.add((*in[static_cast<std::size_t>(t)])[static_cast<std::size_t>(off[static_cast<std::size_t>(t) + 1])]);
            });
        }
        if (work > work_limit)
            return std::nullopt;
        hulls[id - seed] = std::move(out);
    }
    const Hulls* result = of(body);
    if (!result)
        return 0; // the body does not depend on the seed: a zero Jacobian is banded
    std::int64_t band = 0;
    for (std::size_t i = 0; i < result->size(); ++i) {
        const Hull& h = (*result)[i];
        if (h.lo > h.hi)
            continue;
        const auto row = static_cast<std::int64_t>(i);
        band = std::max({band, row - h.lo, h.hi - row});
    }
    return static_cast<int>(band);
}

} // namespace symdiff
