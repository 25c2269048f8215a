// Placement (placement.hpp): costs and read counts flow from consumers to producers, in
// decreasing node order; then buffers are made, results first, so computed results are
// written straight into the caller's arrays.
#include "codegen/placement.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <numeric>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

constexpr int max_inline_depth = 32;

// Arithmetic that is cheaper to redo in every kernel that reads it than to store and
// load again (XLA's rematerialisation): +, -, * and negation over loads, at most
// `max_recompute` of them.
constexpr int max_recompute = 3;

bool is_leaf_value(Op op) {
    return op == Op::Input || op == Op::Const || op == Op::Seed || op == Op::Carry;
}

class Placer {
  public:
    Placer(const Graph& g, const Function& fn, const Schedule& s) : g_(g), fn_(fn), s_(s) {}

    Placement run() {
        const std::size_t n = s_.instances.size();
        p_.place.assign(n, Place::buffer);
        p_.buffer.assign(n, -1);
        p_.single_term.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i)
            p_.single_term[i] = single_term_map(g_, node(i)).has_value();
        by_node_.resize(n);
        std::iota(by_node_.begin(), by_node_.end(), 0);
        std::stable_sort(by_node_.begin(), by_node_.end(),
                         [&](int a, int b) { return inst(a).node < inst(b).node; });
        find_softmaxes();
        decide();
        make_buffers();
        return std::move(p_);
    }

  private:
    const Instance& inst(std::size_t i) const { return s_.instances[i]; }
    const Node& node(std::size_t i) const { return g_[s_.instances[i].node]; }

    void find_softmaxes() {
        p_.softmax_of.assign(s_.instances.size(), -1);
        p_.lse_of.assign(s_.instances.size(), -1);
        for (int e : s_.scopes[0].items) {
            const Node& en = node(u(e));
            if (en.op != Op::Exp || node(u(inst(u(e)).args[0])).op != Op::Sub)
                continue;
            const Instance& d = inst(u(inst(u(e)).args[0]));
            const int v = d.args[0], b = d.args[1];
            if (node(u(b)).op != Op::Broadcast || node(u(b)).shape != node(u(v)).shape ||
                en.shape != node(u(v)).shape)
                continue;
            const int lse = inst(u(b)).args[0];
            if (node(u(lse)).op != Op::LogSumExpTo || inst(u(lse)).args[0] != v ||
                inst(u(lse)).scope != 0 || p_.softmax_of[u(lse)] >= 0)
                continue;
            p_.softmax_of[u(lse)] = e;
            p_.lse_of[u(e)] = lse;
        }
    }

    // How many times one element of operand k is read per element computed by n.
    double read_factor(const Node& n, int k) const {
        const OpKind kind = info(n.op).kind;
        if (kind != OpKind::view && kind != OpKind::reduce)
            return 1.0;
        const IndexPlan p = index_plan(g_, n);
        if (p.guard_count > 0)
            return 1.0;
        const double f = static_cast<double>(p.domain.size()) /
                         static_cast<double>(g_[n.args[u(k)]].shape.size());
        return p.combine == Combine::logsumexp ? 2.0 * f : f;
    }

    bool free_view(const Node& n) const { // index arithmetic, no condition
        const OpKind kind = info(n.op).kind;
        return kind == OpKind::flat || kind == OpKind::element || // a fold's row t of a sequence
               (kind == OpKind::view && index_plan(g_, n).guard_count == 0);
    }

    // Per instance: how many fused +, -, *, negations recomputing it costs, or more than
    // max_recompute when it must be stored (anything costly, sums, loops).
    std::vector<int> recompute_costs() const {
        std::vector<int> cost(s_.instances.size(), 0);
        for (int i : by_node_) {
            const Node& n = node(u(i));
            const bool arithmetic = n.op == Op::Add || n.op == Op::Sub || n.op == Op::Mul ||
                                    n.op == Op::Neg || p_.single_term[u(i)];
            if (free_view(n)) {
                cost[u(i)] = cost[u(inst(u(i)).args[0])]; // reads its operand where it stands
            } else if (arithmetic) {
                cost[u(i)] = 1;
                for (int k = 0; k < n.arity; ++k)
                    if (const int c = cost[u(inst(u(i)).args[u(k)])]; c <= max_recompute)
                        cost[u(i)] += c; // else it is stored, and loaded here
            } else if (info(n.op).kind != OpKind::leaf) {
                cost[u(i)] = max_recompute + 1;
            }
        }
        return cost;
    }

    void decide() {
        const std::size_t count = s_.instances.size();
        const std::vector<int> cost = recompute_costs();
        std::vector<std::uint32_t> uses(count, 0);
        std::vector<double> reads(count, 0.0); // evaluations per element if fused
        std::vector<int> depth(count, 0);
        std::vector<std::uint8_t> forced(count, 0), root(count, 0);
        for (int r : s_.results) {
            ++uses[u(r)];
            root[u(r)] = 1;
        }
        for (auto it = by_node_.rbegin(); it != by_node_.rend(); ++it) {
            const std::size_t i = u(*it);
            const Node& n = node(i);
            const OpKind kind = info(n.op).kind;
            Place p = Place::buffer;
            if (n.op == Op::Const)
                p = Place::constant;
            else if (n.op == Op::Seed)
                p = Place::seed;
            else if (n.op == Op::Input || root[i] || forced[i] || p_.lse_of[i] >= 0 ||
                     depth[i] >= max_inline_depth)
                p = Place::buffer;
            else if (free_view(n))
                p = Place::inlined;
            else if ((kind == OpKind::elementwise || kind == OpKind::view || p_.single_term[i]) &&
                     !n.shape.is_scalar() &&
                     ((uses[i] == 1 && reads[i] <= 1.0) || // a guarded view: a conditional
                      (cost[i] <= max_recompute && reads[i] <= 2.0)))
                p = Place::inlined; // scalars stay locals: computed once, outside any loop
            p_.place[i] = p;
            // Where n reads its operands: a loop reads its body inside itself.
            const int reader = inst(i).body >= 0 ? inst(i).body : inst(i).scope;
            for (int k = 0; k < n.arity; ++k) {
                const int a = inst(i).args[u(k)];
                if (a < 0)
                    continue; // the seed a loop binds: not read
                const double f = read_factor(n, k);
                if (p == Place::inlined) {
                    uses[u(a)] += uses[i];
                    reads[u(a)] = std::max(reads[u(a)], reads[i] * f);
                    depth[u(a)] = std::max(depth[u(a)], depth[i] + 1);
                } else {
                    uses[u(a)] += 1;
                    reads[u(a)] = std::max(reads[u(a)], f);
                    depth[u(a)] = std::max(depth[u(a)], 1);
                }
                const Op op = node(u(a)).op;
                // A compressed loop reads its body at shifted indices: a real buffer.
                if (n.op == Op::SeedLoop && n.loop().colours) {
                    const int held = flat_source(g_, s_, a);
                    if (!is_leaf_value(node(u(held)).op))
                        forced[u(held)] = 1;
                }
                // A reshape reads its operand by flat index: that needs a real buffer; so
                // does an element (row t of a buffer, t the loop's counter), and a fold's
                // body, copied into its carry at the end of a step (a view of the carry
                // fused there would read what the copy overwrites).
                if ((kind == OpKind::flat || kind == OpKind::element || (n.op == Op::Fold && k == 0)) &&
                    !is_leaf_value(op))
                    forced[u(a)] = 1;
                // Work done around a loop is not redone inside it.
                if (inst(u(a)).scope != reader &&
                    (info(op).kind == OpKind::elementwise || p_.single_term[u(a)]))
                    forced[u(a)] = 1;
            }
        }
    }

    int add_buffer(Buffer::Kind kind, int index, NodeId id) {
        const int b = add_buffer(kind, index, g_[id].shape.size());
        p_.buffers[u(b)].node = id;
        return b;
    }
    int add_buffer(Buffer::Kind kind, int index, std::int64_t size) {
        Buffer b;
        b.kind = kind;
        b.index = index;
        b.size = size;
        p_.buffers.push_back(b);
        return static_cast<int>(p_.buffers.size() - 1);
    }

    int param_index(NodeId input) const {
        for (std::size_t i = 0; i < fn_.params.size(); ++i)
            if (fn_.params[i] == input)
                return static_cast<int>(i);
        const std::string name = g_.inputs()[u(g_[input].input_index())].name;
        throw Error("result of '" + fn_.name + "' depends on input '" + name +
                    "', which is not one of its parameters");
    }

    void make_buffers() {
        for (std::size_t j = 0; j < fn_.results.size(); ++j) {
            const int r = s_.results[j];
            const Node& n = node(u(r));
            const int out = add_buffer(Buffer::Kind::output, static_cast<int>(j), inst(u(r)).node);
            if (n.op == Op::Input || n.op == Op::Const || p_.buffer[u(r)] >= 0) {
                p_.copies.push_back({r, out}); // an input, a constant or a repeat
                continue;
            }
            p_.buffer[u(r)] = out;
            // A reshaped result: its source is computed straight into the caller's
            // buffer (same elements, same order), and the reshape copies nothing.
            const int src = flat_source(g_, s_, r);
            if (src != r && p_.place[u(src)] == Place::buffer && p_.buffer[u(src)] < 0 &&
                inst(u(src)).scope == 0 && !is_leaf_value(node(u(src)).op))
                p_.buffer[u(src)] = out;
        }
        for (int i : by_node_) {
            if (p_.place[u(i)] != Place::buffer || p_.buffer[u(i)] >= 0)
                continue;
            const Node& n = node(u(i));
            const NodeId id = inst(u(i)).node;
            if (n.op == Op::Input)
                p_.buffer[u(i)] = add_buffer(Buffer::Kind::input, param_index(id), id);
            else if (n.op == Op::Carry)
                continue; // below: its loop's buffer is known once the loop's is
            else if (n.shape.is_scalar() && !runs_body(info(n.op).kind)) // a loop fills it over iterations
                p_.buffer[u(i)] = add_buffer(Buffer::Kind::local, 0, id);
            else
                p_.buffer[u(i)] = add_buffer(Buffer::Kind::work, 0, id);
        }
        // A fold's carry: the fold's own buffer when it returns its last carry (so the
        // result is where the loop leaves it), else a work buffer of its own.
        // Folds fused into one loop (fuse_loops) share it.
        p_.carry.assign(s_.instances.size(), -1);
        for (const Scope& body : s_.scopes) {
            if (body.stores.empty() || node(u(body.stores.front())).op != Op::Fold)
                continue;
            int c = -1;
            for (int st : body.stores)
                if (node(u(st)).fold().mode == FoldMode::last)
                    c = p_.buffer[u(st)];
            if (c < 0)
                c = add_buffer(Buffer::Kind::work, 0, g_[node(u(body.stores.front())).args[1]].shape.size());
            for (int st : body.stores)
                p_.carry[u(st)] = c;
        }
        for (int i : by_node_)
            if (node(u(i)).op == Op::Carry)
                p_.buffer[u(i)] = p_.carry[u(s_.scopes[u(inst(u(i)).scope)].stores.front())];
    }

    const Graph& g_;
    const Function& fn_;
    const Schedule& s_;
    std::vector<int> by_node_; // instances in increasing node order
    Placement p_;
};

} // namespace

