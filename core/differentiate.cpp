// Reverse and forward sweeps over node ids, applying the op table's rules with T = Expr.
// No call or operator here builds more than one of its operands (the others are locals,
// right operand first): node ids must not depend on the order a compiler evaluates
// function arguments in (core/ops.hpp).
#include "core/differentiate.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/sweeps.hpp"
#include "core/sparsity.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace symdiff {
namespace {

// ---------------------------------------------------------------------------------
// Local rules, read from the op table.

using Operands = std::array<Expr, 3>;

Operands operands_of(Graph& g, const Node& n) {
    Operands x;
    for (std::size_t k = 0; k < n.arity; ++k)
        x[k] = Expr(g, n.args[k]);
    return x;
}

// Partial derivatives of an element-wise node by each operand.
Operands partials(Graph& g, const Node& n, NodeId id) {
    const Operands x = operands_of(g, n);
    const Expr f(g, id);
    return visit(n.op, [&](auto entry) -> Operands {
        using E = decltype(entry);
        if constexpr (E::kind != OpKind::elementwise) {
            throw Error("internal error: no partials for " + std::string(E::name));
        } else if constexpr (E::arity == 1) {
            const auto p = E::template partials<Expr>(x[0], f);
            return {p[0]};
        } else if constexpr (E::arity == 2) {
            const auto p = E::template partials<Expr>(x[0], x[1], f);
            return {p[0], p[1]};
        } else {
            const auto p = E::template partials<Expr>(x[0], x[1], x[2], f);
            return {p[0], p[1], p[2]};
        }
    });
}

Expr structural_vjp(Graph& g, const Node& n, NodeId id, int i, const Expr& adjoint) {
    const Operands x = operands_of(g, n);
    const std::span<const Expr> xs(x.data(), n.arity);
    return visit(n.op, [&](auto entry) -> Expr {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise)
            throw Error("internal error: no vjp rule for " + std::string(E::name));
        else
            return E::template vjp<Expr>(i, xs, Expr(g, id), adjoint, n.payload());
    });
}

Expr structural_jvp(Graph& g, const Node& n, NodeId id, std::span<const std::optional<Expr>> t) {
    const Operands x = operands_of(g, n);
    const std::span<const Expr> xs(x.data(), n.arity);
    return visit(n.op, [&](auto entry) -> Expr {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise)
            throw Error("internal error: no jvp rule for " + std::string(E::name));
        else
            return E::template jvp<Expr>(xs, Expr(g, id), t, n.payload());
    });
}

// ---------------------------------------------------------------------------------
// Masks. A "masked" value is where(c, a, 0) or where(c, 0, b): zero wherever the
// branch was not taken. Products keep the mask outside (where(c, a*p, 0) instead of
// where(c, a, 0)*p), so an infinite p in the untaken branch is selected away.

bool is_zero(const Expr& e) { return e.is_constant(0.0); }

// Also a where whose branch is masked in turn: abs' = where(x > 0, 1, where(x < 0, -1, 0)).
bool is_masked(const Expr& e, int depth = 0) {
    if (e.is_literal() || e.node().op != Op::Where)
        return false;
    const Node& n = e.node();
    Graph& g = e.graph();
    if (g.is_const(n.args[1], 0.0) || g.is_const(n.args[2], 0.0))
        return true;
    return depth < 4 && (is_masked(Expr(g, n.args[1]), depth + 1) ||
                         is_masked(Expr(g, n.args[2]), depth + 1));
}

constexpr int max_distribution_steps = 8;

