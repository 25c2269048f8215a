// Helpers shared by the simplifier's tests (see support.hpp): value comparison,
// op-node counts, op-table domains, evaluation and a small expression printer.
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

std::size_t op_nodes(const Graph& g, std::span<const NodeId> roots) {
    std::size_t n = 0;
    for (NodeId id : reachable(g, roots))
        n += g[id].arity > 0 ? 1 : 0;
    return n;
}

std::size_t op_nodes(const Graph& g, NodeId root) {
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

std::vector<std::vector<double>> values(const Graph& g, std::span<const NodeId> roots,
                                        const Bindings& b) {
    std::vector<std::vector<double>> out;
    for (const Tensor& t : evaluate(g, roots, b))
        out.emplace_back(t.data().begin(), t.data().end());
    return out;
}

std::string show(const Graph& g, NodeId id, int depth) {
    const Node& n = g[id];
    if (n.op == Op::Input)
        return g.inputs()[static_cast<std::size_t>(n.input_index())].name;
    if (n.is_const()) {
        std::string s = std::to_string(n.value());
        return n.shape.is_scalar() ? s : s + n.shape.str();
    }
    if (depth == 0)
        return "...";
    std::string s = std::string(name(n.op)) + "(";
    for (std::size_t k = 0; k < n.arity; ++k)
        s += (k ? ", " : "") + show(g, n.args[k], depth - 1);
    return s + ")" + (n.shape.is_scalar() ? "" : n.shape.str());
}

Bindings random_inputs(const Graph& g, std::mt19937_64& rng, double lo, double hi) {
    std::uniform_real_distribution<double> dist(lo, hi);
    Bindings b(g);
    for (std::size_t k = 0; k < g.inputs().size(); ++k) {
        const Shape& s = g.inputs()[k].shape;
        std::vector<double> v(static_cast<std::size_t>(s.size()));
        for (double& e : v)
            e = dist(rng);
        b.set(static_cast<int>(k), Tensor(s, std::move(v)));
    }
    return b;
}

} // namespace symdiff::rewrite::testing
