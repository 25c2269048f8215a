// The rule table: gathers the rule files once, validates every rule (a malformed rule is
// an internal error at first use, not a silent no-op), and indexes rules by root op.
// Each root op's rules are sorted by their explicit priority (stably: within a priority,
// the order of the op's list), so the order of the files does not matter.
#include "rewrite/rule.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "rewrite/rule_sets.hpp"

#include <algorithm>
#include <set>

namespace symdiff::rewrite {
namespace {

namespace v2 = boost::variant2;

struct Bound {
    std::array<bool, wild_slots> wild{};
    std::array<bool, const_slots> konst{};
};

[[noreturn]] void fail(const Rule& r, const std::string& why) {
    throw Error("internal error: rule '" + r.name + "': " + why);
}

int count_nodes(const Pat& p) {
    int n = 1;
    if (const Apply* a = v2::get_if<Apply>(&p.node().kind))
        for (const Pat& q : a->args)
            n += count_nodes(q);
    if (const Fold* f = v2::get_if<Fold>(&p.node().kind))
        n += count_nodes(f->expr);
    return n;
}

void check_arity(const Rule& r, const Apply& a) {
    if (static_cast<int>(a.args.size()) != info(a.op).arity)
        fail(r,
             std::string(name(a.op)) + " takes " + std::to_string(info(a.op).arity) + " operands");
}

void collect_left(const Rule& r, const Pat& p, Bound& b) {
    const PatKind& k = p.node().kind;
    if (const Wild* w = v2::get_if<Wild>(&k)) {
        if (w->slot == root_slot)
            fail(r, "`root` on a left side");
        b.wild[static_cast<std::size_t>(w->slot)] = true;
    } else if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
        b.konst[static_cast<std::size_t>(c->slot)] = true;
    } else if (const Apply* a = v2::get_if<Apply>(&k)) {
        check_arity(r, *a);
        if (a->target || a->payload)
            fail(r, "a left side names a shape or payload");
        if (a->capture >= 0)
            b.wild[static_cast<std::size_t>(a->capture)] = true;
        for (const Pat& q : a->args)
            collect_left(r, q, b);
    } else if (!v2::holds_alternative<Lit>(k)) {
        fail(r, "fold() or numel() on a left side");
    }
}

void check_reads(const Rule& r, const std::vector<Pat>& reads, const Bound& b) {
    for (const Pat& q : reads) {
        const PatKind& k = q.node().kind;
        if (const Wild* w = v2::get_if<Wild>(&k); w && !b.wild[static_cast<std::size_t>(w->slot)])
            fail(r, "reads unbound wildcard " + wild_name(w->slot));
        if (const ConstWild* c = v2::get_if<ConstWild>(&k);
            c && !b.konst[static_cast<std::size_t>(c->slot)])
            fail(r, "reads unbound constant " + const_name(c->slot));
    }
}

void check_fold(const Rule& r, const Pat& p, const Bound& b) {
    const PatKind& k = p.node().kind;
    if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
        if (!b.konst[static_cast<std::size_t>(c->slot)])
            fail(r, "fold() uses unbound constant " + const_name(c->slot));
    } else if (const Numel* n = v2::get_if<Numel>(&k)) {
        check_reads(r, n->shape.reads, b);
    } else if (const Apply* a = v2::get_if<Apply>(&k)) {
        check_arity(r, *a);
        if (!is_elementwise(a->op) || a->capture >= 0)
            fail(r, "fold() over a non-element-wise op");
        for (const Pat& q : a->args)
            check_fold(r, q, b);
    } else if (!v2::holds_alternative<Lit>(k)) {
        fail(r, "fold() may use constants, literals, numel() and element-wise ops only");
    }
}

void check_right(const Rule& r, const Pat& p, const Bound& b) {
    const PatKind& k = p.node().kind;
    if (const Wild* w = v2::get_if<Wild>(&k)) {
        if (w->slot == root_slot || !b.wild[static_cast<std::size_t>(w->slot)])
            fail(r, "right side uses unbound wildcard " + wild_name(w->slot));
    } else if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
        if (!b.konst[static_cast<std::size_t>(c->slot)])
            fail(r, "right side uses unbound constant " + const_name(c->slot));
    } else if (const Apply* a = v2::get_if<Apply>(&k)) {
        check_arity(r, *a);
        if (a->capture >= 0)
            fail(r, "as() on a right side");
        if (a->target)
            check_reads(r, a->target->reads, b);
        if (a->payload)
            check_reads(r, a->payload->reads, b);
        for (const Pat& q : a->args)
            check_right(r, q, b);
    } else if (const Fold* f = v2::get_if<Fold>(&k)) {
        check_fold(r, f->expr, b);
    } else if (v2::holds_alternative<Numel>(k)) {
        fail(r, "numel() outside fold()");
    }
}

} // namespace

void validate(const Rule& r) {
    if (r.name.empty())
        fail(r, "no name");
    if (!v2::holds_alternative<Apply>(r.lhs.node().kind))
        fail(r, "the left side must be an op pattern");
    if (count_nodes(r.lhs) > 24 || count_nodes(r.rhs) > 24)
        fail(r, "pattern larger than 24 nodes");
    Bound b;
    b.wild[root_slot] = true;  // guards, shapes, payloads and folds may read `root`;
    collect_left(r, r.lhs, b); // check_right refuses it as a plain node
    check_reads(r, r.guard.reads, b);
    check_right(r, r.rhs, b);
}

namespace {

struct Table {
    std::vector<Rule> rules;
    std::array<std::vector<const Rule*>, op_count> by_op;
};

const Table& table() {
    static const Table t = [] {
        Table out;
        for (auto* file : {add_rules, mul_rules, function_rules, where_rules, structural_rules})
            for (Rule& r : file())
                out.rules.push_back(std::move(r));
        std::set<std::string> names;
        for (const Rule& r : out.rules) {
            validate(r);
            if (!names.insert(r.name).second)
                fail(r, "duplicate name");
            out.by_op[static_cast<std::size_t>(r.root_op())].push_back(&r);
        }
        for (auto& rules : out.by_op)
            std::stable_sort(rules.begin(), rules.end(), [](const Rule* a, const Rule* b) {
                return a->priority() < b->priority();
            });
        return out;
    }();
    return t;
}

} // namespace

std::string_view category_name(Category c) {
    if (c == Category::exact)
        return "exact";
    return c == Category::stable ? "stable" : "real_algebra";
}

Rule::Rule(std::string name_, Pat lhs_, Pat rhs_, Flags flags_, Condition guard_)
    : name(std::move(name_)), lhs(std::move(lhs_)), rhs(std::move(rhs_)), flags(flags_),
      guard(std::move(guard_)) {}

Rule::Rule(std::string name_, Pat lhs_, Pat rhs_, Condition guard_, Flags flags_)
    : Rule(std::move(name_), std::move(lhs_), std::move(rhs_), flags_, std::move(guard_)) {}

Op Rule::root_op() const { return v2::get<Apply>(lhs.node().kind).op; }

const std::vector<Rule>& all_rules() { return table().rules; }

std::span<const Rule* const> rules_for(Op op) {
    return table().by_op[static_cast<std::size_t>(op)];
}

std::size_t rule_index(const Rule& r) {
    const auto& rules = table().rules;
    return static_cast<std::size_t>(&r - rules.data());
}

} // namespace symdiff::rewrite