// The chain rule's product, one per sweep: it remembers which cotangents carry a mask.
// Distributing over a masked cotangent descends into its branches, which are themselves
// earlier results of this product, and copies them: through n stacked kinks (abs(t) +
// relu(t), n times) the copies grow geometrically, and without bounds 18 lines took 48 s
// and 100 lines gigabytes. So one product distributes at most max_distribution_steps
// times (beyond that, strong_mul keeps the mask's zeros winning), and repeated
// (cotangent, partial) pairs are remembered per sweep.
class Chain {
  public:
    // The contribution of cotangent (or tangent) `g` through local partial `p`.
    Expr operator()(const Expr& g, const Expr& p) {
        steps_ = max_distribution_steps;
        return chain(g, p);
    }

  private:
    Expr chain(const Expr& g, const Expr& p) {
        if (is_zero(p) || is_zero(g))
            return Expr(0.0);
        if (p.is_constant(1.0))
            return g;
        if (g.is_constant(1.0)) // the seed of a reverse sweep
            return p;
        if (g.is_literal())
            return product(g, p);
        const Key key{g.id(), p.is_literal() ? no_node : p.id(),
                      p.is_literal() ? std::bit_cast<std::uint64_t>(p.literal()) : 0};
        if (const auto it = memo_.find(key); it != memo_.end())
            return Expr(g.graph(), it->second);
        Expr r = product(g, p);
        if (!r.is_literal()) // literals are cheap to recompute, and need no node
            memo_.emplace(key, r.id());
        return r;
    }

    // Whether one more distribution fits in the product's budget (and uses it).
    bool distribute() { return steps_ > 0 && steps_-- > 0; }

    Expr product(const Expr& g, const Expr& p) {
        if (!p.is_literal() && p.node().op == Op::Where) { // partials of kinks: where(c, 1, 0)
            const Node w = p.node(); // copies: the calls below append to the graph
            Graph& gr = p.graph();
            if (gr[w.args[1]].is_const() || gr[w.args[2]].is_const()) {
                const Expr otherwise = chain(g, Expr(gr, w.args[2]));
                return where(Expr(gr, w.args[0]), chain(g, Expr(gr, w.args[1])), otherwise);
            }
        }
        if (is_masked(g) && distribute()) {
            const Node w = g.node();
            Graph& gr = g.graph();
            const Expr otherwise = chain(Expr(gr, w.args[2]), p);
            return where(Expr(gr, w.args[0]), chain(Expr(gr, w.args[1]), p), otherwise);
        }
        if (!g.is_literal() && g.node().op == Op::Add) {
            Graph& gr = g.graph();
            const Expr u(gr, g.node().args[0]), v(gr, g.node().args[1]);
            if ((is_masked(u) || is_masked(v)) && distribute()) { // each mask outside its product
                const Expr right = chain(v, p);
                return chain(u, p) + right;
            }
        }
        if (p.is_constant(-1.0)) // after the mask cases: -where(c, a, 0) would hide the mask
            return -g;
        if (!p.is_literal() && !p.node().is_const() && carries_mask(g))
            return strong_mul(g, p); // the mask is out of reach: let its zeros win
        return g * p;
    }

    struct Key {
        NodeId g, p;         // p is no_node for a literal partial ...
        std::uint64_t value; // ... whose bits are here
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const {
            std::uint64_t h = k.g * 0x9E3779B97F4A7C15ULL;
            h = (h ^ k.p) * 0xBF58476D1CE4E5B9ULL;
            h = (h ^ k.value) * 0x94D049BB133111EBULL;
            return static_cast<std::size_t>(h ^ (h >> 29));
        }
    };
    std::unordered_map<Key, NodeId, KeyHash> memo_;
    int steps_ = 0; // distributions left to the current product

    // True if e may be exactly zero where a where-mask selected zero, below its top: a
    // linear or structural op of a masked value (sum_to(where(c, a, 0)), its transpose, a
    // product with it, ...) within max_mask_depth levels. Such zeros must beat an
    // infinite partial.
    bool carries_mask(const Expr& e) {
        return !e.is_literal() && mask_distance(e.graph(), e.id()) <= max_mask_depth;
    }

