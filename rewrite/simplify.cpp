// The simplifier driver. A pass walks the nodes the roots reach in increasing id order
// (ids are topological; no recursion over the graph), rebuilds each through Graph::make
// with its operands' new ids (so constants fold), then rewrites it with the rules of its
// root op. A right side is built node by node through the same rewrite, to a bounded
// depth; passes repeat until the roots stop changing or the pass cap is reached.
#include "rewrite/simplify.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "rewrite/match.hpp"
#include "rewrite/rule.hpp"

#include <algorithm>

namespace symdiff::rewrite {
namespace {

constexpr int max_depth = 4;   // nesting of right sides rewritten while being built
constexpr int max_rounds = 16; // rules applied in a row at one node

class Simplifier {
  public:
    Simplifier(Graph &g, const Options &options, Stats &stats)
        : g_(g), options_(options), stats_(stats),
          build_([this](Op op, std::span<const NodeId> args, const Payload &p, const Shape &t) {
              return rewrite(g_.make(op, args, p, t), depth_);
          }) {}

    std::vector<NodeId> pass(std::span<const NodeId> roots) {
        const std::vector<NodeId> ids = reachable(g_, roots);
        std::vector<NodeId> map(ids.empty() ? 0 : ids.back() + 1, no_node);
        for (const NodeId id : ids) {
            const Node n = g_[id]; // a copy: the calls below append to g_
            if (n.arity == 0) {
                map[id] = id;
                continue;
            }
            std::array<NodeId, 3> args = n.args;
            bool changed = false;
            for (std::size_t k = 0; k < n.arity; ++k) {
                args[k] = map[n.args[k]];
                changed = changed || args[k] != n.args[k];
            }
            const NodeId rebuilt =
                changed ? g_.make(n.op, std::span<const NodeId>(args.data(), n.arity), n.payload,
                                  n.shape)
                        : id;
            map[id] = rewrite(rebuilt, 0);
        }
        std::vector<NodeId> out;
        out.reserve(roots.size());
        for (const NodeId r : roots)
            out.push_back(map[r]);
        return out;
    }

  private:
    // The node `id` after applying rules at its root until none matches (or the cap).
    NodeId rewrite(NodeId id, int depth) {
        if (id < done_.size() && done_[id] != no_node)
            return done_[id];
        NodeId cur = id;
        bool fixpoint = false;
        for (int round = 0; round < max_rounds; ++round) {
            const auto next = apply_first(cur, depth);
            if (!next) {
                fixpoint = true;
                break;
            }
            cur = *next;
        }
        remember(id, cur);
        if (fixpoint)
            remember(cur, cur);
        return cur;
    }

    // The first rule of cur's op that matches and changes it, applied.
    std::optional<NodeId> apply_first(NodeId cur, int depth) {
        const Op op = g_[cur].op;
        for (const Rule *rule : rules_for(op)) {
            if (options_.strict && rule->category() != Category::exact)
                continue;
            Match m(g_, cur);
            if (!match(*rule, cur, m))
                continue;
            NodeId out;
            if (depth < max_depth) {
                const int saved = depth_;
                depth_ = depth + 1;
                out = instantiate(g_, rule->rhs, m, build_);
                depth_ = saved;
            } else {
                out = instantiate(g_, rule->rhs, m, plain_);
            }
            if (out == cur)
                continue;
            ++stats_.rewrites;
            ++stats_.applied[rule->name];
            return out;
        }
        return std::nullopt;
    }

    void remember(NodeId from, NodeId to) {
        if (from >= done_.size())
            done_.resize(std::max<std::size_t>(from + 1, g_.size()), no_node);
        done_[from] = to;
    }

    Graph &g_;
    const Options &options_;
    Stats &stats_;
    int depth_ = 0;
    std::vector<NodeId> done_; // node -> its rewrite in this pass, no_node if not yet
    Build build_;
    Build plain_ = [this](Op op, std::span<const NodeId> args, const Payload &p, const Shape &t) {
        return g_.make(op, args, p, t);
    };
};

} // namespace

std::vector<NodeId> simplify(Graph &g, std::span<const NodeId> roots, const Options &options,
                             Stats *stats) {
    Stats local;
    Stats &s = stats ? *stats : local;
    s = Stats{};
    s.nodes_before = reachable(g, roots).size();
    std::vector<NodeId> current(roots.begin(), roots.end());
    for (int pass = 0; pass < options.max_passes; ++pass) {
        Simplifier simplifier(g, options, s);
        std::vector<NodeId> next = simplifier.pass(current);
        ++s.passes;
        const bool fixpoint = next == current;
        current = std::move(next);
        if (fixpoint)
            break;
    }
    s.nodes_after = reachable(g, current).size();
    return current;
}

} // namespace symdiff::rewrite
