// The simplifier driver. A pass walks what the roots reach in increasing id order (no
// recursion over the graph), rebuilds each node through Graph::make with its operands'
// new ids (so constants fold), then applies the rules of its root op; right sides are
// built through the same rewrite to a bounded depth. Passes repeat to a fixpoint or the
// cap. Growth is judged on the DAG: inner nodes still used elsewhere are not freed.
//
// Later passes cost what changed, not the graph: whether a rule matches depends only on
// the structure below a node, so a node at which no rule matched (and none was refused
// for growth, which depends on use counts) is settled for the rest of the call and is
// not matched again. A pass that changes a node deep in a long chain still rebuilds every
// node above it (ids are immutable), so on large graphs passes stop once they no longer
// pay (see simplify()).
#include "rewrite/simplify.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/sweeps.hpp"
#include "core/traverse.hpp"
#include "rewrite/match.hpp"
#include "rewrite/rule.hpp"

#include <algorithm>

namespace symdiff::rewrite {
namespace {

constexpr int max_depth = 4;   // nesting of right sides rewritten while being built
constexpr int max_rounds = 16; // rules applied in a row at one node
constexpr std::size_t large_graph = std::size_t{1} << 14; // see simplify()

// What a rule's left side demands of the root's direct operands: a test of a few loads
// that rejects most rules before the matcher runs (most left sides name an operand op).
struct OperandNeed {
    enum class Kind : std::uint8_t { any, constant, op } kind = Kind::any;
    Op op{};
    bool holds(const Node& n) const {
        return kind == Kind::any || (kind == Kind::constant ? n.is_const() : n.op == op);
    }
};

struct QuickTest {
    std::array<OperandNeed, 3> need;
    bool commutative = false;
};

QuickTest quick_test(const Rule& r) {
    namespace v2 = boost::variant2;
    QuickTest q;
    const Apply& root = v2::get<Apply>(r.lhs.node().kind); // validate() guarantees an op
    q.commutative = root.args.size() == 2 && info(root.op).commutative;
    for (std::size_t i = 0; i < root.args.size(); ++i) {
        const PatKind& k = root.args[i].node().kind;
        if (const Apply* a = v2::get_if<Apply>(&k))
            q.need[i] = {OperandNeed::Kind::op, a->op};
        else if (v2::holds_alternative<ConstWild>(k) || v2::holds_alternative<Lit>(k))
            q.need[i] = {OperandNeed::Kind::constant, {}};
    }
    return q;
}

// quick_tests()[rule_index(r)], built once.
const std::vector<QuickTest>& quick_tests() {
    static const std::vector<QuickTest> tests = [] {
        std::vector<QuickTest> t;
        for (const Rule& r : all_rules())
            t.push_back(quick_test(r));
        return t;
    }();
    return tests;
}

bool may_match(const QuickTest& q, const Graph& g, const Node& n) {
    const auto holds = [&](std::size_t need, std::size_t arg) {
        return q.need[need].holds(g[n.args[arg]]);
    };
    if (q.commutative)
        return (holds(0, 0) && holds(1, 1)) || (holds(0, 1) && holds(1, 0));
    for (std::size_t i = 0; i < n.arity; ++i)
        if (!holds(i, i))
            return false;
    return true;
}

class Simplifier {
  public:
    // settled: per node id, 1 if no rule can change the node (kept across passes).
    Simplifier(Graph& g, const Options& options, std::vector<std::uint8_t>& settled)
        : g_(g), options_(options), settled_(settled),
          build_([this](Op op, std::span<const NodeId> args, const Payload& p, const Shape& t) {
              return rewrite(g_.make(op, args, p, t), depth_);
          }),
          plain_([this](Op op, std::span<const NodeId> args, const Payload& p, const Shape& t) {
              return g_.make(op, args, p, t);
          }) {}

    std::vector<NodeId> pass(std::span<const NodeId> roots) {
        const std::vector<NodeId> ids = reachable(g_, roots);
        uses_ = use_counts(g_, roots);
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
            NodeId rebuilt = id;
            if (changed) {
                rebuilt = g_.make(n.op, std::span<const NodeId>(args.data(), n.arity), n.payload(),
                                  n.shape);
                inherit_uses(rebuilt, id);
            }
            map[id] = rewrite(rebuilt, 0);
        }
        std::vector<NodeId> out;
        out.reserve(roots.size());
        for (const NodeId r : roots)
            out.push_back(map[r]);
        return out;
    }

