// Helpers shared by the simplifier's tests (see support.hpp).
#include "support.hpp"

#include "core/traverse.hpp"

#include <algorithm>
#include <cmath>

namespace symdiff::rewrite::testing {

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool close(double a, double b, double tol) {
    if (same_value(a, b))
        return true;
    if (!std::isfinite(a) || !std::isfinite(b))
        return false;
    return std::fabs(a - b) <= tol * (1.0 + std::max(std::fabs(a), std::fabs(b)));
}

std::size_t op_nodes(const Graph &g, std::span<const NodeId> roots) {
    std::size_t n = 0;
    for (NodeId id : reachable(g, roots))
        n += g[id].arity > 0 ? 1 : 0;
    return n;
}

std::size_t op_nodes(const Graph &g, NodeId root) {
    return op_nodes(g, std::span<const NodeId>(&root, 1));
}

std::optional<Interval> operand_domain(Op op, int k) {
    return visit(op, [k](auto entry) -> std::optional<Interval> {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::elementwise)
            return E::test_domain[static_cast<std::size_t>(k)];
        else
            return std::nullopt;
    });
}

std::vector<std::vector<double>> values(const Graph &g, std::span<const NodeId> roots,
                                        const Bindings &b) {
    std::vector<std::vector<double>> out;
    for (const Tensor &t : evaluate(g, roots, b))
        out.emplace_back(t.data().begin(), t.data().end());
    return out;
}

Bindings random_inputs(const Graph &g, std::mt19937_64 &rng, double lo, double hi) {
    std::uniform_real_distribution<double> dist(lo, hi);
    Bindings b(g);
    for (std::size_t k = 0; k < g.inputs().size(); ++k) {
        const Shape &s = g.inputs()[k].shape;
        std::vector<double> v(static_cast<std::size_t>(s.size()));
        for (double &e : v)
            e = dist(rng);
        b.set(static_cast<int>(k), Tensor(s, std::move(v)));
    }
    return b;
}

} // namespace symdiff::rewrite::testing
