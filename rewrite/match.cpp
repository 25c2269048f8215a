// The matcher (an explicit stack of pending pattern/node pairs, copied at each choice of
// a commutative operand order) and the right-side builder (recursion over the pattern).
#include "rewrite/match.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

namespace symdiff::rewrite {
namespace {

namespace v2 = boost::variant2;

struct Pending {
    const PatNode* p;
    NodeId id;
};

// Pattern/node pairs still to match. Patterns are small (rule validation bounds them).
struct Todo {
    static constexpr int capacity = 32;
    std::array<Pending, capacity> items{};
    int n = 0;
    void push(const Pat& p, NodeId id) {
        if (n == capacity)
            throw Error("internal error: pattern too large for the matcher");
        items[static_cast<std::size_t>(n++)] = {&p.node(), id};
    }
    Pending pop() { return items[static_cast<std::size_t>(--n)]; }
};

bool bind(NodeId& slot, NodeId id) {
    if (slot == no_node) {
        slot = id;
        return true;
    }
    return slot == id;
}

bool match_rest(Todo todo, Match& m, const Condition& guard) {
    const Graph& g = m.graph();
    while (todo.n > 0) {
        const Pending t = todo.pop();
        const Node& node = g[t.id];
        const PatKind& k = t.p->kind;
        if (const Wild* w = v2::get_if<Wild>(&k)) {
            if (!bind(m.wild(w->slot), t.id))
                return false;
        } else if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
            if (!node.is_const() || !bind(m.konst(c->slot), t.id))
                return false;
        } else if (const Lit* l = v2::get_if<Lit>(&k)) {
            if (!node.is_const() || node.value() != l->value)
                return false;
        } else if (const Apply* a = v2::get_if<Apply>(&k)) {
            if (node.op != a->op || node.arity != a->args.size())
                return false;
            if (a->capture >= 0 && !bind(m.wild(a->capture), t.id))
                return false;
            if (t.id != m.root())
                m.note_interior(t.id);
            if (a->args.size() == 2 && info(a->op).commutative && node.args[0] != node.args[1]) {
                const Match saved = m;
                Todo first = todo;
                first.push(a->args[1], node.args[1]);
                first.push(a->args[0], node.args[0]);
                if (match_rest(first, m, guard))
                    return true;
                m = saved;
                todo.push(a->args[1], node.args[0]);
                todo.push(a->args[0], node.args[1]);
            } else {
                for (std::size_t i = a->args.size(); i-- > 0;)
                    todo.push(a->args[i], node.args[i]);
            }
        } else {
            return false; // fold and numel never match: they belong on right sides
        }
    }
    return !guard.fn || guard.fn(m);
}

class Builder {
  public:
    Builder(Graph& g, const Match& m, const Build& build) : g_(g), m_(m), build_(build) {}

    NodeId make(const Pat& p, const Shape* expected) {
        const PatKind& k = p.node().kind;
        if (const Wild* w = v2::get_if<Wild>(&k))
            return m_.wild(w->slot);
        if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
            const NodeId bound = m_.konst(c->slot);
            return expected ? g_.constant(g_[bound].value(), *expected) : bound;
        }
        if (const Lit* l = v2::get_if<Lit>(&k))
            return g_.constant(l->value, need(expected, p));
        if (const Fold* f = v2::get_if<Fold>(&k))
            return g_.constant(evaluate_fold(f->expr, m_), need(expected, p));
        if (const Apply* a = v2::get_if<Apply>(&k))
            return make_apply(*a, expected);
        throw Error("internal error: numel() outside fold() in " + to_string(p));
    }

  private:
    static const Shape& need(const Shape* expected, const Pat& p) {
        if (!expected)
            throw Error("internal error: no shape is known for " + to_string(p));
        return *expected;
    }

    // Leaves that take their shape from their siblings.
    static bool is_splat(const Pat& p) {
        const PatKind& k = p.node().kind;
        return v2::holds_alternative<Lit>(k) || v2::holds_alternative<Fold>(k) ||
               v2::holds_alternative<ConstWild>(k);
    }

    NodeId make_apply(const Apply& a, const Shape* expected) {
        std::array<NodeId, 3> ids{no_node, no_node, no_node};
        const std::size_t n = a.args.size();
        Shape shape;
        if (is_elementwise(a.op)) {
            // Operands share the result's shape: take it from an operand that has one.
            // (a copy, not a pointer into the arena: making nodes may move it)
            std::optional<Shape> known;
            if (expected)
                known = *expected;
            for (std::size_t i = 0; i < n; ++i)
                if (!is_splat(a.args[i])) {
                    ids[i] = make(a.args[i], expected);
                    if (!known)
                        known = g_[ids[i]].shape;
                }
            if (!known)
                throw Error("internal error: no shape is known for " + name_of(a));
            shape = *known;
            for (std::size_t i = 0; i < n; ++i)
                if (ids[i] == no_node)
                    ids[i] = make(a.args[i], &shape);
        } else {
            for (std::size_t i = 0; i < n; ++i)
                ids[i] = make(a.args[i], nullptr);
            if (a.target)
                shape = a.target->fn(m_);
            else if (expected)
                shape = *expected;
        }
        const Payload payload = a.payload ? a.payload->fn(m_) : Payload{};
        return build_(a.op, std::span<const NodeId>(ids.data(), n), payload, shape);
    }

    static std::string name_of(const Apply& a) { return std::string(name(a.op)); }

    Graph& g_;
    const Match& m_;
    const Build& build_;
};

} // namespace

bool match(const Pat& lhs, const Condition& guard, NodeId id, Match& m) {
    Todo todo;
    todo.push(lhs, id);
    return match_rest(todo, m, guard);
}

bool match(const Rule& rule, NodeId id, Match& m) { return match(rule.lhs, rule.guard, id, m); }

double evaluate_fold(const Pat& expr, const Match& m) {
    const PatKind& k = expr.node().kind;
    if (const ConstWild* c = v2::get_if<ConstWild>(&k))
        return m.graph()[m.konst(c->slot)].value();
    if (const Lit* l = v2::get_if<Lit>(&k))
        return l->value;
    if (const Numel* n = v2::get_if<Numel>(&k))
        return static_cast<double>(n->shape.fn(m).size());
    if (const Apply* a = v2::get_if<Apply>(&k); a && is_elementwise(a->op)) {
        std::array<double, 3> v{};
        for (std::size_t i = 0; i < a->args.size(); ++i)
            v[i] = evaluate_fold(a->args[i], m);
        return eval_elementwise(a->op, std::span<const double>(v.data(), a->args.size()));
    }
    throw Error("internal error: fold() cannot evaluate " + to_string(expr));
}

NodeId instantiate(Graph& g, const Pat& rhs, const Match& m, const Build& build) {
    const Shape root_shape = g[m.root()].shape; // a copy: building appends to g
    Builder b(g, m, build);
    const NodeId out = b.make(rhs, &root_shape);
    if (g[out].shape != root_shape)
        throw Error("internal error: right side " + to_string(rhs) + " has shape " +
                    g[out].shape.str() + ", the left side " + root_shape.str());
    return out;
}

std::optional<NodeId> apply_rule(Graph& g, const Rule& rule, NodeId id) {
    Match m(g, id);
    if (!match(rule, id, m))
        return std::nullopt;
    const Build make = [&g](Op op, std::span<const NodeId> args, const Payload& p,
                            const Shape& target) { return g.make(op, args, p, target); };
    return instantiate(g, rule.rhs, m, make);
}

} // namespace symdiff::rewrite
