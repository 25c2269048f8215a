// Derivatives through the model's loops (ops::Fold), symbol to symbol: each rule builds
// loops again, with bodies made by the sweeps, so a derivative of a derivative goes
// through the same rules and no loop is ever unrolled.
//
// A fold runs c_{t+1} = F(c_t, x_t) for t = 0..T-1 (or down from T-1 in a reverse loop),
// where F is the loop's body: a sub-graph of the same graph that reads the loop's carry
// placeholder, its elements x_t = elem(xs) and values from outside (weights).
//
// Reverse mode (fold_vjp), for the adjoint G of the loop's result:
//   1. a forward scan keeps, at each step, the carry after it and the values of the step
//      that its adjoints read (Linearized::kept: an LSTM's gates), so the reverse loop
//      does not run the step again; the loop itself is then read from the scan's rows
//      (share_loop_steps), so the forward pass runs once. Where the adjoints read only
//      the carry (an RK4 step's arithmetic is run again), the scan of the carries before
//      each step (mode before, the loop's own body) is that scan, and the code generator
//      runs it in the loop's own loop;
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

// One step of a loop as its reverse rule sees it, built once on placeholders of its own:
// the carry C, the elements and the cotangent A of the step's result, with the step's
// adjoints by C, by each weight (LoopBody::outside) and by each element. What those
// adjoints read of the step's own values (the gates of an LSTM cell, not the carry's
// adjoint) is `kept`: the forward scan stores them at every step beside the carry, and
// the reverse loop reads them back instead of running the step again.
struct Linearized {
    Expr carry, cotangent, result; // result: the step's body on `carry`
    std::vector<Expr> elems, adjoints, kept;
    std::vector<std::int64_t> at; // where each kept value is in a row (the result is its carry)
    std::int64_t width = 0;       // of a row
};

// Ops the reverse loop runs again rather than read back: an element or two of
// arithmetic, or moving elements, cost less than storing and loading their result (an
// LSTM keeps its gate g, not g * (1 - g) beside it).
bool cheap_again(Op op) {
    constexpr Op arithmetic[] = {Op::Neg, Op::Add, Op::Sub, Op::Mul, Op::StrongMul, Op::Relu, Op::Abs,
                                 Op::Sign, Op::Max, Op::Min, Op::Lt, Op::Le, Op::Gt, Op::Ge,
                                 Op::Eq, Op::Ne, Op::And, Op::Or, Op::Not, Op::Where};
    const OpKind k = info(op).kind;
    return k == OpKind::view || k == OpKind::flat || k == OpKind::element ||
           std::find(std::begin(arithmetic), std::end(arithmetic), op) != std::end(arithmetic);
}