    static constexpr std::uint8_t max_mask_depth = 8;
    static constexpr std::uint8_t far = max_mask_depth + 1; // no mask that near
    static constexpr std::uint8_t unknown = 0xff;

    // Levels from `root` down to the nearest masked node through ops that pass zeros,
    // capped at `far`. Each node's distance is a fact of the graph below it, so it is
    // computed once per sweep (an explicit stack: no recursion over the graph), and a
    // long chain of products costs one visit per node, not a bounded search per query.
    std::uint8_t mask_distance(Graph& g, NodeId root) {
        if (dist_.size() < g.size())
            dist_.resize(g.size(), unknown);
        stack_.assign(1, root);
        while (!stack_.empty()) {
            const NodeId id = stack_.back();
            if (dist_[id] != unknown) {
                stack_.pop_back();
                continue;
            }
            const Node& n = g[id];
            if (is_masked(Expr(g, id))) {
                dist_[id] = 0;
                continue;
            }
            const OpKind kind = info(n.op).kind;
            const bool passes_zero = kind == OpKind::view || kind == OpKind::reduce ||
                                     kind == OpKind::flat || n.op == Op::Add || n.op == Op::Sub ||
                                     n.op == Op::Neg || n.op == Op::Mul || n.op == Op::StrongMul ||
                                     n.op == Op::Div;
            if (!passes_zero) {
                dist_[id] = far;
                continue;
            }
            std::uint8_t nearest = far;
            bool ready = true;
            for (NodeId a : n.operands()) {
                if (dist_[a] == unknown) {
                    stack_.push_back(a);
                    ready = false;
                } else {
                    nearest = std::min<std::uint8_t>(nearest, dist_[a] + 1);
                }
            }
            if (ready)
                dist_[id] = std::min(nearest, far);
        }
        return dist_[root];
    }

    std::vector<std::uint8_t> dist_; // per node id: mask_distance, or unknown
    std::vector<NodeId> stack_;
};

// A mask whose condition is the same for every element: where(c, a, 0) or where(c, 0, a)
// with c a scalar or a broadcast of one. `cond` is that scalar, `inner` the value a.
struct UniformMask {
    Expr cond, inner;
    bool when_true; // a is selected where c holds (else where it does not)
};

std::optional<UniformMask> uniform_mask(const Expr& e) {
    if (e.is_literal() || e.node().op != Op::Where)
        return std::nullopt;
    Graph& g = e.graph();
    const Node w = e.node();
    NodeId c = w.args[0];
    while (g[c].op == Op::Broadcast)
        c = g[c].args[0];
    if (!g[c].shape.is_scalar())
        return std::nullopt;
    if (g.is_const(w.args[2], 0.0))
        return UniformMask{Expr(g, c), Expr(g, w.args[1]), true};
    if (g.is_const(w.args[1], 0.0))
        return UniformMask{Expr(g, c), Expr(g, w.args[2]), false};
    return std::nullopt;
}

// A structural op's reverse rule applied to a cotangent. The rules are linear in it, so
// a mask with one condition for all elements comes out of the rule whole:
//   rule(where(c, a, 0)) = where(c, rule(a), 0),
// and the branch not taken contributes exactly zero even where its values are NaN and
// the rule mixes elements (a sum, a matrix product: sum(where(c, v, 0)) * v at a NaN v).
// A sum of cotangents is split so that a masked term keeps its mask.
Expr masked_vjp(Graph& g, const Node& n, NodeId id, int i, const Expr& adjoint, int depth = 0) {
    if (depth < max_distribution_steps) {
        if (const auto m = uniform_mask(adjoint)) {
            const Expr r = masked_vjp(g, n, id, i, m->inner, depth + 1);
            if (is_zero(r))
                return r;
            return m->when_true ? where(m->cond, r, 0.0) : where(m->cond, 0.0, r);
        }
        if (!adjoint.is_literal() && adjoint.node().op == Op::Add) {
            const Expr u(g, adjoint.node().args[0]), v(g, adjoint.node().args[1]);
            if (uniform_mask(u) || uniform_mask(v)) {
                const Expr ru = masked_vjp(g, n, id, i, u, depth + 1);
                const Expr rv = masked_vjp(g, n, id, i, v, depth + 1);
                return is_zero(ru) ? rv : is_zero(rv) ? ru : ru + rv;
            }
        }
    }
    return structural_vjp(g, n, id, i, adjoint);
}

