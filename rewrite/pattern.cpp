// Pattern builders, guards and the pattern printer. Builders only assemble trees; rule
// validation (rule_table.cpp) checks how a tree is used (left or right side).
#include "rewrite/pattern.hpp"
#include "core/number_text.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <cmath>
#include <cstdlib>

namespace symdiff::rewrite {
namespace {

Pat make_pat(PatKind kind) {
    return Pat(std::make_shared<const PatNode>(PatNode{std::move(kind)}));
}

const Apply& require_apply(const Pat& p, const char* what) {
    const Apply* a = boost::variant2::get_if<Apply>(&p.node().kind);
    if (!a)
        throw Error(std::string("internal error: ") + what + " needs an op pattern");
    return *a;
}

int leaf_slot(const Pat& p, bool& is_const) {
    if (const Wild* w = boost::variant2::get_if<Wild>(&p.node().kind)) {
        is_const = false;
        return w->slot;
    }
    if (const ConstWild* c = boost::variant2::get_if<ConstWild>(&p.node().kind)) {
        is_const = true;
        return c->slot;
    }
    throw Error("internal error: a wildcard or constant wildcard was expected, got " +
                to_string(p));
}

Pat apply_with(Op op, std::initializer_list<Pat> args, std::optional<ShapeExpr> target,
               std::optional<PayloadExpr> payload) {
    Apply a{op, std::vector<Pat>(args), -1, std::move(target), std::move(payload)};
    return make_pat(std::move(a));
}

// The infix spelling of an element-wise op the language writes only as an operator (+ - * /,
// the entries' syntax); everything else prints as a call.
int precedence(Op op) {
    const Syntax& s = info(op).syntax;
    return is_elementwise(op) && !s.call && s.precedence > 0 && info(op).arity == 2 ? s.precedence : 0;
}

std::string infix(Op op) { return " " + std::string(info(op).syntax.symbol) + " "; }

std::string number(double v) { return shortest_text(v); }

bool needs_parens(const Pat& child, int parent_prec, bool right) {
    const PatKind& k = child.node().kind;
    if (const Lit* l = boost::variant2::get_if<Lit>(&k))
        return std::signbit(l->value);
    if (const Apply* a = boost::variant2::get_if<Apply>(&k)) {
        if (a->op == Op::Neg) // (-x) * y, x - (-y), -(-x): a sign after an operator reads badly
            return true;
        const int p = precedence(a->op);
        return p > 0 && (p < parent_prec || (p == parent_prec && right));
    }
    return false;
}

std::string print(const Pat& p) {
    struct Printer {
        std::string operator()(const Wild& w) const { return wild_name(w.slot); }
        std::string operator()(const ConstWild& c) const { return const_name(c.slot); }
        std::string operator()(const Lit& l) const { return number(l.value); }
        std::string operator()(const Fold& f) const { return "fold(" + print(f.expr) + ")"; }
        std::string operator()(const Numel& n) const { return "numel(" + n.shape.text + ")"; }
        std::string operator()(const Apply& a) const {
            const std::string body = spell(a);
            if (a.capture < 0)
                return body;
            return wild_name(a.capture) + "@" + (precedence(a.op) > 0 ? "(" + body + ")" : body);
        }
        static std::string spell(const Apply& a) {
            const int prec = precedence(a.op);
            if (prec > 0 && a.args.size() == 2) {
                const bool l = needs_parens(a.args[0], prec, false);
                const bool r = needs_parens(a.args[1], prec, true);
                return paren(print(a.args[0]), l) + infix(a.op) + paren(print(a.args[1]), r);
            }
            if (a.op == Op::Neg)
                return "-" + paren(print(a.args[0]), needs_parens(a.args[0], 3, false));
            std::string s = std::string(name(a.op)) + "(";
            for (std::size_t k = 0; k < a.args.size(); ++k)
                s += (k ? ", " : "") + print(a.args[k]);
            if (a.payload)
                s += ", " + a.payload->text;
            if (a.target)
                s += ", " + a.target->text;
            return s + ")";
        }
        static std::string paren(const std::string& s, bool on) { return on ? "(" + s + ")" : s; }
    };
    return boost::variant2::visit(Printer{}, p.node().kind);
}

} // namespace

Pat::Pat(double literal) : node_(std::make_shared<const PatNode>(PatNode{Lit{literal}})) {}

Match::Match(const Graph& g, NodeId root) : g_(&g) {
    wild_.fill(no_node);
    const_.fill(no_node);
    wild_[root_slot] = root;
}

void Match::note_interior(NodeId id) {
    if (interior_count_ == interior_.size())
        throw Error("internal error: pattern too large for a match");
    interior_[interior_count_++] = id;
}

NodeId Match::node(const Pat& leaf) const {
    bool is_const = false;
    const int slot = leaf_slot(leaf, is_const);
    const NodeId id = is_const ? konst(slot) : wild(slot);
    if (id == no_node)
        throw Error("internal error: " + to_string(leaf) + " is not bound");
    return id;
}

Pat wild(int slot) {
    if (slot < 0 || slot >= wild_slots)
        throw Error("internal error: wildcard slot out of range");
    return make_pat(Wild{slot});
}

Pat const_wild(int slot) {
    if (slot < 0 || slot >= const_slots)
        throw Error("internal error: constant slot out of range");
    return make_pat(ConstWild{slot});
}

Pat lit(double value) { return Pat(value); }
Pat fold(const Pat& expr) { return make_pat(Fold{expr}); }
Pat numel(const Pat& leaf) { return make_pat(Numel{shape_of(leaf)}); }
Pat numel(const ShapeExpr& shape) { return make_pat(Numel{shape}); }

Pat apply(Op op, std::initializer_list<Pat> args) { return apply_with(op, args, {}, {}); }

Pat as(const Pat& name, const Pat& p) {
    bool is_const = false;
    const int slot = leaf_slot(name, is_const);
    if (is_const)
        throw Error("internal error: as() binds a wildcard, not a constant wildcard");
    Apply a = require_apply(p, "as()");
    a.capture = slot;
    return make_pat(std::move(a));
}

ShapeExpr shape_of(const Pat& leaf) {
    bool is_const = false;
    (void)leaf_slot(leaf, is_const); // checks that it is a leaf
    return {
        [leaf](const Match& m) { return m.shape(leaf); }, "shape(" + to_string(leaf) + ")", {leaf}};
}

PayloadExpr payload_of(const Pat& captured) {
    return {[captured](const Match& m) { return m.graph()[m.node(captured)].payload(); },
            "payload(" + to_string(captured) + ")",
            {captured}};
}

std::string to_string(const Pat& p) { return print(p); }

std::string wild_name(int slot) {
    static const std::array<const char*, wild_slots> names{"x", "y", "z", "u", "v", "w", "root"};
    return names[static_cast<std::size_t>(slot)];
}

std::string const_name(int slot) { return "c" + std::to_string(slot); }


Pat broadcast(const Pat& x) { return apply(Op::Broadcast, {x}); }
Pat broadcast(const Pat& x, const ShapeExpr& shape) {
    return apply_with(Op::Broadcast, {x}, shape, {});
}
Pat sum_to(const Pat& x) { return apply(Op::SumTo, {x}); }
Pat sum_to(const Pat& x, const ShapeExpr& shape) { return apply_with(Op::SumTo, {x}, shape, {}); }
Pat reshape(const Pat& x) { return apply(Op::Reshape, {x}); }
Pat transpose(const Pat& x) { return apply(Op::Transpose, {x}); }
Pat matmul(const Pat& a, const Pat& b) { return apply(Op::MatMul, {a, b}); }
Pat slice(const Pat& x) { return apply(Op::Slice, {x}); }
Pat slice(const Pat& x, const PayloadExpr& spec) { return apply_with(Op::Slice, {x}, {}, spec); }
Pat embed(const Pat& x) { return apply(Op::Embed, {x}); }
Pat diag(const Pat& x) { return apply(Op::Diag, {x}); }
Pat diag_part(const Pat& x) { return apply(Op::DiagPart, {x}); }
Pat tril(const Pat& x) { return apply(Op::Tril, {x}); }

// ---------------------------------------------------------------------------------
// Guards

Condition when(Condition g) { return g; }

Condition operator&&(Condition a, Condition b) {
    Condition g;
    g.fn = [fa = std::move(a.fn), fb = std::move(b.fn)](const Match& m) {
        return (!fa || fa(m)) && (!fb || fb(m));
    };
    g.text = a.text + " && " + b.text;
    g.reads = std::move(a.reads);
    g.reads.insert(g.reads.end(), b.reads.begin(), b.reads.end());
    return g;
}

Condition same_shape(const Pat& a, const Pat& b) {
    return {[a, b](const Match& m) { return m.shape(a) == m.shape(b); },
            "same_shape(" + to_string(a) + ", " + to_string(b) + ")",
            {a, b}};
}

Condition is_scalar(const Pat& a) {
    return {[a](const Match& m) { return m.shape(a).is_scalar(); },
            "is_scalar(" + to_string(a) + ")",
            {a}};
}

Condition nonzero(const Pat& c) {
    return {
        [c](const Match& m) { return m.value(c) != 0.0; }, "nonzero(" + to_string(c) + ")", {c}};
}

Condition is_zero(const Pat& c) {
    return {
        [c](const Match& m) { return m.value(c) == 0.0; }, "is_zero(" + to_string(c) + ")", {c}};
}

Condition power_of_two(const Pat& c) {
    return {[c](const Match& m) {
                const double v = m.value(c);
                if (!std::isfinite(v) || v == 0.0)
                    return false;
                int e = 0;
                const double f = std::frexp(std::fabs(v), &e); // |v| = f 2^e, f in [0.5, 1)
                // 1/v = 2^(1-e) must be a finite double: exponents -1073..1023 (subnormals
                // below -1022 are exact powers of two too)
                return f == 0.5 && 1 - e <= 1023 && 1 - e >= -1074;
            },
            "power_of_two(" + to_string(c) + ")",
            {c}};
}

Condition reducible(const Pat& from, const Pat& to) {
    return {[from, to](const Match& m) { return broadcasts_to(m.shape(to), m.shape(from)); },
            "reducible(" + to_string(from) + ", " + to_string(to) + ")",
            {from, to}};
}

Condition same_payload(const Pat& a, const Pat& b) {
    return {[a, b](const Match& m) {
                return symdiff::same_payload(m.graph()[m.node(a)].payload(),
                                             m.graph()[m.node(b)].payload());
            },
            "same_payload(" + to_string(a) + ", " + to_string(b) + ")",
            {a, b}};
}

} // namespace symdiff::rewrite
