// Derivatives through the model's loops (ops::Fold), symbol to symbol: each rule builds
// loops again, with bodies made by the sweeps, so a derivative of a derivative goes
// through the same rules and no loop is ever unrolled.
//
// A fold runs c_{t+1} = F(c_t, x_t) for t = 0..T-1 (or down from T-1 in a reverse loop),
// where F is the loop's body: a sub-graph of the same graph that reads the loop's carry
// placeholder, its elements x_t = elem(xs) and values from outside (weights).
//
// Reverse mode (fold_vjp), for the adjoint G of the loop's result:
//   1. the carries c_t before each step are kept: a scan of the same body (mode before);
//   2. a reverse loop carries a_t, the adjoint of c_t, with the adjoints of the weights
//      packed beside it (one flat carry): a_t = vjp_c F(c_t, x_t; a_{t+1} + G_t), and
//      each weight's adjoint gains vjp_w F at every step; a_0 is init's adjoint;
//   3. for a sequence xs, x_t's adjoint needs the step's cotangent: the reverse loop's
//      carries are kept too (a scan of a_{t+1}), and a map over t (a loop whose carry is
//      not read) stacks vjp_x F(c_t, x_t; a_{t+1} + G_t).
// Forward mode (fold_jvp) is one loop whose carry packs c and its tangent.
#include "core/sweeps.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <bit>

namespace symdiff {

Expr substitute(const Expr& root, std::span<const Replacement> replace) {
    if (root.is_literal() || replace.empty())
        return root;
    NodeId from = root.id() + 1;
    for (const Replacement& r : replace)
        from = std::min(from, r.from);
    if (root.id() < from)
        return root;
    Graph& g = root.graph();
    // Only what root reaches is made again: another node between may read a replaced
    // node too (a loop that shares a carry with the one rebound), and is not ours to copy.
    std::vector<std::uint8_t> reached(root.id() - from + 1, 0), replaced(root.id() - from + 1, 0);
    for (const Replacement& r : replace)
        if (r.from <= root.id())
            replaced[r.from - from] = 1;
    reached.back() = 1;
    for (NodeId id = root.id() + 1; id-- > from;)
        if (reached[id - from] && !replaced[id - from])
            for (NodeId a : g[id].operands())
                if (a >= from)
                    reached[a - from] = 1;
    std::vector<NodeId> now(root.id() - from + 1, no_node); // by id - from: the new node
    for (const Replacement& r : replace)
        if (r.from <= root.id())
            now[r.from - from] = r.to;
    for (NodeId id = from; id <= root.id(); ++id) {
        if (now[id - from] != no_node || !reached[id - from])
            continue;
        const Node n = g[id];
        bool changed = false;
        std::array<NodeId, 3> args = n.args;
        for (std::size_t k = 0; k < n.arity; ++k)
            if (args[k] >= from && now[args[k] - from] != no_node) {
                args[k] = now[args[k] - from];
                changed = true;
            }
        if (changed)
            now[id - from] = g.make(n.op, std::span<const NodeId>(args.data(), n.arity), n.payload(), n.shape);
    }
    const NodeId r = now[root.id() - from];
    return r == no_node ? root : Expr(g, r);
}

namespace {

// What a fold's body is made of.
struct LoopBody {
    std::vector<NodeId> elems;   // its elements (elem nodes of the loop)
    std::vector<NodeId> outside; // the values its iterations read from outside the loop
};

// The nodes evaluated at every step are those that depend on the loop's placeholders,
// and the bodies of loops nested among them (whatever those read); everything else the
// body reaches is outside: a weight, a value of an enclosing loop's step, a constant.
LoopBody body_of(const Graph& g, NodeId loop) {
    const Node& l = g[loop];
    const NodeId root = l.args[0];
    const int id = g[l.args[1]].seed_id();
    const NodeId roots[] = {root, l.args[1]};
    const std::vector<NodeId> nodes = reachable(g, roots);
    const std::vector<LoopSet> free = free_seeds(g, nodes);
    LoopBody b;
    LoopSet inside = free[l.args[1]]; // the bits of the loops that run per step
    std::vector<std::uint8_t> seen(root + 1, 0), is_outside(root + 1, 0);
    seen[root] = 1;
    for (NodeId n = root + 1; n-- > 0;) {
        if (!seen[n])
            continue;
        const Node& node = g[n];
        if ((free[n] & inside).none()) { // constant over the loop's steps
            if (!node.is_const() && !is_outside[n]) {
                b.outside.push_back(n);
                is_outside[n] = 1;
            }
            continue;
        }
        if (runs_body(info(node.op).kind))
            inside |= free[node.args[1]];
        if (node.op == Op::Elem && node.seed_id() == id) {
            b.elems.push_back(n);
            continue; // its sequence is the elements' concern, not a value read whole
        }
        for (NodeId a : node.operands())
            seen[a] = 1;
    }
    std::sort(b.elems.begin(), b.elems.end());
    std::sort(b.outside.begin(), b.outside.end());
    return b;
}

Expr flat(const Expr& x) { return reshape(x, Shape{x.shape().size()}); }

// Elements [offset, offset + shape's size) of a flat vector, in `shape`.
Expr unpack(const Expr& packed, std::int64_t offset, const Shape& shape) {
    SliceSpec window;
    window.start[0] = static_cast<std::int32_t>(offset);
    window.stop[0] = static_cast<std::int32_t>(offset + shape.size());
    return reshape(slice(packed, window), shape);
}

// Columns [offset, offset + shape's size) of each row of a scan of flat carries, each
// row in `shape`: the result [T, shape...].
Expr unpack_rows(const Expr& rows, std::int64_t offset, const Shape& shape) {
    SliceSpec window;
    window.stop[0] = static_cast<std::int32_t>(rows.shape()[0]);
    window.start[1] = static_cast<std::int32_t>(offset);
    window.stop[1] = static_cast<std::int32_t>(offset + shape.size());
    return reshape(slice(rows, window), shape.inserted(0, rows.shape()[0]));
}

Expr pack(std::span<const Expr> parts) {
    std::vector<Expr> flats;
    for (const Expr& p : parts)
        flats.push_back(flat(p));
    return flats.size() == 1 ? flats[0] : concat(flats);
}

Expr node(Graph& g, NodeId id) { return Expr(g, id); }

// Step t of the loop as a new loop `into` sees it: the body with the carry replaced by
// `carry` and each element by the same sequence's element of `into`.
struct Step {
    Expr body;
    std::vector<Expr> elems; // by LoopBody::elems
};

Step rebind(Graph& g, NodeId loop, const LoopBody& b, const Expr& carry, int into) {
    const Node l = g[loop];
    std::vector<Replacement> replace{{l.args[1], carry.id()}};
    Step s;
    for (NodeId e : b.elems) {
        const Expr fresh = elem(node(g, g[e].args[0]), SeedRef{into});
        replace.push_back({e, fresh.id()});
        s.elems.push_back(fresh);
    }
    s.body = substitute(node(g, l.args[0]), replace);
    return s;
}

// The name of a derivative's loop (Graph::carry(shape, key)): what it is (`purpose`), of
// which loop, along which cotangent or tangents. Deriving the same thing again builds the
// same nodes, so two gradients of one loss by different variables share one reverse loop.
class LoopName {
  public:
    LoopName(int purpose, NodeId loop) : h_(0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(purpose + 1)) {
        add(loop);
    }
    LoopName& add(std::uint64_t v) {
        h_ = (h_ ^ v) * 0xBF58476D1CE4E5B9ull;
        h_ ^= h_ >> 31;
        return *this;
    }
    LoopName& add(const Expr& e) {
        return e.is_literal() ? add(std::bit_cast<std::uint64_t>(e.literal())).add(1) : add(e.id()).add(2);
    }
    std::uint64_t key() const { return h_; }

