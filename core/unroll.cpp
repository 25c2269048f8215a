// Unrolling (unroll.hpp): one pass over the reached ids in increasing order; a fold's body
// is made again per step from the nodes that depend on its placeholders and on no loop
// nested in it (a nested fold unrolls the same way, inside each step).
#include "core/unroll.hpp"

#include "core/error.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <unordered_map>

namespace symdiff {

bool reaches_fold(const Graph& g, std::span<const NodeId> roots) {
    for (NodeId id : reachable(g, roots))
        if (g[id].op == Op::Fold)
            return true;
    return false;
}

namespace {

class Unroller {
  public:
    Unroller(const Graph& g, std::span<const NodeId> roots, Graph& h, std::vector<NodeId>& map)
        : g_(g), h_(h), map_(map), nodes_(reachable(g, roots)), free_(free_seeds(g, nodes_)) {}

    void run() {
        map_.assign(g_.size(), no_node);
        for (const InputInfo& in : g_.inputs())
            map_[in.node] = h_.add_input(in.name, in.shape);
        // The top level: the nodes in no loop's body.
        pass(0, [&](NodeId id) { return free_[id].none(); });
        for (NodeId id : nodes_) // a body's nodes had a value per step
            if (free_[id].any())
                map_[id] = no_node;
    }

  private:
    // Makes, in id order, the nodes `in` accepts (a level: the top, or one step of a loop).
    template <class In> void pass(std::size_t from, In&& in) {
        for (std::size_t k = from; k < nodes_.size(); ++k) {
            const NodeId id = nodes_[k];
            if (!in(id))
                continue;
            const Node& n = g_[id];
            if (n.op == Op::Fold)
                map_[id] = unroll(id, k);
            else if (n.op == Op::Seed || n.op == Op::SeedLoop)
                throw Error("the tape does not record jacobian or hessian loops; tape their "
                            "rows or columns (vjp or jvp) instead");
            else if (n.op == Op::Input || n.op == Op::Carry)
                continue; // made above, or bound by its loop
            else if (n.op == Op::Const)
                map_[id] = h_.constant(n.value(), n.shape);
            else if (n.op == Op::Elem)
                map_[id] = row(map_[n.args[0]], g_[n.args[0]].shape, step_.at(n.seed_id()));
            else
                map_[id] = make(n);
        }
    }

    NodeId make(const Node& n) {
        std::array<NodeId, 3> args{};
        for (std::size_t a = 0; a < n.arity; ++a)
            args[a] = map_[n.args[a]];
        return h_.make(n.op, std::span<const NodeId>(args.data(), n.arity), n.payload(), n.shape);
    }

    // Row t of a tensor of shape `s`.
    NodeId row(NodeId xs, const Shape& s, std::int32_t t) {
        SliceSpec r;
        r.start[0] = t;
        r.stop[0] = t + 1;
        r.drop = 1;
        for (int k = 1; k < s.rank(); ++k)
            r.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(s[k]);
        return h_.make(Op::Slice, {xs}, r);
    }

    // Fold node `id` (at position `at` of nodes_) written out: the result's new id.
    NodeId unroll(NodeId id, std::size_t at) {
        const Node loop = g_[id];
        const FoldSpec spec = loop.fold();
        const NodeId carry = loop.args[1];
        const int loop_id = g_[carry].seed_id();
        const LoopSet bit = free_[carry];
        const LoopSet outer = bound_;
        bound_ |= bit;
        // The body's nodes lie between the carry and the loop: from the carry's position.
        const auto first = static_cast<std::size_t>(
            std::lower_bound(nodes_.begin(), nodes_.begin() + static_cast<std::ptrdiff_t>(at), carry) -
            nodes_.begin());
        NodeId c = map_[loop.args[2]];
        std::vector<Expr> rows(static_cast<std::size_t>(spec.mode == FoldMode::last ? 0 : spec.count));
        for (std::int32_t k = 0; k < spec.count; ++k) {
            const std::int32_t t = spec.reverse ? spec.count - 1 - k : k;
            step_[loop_id] = t;
            map_[carry] = c;
            if (spec.mode == FoldMode::before)
                rows[static_cast<std::size_t>(t)] = Expr(h_, c);
            pass(first, [&](NodeId n) {
                return n < id && (free_[n] & bit).any() && (free_[n] & ~bound_).none() && n != carry;
            });
            c = map_[loop.args[0]];
            if (spec.mode == FoldMode::after)
                rows[static_cast<std::size_t>(t)] = Expr(h_, c);
        }
        step_.erase(loop_id);
        bound_ = outer;
        return spec.mode == FoldMode::last ? c : stack(rows).id();
    }

    const Graph& g_;
    Graph& h_;
    std::vector<NodeId>& map_;
    const std::vector<NodeId> nodes_;
    const std::vector<LoopSet> free_;
    LoopSet bound_;                               // bits of the loops being unrolled
    std::unordered_map<int, std::int32_t> step_; // loop id -> its step t
};

} // namespace

std::unique_ptr<Graph> unroll_folds(const Graph& g, std::span<const NodeId> roots, std::vector<NodeId>& map) {
    auto h = std::make_unique<Graph>();
    Unroller(g, roots, *h, map).run();
    return h;
}

} // namespace symdiff