Expr add_nonzero(const Expr& a, const Expr& b) {
    if (is_zero(a))
        return b;
    return is_zero(b) ? a : a + b;
}

// a + c, merging masks with the same condition so they stay outermost.
Expr accumulate(const std::optional<Expr>& a, const Expr& c) {
    if (!a)
        return c;
    if (is_masked(*a) && is_masked(c) && a->node().args[0] == c.node().args[0]) {
        Graph& gr = c.graph();
        const Node x = a->node(), y = c.node();
        const Expr otherwise = add_nonzero(Expr(gr, x.args[2]), Expr(gr, y.args[2]));
        return where(Expr(gr, x.args[0]), add_nonzero(Expr(gr, x.args[1]), Expr(gr, y.args[1])),
                     otherwise);
    }
    return *a + c;
}

// ---------------------------------------------------------------------------------
// The part of the graph between the variables and the output: nodes in [lo, hi] that
// depend on a variable (`depends`) and that the output reaches (`reached`).

struct Region {
    NodeId lo = 0, hi = 0;
    std::vector<std::uint8_t> depends, reached;
    bool active(NodeId id) const { return id >= lo && depends[id - lo] && reached[id - lo]; }
    bool depends_on_vars(NodeId id) const { return id >= lo && depends[id - lo]; }
};

Region region(const Graph& g, NodeId out, std::span<const Expr> vars) {
    Region r;
    r.lo = out;
    for (const Expr& v : vars)
        r.lo = std::min(r.lo, v.id());
    r.hi = out;
    const std::size_t n = r.hi - r.lo + 1;
    r.depends.assign(n, 0);
    r.reached.assign(n, 0);
    for (const Expr& v : vars)
        if (v.id() <= out)
            r.depends[v.id() - r.lo] = 1;
    for (NodeId id = r.lo; id <= r.hi; ++id)
        for (NodeId a : g[id].operands())
            if (r.depends_on_vars(a))
                r.depends[id - r.lo] = 1;
    r.reached[n - 1] = 1;
    for (NodeId id = r.hi + 1; id-- > r.lo;)
        if (r.reached[id - r.lo] && r.depends[id - r.lo])
            for (NodeId a : g[id].operands())
                if (a >= r.lo)
                    r.reached[a - r.lo] = 1;
    return r;
}

// Derivatives are by inputs: a constant is one node wherever its value is used
// (hash-consing), and any other node stands for the inputs it is made of.
void require_variables(std::span<const Expr> xs, const Graph& g, const char* what,
                       bool inputs_only = true) {
    for (const Expr& x : xs) {
        if (x.is_literal())
            throw Error(std::string(what) + ": the variable is a number, not an input");
        if (&x.graph() != &g)
            throw Error(std::string(what) + ": the variable is not a node of the function's graph");
        if (inputs_only && x.node().op != Op::Input)
            throw Error(std::string(what) + ": the variable must be an input, made by input(); got a '" +
                        std::string(name(x.node().op)) + "' node");
    }
}