Placement place(const Graph& g, const Function& fn, const Schedule& s) {
    return Placer(g, fn, s).run();
}

std::optional<AffineMap> single_term_map(const Graph& g, const Node& n) {
    if (info(n.op).kind != OpKind::reduce)
        return std::nullopt;
    const IndexPlan p = index_plan(g, n);
    if (p.combine != Combine::sum || p.guard_count > 0)
        return std::nullopt;
    AffineMap inv;
    inv.rank = p.domain.rank();
    for (int j = 0; j < p.domain.rank(); ++j) {
        if (p.is_reduced(j)) {
            if (p.domain[j] != 1)
                return std::nullopt;
            inv.set(j, -1);
            continue;
        }
        int from = -1; // the one output axis that is loop axis j, unshifted
        for (int k = 0; k < p.out.rank; ++k) {
            const std::int64_t c = p.out.coef[u(k)][u(j)];
            if (c == 0)
                continue;
            if (c != 1 || p.out.offset[u(k)] != 0 || from >= 0)
                return std::nullopt;
            from = k;
        }
        if (from < 0)
            return std::nullopt;
        inv.set(j, from);
    }
    return inv;
}

int flat_source(const Graph& g, const Schedule& s, int i) {
    while (info(g[s.instances[u(i)].node].op).kind == OpKind::flat)
        i = s.instances[u(i)].args[0];
    return i;
}

} // namespace symdiff::codegen