    // Rule applications of this pass, in order (indices into all_rules()).
    const std::vector<std::size_t>& log() const { return log_; }
    // Nodes this pass left because a rule was refused for growth.
    const std::vector<NodeId>& refused() const { return refused_sites_; }

    // The op nodes a next pass would remove first: at each of `sites` that `roots`
    // reach, what the rule that use counts now allow there frees net (counts of what
    // `roots` reach; the rest of a pass's changes follow from these). Builds the right
    // sides it tries; use this simplifier for nothing else afterwards.
    std::size_t first_gains(std::span<const NodeId> roots, std::span<const NodeId> sites) {
        uses_ = use_counts(g_, roots);
        std::size_t n = 0;
        for (const NodeId id : sites)
            if (id < uses_.size() && uses_[id] > 0 && apply_first(id, 0))
                n += gain_;
        return n;
    }

  private:
    // The node `id` after applying rules at its root until none matches (or the cap).
    NodeId rewrite(NodeId id, int depth) {
        if (id < done_.size() && done_[id] != no_node)
            return done_[id];
        if (id < settled_.size() && settled_[id])
            return id;
        NodeId cur = id;
        bool fixpoint = false;
        for (int round = 0; round < max_rounds; ++round) {
            const auto next = apply_first(cur, depth);
            if (!next) {
                fixpoint = true;
                break;
            }
            inherit_uses(*next, cur);
            cur = *next;
        }
        remember(id, cur);
        if (fixpoint) {
            remember(cur, cur);
            if (!refused_) {
                if (cur >= settled_.size())
                    settled_.resize(std::max<std::size_t>(cur + 1, g_.size()), 0);
                settled_[cur] = 1;
            } else {
                refused_sites_.push_back(cur);
            }
        }
        return cur;
    }

    // The first rule of cur's op that matches, changes cur, and does not grow the graph
    // on net (unless marked `grows`, or a stable form), applied. When none is, refused_
    // says whether one matched and was refused for a reason that may change (growth).
    std::optional<NodeId> apply_first(NodeId cur, int depth) {
        const Node node = g_[cur]; // a copy: building right sides appends to g_
        const auto& quick = quick_tests();
        bool refused = false; // not refused_: building right sides below resets it
        for (const Rule* rule : rules_for(node.op)) {
            if (options_.strict && rule->category() != Category::exact)
                continue;
            if (!may_match(quick[rule_index(*rule)], g_, node))
                continue;
            Match m(g_, cur);
            if (!match(*rule, cur, m))
                continue;
            const std::size_t log_before = log_.size();
            NodeId out;
            if (depth < max_depth) {
                const int saved = depth_;
                depth_ = depth + 1;
                out = instantiate(g_, rule->rhs, m, build_);
                depth_ = saved;
            } else {
                out = instantiate(g_, rule->rhs, m, plain_);
            }
            const std::size_t grown = out == cur ? 0 : added(out), frees = freed(m);
            // A stable form is worth its nodes: where the expression it replaces is
            // shared (1 - s(x) also in a derivative), the rewrite adds some on net.
            const bool may_grow = rule->flags.grows || rule->category() == Category::stable;
            if (out == cur || (!may_grow && grown > frees)) {
                log_.resize(log_before); // what was built for it is unreachable
                // Growth depends on use counts, and a plain right side (at max_depth)
                // on nothing being rewritten: neither settles the node.
                refused = refused || out != cur || depth >= max_depth;
                continue;
            }
            gain_ = frees > grown ? frees - grown : 0;
            for (NodeId id : seen_) // the right side's new nodes are now in use
                make_live(id);
            log_.push_back(rule_index(*rule));
            return out;
        }
        refused_ = refused;
        return std::nullopt;
    }

    // Op nodes a rewrite of m.root() frees: the root, and each inner node of the match
    // that nothing else uses.
    std::size_t freed(const Match& m) const {
        std::size_t n = 1;
        const auto inner = m.interior();
        for (std::size_t i = 0; i < inner.size(); ++i) {
            const bool repeat =
                std::find(inner.begin(), inner.begin() + static_cast<std::ptrdiff_t>(i),
                          inner[i]) != inner.begin() + static_cast<std::ptrdiff_t>(i);
            if (!repeat && uses_of(inner[i]) == 1)
                ++n;
        }
        return n;
    }