// The reverse sweep through a Jacobian loop J = seed_loop(b, s), cotangent G: the loop's
// body is a sub-graph with a value per direction e_k, so its adjoint is one too, and what
// flows out of the loop sums over the directions:
//   d<G, J>/dx = sum_k vjp(b(e_k), x, G_k),   G_k = the slice of G direction k fills,
// which is G contracted with the seed (a one-hot row read, once lowered). The sum is a
// loop over the same seed whose rows are summed (as JAX transposes a vmap: a batched
// vjp, then a sum over the batch axis), so it costs one sweep of the body per
// direction and (directions x |x|) doubles. A compressed (banded) loop is summed over
// every direction: its body gives the exact row or column for a basis direction.
// Results are per variable, in x's shape; the sweep adds them to the variables' adjoints.
//
// The new loop binds the Jacobian's own seed, unless the cotangent varies with it: in a
// second reverse sweep through such a loop the cotangent itself comes from inside a loop
// over that seed, and one seed cannot stand for the outer direction and the inner one at
// once. Then the body is rebuilt on a fresh seed.
std::vector<Expr> loop_vjp(const Node& n, const Expr& G, std::span<const Expr> xs, Sweep how) {
    Graph& g = G.graph();
    Expr body(g, n.args[0]), seed(g, n.args[1]);
    if (!G.is_literal() && depends_on(g, G.id(), seed.id())) {
        const Expr fresh(g, g.seed(seed.shape()));
        const Replacement r{seed.id(), fresh.id()};
        body = substitute(body, std::span<const Replacement>(&r, 1));
        seed = fresh;
    }
    const Shape body_shape = body.shape(), seed_shape = seed.shape();
    const std::int64_t m = body_shape.size(), k = seed_shape.size();
    if (seed_shape.rank() >= Shape::max_rank)
        throw Error("reverse-mode derivatives through a jacobian whose directions have rank " +
                    std::to_string(seed_shape.rank()) + " are not available (at most " +
                    std::to_string(Shape::max_rank - 1) + ")");
    const Expr directions = reshape(seed, Shape{k});
    const Expr rows = n.loop().seed_axes_last ? reshape(G, Shape{m, k}) : reshape(G, Shape{k, m});
    const Expr slice = n.loop().seed_axes_last ? matmul(rows, directions) : matmul(directions, rows);
    const Expr cotangent = reshape(slice, body_shape);
    const std::vector<Expr> inner = reverse_sweep(body, xs, cotangent, how); // xs checked by the caller
    std::vector<Expr> out;
    for (std::size_t j = 0; j < xs.size(); ++j) {
        if (is_zero(inner[j])) {
            out.push_back(Expr(0.0));
            continue;
        }
        const Shape x_shape = xs[j].shape();
        const Expr flat = reshape(inner[j], Shape{x_shape.size()});
        const Expr per_direction = seed_loop(flat, seed, LoopSpec{});
        const Expr total = sum_to(per_direction, Shape{x_shape.size()});
        out.push_back(reshape(total, x_shape));
    }
    return out;
}

} // namespace

std::vector<Expr> vjp(const Expr& y, std::span<const Expr> xs, const Expr& cotangent) {
    return reverse_sweep(y, xs, cotangent, Sweep::inputs);
}

std::vector<Expr> node_adjoints(const Expr& y, std::span<const Expr> nodes, const Expr& cotangent) {
    return reverse_sweep(y, nodes, cotangent, Sweep::through);
}