Linearized linearize(Graph& g, NodeId loop, const LoopBody& b) {
    const Shape cs = g[g[loop].args[2]].shape;
    Linearized lin;
    lin.carry = Expr(g, g.carry(cs, LoopName(5, loop).key()));
    lin.cotangent = Expr(g, g.carry(cs, LoopName(6, loop).key()));
    const Step s = rebind(g, loop, b, lin.carry, lin.carry.node().seed_id());
    lin.result = s.body;
    lin.elems = s.elems;
    std::vector<Expr> wrt{lin.carry};
    for (NodeId w : b.outside)
        wrt.push_back(node(g, w));
    wrt.insert(wrt.end(), s.elems.begin(), s.elems.end());
    lin.adjoints = reverse_sweep(s.body, wrt, lin.cotangent, Sweep::stop);

    // A value of the step is kept if it does not read A, varies with the step, could run
    // in the forward loop (it reads no other loop's placeholder than the enclosing loops',
    // which the weights and the sequences read), is not cheap to run again, and is no loop
    // itself (a loop inside the step runs again, so that a checkpointed fold keeps one
    // carry per segment). What the reverse loop runs again is walked through to what it
    // reads.
    std::vector<NodeId> from_outside(b.outside.begin(), b.outside.end());
    for (NodeId e : b.elems)
        from_outside.push_back(g[e].args[0]);
    std::vector<NodeId> roots = from_outside;
    roots.push_back(lin.carry.id());
    roots.push_back(lin.cotangent.id());
    for (const Expr& a : lin.adjoints)
        if (!a.is_literal())
            roots.push_back(a.id());
    const std::vector<NodeId> nodes = reachable(g, roots);
    const std::vector<LoopSet> free = free_seeds(g, nodes);
    const LoopSet step = free[lin.carry.id()], cot = free[lin.cotangent.id()];
    LoopSet enclosing;
    for (NodeId w : from_outside)
        enclosing |= free[w];
    const int seed = lin.carry.node().seed_id();
    std::vector<std::uint8_t> walk(nodes.back() + 1, 0);
    for (const Expr& a : lin.adjoints)
        if (!a.is_literal())
            walk[a.id()] = 1;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        const NodeId n = *it;
        if (!walk[n] || (free[n] & (step | cot)).none())
            continue; // not read, or the same at every step
        const Node& nd = g[n];
        if (nd.op == Op::Elem && nd.seed_id() == seed)
            continue; // an element: the reverse loop reads its own
        const bool keep = (free[n] & cot).none() && (free[n] & ~(step | enclosing)).none() &&
                          !cheap_again(nd.op) && !runs_body(info(nd.op).kind);
        if (keep) {
            lin.kept.push_back(node(g, n));
            continue;
        }
        for (NodeId a : nd.operands())
            walk[a] = 1;
    }
    std::reverse(lin.kept.begin(), lin.kept.end());
    lin.width = cs.size();
    for (const Expr& k : lin.kept) {
        lin.at.push_back(k.id() == lin.result.id() ? 0 : lin.width);
        if (k.id() != lin.result.id())
            lin.width += k.shape().size();
    }
    return lin;
}

// The step's elements (Linearized::elems) replaced by those of loop `into`.
std::vector<Replacement> elements_of(Graph& g, const LoopBody& b, const Linearized& lin, int into) {
    std::vector<Replacement> replace;
    for (std::size_t j = 0; j < b.elems.size(); ++j)
        replace.push_back({lin.elems[j].id(), elem(node(g, g[b.elems[j]].args[0]), SeedRef{into}).id()});
    return replace;
}

// True if the step's adjoints read nothing of the step but its carry: then the loop's
// own scan of the carries before each step serves (fold_vjp), one row of the carry each.
bool reads_only_carry(const Linearized& lin) {
    return lin.kept.size() == 1 && lin.kept[0].id() == lin.carry.id();
}

// The forward scan of the reverse rule: row t packs the carry after step t and what the
// step's adjoints read of it (Linearized::kept). None if they read nothing of it but
// the carry.
std::optional<Expr> kept_rows(Graph& g, NodeId loop, const LoopBody& b, const Linearized& lin) {
    if (lin.kept.empty() || reads_only_carry(lin))
        return std::nullopt;
    const Node l = g[loop];
    const Shape cs = g[l.args[2]].shape;
    const Expr packed(g, g.carry(Shape{lin.width}, LoopName(7, loop).key()));
    const int into = packed.node().seed_id();
    std::vector<Replacement> replace = elements_of(g, b, lin, into);
    replace.push_back({lin.carry.id(), unpack(packed, 0, cs).id()});
    std::vector<Expr> parts{substitute(lin.result, replace)};
    std::vector<Expr> starts{node(g, l.args[2])};
    for (std::size_t k = 0; k < lin.kept.size(); ++k)
        if (lin.at[k] > 0) {
            parts.push_back(substitute(lin.kept[k], replace));
            starts.push_back(zeros(g, lin.kept[k].shape()));
        }
    const FoldSpec spec = l.fold();
    return fold_loop(pack(parts), packed, pack(starts), FoldSpec{spec.count, FoldMode::after, spec.reverse, true});
}

