// Lowering a Function to loop kernels: decide which nodes get buffers, build each
// kernel's fused body, nest the bodies of Jacobian loops, and lay out the work array
// by liveness.
//
// Placement is decided consumers-first (ids downward): a node is fused into its
// consumer ("inlined") when it is element-wise, read exactly once per element, in the
// same loop region, and the fused expression stays shallow; views and reshapes are
// always index arithmetic; the rest (reductions, guarded views, scalars, results,
// anything read twice) get buffers. A node belongs to the innermost Jacobian loop whose
// seed it depends on; everything else is computed once, before any loop.
#include "codegen/lower.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>

namespace symdiff::codegen {
namespace {

constexpr int max_inline_depth = 32;

enum class Place : std::uint8_t { buffer, inlined, constant, seed };

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// (inner ∘ outer)(loop) = inner(outer(loop)).
AffineMap compose(const AffineMap& inner, const AffineMap& outer) {
    AffineMap r;
    r.rank = inner.rank;
    for (int k = 0; k < inner.rank; ++k) {
        r.offset[u(k)] = inner.offset[u(k)];
        for (int m = 0; m < outer.rank; ++m) {
            const std::int64_t c = inner.coef[u(k)][u(m)];
            if (c == 0)
                continue;
            r.offset[u(k)] += c * outer.offset[u(m)];
            for (int j = 0; j < Shape::max_rank; ++j)
                r.coef[u(k)][u(j)] += c * outer.coef[u(m)][u(j)];
        }
    }
    return r;
}

// A view's guard on its own (output) index, as a linear form in the loop indices of a
// kernel that reads the view at map(loop).
Access guard_form(const Guard& g, const AffineMap& map) {
    Access a;
    a.base = static_cast<Index>(g.constant);
    for (int k = 0; k < map.rank; ++k) {
        const std::int64_t c = g.coef[u(k)];
        a.base += static_cast<Index>(c * map.offset[u(k)]);
        for (int j = 0; j < Shape::max_rank; ++j)
            a.step[u(j)] += static_cast<Index>(c * map.coef[u(k)][u(j)]);
    }
    return a;
}

bool same_map(const AffineMap& a, const AffineMap& b) {
    return a.rank == b.rank && a.coef == b.coef && a.offset == b.offset;
}

Access linearize(int buffer, const AffineMap& m, const Shape& shape) {
    Access a;
    a.buffer = buffer;
    const auto strides = shape.strides();
    for (int k = 0; k < m.rank; ++k) {
        a.base += strides[u(k)] * m.offset[u(k)];
        for (int j = 0; j < Shape::max_rank; ++j)
            a.step[u(j)] += strides[u(k)] * m.coef[u(k)][u(j)];
    }
    return a;
}

class Lowering {
  public:
    Lowering(const Graph& g, const Function& fn) : g_(g), fn_(fn) {}

    Program run() {
        collect();
        find_regions();
        find_softmaxes();
        place();
        assign_buffers();
        build_steps();
        drop_unread_kernels();
        assign_work_offsets();
        return std::move(prog_);
    }

  private:
    using SeedMask = std::uint64_t;
    static constexpr int top = -1; // the region outside every loop

    // --- which nodes, and in which loop each is computed

    void collect() {
        std::vector<NodeId> roots;
        for (const auto& r : fn_.results)
            roots.push_back(r.node);
        nodes_ = reachable(g_, roots);
        for (NodeId id : nodes_) // emitted index arithmetic is 32-bit (lower.hpp)
            if (g_[id].shape.size() > std::numeric_limits<Index>::max())
                throw Error("'" + fn_.name + "' computes a tensor of " +
                                std::to_string(g_[id].shape.size()) +
                                " elements; generated code supports fewer than 2^31",
                            fn_.loc);
        slot_.assign(nodes_.empty() ? 0 : nodes_.back() + 1, -1);
        for (std::size_t s = 0; s < nodes_.size(); ++s)
            slot_[nodes_[s]] = static_cast<int>(s);
        place_.assign(nodes_.size(), Place::buffer);
        buffer_.assign(nodes_.size(), -1);
        region_.assign(nodes_.size(), top);
        single_term_.assign(nodes_.size(), 0);
        for (std::size_t s = 0; s < nodes_.size(); ++s)
            single_term_[s] = single_term_map(g_[nodes_[s]]).has_value();
    }

    std::size_t slot(NodeId id) const { return static_cast<std::size_t>(slot_[id]); }

    void find_regions() {
        std::vector<SeedMask> seeds(nodes_.size(), 0);
        std::map<SeedMask, int> loop_of_bit;
        int bits = 0;
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            const Node& n = g_[nodes_[s]];
            if (n.op == Op::Seed) {
                if (bits == 64)
                    throw Error("too many jacobian loops in '" + fn_.name + "'", fn_.loc);
                seeds[s] = SeedMask{1} << bits++;
                continue;
            }
            for (NodeId a : n.operands())
                seeds[s] |= seeds[slot(a)];
            if (n.op != Op::SeedLoop)
                continue;
            const SeedMask own = seeds[slot(n.args[1])];
            seeds[s] &= ~own;
            Loop loop;
            loop.node = nodes_[s];
            loop.count = n.loop().colours ? n.loop().colours : g_[n.args[1]].shape.size();
            loop.depth = std::popcount(seeds[s]); // the loops around this one
            if (loop.depth >= max_loop_depth)
                throw Error("'" + fn_.name + "' nests jacobian loops more than " +
                                std::to_string(max_loop_depth) + " deep",
                            fn_.loc);
            loop_of_bit[own] = static_cast<int>(prog_.loops.size());
            loop_index_[nodes_[s]] = static_cast<int>(prog_.loops.size());
            prog_.loops.push_back(std::move(loop));
        }
        // A node runs in the deepest loop among those binding its seeds.
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            for (SeedMask m = seeds[s]; m; m &= m - 1) {
                const auto it = loop_of_bit.find(m & -m);
                if (it == loop_of_bit.end())
                    throw Error("a result of '" + fn_.name + "' uses a jacobian seed outside its loop",
                                fn_.loc);
                if (region_[s] == top || prog_.loops[u(it->second)].depth > prog_.loops[u(region_[s])].depth)
                    region_[s] = it->second;
            }
        }
    }