std::vector<Expr> reverse_sweep(const Expr& y, std::span<const Expr> xs, const Expr& cotangent, Sweep how) {
    std::vector<Expr> result;
    if (y.is_literal()) {
        for (const Expr& x : xs)
            result.push_back(zeros(x.graph(), x.shape()));
        return result;
    }
    Graph& g = y.graph();
    require_variables(xs, g, "grad", how == Sweep::inputs);
    if (!cotangent.is_literal() && cotangent.shape() != y.shape())
        throw Error("cotangent has shape " + cotangent.shape().str() + ", the function has " +
                    y.shape().str());
    const Region r = region(g, y.id(), xs);
    std::vector<std::optional<Expr>> adjoint(r.hi - r.lo + 1);
    Chain chain;
    adjoint.back() = cotangent.is_literal() ? constant(g, cotangent.literal(), y.shape()) : cotangent;

    std::vector<std::optional<Expr>> through_loops(xs.size()); // see loop_vjp
    std::vector<std::uint8_t> leaf; // Sweep::stop: the nodes asked for, by id - lo
    if (how == Sweep::stop) {
        leaf.assign(r.hi - r.lo + 1, 0);
        for (const Expr& x : xs)
            if (x.id() <= r.hi)
                leaf[x.id() - r.lo] = 1;
    }

    for (NodeId id = r.hi + 1; id-- > r.lo;) {
        const auto& adj = adjoint[id - r.lo];
        if (!adj || !r.active(id) || is_zero(*adj))
            continue;
        const Node n = g[id]; // a copy: the rules below append to g
        if (n.arity == 0 || (!leaf.empty() && leaf[id - r.lo]))
            continue;
        if (n.op == Op::SeedLoop) {
            const std::vector<Expr> d = loop_vjp(n, *adj, xs, how);
            for (std::size_t j = 0; j < xs.size(); ++j)
                if (!is_zero(d[j]))
                    through_loops[j] = through_loops[j] ? *through_loops[j] + d[j] : d[j];
            continue;
        }
        if (n.op == Op::Fold) {
            const Expr a = *adj; // the adjoint array is written below
            for (const Contribution& c : fold_vjp(g, id, a, [&](NodeId x) { return r.depends_on_vars(x); }))
                adjoint[c.node - r.lo] = accumulate(adjoint[c.node - r.lo], c.adjoint);
            continue;
        }
        const bool elementwise = is_elementwise(n.op);
        const Operands p = elementwise ? partials(g, n, id) : Operands{};
        for (int i = 0; i < n.arity; ++i) {
            const NodeId a = n.args[static_cast<std::size_t>(i)];
            if (!r.depends_on_vars(a))
                continue;
            Expr c = elementwise ? chain(*adj, p[static_cast<std::size_t>(i)])
                                 : masked_vjp(g, n, id, i, *adj);
            if (is_zero(c))
                continue;
            if (c.is_literal()) // a constant partial met a constant adjoint
                c = constant(g, c.literal(), g[a].shape);
            adjoint[a - r.lo] = accumulate(adjoint[a - r.lo], c);
        }
    }
    for (std::size_t j = 0; j < xs.size(); ++j) {
        const Expr& x = xs[j];
        const auto& adj = x.id() >= r.lo && x.id() <= r.hi ? adjoint[x.id() - r.lo] : std::nullopt;
        Expr d = adj ? *adj : zeros(g, x.shape());
        if (d.is_literal()) // a literal zero or one from a trivial chain
            d = constant(g, d.literal(), x.shape());
        if (through_loops[j])
            d = add_nonzero(d, *through_loops[j]);
        result.push_back(d);
    }
    return result;
}

std::vector<Expr> grad(const Expr& f, std::span<const Expr> xs) {
    if (!f.shape().is_scalar())
        throw Error("grad needs a scalar function, got shape " + f.shape().str());
    return vjp(f, xs, Expr(1.0));
}

Expr grad(const Expr& f, const Expr& x) { return grad(f, std::span<const Expr>(&x, 1))[0]; }

Expr jvp(const Expr& y, const Expr& x, const Expr& tangent) {
    if (x.is_literal())
        throw Error("jvp: the variable is not a node of a graph");
    if (!tangent.is_literal() && tangent.shape() != x.shape())
        throw Error("jvp: the tangent has shape " + tangent.shape().str() + ", the variable has " +
                    x.shape().str());
    if (!y.is_literal())
        require_variables(std::span<const Expr>(&x, 1), y.graph(), "jvp");
    return forward_sweep(y, std::span<const Expr>(&x, 1), std::span<const Expr>(&tangent, 1));
}