  private:
    std::uint64_t h_;
};

Expr or_zeros(Graph& g, const Expr& e, const Shape& shape) {
    if (e.is_literal())
        return constant(g, e.literal(), shape);
    return e;
}

} // namespace

std::vector<Contribution> fold_vjp(Graph& g, NodeId loop, const Expr& adjoint,
                                   const std::function<bool(NodeId)>& wanted) {
    const Node l = g[loop];
    const FoldSpec spec = l.fold();
    const NodeId init = l.args[2];
    const Shape cs = g[init].shape;
    std::vector<Contribution> out;
    if (spec.count == 0) { // the result is init
        if (wanted(init))
            out.push_back({init, adjoint});
        return out;
    }
    const LoopBody b = body_of(g, loop);
    // Every value the body reads from outside gets its adjoint, wanted or not: then the
    // reverse loop does not depend on which variables the sweep is by, and the gradients
    // of one loss by several variables share it (LoopName).
    const std::vector<NodeId>& weights = b.outside;
    std::vector<std::size_t> sequences; // indices into b.elems whose sequence is wanted
    for (std::size_t j = 0; j < b.elems.size(); ++j)
        if (wanted(g[b.elems[j]].args[0]))
            sequences.push_back(j);
    const bool scan = spec.mode != FoldMode::last;

    // 1. The carries before each step.
    const Expr carries = fold_loop(node(g, l.args[0]), node(g, l.args[1]), node(g, init),
                                   FoldSpec{spec.count, FoldMode::before, spec.reverse});
    const FoldSpec back{spec.count, FoldMode::last, !spec.reverse};

    // The cotangent of step t's result, given the adjoint carry a_{t+1} and the loop's
    // elements of loop `into` (G_t: a scan's result at t adds to it).
    auto step_cotangent = [&](const Expr& a, int into) {
        if (spec.mode != FoldMode::after)
            return a;
        return a + elem(adjoint, SeedRef{into});
    };
    // Adjoints of step t, for loop `into` whose carry placeholder is given: by the step's
    // carry, by the weights, and by its elements (all leaves of the sweep: an element
    // whose sequence depends on a weight passes its adjoint to the sequence, whose own
    // adjoint the sweep below carries on to the weight).
    struct StepAdjoints {
        Expr carry;
        std::vector<Expr> weights, elems;
    };
    auto step_adjoints = [&](const Expr& a, const Expr& carry_placeholder) {
        const int into = g[carry_placeholder.id()].seed_id();
        const Expr c = elem(carries, SeedRef{into});
        const Step s = rebind(g, loop, b, c, into);
        std::vector<Expr> wrt{c};
        for (NodeId w : weights)
            wrt.push_back(node(g, w));
        wrt.insert(wrt.end(), s.elems.begin(), s.elems.end());
        const std::vector<Expr> adj = reverse_sweep(s.body, wrt, step_cotangent(a, into), Sweep::stop);
        const auto w_end = adj.begin() + 1 + static_cast<std::ptrdiff_t>(weights.size());
        return StepAdjoints{adj[0], std::vector<Expr>(adj.begin() + 1, w_end), std::vector<Expr>(w_end, adj.end())};
    };
    auto next_adjoint = [&](const Expr& carry_adjoint, int into) {
        Expr next = or_zeros(g, carry_adjoint, cs);
        if (spec.mode == FoldMode::before)
            next = next + elem(adjoint, SeedRef{into});
        return next;
    };
    const Expr a_init = scan ? zeros(g, cs) : adjoint;

    // 2. The reverse loop: a_t, and the weights' adjoints packed beside it.
    {
        std::int64_t width = cs.size();
        for (NodeId w : weights)
            width += g[w].shape.size();
        const Expr packed(g, g.carry(Shape{width}, LoopName(1, loop).add(adjoint).key()));
        const int into = g[packed.id()].seed_id();
        const Expr a = unpack(packed, 0, cs);
        const StepAdjoints s = step_adjoints(a, packed);
        std::vector<Expr> parts{next_adjoint(s.carry, into)}, starts{a_init};
        std::int64_t offset = cs.size();
        for (std::size_t k = 0; k < weights.size(); ++k) {
            const Shape ws = g[weights[k]].shape;
            parts.push_back(unpack(packed, offset, ws) + or_zeros(g, s.weights[k], ws));
            starts.push_back(zeros(g, ws));
            offset += ws.size();
        }
        const Expr result = fold_loop(pack(parts), packed, pack(starts), back);
        if (wanted(init))
            out.push_back({init, unpack(result, 0, cs)});
        offset = cs.size();
        for (NodeId w : weights) {
            if (wanted(w))
                out.push_back({w, unpack(result, offset, g[w].shape)});
            offset += g[w].shape.size();
        }
    }
    if (sequences.empty())
        return out;

    // 3. The adjoint carries a_{t+1} at each step t (a loop of a alone: the weights'
    // adjoints are not kept per step), then one map per sequence.
    const Expr a_carry(g, g.carry(cs, LoopName(2, loop).add(adjoint).key()));
    const StepAdjoints sa = step_adjoints(a_carry, a_carry);
    const Expr a_next = fold_loop(next_adjoint(sa.carry, g[a_carry.id()].seed_id()), a_carry, a_init,
                                  FoldSpec{spec.count, FoldMode::before, !spec.reverse});
    for (std::size_t j : sequences) {
        const NodeId xs = g[b.elems[j]].args[0];
        const Shape row = g[b.elems[j]].shape;
        const Expr unread(g, g.carry(row, LoopName(3, loop).add(adjoint).add(j).key())); // a map: not read
        const int into = g[unread.id()].seed_id();
        const StepAdjoints s = step_adjoints(elem(a_next, SeedRef{into}), unread);
        const Expr rows = fold_loop(or_zeros(g, s.elems[j], row), unread, zeros(g, row),
                                    FoldSpec{spec.count, FoldMode::after, spec.reverse});
        out.push_back({xs, rows});
    }
    return out;
}

std::optional<Expr> fold_jvp(Graph& g, NodeId loop,
                             const std::function<std::optional<Expr>(NodeId)>& tangent_of) {
    const Node l = g[loop];
    const FoldSpec spec = l.fold();
    const NodeId init = l.args[2];
    const Shape cs = g[init].shape;
    const std::optional<Expr> init_t = tangent_of(init);
    if (spec.count == 0)
        return init_t;
    const LoopBody b = body_of(g, loop);
    std::vector<std::pair<NodeId, Expr>> moving; // outside values and sequences, with tangents
    for (NodeId w : b.outside)
        if (auto t = tangent_of(w))
            moving.emplace_back(w, *t);
    std::vector<std::pair<std::size_t, Expr>> sequences;
    for (std::size_t j = 0; j < b.elems.size(); ++j)
        if (auto t = tangent_of(g[b.elems[j]].args[0]))
            sequences.emplace_back(j, *t);
    if (!init_t && moving.empty() && sequences.empty())
        return std::nullopt;

    // One loop whose carry packs c and its tangent.
    const std::int64_t m = cs.size();
    LoopName name(4, loop);
    name.add(init_t ? *init_t : Expr(0.0));
    for (const auto& [w, t] : moving)
        name.add(w).add(t);
    for (const auto& [j, t] : sequences)
        name.add(j).add(t);
    const Expr packed(g, g.carry(Shape{2 * m}, name.key()));
    const int into = g[packed.id()].seed_id();
    const Expr c = unpack(packed, 0, cs), dc = unpack(packed, m, cs);
    const Step s = rebind(g, loop, b, c, into);
    std::vector<Expr> xs{c}, ts{dc};
    for (const auto& [w, t] : moving) {
        xs.push_back(node(g, w));
        ts.push_back(t);
    }
    for (const auto& [j, t] : sequences) {
        xs.push_back(s.elems[j]);
        ts.push_back(elem(t, SeedRef{into}));
    }
    const Expr dbody = forward_sweep(s.body, xs, ts);
    const Expr parts[] = {s.body, or_zeros(g, dbody, cs)};
    const Expr starts[] = {node(g, init), init_t ? *init_t : zeros(g, cs)};
    const Expr result = fold_loop(pack(parts), packed, pack(starts), spec);
    return spec.mode == FoldMode::last ? unpack(result, m, cs) : unpack_rows(result, m, cs);
}


Expr checkpointed(const Expr& loop, std::int32_t segment) {
    if (loop.is_literal() || loop.node().op != Op::Fold)
        return loop;
    Graph& g = loop.graph();
    const Node l = g[loop.id()];
    const FoldSpec spec = l.fold();
    if (spec.mode != FoldMode::last || spec.reverse || segment <= 0)
        return loop;
    const std::int32_t segments = spec.count / segment, left = spec.count % segment;
    if (segments + segment + left >= spec.count) // keeps as many carries as the plain fold
        return loop;
    const LoopBody b = body_of(g, loop.id());
    // The body on a new carry, each element read as row t of what `sequence` makes of its
    // sequence, t counting the steps of the loop `carry` belongs to.
    auto body_on = [&](const Expr& carry, const auto& sequence) {
        const SeedRef into{carry.node().seed_id()};
        std::vector<Replacement> replace{{l.args[1], carry.id()}};
        for (NodeId e : b.elems)
            replace.push_back({e, elem(sequence(node(g, g[e].args[0])), into).id()});
        return substitute(node(g, l.args[0]), replace);
    };
    const Shape cs = g[l.args[2]].shape;
    Expr start = node(g, l.args[2]);
    if (left > 0) { // the steps left over run first, so the segments end with the loop
        const Expr carry(g, g.carry(cs));
        const Expr body = body_on(carry, [&](const Expr& xs) { return xs[range(0, left)]; });
        start = fold_loop(body, carry, start, FoldSpec{left, FoldMode::last, false});
    }
    const Expr outer(g, g.carry(cs)), inner(g, g.carry(cs));
    const Expr steps = body_on(inner, [&](const Expr& xs) { // xs as [segments, segment, row...]
        const Shape blocks = xs.shape().with(0, segment).inserted(0, segments);
        const Expr rest = left > 0 ? xs[from(left)] : xs;
        return elem(reshape(rest, blocks), SeedRef{outer.node().seed_id()});
    });
    const Expr one_segment = fold_loop(steps, inner, outer, FoldSpec{segment, FoldMode::last, false});
    return fold_loop(one_segment, outer, start, FoldSpec{segments, FoldMode::last, false});
}

} // namespace symdiff