    // Op nodes reachable from `out` that are not live (reachable from the pass's roots,
    // or made live by an earlier rewrite of this pass). The walk stays among those nodes:
    // a right side's size, not the graph's. Liveness, unlike ids, does not depend on what
    // earlier calls left in the arena, so the decision is the same on every run.
    std::size_t added(NodeId out) {
        std::size_t n = 0;
        stack_.assign(1, out);
        seen_.clear();
        while (!stack_.empty()) {
            const NodeId id = stack_.back();
            stack_.pop_back();
            if (live(id) || std::find(seen_.begin(), seen_.end(), id) != seen_.end())
                continue;
            seen_.push_back(id);
            if (g_[id].arity == 0)
                continue;
            ++n;
            for (NodeId a : g_[id].operands())
                stack_.push_back(a);
        }
        return n;
    }

    bool live(NodeId id) const { return id < uses_.size() && uses_[id] > 0; }

    void make_live(NodeId id) {
        if (id >= uses_.size())
            uses_.resize(std::max<std::size_t>(id + 1, g_.size()), 0);
        uses_[id] = std::max<std::uint32_t>(uses_[id], 1);
    }

    // Uses of a node among what the roots reach; a node that replaces others inherits
    // their uses, and a node no one has counted counts once.
    std::uint32_t uses_of(NodeId id) const {
        return id < uses_.size() && uses_[id] > 0 ? uses_[id] : 1;
    }

    void inherit_uses(NodeId to, NodeId from) {
        if (to == from)
            return;
        const std::uint32_t u = uses_of(from);
        const bool fresh = !live(to);
        make_live(to);
        uses_[to] = fresh ? u : uses_[to] + u;
    }

    void remember(NodeId from, NodeId to) {
        if (from >= done_.size())
            done_.resize(std::max<std::size_t>(from + 1, g_.size()), no_node);
        done_[from] = to;
    }

    Graph& g_;
    const Options& options_;
    std::vector<std::uint8_t>& settled_;
    bool refused_ = false; // the last apply_first refused a match for growth
    std::size_t gain_ = 0; // op nodes the last rule apply_first applied freed net
    int depth_ = 0;
    std::vector<NodeId> done_;         // node -> its rewrite in this pass, no_node if not yet
    std::vector<std::uint32_t> uses_;  // node -> uses (see uses_of)
    std::vector<std::size_t> log_;     // rules applied, in order
    std::vector<NodeId> stack_, seen_; // scratch for `added`
    std::vector<NodeId> refused_sites_;
    Build build_, plain_;
};

} // namespace

std::vector<NodeId> simplify(Graph& g, std::span<const NodeId> roots, const Options& options,
                             Stats* stats) {
    for (const NodeId id : roots)
        g.check_node(id, "simplify");
    Stats local;
    Stats& s = stats ? *stats : local;
    s = Stats{};
    s.nodes_before = reachable(g, roots).size();
    std::vector<NodeId> current = share_loop_steps(g, roots);
    const std::vector<Rule>& rules = all_rules();
    std::vector<std::uint8_t> settled;
    std::size_t size = s.nodes_before;
    for (int pass = 0; pass < options.max_passes; ++pass) {
        Simplifier simplifier(g, options, settled);
        std::vector<NodeId> next = simplifier.pass(current);
        ++s.passes;
        for (const std::size_t r : simplifier.log()) {
            ++s.rewrites;
            ++s.applied[rules[r].name];
        }
        const bool fixpoint = next == current;
        current = std::move(next);
        if (fixpoint)
            break;
        // A pass rebuilds every node above each change (on a long chain, nearly the whole
        // graph), so on a large graph passes stop once they no longer pay: when the last
        // one removed under 1/128 of the nodes, or when the rules it refused for growth
        // that use counts now allow (they changed as it went; a next pass starts from
        // these) would remove fewer. Small graphs always reach the fixpoint.
        const std::size_t now = reachable(g, current).size();
        const bool large = size >= large_graph;
        const bool paid = !large || now + size / 128 <= size;
        size = now;
        if (!paid)
            break;
        if (large &&
            Simplifier(g, options, settled).first_gains(current, simplifier.refused()) < size / 128)
            break;
    }
    s.nodes_after = size;
    return current;
}

} // namespace symdiff::rewrite