// Loop `loop`'s carries, from the rows of its forward scan (kept_rows).
Expr carries_in_rows(Graph& g, NodeId loop, const Expr& rows) {
    const FoldSpec spec = g[loop].fold();
    const Shape cs = g[g[loop].args[2]].shape;
    if (spec.mode == FoldMode::after)
        return unpack_rows(rows, 0, cs);
    return unpack(rows[spec.reverse ? 0 : spec.count - 1], 0, cs); // the row of the step run last
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

    // 1. The forward scan: what the reverse loop reads of each step.
    const Linearized lin = linearize(g, loop, b);
    const std::optional<Expr> rows = kept_rows(g, loop, b, lin);
    // (An RK4 step's adjoints read only its carry, and run its arithmetic again: the loop
    // with the same body keeps the carries before each step, one loop with the loop's own.)
    const std::optional<Expr> carries =
        reads_only_carry(lin) ? std::optional(fold_loop(node(g, l.args[0]), node(g, l.args[1]), node(g, init),
                                                        FoldSpec{spec.count, FoldMode::before, spec.reverse}))
                              : std::nullopt;
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
    // adjoint the sweep below carries on to the weight): Linearized::adjoints with the
    // cotangent, the kept values (row t of the forward scan) and the elements of `into`.
    struct StepAdjoints {
        Expr carry;
        std::vector<Expr> weights, elems;
    };
    auto step_adjoints = [&](const Expr& a, const Expr& carry_placeholder) {
        const int into = g[carry_placeholder.id()].seed_id();
        std::vector<Replacement> replace = elements_of(g, b, lin, into);
        replace.push_back({lin.cotangent.id(), step_cotangent(a, into).id()});
        if (carries)
            replace.push_back({lin.carry.id(), elem(*carries, SeedRef{into}).id()});
        else
            for (std::size_t k = 0; k < lin.kept.size(); ++k)
                replace.push_back(
                    {lin.kept[k].id(), unpack(elem(*rows, SeedRef{into}), lin.at[k], lin.kept[k].shape()).id()});
        std::vector<Expr> adj;
        for (const Expr& x : lin.adjoints)
            adj.push_back(substitute(x, replace));
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
        const Expr by_row = fold_loop(or_zeros(g, s.elems[j], row), unread, zeros(g, row),
                                      FoldSpec{spec.count, FoldMode::after, spec.reverse});
        out.push_back({xs, by_row});
    }
    return out;
}

std::vector<NodeId> share_loop_steps(Graph& g, std::span<const NodeId> roots) {
    const std::vector<NodeId> nodes = reachable(g, roots);
    std::vector<std::uint8_t> reached(nodes.empty() ? 0 : nodes.back() + 1, 0);
    std::vector<std::pair<std::int32_t, bool>> scans; // count and direction of each forward scan
    for (NodeId n : nodes) {
        reached[n] = 1;
        if (g[n].op == Op::Fold && g[n].fold().keeps_steps)
            scans.emplace_back(g[n].fold().count, g[n].fold().reverse);
    }
    if (scans.empty())
        return {roots.begin(), roots.end()};
    // Each loop whose forward scan is computed too is read from the scan's rows. Building
    // the scan again makes no node when it exists (the graph shares equal nodes).
    std::vector<Replacement> replace;
    for (NodeId n : nodes) {
        const Node l = g[n];
        if (l.op != Op::Fold || l.fold().count == 0 || l.fold().mode == FoldMode::before ||
            std::find(scans.begin(), scans.end(), std::pair{l.fold().count, l.fold().reverse}) == scans.end())
            continue;
        const LoopBody b = body_of(g, n);
        const std::optional<Expr> rows = kept_rows(g, n, b, linearize(g, n, b));
        if (rows && rows->id() < reached.size() && reached[rows->id()])
            replace.push_back({n, carries_in_rows(g, n, *rows).id()});
    }
    // A scan may itself be read from a later scan's rows (a derivative of a derivative),
    // or hold a loop that is (a loop inside a loop): the replacements apply to each other
    // until none changes (no replacement reads what it replaces, so this ends).
    for (bool changed = !replace.empty(); changed;) {
        changed = false;
        for (Replacement& r : replace) {
            const NodeId to = substitute(Expr(g, r.to), replace).id();
            changed = changed || to != r.to;
            r.to = to;
        }
    }
    std::vector<NodeId> out;
    for (NodeId r : roots)
        out.push_back(substitute(Expr(g, r), replace).id());
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