Expr forward_sweep(const Expr& y, std::span<const Expr> xs, std::span<const Expr> tangents) {
    Graph& g = xs.front().graph();
    if (y.is_literal())
        return zeros(g, y.shape());
    const Region r = region(g, y.id(), xs);
    std::vector<std::optional<Expr>> t(r.hi - r.lo + 1);
    std::vector<std::uint8_t> given(r.hi - r.lo + 1, 0);
    for (std::size_t j = 0; j < xs.size(); ++j) {
        if (xs[j].id() > r.hi)
            continue;
        const Expr& tj = tangents[j];
        t[xs[j].id() - r.lo] = tj.is_literal() ? constant(g, tj.literal(), xs[j].shape()) : tj;
        given[xs[j].id() - r.lo] = 1;
    }
    Chain chain;
    auto tangent_of = [&](NodeId a) -> std::optional<Expr> {
        return r.depends_on_vars(a) ? t[a - r.lo] : std::nullopt;
    };

    for (NodeId id = r.lo; id <= r.hi; ++id) {
        if (!r.active(id) || given[id - r.lo])
            continue;
        const Node n = g[id];
        std::array<std::optional<Expr>, 3> targs;
        bool any = false;
        for (std::size_t k = 0; k < n.arity; ++k)
            if ((targs[k] = tangent_of(n.args[k])))
                any = true;
        if (n.op == Op::Fold) { // its body's tangent is the rule's to make
            t[id - r.lo] = fold_jvp(g, id, tangent_of);
            continue;
        }
        if (!any)
            continue;
        if (is_elementwise(n.op)) {
            const Operands p = partials(g, n, id);
            std::optional<Expr> sum;
            for (std::size_t k = 0; k < n.arity; ++k)
                if (targs[k]) {
                    const Expr c = chain(*targs[k], p[k]);
                    if (!is_zero(c))
                        sum = accumulate(sum, c);
                }
            if (sum)
                t[id - r.lo] = sum->is_literal() ? constant(g, sum->literal(), n.shape) : *sum;
        } else {
            t[id - r.lo] = structural_jvp(g, n, id, std::span<const std::optional<Expr>>(targs.data(), n.arity));
        }
    }
    const auto& ty = t.back();
    return ty ? *ty : zeros(g, y.shape());
}

Expr jacobian(const Expr& y, const Expr& x) {
    if (x.is_literal())
        throw Error("jacobian: the variable is not a node of a graph");
    Graph& g = x.graph();
    const Expr out = y.is_literal() ? constant(g, y.literal()) : y;
    const bool reverse = out.shape().size() < x.shape().size(); // fewer rows than columns
    const Expr seed(g, g.seed(reverse ? out.shape() : x.shape()));
    const Expr body = reverse ? vjp(out, std::span<const Expr>(&x, 1), seed)[0] : jvp(out, x, seed);
    LoopSpec spec{!reverse};
    const Expr b = body.is_literal() ? constant(g, body.literal(), reverse ? x.shape() : out.shape()) : body;
    if (const auto band = jacobian_band(g, b.id(), seed.id())) { // compressed sweeps pay
        const std::int64_t colours = 2 * std::int64_t{*band} + 1;
        if (colours < seed.shape().size()) {
            spec.colours = static_cast<std::int32_t>(colours);
            spec.band = *band;
        }
    }
    return seed_loop(b, seed, spec);
}

Expr hessian(const Expr& f, const Expr& x) {
    if (!f.shape().is_scalar())
        throw Error("hessian needs a scalar function, got shape " + f.shape().str());
    return jacobian(grad(f, x), x);
}

Expr diff(const Expr& f, const Expr& x, int k) {
    if (k < 0)
        throw Error("derivative order must be non-negative, got " + std::to_string(k));
    if (!f.shape().is_scalar() || !x.shape().is_scalar())
        throw Error("diff needs a scalar function of a scalar variable");
    Expr d = f;
    for (int i = 0; i < k; ++i)
        d = grad(d, x);
    return d;
}

} // namespace symdiff