    // exp(v - broadcast(logsumexp_to(v))), softmax as a logsumexp's derivative (and the
    // language's softmax) writes it, is stored by the logsumexp's kernel (Kernel::side)
    // and gets no kernel of its own: its exps are those of the logsumexp's sum pass.
    void find_softmaxes() {
        softmax_of_.assign(nodes_.size(), -1);
        lse_of_.assign(nodes_.size(), -1);
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            const Node& e = g_[nodes_[s]];
            if (e.op != Op::Exp || region_[s] != top || g_[e.args[0]].op != Op::Sub)
                continue;
            const Node& d = g_[e.args[0]];
            const NodeId v = d.args[0], b = d.args[1];
            if (g_[b].op != Op::Broadcast || g_[b].shape != g_[v].shape || e.shape != g_[v].shape)
                continue;
            const NodeId lse = g_[b].args[0];
            const std::size_t sl = slot(lse);
            if (g_[lse].op != Op::LogSumExpTo || g_[lse].args[0] != v || region_[sl] != top ||
                softmax_of_[sl] >= 0)
                continue;
            softmax_of_[sl] = static_cast<int>(s);
            lse_of_[s] = static_cast<int>(sl);
        }
    }

    // A sum whose summed axes all have extent 1 (a column times a row, (m,1) @ (1,n)):
    // each element is one product or one copy, element-wise in all but name, so it may be
    // fused like one (single_term_). Its inverse map: output index -> loop index (summed
    // axes at 0).
    std::optional<AffineMap> single_term_map(const Node& n) const {
        if (info(n.op).kind != OpKind::reduce)
            return std::nullopt;
        const IndexPlan p = index_plan(g_, n);
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

    // How many times one element of operand i is read per element computed by n.
    double read_factor(const Node& n, int i) const {
        const OpKind kind = info(n.op).kind;
        if (kind != OpKind::view && kind != OpKind::reduce)
            return 1.0;
        const IndexPlan p = index_plan(g_, n);
        if (p.guard_count > 0)
            return 1.0;
        const double f = static_cast<double>(p.domain.size()) /
                         static_cast<double>(g_[n.args[u(i)]].shape.size());
        return p.combine == Combine::logsumexp ? 2.0 * f : f;
    }

    // Arithmetic that is cheaper to redo in every kernel that reads it than to store and
    // load again (XLA's rematerialisation): +, -, * and negation over loads, at most
    // `max_recompute` of them. recompute_cost()[s] is that count, or a large number.
    static constexpr int max_recompute = 3;

    std::vector<int> recompute_costs() const {
        std::vector<int> cost(nodes_.size(), 0);
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            const Node& n = g_[nodes_[s]];
            const OpKind kind = info(n.op).kind;
            const bool arithmetic = n.op == Op::Add || n.op == Op::Sub || n.op == Op::Mul ||
                                    n.op == Op::Neg || single_term_[s];
            if (kind == OpKind::flat || (kind == OpKind::view && index_plan(g_, n).guard_count == 0)) {
                cost[s] = cost[slot(n.args[0])]; // reads its operand where it stands
            } else if (arithmetic) {
                cost[s] = 1;
                for (int i = 0; i < n.arity; ++i)
                    if (const int c = cost[slot(n.args[u(i)])]; c <= max_recompute)
                        cost[s] += c; // else it is stored, and loaded here
            } else if (kind != OpKind::leaf) {
                cost[s] = max_recompute + 1; // stored: anything costly, sums, loops
            }
        }
        return cost;
    }

    void place() {
        const std::size_t n_nodes = nodes_.size();
        const std::vector<int> cost = recompute_costs();
        std::vector<std::uint32_t> uses(n_nodes, 0);
        std::vector<double> reads(n_nodes, 0.0); // evaluations per element if fused
        std::vector<int> depth(n_nodes, 0);
        std::vector<std::uint8_t> forced(n_nodes, 0), root(n_nodes, 0);
        for (const auto& r : fn_.results) {
            ++uses[slot(r.node)];
            root[slot(r.node)] = 1;
        }
        for (std::size_t s = n_nodes; s-- > 0;) {
            const Node& n = g_[nodes_[s]];
            const OpKind kind = info(n.op).kind;
            Place p = Place::buffer;
            if (n.op == Op::Const)
                p = Place::constant;
            else if (n.op == Op::Seed)
                p = Place::seed;
            else if (n.op == Op::Input || root[s] || forced[s] || lse_of_[s] >= 0 ||
                     depth[s] >= max_inline_depth)
                p = Place::buffer;
            else if (kind == OpKind::flat || (kind == OpKind::view && index_plan(g_, n).guard_count == 0))
                p = Place::inlined; // index arithmetic, free
            else if ((kind == OpKind::elementwise || kind == OpKind::view || single_term_[s]) &&
                     !n.shape.is_scalar() &&
                     ((uses[s] == 1 && reads[s] <= 1.0) || // a guarded view: a conditional
                      (cost[s] <= max_recompute && reads[s] <= 2.0)))
                p = Place::inlined; // scalars stay locals: computed once, outside any loop
            place_[s] = p;
            for (int i = 0; i < n.arity; ++i) {
                const NodeId a = n.args[u(i)];
                const std::size_t sa = slot(a);
                if (n.op == Op::SeedLoop && i == 1)
                    continue; // the loop binds its seed; it does not read it
                const double f = read_factor(n, i);
                if (p == Place::inlined) {
                    uses[sa] += uses[s];
                    reads[sa] = std::max(reads[sa], reads[s] * f);
                    depth[sa] = std::max(depth[sa], depth[s] + 1);
                } else {
                    uses[sa] += 1;
                    reads[sa] = std::max(reads[sa], f);
                    depth[sa] = std::max(depth[sa], 1);
                }
                const Op op = g_[a].op;
                // A compressed loop reads its body at shifted indices: a real buffer.
                if (n.op == Op::SeedLoop && i == 0 && n.loop().colours) {
                    const NodeId held = flat_source(a);
                    const Op held_op = g_[held].op;
                    if (held_op != Op::Const && held_op != Op::Seed && held_op != Op::Input)
                        forced[slot(held)] = 1;
                }
                // A reshape reads its operand by flat index: that needs a real buffer.
                if (kind == OpKind::flat && op != Op::Input && op != Op::Const && op != Op::Seed)
                    forced[sa] = 1;
                // Work done outside a loop is not redone inside it. (A loop reads its
                // body inside itself.)
                const int reader = n.op == Op::SeedLoop ? loop_index_.at(nodes_[s]) : region_[s];
                if (region_[sa] != reader && (info(op).kind == OpKind::elementwise || single_term_[sa]))
                    forced[sa] = 1;
            }
        }
    }

    int add_buffer(Buffer::Kind kind, int index, NodeId node) {
        Buffer b;
        b.kind = kind;
        b.index = index;
        b.node = node;
        b.size = g_[node].shape.size();
        prog_.buffers.push_back(b);
        return static_cast<int>(prog_.buffers.size() - 1);
    }

    int param_index(NodeId input) const {
        for (std::size_t i = 0; i < fn_.params.size(); ++i)
            if (fn_.params[i] == input)
                return static_cast<int>(i);
        const std::string name = g_.inputs()[u(g_[input].input_index())].name;
        throw Error("result of '" + fn_.name + "' depends on input '" + name +
                    "', which is not one of its parameters");
    }

    void assign_buffers() {
        prog_.param_used.assign(fn_.params.size(), false);
        // Results first, so computed results are written straight into the caller's
        // buffers; a result that is an input, a constant or a repeat is copied.
        for (std::size_t j = 0; j < fn_.results.size(); ++j) {
            const NodeId id = fn_.results[j].node;
            const std::size_t s = slot(id);
            const Op op = g_[id].op;
            const int out = add_buffer(Buffer::Kind::output, static_cast<int>(j), id);
            if (op == Op::Input || op == Op::Const || buffer_[s] >= 0) {
                copies_.push_back({id, out});
                continue;
            }
            buffer_[s] = out;
            // A reshaped result: its source is computed straight into the caller's
            // buffer (same elements, same order), and the reshape copies nothing.
            const NodeId src = flat_source(id);
            const std::size_t ss = slot(src);
            const Op src_op = g_[src].op;
            if (src != id && place_[ss] == Place::buffer && buffer_[ss] < 0 && region_[ss] == top &&
                src_op != Op::Input && src_op != Op::Const && src_op != Op::Seed)
                buffer_[ss] = out;
        }
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            if (place_[s] != Place::buffer || buffer_[s] >= 0)
                continue;
            const Node& n = g_[nodes_[s]];
            if (n.op == Op::Input)
                buffer_[s] = add_buffer(Buffer::Kind::input, param_index(nodes_[s]), nodes_[s]);
            else if (n.shape.is_scalar() && n.op != Op::SeedLoop) // a loop fills it over iterations
                buffer_[s] = add_buffer(Buffer::Kind::local, 0, nodes_[s]);
            else
                buffer_[s] = add_buffer(Buffer::Kind::work, 0, nodes_[s]);
        }
    }

    // --- kernel bodies

    int push(Kernel& k, const Value& v) {
        k.body.push_back(v);
        return static_cast<int>(k.body.size() - 1);
    }

    int load(Kernel& k, int buffer, const AffineMap& map, const Shape& shape) {
        const Buffer& b = prog_.buffers[u(buffer)];
        if (b.kind == Buffer::Kind::input)
            prog_.param_used[u(b.index)] = true;
        Value v;
        v.kind = Value::Kind::load;
        v.at = linearize(buffer, map, shape);
        for (std::size_t i = 0; i < k.body.size(); ++i) // identical loads share a value
            if (k.body[i].kind == Value::Kind::load && k.body[i].at == v.at)
                return static_cast<int>(i);
        return push(k, v);
    }

    int constant(Kernel& k, double c) {
        for (std::size_t i = 0; i < k.body.size(); ++i) // one value per constant
            if (k.body[i].kind == Value::Kind::constant &&
                std::bit_cast<std::uint64_t>(k.body[i].constant) == std::bit_cast<std::uint64_t>(c))
                return static_cast<int>(i);
        Value v;
        v.kind = Value::Kind::constant;
        v.constant = c;
        return push(k, v);
    }

    // Element-wise `op` of body values; an identical earlier value is shared.
    int apply(Kernel& k, Op op, std::initializer_list<int> args) {
        Value v;
        v.kind = Value::Kind::apply;
        v.op = op;
        std::copy(args.begin(), args.end(), v.args.begin());
        for (std::size_t i = 0; i < k.body.size(); ++i)
            if (k.body[i].kind == Value::Kind::apply && k.body[i].op == op && k.body[i].args == v.args)
                return static_cast<int>(i);
        return push(k, v);
    }

    // Where a kernel computes sigmoid or softplus of one x more than once (softplus(x) and
    // softplus(-x), the two halves of a logistic loss, or a sigmoid next to a softplus),
    // they are spelled out around e = exp(-|x|), one value of the kernel, and pay one exp
    // and one log1p between them; elsewhere they stay calls of the readable helpers. The
    // formulas are the op table's own (sigmoid_of, softplus_of in core/ops.hpp), so the
    // values are the interpreter's, bit for bit.
    static int logistic_base(const Kernel& k, int x) { // |-x| = |x|
        const Value& v = k.body[u(x)];
        return v.kind == Value::Kind::apply && v.op == Op::Neg ? v.args[0] : x;
    }

    static bool shares_logistic_base(const Kernel& k) {
        std::vector<int> bases;
        for (const Value& v : k.body)
            if (v.kind == Value::Kind::apply && (v.op == Op::Sigmoid || v.op == Op::Softplus))
                bases.push_back(logistic_base(k, v.args[0]));
        std::sort(bases.begin(), bases.end());
        return std::adjacent_find(bases.begin(), bases.end()) != bases.end();
    }

    // A value of a kernel under construction, so that the op table's formulas over T
    // (sigmoid_of, softplus_of) add their operations to the kernel.
    struct Built {
        Lowering* l;
        Kernel* k;
        int v;
        Built op(Op o, std::initializer_list<int> args) const { return {l, k, l->apply(*k, o, args)}; }
        int lit(double c) const { return l->constant(*k, c); }
        friend Built operator+(double a, const Built& b) { return b.op(Op::Add, {b.lit(a), b.v}); }
        friend Built operator+(const Built& a, const Built& b) { return a.op(Op::Add, {a.v, b.v}); }
        friend Built operator/(double a, const Built& b) { return b.op(Op::Div, {b.lit(a), b.v}); }
        friend Built operator/(const Built& a, const Built& b) { return a.op(Op::Div, {a.v, b.v}); }
        friend Built ge(const Built& a, double b) { return a.op(Op::Ge, {a.v, a.lit(b)}); }
        friend Built max(const Built& a, double b) { return a.op(Op::Max, {a.v, a.lit(b)}); }
        friend Built log1p(const Built& a) { return a.op(Op::Log1p, {a.v}); }
        friend Built where(const Built& c, const Built& a, const Built& b) {
            return c.op(Op::Where, {c.v, a.v, b.v});
        }
    };

    int logistic(Kernel& k, Op op, int x) {
        const int e = apply(k, Op::Exp, {apply(k, Op::Neg, {apply(k, Op::Abs, {logistic_base(k, x)})})});
        const Built bx{this, &k, x}, be{this, &k, e};
        return (op == Op::Softplus ? softplus_of(bx, be) : sigmoid_of(bx, be)).v;
    }

    // The seed `id` at the element whose flat index is map(loop) in row-major `shape`.
    int seed(Kernel& k, NodeId id, const AffineMap& map, const Shape& shape) {
        Value v;
        v.kind = Value::Kind::seed;
        v.at = linearize(-1, map, shape);
        v.depth = prog_.loops[u(region_[slot(id)])].depth;
        v.directions = prog_.loops[u(region_[slot(id)])].count;
        v.colours = g_[prog_.loops[u(region_[slot(id)])].node].loop().colours;
        return push(k, v);
    }

    // The value of node `id` at index map(loop) inside kernel k.
    int value(Kernel& k, NodeId id, const AffineMap& map) {
        const std::size_t s = slot(id);
        switch (place_[s]) {
        case Place::constant:
            return constant(k, g_[id].value());
        case Place::seed:
            return seed(k, id, map, g_[id].shape);
        case Place::buffer:
            return load(k, buffer_[s], map, g_[id].shape);
        case Place::inlined:
            break;
        }
        return expand(k, id, map);
    }

    // Node `id`'s own op applied at index map(loop), its operands fused or loaded.
    int expand(Kernel& k, NodeId id, const AffineMap& map) {
        for (const Memo& m : memo_)
            if (m.node == id && same_map(m.map, map))
                return m.value;
        const Node n = g_[id];
        int result = -1;
        switch (info(n.op).kind) {
        case OpKind::elementwise: {
            if (spell_out_logistic_ && (n.op == Op::Sigmoid || n.op == Op::Softplus)) {
                result = logistic(k, n.op, value(k, n.args[0], map));
                break;
            }
            Value v;
            v.kind = Value::Kind::apply;
            v.op = n.op;
            for (int i = 0; i < n.arity; ++i)
                v.args[u(i)] = value(k, n.args[u(i)], map);
            result = push(k, v);
            break;
        }
        case OpKind::view: { // index arithmetic; guards (padding) become conditionals
            const IndexPlan p = index_plan(g_, n);
            std::vector<Access> guards; // those that fail somewhere in the kernel's domain
            bool never = false;
            for (int gi = 0; gi < p.guard_count; ++gi) {
                const Access form = guard_form(p.guards[u(gi)], map);
                std::int64_t least = form.base, most = form.base;
                for (int j = 0; j < k.domain.rank(); ++j) {
                    const std::int64_t span = std::int64_t{form.step[u(j)]} * (k.domain[j] - 1);
                    least += std::min<std::int64_t>(0, span);
                    most += std::max<std::int64_t>(0, span);
                }
                const bool counters = form.counter != decltype(form.counter){};
                never = never || (!counters && most < 0);
                if (counters || least < 0)
                    guards.push_back(form);
            }
            if (never) { // reads nothing here: its operand is not even computed
                result = constant(k, 0.0);
                break;
            }
            result = value(k, n.args[0], compose(p.in[0], map));
            for (const Access& form : guards) {
                Value v;
                v.kind = Value::Kind::guard;
                v.at = form;
                v.args = {result, 0, 0};
                result = push(k, v);
            }
            break;
        }
        case OpKind::flat: { // same flat index into the operand's buffer
            const NodeId a = n.args[0];
            if (g_[a].op == Op::Const)
                result = constant(k, g_[a].value());
            else if (g_[a].op == Op::Seed)
                result = seed(k, a, map, n.shape);
            else
                result = load(k, buffer_[slot(a)], map, n.shape);
            break;
        }
        case OpKind::reduce:
            if (const std::optional<AffineMap> inv = single_term_map(n)) {
                const IndexPlan p = index_plan(g_, n);
                const AffineMap at = compose(*inv, map); // the loop index of this element
                result = value(k, n.args[0], compose(p.in[0], at));
                if (p.body == Body::product) {
                    Value v;
                    v.kind = Value::Kind::apply;
                    v.op = Op::Mul;
                    v.args = {result, value(k, n.args[1], compose(p.in[1], at)), 0};
                    result = push(k, v);
                }
                break;
            }
            [[fallthrough]];
        case OpKind::leaf:
        case OpKind::loop:
            throw Error("internal error: cannot fuse " + std::string(name(n.op)));
        }
        memo_.push_back({id, map, result});
        return result;
    }

    Kernel kernel_for(std::size_t s) {
        const NodeId id = nodes_[s];
        const Node n = g_[id];
        Kernel k;
        k.node = id;
        memo_.clear();
        const int out = buffer_[s];
        const OpKind kind = info(n.op).kind;
        if (kind == OpKind::view || kind == OpKind::reduce) {
            const IndexPlan p = index_plan(g_, n);
            k.domain = p.domain;
            k.combine = p.combine;
            for (int j = 0; j < p.domain.rank(); ++j)
                if (p.combine != Combine::assign && p.is_reduced(j))
                    k.reduced |= static_cast<std::uint8_t>(1u << j);
            for (int gi = 0; gi < p.guard_count; ++gi) {
                const Guard& pg = p.guards[u(gi)];
                KernelGuard kg;
                std::copy(pg.coef.begin(), pg.coef.end(), kg.coef.begin());
                kg.constant = static_cast<Index>(pg.constant);
                k.guards.push_back(kg);
            }
            const int a = value(k, n.args[0], p.in[0]);
            if (p.body == Body::product) {
                Value v;
                v.kind = Value::Kind::apply;
                v.op = Op::Mul;
                v.args = {a, value(k, n.args[1], p.in[1]), 0};
                k.result = push(k, v);
            } else {
                k.result = a;
            }
            k.out = linearize(out, p.out, n.shape);
            if (const int e = softmax_of_[s]; e >= 0)
                k.side = linearize(buffer_[u(e)], p.in[0], g_[nodes_[u(e)]].shape);
        } else if (kind == OpKind::loop && n.loop().colours) {
            k = recovery_kernel(id, out);
        } else if (kind == OpKind::loop) { // the body's value for this direction, into its slice
            const Shape body = g_[n.args[0]].shape;
            const auto directions = g_[n.args[1]].shape.size();
            const AffineMap id_map = AffineMap::identity(body.rank());
            k.domain = body;
            k.result = value(k, n.args[0], id_map);
            k.out = linearize(out, id_map, body);
            const bool last = n.loop().seed_axes_last;
            if (last)
                for (auto& step : k.out.step)
                    step *= directions;
            k.out.counter[u(prog_.loops[u(loop_index_.at(id))].depth)] = last ? 1 : body.size();
        } else {
            const AffineMap id_map = AffineMap::identity(n.shape.rank());
            k.domain = n.shape;
            k.result = expand(k, id, id_map);
            k.out = linearize(out, id_map, n.shape);
        }
        return k;
    }

    // A compressed Jacobian loop's store: iteration k holds, at body element i, the
    // column (or row) j of colour k for every j within the band of i. Loops run over
    // (m, w) with j = k + colours m and i = j - band + w; out-of-range pairs are skipped.
    Kernel recovery_kernel(NodeId id, int out) {
        const Node n = g_[id];
        const LoopSpec& spec = n.loop();
        const NodeId body = n.args[0];
        const auto seeds = static_cast<Index>(g_[n.args[1]].shape.size());
        const auto width = static_cast<Index>(g_[body].shape.size());
        const Index c = spec.colours, b = spec.band;
        const auto depth = u(prog_.loops[u(loop_index_.at(id))].depth);
        Kernel k;
        k.node = id;
        k.domain = Shape{(seeds + c - 1) / c, 2 * b + 1};
        k.skip = true;
        KernelGuard j_in, i_low, i_high; // j < seeds, 0 <= i < width
        j_in.coef = {-c, 0, 0, 0};
        j_in.counter[depth] = -1;
        j_in.constant = seeds - 1;
        i_low.coef = {c, 1, 0, 0};
        i_low.counter[depth] = 1;
        i_low.constant = -b;
        i_high.coef = {-c, -1, 0, 0};
        i_high.counter[depth] = -1;
        i_high.constant = width - 1 + b;
        k.guards = {j_in, i_low, i_high};
        Access at_i; // body element i = c m + w + k - b
        at_i.base = -b;
        at_i.step = {c, 1, 0, 0};
        at_i.counter[depth] = 1;
        const NodeId held = flat_source(body); // same elements, same order
        const std::size_t sb = slot(held);
        if (place_[sb] == Place::constant) {
            k.result = constant(k, g_[held].value());
        } else if (place_[sb] == Place::seed) {
            Value v;
            v.kind = Value::Kind::seed;
            v.at = at_i;
            v.depth = static_cast<int>(depth);
            v.directions = c;
            v.colours = c;
            k.result = push(k, v);
        } else {
            Value v;
            v.kind = Value::Kind::load;
            v.at = at_i;
            v.at.buffer = buffer_[sb];
            if (prog_.buffers[u(buffer_[sb])].kind == Buffer::Kind::input)
                prog_.param_used[u(prog_.buffers[u(buffer_[sb])].index)] = true;
            k.result = push(k, v);
        }
        // Result element (i, j): [j, i] with the seed's axis first, [i, j] with it last.
        k.out.buffer = out;
        if (spec.seed_axes_last) {
            k.out.base = -b * seeds;
            k.out.step = {c * seeds + c, seeds, 0, 0};
            k.out.counter[depth] = seeds + 1;
        } else {
            k.out.base = -b;
            k.out.step = {c * width + c, 1, 0, 0};
            k.out.counter[depth] = width + 1;
        }
        return k;
    }

    // The node whose elements `id` holds in the same row-major order (through reshapes).
    NodeId flat_source(NodeId id) const {
        while (info(g_[id].op).kind == OpKind::flat)
            id = g_[id].args[0];
        return id;
    }

    // Axes of extent 1 have index 0: drop them from every access and guard; guards that
    // hold on the whole domain are dropped too.
    static void normalize(Kernel& k) {
        auto strip = [&](std::array<Index, Shape::max_rank>& step) {
            for (int j = 0; j < k.domain.rank(); ++j)
                if (k.domain[j] == 1)
                    step[u(j)] = 0;
        };
        for (Value& v : k.body)
            if (v.kind == Value::Kind::load || v.kind == Value::Kind::seed || v.kind == Value::Kind::guard)
                strip(v.at.step);
        strip(k.out.step);
        strip(k.side.step);
        for (KernelGuard& gd : k.guards)
            strip(gd.coef);
        std::erase_if(k.guards, [&](const KernelGuard& gd) {
            if (gd.counter != decltype(gd.counter){})
                return false; // depends on a Jacobian loop's counter: keep
            std::int64_t least = gd.constant; // the guard's minimum over the domain
            for (int j = 0; j < k.domain.rank(); ++j)
                least += std::min<std::int64_t>(0, gd.coef[u(j)] * (k.domain[j] - 1));
            return least >= 0;
        });
    }

    // Inside a Jacobian loop, sum_j P(j) * e_k[j] = P(k): a reduced axis that a one-hot
    // seed factor pins to the loop counter disappears (A @ e_k reads column k of A
    // instead of a dot product per element).
    void pin_one_hot_axes(Kernel& k) const {
        if (k.combine != Combine::sum || k.result < 0)
            return;
        // Values the result is a product of (following Mul only).
        std::vector<std::uint8_t> factor(k.body.size(), 0);
        factor[u(k.result)] = 1;
        for (std::size_t i = k.body.size(); i-- > 0;)
            if (factor[i] && k.body[i].kind == Value::Kind::apply && k.body[i].op == Op::Mul)
                for (int a = 0; a < 2; ++a)
                    factor[u(k.body[i].args[u(a)])] = 1;
        for (std::size_t i = 0; i < k.body.size(); ++i) {
            const Value& v = k.body[i];
            if (!factor[i] || v.kind != Value::Kind::seed || v.at.base != 0 || v.colours)
                continue;
            int axis = -1, terms = 0;
            for (int j = 0; j < k.domain.rank(); ++j)
                if (v.at.step[u(j)] != 0) {
                    axis = j;
                    ++terms;
                }
            if (terms != 1 || v.at.step[u(axis)] != 1 || !((k.reduced >> axis) & 1u) ||
                k.domain[axis] != v.directions)
                continue;
            auto pin = [&](Access& a) { // index axis -> the loop counter
                a.counter[u(v.depth)] += a.step[u(axis)];
                a.step[u(axis)] = 0;
            };
            for (Value& w : k.body)
                if (w.kind == Value::Kind::load || w.kind == Value::Kind::seed ||
                    w.kind == Value::Kind::guard)
                    pin(w.at);
            k.body[i] = Value{}; // e_k[k] = 1
            k.body[i].constant = 1.0;
            k.domain = k.domain.with(axis, 1);
            return;
        }
    }

    Kernel fill_kernel(NodeId id, int out, double value) {
        Kernel k;
        k.node = id;
        const AffineMap id_map = AffineMap::identity(g_[id].shape.rank());
        k.domain = g_[id].shape;
        k.result = constant(k, value);
        k.out = linearize(out, id_map, g_[id].shape);
        return k;
    }

    Kernel copy_kernel(NodeId id, int out) {
        Kernel k;
        k.node = id;
        memo_.clear();
        const Node& n = g_[id];
        const AffineMap id_map = AffineMap::identity(n.shape.rank());
        k.domain = n.shape;
        k.result = n.op == Op::Const ? constant(k, n.value()) : load(k, buffer_[slot(id)], id_map, n.shape);
        k.out = linearize(out, id_map, n.shape);
        return k;
    }

    std::vector<Step>& steps_of(int region) {
        return region == top ? prog_.steps : prog_.loops[u(region)].steps;
    }

    void build_steps() {
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            const Op op = g_[nodes_[s]].op;
            if (place_[s] != Place::buffer || op == Op::Input || lse_of_[s] >= 0)
                continue; // (a softmax is stored by its logsumexp's kernel)
            if (info(op).kind == OpKind::flat && buffer_[s] == buffer_[slot(flat_source(nodes_[s]))])
                continue; // a reshape of a node computed in place (see assign_buffers)
            Kernel k = kernel_for(s);
            if (shares_logistic_base(k)) { // again, sharing e = exp(-|x|) (logistic())
                spell_out_logistic_ = true;
                k = kernel_for(s);
                spell_out_logistic_ = false;
            }
            if (region_[s] != top)
                pin_one_hot_axes(k);
            normalize(k);
            if (op == Op::SeedLoop) { // the last step of its own body, then the loop itself
                const int loop = loop_index_.at(nodes_[s]);
                steps_of(loop).push_back({std::move(k), -1});
                if (g_[nodes_[s]].loop().colours) { // the band is all a compressed loop writes
                    Kernel zero = fill_kernel(nodes_[s], buffer_[s], 0.0);
                    normalize(zero);
                    steps_of(region_[s]).push_back({std::move(zero), -1});
                }
                steps_of(region_[s]).push_back({Kernel{}, loop});
            } else {
                steps_of(region_[s]).push_back({std::move(k), -1});
            }
        }
        for (const auto& [id, out] : copies_) {
            Kernel k = copy_kernel(id, out);
            normalize(k);
            prog_.steps.push_back({std::move(k), -1});
        }
    }

    // A kernel whose buffer nothing reads is dropped (with the kernels only it read): a
    // padded view that reads nothing where it is used leaves its operand unread, and an
    // unread local would not compile under -Werror.
    void drop_unread_kernels() {
        for (bool changed = true; changed;) {
            changed = false;
            std::vector<bool> read(prog_.buffers.size(), false);
            prog_.for_each_kernel([&](const Kernel& k) {
                for (const Value& v : k.body)
                    if (v.kind == Value::Kind::load)
                        read[u(v.at.buffer)] = true;
            });
            auto unread = [&](const Access& a) {
                if (a.buffer < 0)
                    return true;
                const Buffer& b = prog_.buffers[u(a.buffer)];
                return (b.kind == Buffer::Kind::work || b.kind == Buffer::Kind::local) && !read[u(a.buffer)];
            };
            auto dead = [&](const Step& step) {
                return step.loop < 0 && unread(step.kernel.out) && unread(step.kernel.side);
            };
            changed = std::erase_if(prog_.steps, dead) > 0;
            for (Loop& loop : prog_.loops)
                changed = std::erase_if(loop.steps, dead) > 0 || changed;
        }
        // Buffers no kernel writes any more go (they would be unused variables).
        std::vector<bool> written(prog_.buffers.size(), false);
        prog_.for_each_kernel([&](const Kernel& k) {
            written[u(k.out.buffer)] = true;
            if (k.side.buffer >= 0)
                written[u(k.side.buffer)] = true;
        });
        std::vector<int> renumber(prog_.buffers.size(), -1);
        std::vector<Buffer> kept;
        for (std::size_t b = 0; b < prog_.buffers.size(); ++b) {
            const Buffer::Kind kind = prog_.buffers[b].kind;
            if (written[b] || (kind != Buffer::Kind::work && kind != Buffer::Kind::local)) {
                renumber[b] = static_cast<int>(kept.size());
                kept.push_back(prog_.buffers[b]);
            }
        }
        prog_.buffers = std::move(kept);
        auto renumber_steps = [&](std::vector<Step>& steps) {
            for (Step& step : steps) {
                if (step.loop >= 0)
                    continue;
                step.kernel.out.buffer = renumber[u(step.kernel.out.buffer)];
                if (step.kernel.side.buffer >= 0)
                    step.kernel.side.buffer = renumber[u(step.kernel.side.buffer)];
                for (Value& v : step.kernel.body)
                    if (v.kind == Value::Kind::load)
                        v.at.buffer = renumber[u(v.at.buffer)];
            }
        };
        renumber_steps(prog_.steps);
        for (Loop& loop : prog_.loops)
            renumber_steps(loop.steps);
        std::fill(prog_.param_used.begin(), prog_.param_used.end(), false);
        prog_.for_each_kernel([&](const Kernel& k) {
            for (const Value& v : k.body)
                if (v.kind == Value::Kind::load && prog_.buffers[u(v.at.buffer)].kind == Buffer::Kind::input)
                    prog_.param_used[u(prog_.buffers[u(v.at.buffer)].index)] = true;
        });
    }

    // --- work array: first fit by liveness over the steps in execution order

    struct Span {
        std::int64_t first = -1, last = -1;
    };

    // Numbers kernels in execution order; a buffer read inside a loop but written before
    // it lives to the loop's end, one written inside and read after lives from its start.
    void time_steps(const std::vector<Step>& steps, std::int64_t& t, std::vector<Span>& life) {
        for (const Step& step : steps) {
            if (step.loop < 0) {
                const Kernel& k = step.kernel;
                for (const Access* w : {&k.out, &k.side}) {
                    if (w->buffer < 0)
                        continue;
                    Span& span = life[u(w->buffer)];
                    if (span.first < 0)
                        span.first = t;
                    span.last = std::max(span.last, t);
                }
                for (const Value& v : k.body)
                    if (v.kind == Value::Kind::load)
                        life[u(v.at.buffer)].last = std::max(life[u(v.at.buffer)].last, t);
                ++t;
                continue;
            }
            const std::int64_t start = t;
            std::vector<Span> inner(life.size());
            time_steps(prog_.loops[u(step.loop)].steps, t, inner);
            const std::int64_t end = t - 1;
            for (std::size_t b = 0; b < life.size(); ++b) {
                if (inner[b].last < 0)
                    continue;
                const bool outside_before = life[b].first >= 0;
                if (!outside_before)
                    life[b].first = inner[b].first;
                life[b].last = std::max(life[b].last, outside_before ? end : inner[b].last);
                if (!outside_before && inner[b].first >= 0)
                    inner_written_[b] = {start, end};
            }
        }
    }

    void assign_work_offsets() {
        std::vector<Span> life(prog_.buffers.size());
        std::int64_t t = 0;
        time_steps(prog_.steps, t, life);
        for (const auto& [b, loop] : inner_written_) // read after its loop: live throughout it
            if (life[b].last > loop.last)
                life[b].first = loop.first;
        std::vector<std::size_t> order;
        for (std::size_t b = 0; b < prog_.buffers.size(); ++b)
            if (prog_.buffers[b].kind == Buffer::Kind::work)
                order.push_back(b);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return life[a].first < life[b].first; });
        // Best fit over the free blocks, freed as their buffers die: O(log n) a buffer (a
        // scan of the live buffers made gen quadratic on long chains).
        using Block = std::pair<std::int64_t, std::int64_t>; // (offset, size)
        std::map<std::int64_t, std::int64_t> free_at;       // offset -> size, coalesced
        std::set<std::pair<std::int64_t, std::int64_t>> by_size; // (size, offset)
        auto release = [&](std::int64_t offset, std::int64_t size) {
            auto next = free_at.lower_bound(offset);
            if (next != free_at.end() && offset + size == next->first) { // merge the next
                size += next->second;
                by_size.erase({next->second, next->first});
                next = free_at.erase(next);
            }
            if (next != free_at.begin()) { // merge the previous
                const auto prev = std::prev(next);
                if (prev->first + prev->second == offset) {
                    by_size.erase({prev->second, prev->first});
                    offset = prev->first;
                    size += prev->second;
                    free_at.erase(prev);
                }
            }
            free_at[offset] = size;
            by_size.insert({size, offset});
        };
        using Death = std::pair<std::int64_t, Block>; // (last step, block)
        std::priority_queue<Death, std::vector<Death>, std::greater<>> dying;
        std::int64_t end = 0; // the work array's size so far
        for (std::size_t b : order) {
            Buffer& buf = prog_.buffers[b];
            const std::int64_t now = life[b].first;
            while (!dying.empty() && dying.top().first < now) {
                release(dying.top().second.first, dying.top().second.second);
                dying.pop();
            }
            std::int64_t offset = end;
            if (const auto fit = by_size.lower_bound({buf.size, 0}); fit != by_size.end()) {
                const auto [size, at] = *fit;
                offset = at;
                by_size.erase(fit);
                free_at.erase(at);
                if (size > buf.size) {
                    free_at[at + buf.size] = size - buf.size;
                    by_size.insert({size - buf.size, at + buf.size});
                }
            } else if (!free_at.empty() && std::prev(free_at.end())->first +
                                                   std::prev(free_at.end())->second == end) {
                const auto last = std::prev(free_at.end()); // grow the free tail
                offset = last->first;
                by_size.erase({last->second, last->first});
                free_at.erase(last);
            }
            buf.offset = offset;
            end = std::max(end, offset + buf.size);
            dying.push({life[b].last, {offset, buf.size}});
            prog_.work_size = std::max(prog_.work_size, end);
        }
    }

    struct Memo {
        NodeId node;
        AffineMap map;
        int value;
    };

    const Graph& g_;
    const Function& fn_;
    std::vector<NodeId> nodes_; // reachable from the results, ascending
    std::vector<int> slot_;     // node id -> index into nodes_
    std::vector<Place> place_;
    std::vector<int> buffer_;   // per slot: the buffer holding the node's value
    std::vector<int> region_;   // per slot: the loop it runs in, or `top`
    std::vector<std::uint8_t> single_term_; // per slot: a sum of one term (single_term_map)
    std::vector<int> softmax_of_; // per logsumexp slot: the slot of the softmax its kernel stores, or -1
    std::vector<int> lse_of_;     // per softmax slot: the slot of the logsumexp storing it, or -1
    std::map<NodeId, int> loop_index_; // SeedLoop node -> index into prog_.loops
    std::vector<std::pair<NodeId, int>> copies_; // results copied into output buffers
    std::map<std::size_t, Span> inner_written_;  // buffers first written inside a loop
    std::vector<Memo> memo_;    // per kernel: fused values already built
    bool spell_out_logistic_ = false; // see logistic()
    Program prog_;
};

} // namespace

Program lower(const Graph& g, const Function& fn) { return Lowering(g, fn).run(); }

} // namespace symdiff::codegen
