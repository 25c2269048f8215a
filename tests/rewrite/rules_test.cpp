// Every rule of the table, generically: (a) its right side and guard use only what its
// left side binds; (b) both sides agree on random values inside the ops' test domains,
// on several random shapes; (c) the right side has the left side's shape and no more op
// nodes unless marked `grows`; (d) exact rules agree bit for bit but for the sign of
// zero, also at 0, -0, inf, NaN and extremes; the others to a tolerance. Seeds pinned.
#include "core/error.hpp"
#include "core/eval.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "rewrite/match.hpp"
#include "rewrite/rule.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

using namespace symdiff;
using namespace symdiff::rewrite;
using namespace symdiff::rewrite::testing;
namespace v2 = boost::variant2;

namespace {

// ---------------------------------------------------------------------------------
// (a) what the left side binds, walked independently of rule_table.cpp

struct Names {
    std::set<int> wild, konst;
};

void bound_on_left(const Pat& p, Names& n, std::vector<std::string>& errors) {
    const PatKind& k = p.node().kind;
    if (const Wild* w = v2::get_if<Wild>(&k))
        n.wild.insert(w->slot);
    else if (const ConstWild* c = v2::get_if<ConstWild>(&k))
        n.konst.insert(c->slot);
    else if (const Apply* a = v2::get_if<Apply>(&k)) {
        if (a->capture >= 0)
            n.wild.insert(a->capture);
        for (const Pat& q : a->args)
            bound_on_left(q, n, errors);
    } else if (!v2::holds_alternative<Lit>(k))
        errors.push_back("left side holds " + to_string(p));
}

void check_leaf_reads(const std::vector<Pat>& reads, const Names& n,
                      std::vector<std::string>& errors) {
    for (const Pat& q : reads) {
        const PatKind& k = q.node().kind;
        if (const Wild* w = v2::get_if<Wild>(&k);
            w && w->slot != root_slot && !n.wild.count(w->slot))
            errors.push_back("reads unbound " + to_string(q));
        if (const ConstWild* c = v2::get_if<ConstWild>(&k); c && !n.konst.count(c->slot))
            errors.push_back("reads unbound " + to_string(q));
    }
}

void uses_on_right(const Pat& p, const Names& n, bool in_fold, std::vector<std::string>& errors) {
    const PatKind& k = p.node().kind;
    if (const Wild* w = v2::get_if<Wild>(&k)) {
        if (in_fold || w->slot == root_slot || !n.wild.count(w->slot))
            errors.push_back("right side uses " + to_string(p));
    } else if (const ConstWild* c = v2::get_if<ConstWild>(&k)) {
        if (!n.konst.count(c->slot))
            errors.push_back("right side uses unbound " + to_string(p));
    } else if (const Apply* a = v2::get_if<Apply>(&k)) {
        if (a->capture >= 0)
            errors.push_back("right side captures");
        if (a->target)
            check_leaf_reads(a->target->reads, n, errors);
        if (a->payload)
            check_leaf_reads(a->payload->reads, n, errors);
        for (const Pat& q : a->args)
            uses_on_right(q, n, in_fold, errors);
    } else if (const Fold* f = v2::get_if<Fold>(&k)) {
        uses_on_right(f->expr, n, true, errors);
    } else if (const Numel* m = v2::get_if<Numel>(&k)) {
        if (!in_fold)
            errors.push_back("numel outside fold");
        check_leaf_reads(m->shape.reads, n, errors);
    }
}

// ---------------------------------------------------------------------------------
// (b)-(d) a concrete left side with random shapes, payloads and constants

struct Retry {};

const std::vector<Shape>& leaf_shapes() {
    static const std::vector<Shape> s{Shape{},     Shape{3},    Shape{2},    Shape{2, 3},
                                      Shape{1, 3}, Shape{2, 1}, Shape{3, 3}, Shape{2, 2}};
    return s;
}

// Every shape of rank <= 3 with dimensions 1..3: candidate results of structural ops.
const std::vector<Shape>& all_shapes() {
    static const std::vector<Shape> s = [] {
        std::vector<Shape> out{Shape{}};
        for (std::int64_t a = 1; a <= 3; ++a) {
            out.push_back(Shape{a});
            for (std::int64_t b = 1; b <= 3; ++b) {
                out.push_back(Shape{a, b});
                for (std::int64_t c = 1; c <= 3; ++c)
                    out.push_back(Shape{a, b, c});
            }
        }
        return out;
    }();
    return s;
}

struct Instance {
    std::unique_ptr<Graph> g = std::make_unique<Graph>();
    NodeId lhs = no_node;
    std::vector<Interval> domain; // per input
    std::vector<bool> condition;  // input used as a where condition
    std::string signature;        // shapes, to count distinct instances
};

class InstanceBuilder {
  public:
    explicit InstanceBuilder(std::mt19937_64& rng) : rng_(rng) {}

    // A graph holding the rule's left side, matched by the rule; nullopt when this
    // attempt's random choices did not fit (shapes, guard, or a fold by the factory).
    std::optional<Instance> build(const Rule& rule) {
        inst_ = Instance{};
        wild_.fill(no_node);
        konst_.fill(no_node);
        try {
            const Shape root = pick(leaf_shapes());
            const NodeId id = make(rule.lhs, coin(0.7) ? &root : nullptr, std::nullopt, 0);
            if ((*inst_.g)[id].op != rule.root_op())
                return std::nullopt;
            Match m(*inst_.g, id);
            if (!match(rule, id, m))
                return std::nullopt;
            inst_.lhs = id;
        } catch (const Retry&) {
            return std::nullopt;
        } catch (const Error&) {
            return std::nullopt; // shapes that do not fit the op
        }
        for (NodeId id : reachable(*inst_.g, std::span<const NodeId>(&inst_.lhs, 1)))
            inst_.signature += (*inst_.g)[id].shape.str();
        return std::move(inst_);
    }

  private:
    template <class T> const T& pick(const std::vector<T>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng_)];
    }
    bool coin(double p) { return std::bernoulli_distribution(p)(rng_); }

    void note_use(NodeId input, std::optional<Op> parent, int k) {
        const auto i = static_cast<std::size_t>((*inst_.g)[input].input_index());
        if (!parent)
            return;
        if (*parent == Op::Where && k == 0)
            inst_.condition[i] = true;
        if (const auto d = operand_domain(*parent, k)) {
            inst_.domain[i].lo = std::max(inst_.domain[i].lo, d->lo);
            inst_.domain[i].hi = std::min(inst_.domain[i].hi, d->hi);
        }
    }

    NodeId leaf_shape_check(NodeId id, const Shape* required) {
        if (required && (*inst_.g)[id].shape != *required)
            throw Retry{};
        return id;
    }

    double random_constant() {
        static const std::vector<double> special{0.0, 1.0, -1.0, 2.0, 0.5, -0.25, 4.0, 3.0};
        return coin(0.4) ? pick(special) : std::uniform_real_distribution<double>(-3, 3)(rng_);
    }

    NodeId make(const Pat& p, const Shape* required, std::optional<Op> parent, int k) {
        Graph& g = *inst_.g;
        const PatKind& kind = p.node().kind;
        if (const Wild* w = v2::get_if<Wild>(&kind)) {
            NodeId& slot = wild_[static_cast<std::size_t>(w->slot)];
            if (slot == no_node) {
                const Shape s = required ? *required : pick(leaf_shapes());
                slot = g.add_input("i" + std::to_string(g.inputs().size()), s);
                inst_.domain.push_back({-3.0, 3.0});
                inst_.condition.push_back(false);
            }
            note_use(slot, parent, k);
            return leaf_shape_check(slot, required);
        }
        if (const ConstWild* c = v2::get_if<ConstWild>(&kind)) {
            NodeId& slot = konst_[static_cast<std::size_t>(c->slot)];
            if (slot == no_node)
                slot = g.constant(random_constant(), required ? *required : pick(leaf_shapes()));
            return leaf_shape_check(slot, required);
        }
        if (const Lit* l = v2::get_if<Lit>(&kind))
            return g.constant(l->value, required ? *required : pick(leaf_shapes()));
        const Apply* a = v2::get_if<Apply>(&kind);
        if (!a)
            throw Retry{};
        std::array<NodeId, 3> args{};
        const auto n = a->args.size();
        NodeId id = no_node;
        if (is_elementwise(a->op)) {
            const Shape s = required ? *required : pick(leaf_shapes());
            for (std::size_t i = 0; i < n; ++i)
                args[i] = make(a->args[i], &s, a->op, static_cast<int>(i));
            id = g.make(a->op, std::span<const NodeId>(args.data(), n));
        } else {
            for (std::size_t i = 0; i < n; ++i)
                args[i] = make(a->args[i], nullptr, a->op, static_cast<int>(i));
            id = structural(a->op, std::span<const NodeId>(args.data(), n), required);
        }
        if (g[id].op != a->op)
            throw Retry{}; // the factory folded it: not this pattern any more
        if (a->capture >= 0) {
            NodeId& slot = wild_[static_cast<std::size_t>(a->capture)];
            if (slot != no_node && slot != id)
                throw Retry{};
            slot = id;
        }
        return id;
    }

    // A random window of `source` (integer indices drop axes now and then).
    SliceSpec random_slice(const Shape& source) {
        SliceSpec s;
        for (int k = 0; k < source.rank(); ++k) {
            const auto ks = static_cast<std::size_t>(k);
            const auto d = static_cast<std::int32_t>(source[k]);
            s.start[ks] = std::uniform_int_distribution<std::int32_t>(0, d - 1)(rng_);
            s.stop[ks] = std::uniform_int_distribution<std::int32_t>(s.start[ks] + 1, d)(rng_);
            if (s.stop[ks] == s.start[ks] + 1 && coin(0.3))
                s.drop = static_cast<std::uint8_t>(s.drop | (1u << k));
        }
        return s;
    }

    // A structural node over `args`: the target and payload are drawn at random among
    // those the op accepts (tried through Graph::make, which checks them).
    NodeId structural(Op op, std::span<const NodeId> args, const Shape* required) {
        Graph& g = *inst_.g;
        const Shape x = g[args[0]].shape;
        std::vector<Shape> targets = all_shapes();
        std::shuffle(targets.begin(), targets.end(), rng_);
        if (required)
            targets = {*required};
        for (const Shape& t : targets) {
            Payload payload;
            if (op == Op::Slice) {
                const Node& in = g[args[0]];
                const bool reuse = in.op == Op::Embed && coin(0.5);
                payload = reuse ? in.payload() : Payload(random_slice(x));
            } else if (op == Op::Embed) {
                // x fills a window of a larger t: grow each axis by 0 or 1
                if (t.rank() != x.rank())
                    continue;
                SliceSpec s;
                bool fits = true;
                for (int k = 0; k < x.rank(); ++k) {
                    const auto ks = static_cast<std::size_t>(k);
                    const auto slack = static_cast<std::int32_t>(t[k] - x[k]);
                    fits = fits && slack >= 0;
                    s.start[ks] =
                        slack > 0 ? std::uniform_int_distribution<std::int32_t>(0, slack)(rng_) : 0;
                    s.stop[ks] = s.start[ks] + static_cast<std::int32_t>(x[k]);
                }
                if (!fits)
                    continue;
                payload = s;
            }
            try {
                const NodeId id = g.make(op, args, payload, t);
                if (required && g[id].shape != *required)
                    throw Retry{};
                if (g[id].op == op)
                    return id;
            } catch (const Error&) {
            }
        }
        throw Retry{};
    }

    std::mt19937_64& rng_;
    Instance inst_;
    std::array<NodeId, wild_slots> wild_{};
    std::array<NodeId, const_slots> konst_{};
};

// Inputs drawn inside their domains (conditions: 0 or 1); accepted only if every
// element-wise node of the left side then sees computed operands inside its test domain.
std::optional<Bindings> sample(const Instance& inst, std::mt19937_64& rng) {
    const Graph& g = *inst.g;
    const std::vector<NodeId> nodes = reachable(g, std::span<const NodeId>(&inst.lhs, 1));
    for (int attempt = 0; attempt < 50; ++attempt) {
        Bindings b(g);
        for (std::size_t i = 0; i < g.inputs().size(); ++i) {
            const Shape& s = g.inputs()[i].shape;
            std::vector<double> v(static_cast<std::size_t>(s.size()));
            std::uniform_real_distribution<double> dist(inst.domain[i].lo, inst.domain[i].hi);
            for (double& e : v)
                e = inst.condition[i] ? static_cast<double>(rng() % 2) : dist(rng);
            b.set(static_cast<int>(i), Tensor(s, std::move(v)));
        }
        const auto vals = values(g, nodes, b);
        auto value_of = [&](NodeId id) -> const std::vector<double>& {
            return vals[static_cast<std::size_t>(std::lower_bound(nodes.begin(), nodes.end(), id) -
                                                 nodes.begin())];
        };
        bool inside = true;
        for (NodeId id : nodes) {
            const Node& n = g[id];
            if (!is_elementwise(n.op))
                continue;
            for (int k = 0; k < n.arity; ++k) {
                const auto d = operand_domain(n.op, k);
                const NodeId operand = n.args[static_cast<std::size_t>(k)];
                if ((n.op == Op::Where && k == 0) || g[operand].is_const())
                    continue; // conditions are 0/1; constants are the rule's own
                for (double e : value_of(operand))
                    inside = inside && e >= d->lo && e <= d->hi;
            }
        }
        if (inside)
            return b;
    }
    return std::nullopt;
}

// Inputs drawn from IEEE special values, outside every domain: exact rules hold there too.
Bindings special_inputs(const Graph& g, std::mt19937_64& rng) {
    static const std::vector<double> special{0.0,
                                             -0.0,
                                             1.0,
                                             -1.0,
                                             2.5,
                                             std::numeric_limits<double>::infinity(),
                                             -std::numeric_limits<double>::infinity(),
                                             std::numeric_limits<double>::quiet_NaN(),
                                             1e308,
                                             -1e308,
                                             5e-324,
                                             1e-300};
    Bindings b(g);
    for (std::size_t i = 0; i < g.inputs().size(); ++i) {
        const Shape& s = g.inputs()[i].shape;
        std::vector<double> v(static_cast<std::size_t>(s.size()));
        for (double& e : v)
            e = special[rng() % special.size()];
        b.set(static_cast<int>(i), Tensor(s, std::move(v)));
    }
    return b;
}

struct RuleReport {
    int instances = 0, samples = 0, specials = 0;
    std::set<std::string> signatures;
    bool grew = false;
    std::vector<std::string> errors;
};

std::string show(const std::vector<double>& v) {
    std::ostringstream os;
    os.precision(17);
    for (double e : v)
        os << e << " ";
    return os.str();
}

bool has_structural(const Pat& p) {
    const Apply* a = v2::get_if<Apply>(&p.node().kind);
    if (!a)
        return false;
    if (!is_elementwise(a->op))
        return true;
    return std::any_of(a->args.begin(), a->args.end(), has_structural);
}

RuleReport exercise(const Rule& rule, std::uint64_t seed) {
    RuleReport rep;
    std::mt19937_64 rng(seed);
    InstanceBuilder builder(rng);
    const bool exact_rule = rule.category() == Category::exact;
    const double tol = 1e-9;
    // shape-sensitive rules get more shapes (and tensor ranks) than element-wise ones
    const std::size_t wanted = has_structural(rule.lhs) ? 16 : 6;
    for (int attempt = 0; attempt < 6000 && rep.signatures.size() < wanted; ++attempt) {
        auto inst = builder.build(rule);
        if (!inst || rep.signatures.count(inst->signature))
            continue;
        Graph& g = *inst->g;
        const std::size_t before = op_nodes(g, inst->lhs);
        const auto rhs = apply_rule(g, rule, inst->lhs);
        if (!rhs) {
            rep.errors.push_back("matched but apply_rule did not");
            break;
        }
        rep.signatures.insert(inst->signature);
        ++rep.instances;
        if (g[*rhs].shape != g[inst->lhs].shape)
            rep.errors.push_back("shape " + g[inst->lhs].shape.str() + " became " +
                                 g[*rhs].shape.str());
        const std::size_t after = op_nodes(g, *rhs);
        rep.grew = rep.grew || after > before;
        if (after > before && !rule.flags.grows)
            rep.errors.push_back("grows from " + std::to_string(before) + " to " +
                                 std::to_string(after) + " op nodes");
        const std::array<NodeId, 2> roots{inst->lhs, *rhs};
        for (int s = 0; s < 8; ++s) {
            const auto b = sample(*inst, rng);
            if (!b)
                continue;
            ++rep.samples;
            const auto v = values(g, roots, *b);
            for (std::size_t e = 0; e < v[0].size(); ++e) {
                const bool ok =
                    exact_rule ? same_value(v[0][e], v[1][e]) : close(v[0][e], v[1][e], tol);
                if (!ok) {
                    rep.errors.push_back("values differ: " + show(v[0]) + "vs " + show(v[1]) +
                                         "at shapes " + inst->signature);
                    break;
                }
            }
        }
        if (!exact_rule)
            continue;
        for (int s = 0; s < 16; ++s) {
            const auto v = values(g, roots, special_inputs(g, rng));
            ++rep.specials;
            for (std::size_t e = 0; e < v[0].size(); ++e)
                if (!same_value(v[0][e], v[1][e])) {
                    rep.errors.push_back("exact rule differs at special values: " + show(v[0]) +
                                         "vs " + show(v[1]) + "at shapes " + inst->signature);
                    break;
                }
        }
    }
    return rep;
}

} // namespace

TEST_CASE("every rule's right side and guard use only what its left side binds") {
    for (const Rule& r : all_rules()) {
        INFO("rule " << r.name << ": " << to_string(r.lhs) << " -> " << to_string(r.rhs));
        std::vector<std::string> errors;
        Names n;
        CHECK(v2::holds_alternative<Apply>(r.lhs.node().kind));
        bound_on_left(r.lhs, n, errors);
        CHECK(n.wild.count(root_slot) == 0);
        uses_on_right(r.rhs, n, false, errors);
        check_leaf_reads(r.guard.reads, n, errors);
        for (const auto& e : errors)
            FAIL_CHECK(e);
    }
}

TEST_CASE("rule validation refuses malformed rules") {
    using namespace dsl;
    CHECK_THROWS_AS(validate(Rule("unbound-rhs", x * 1, y)), Error);
    CHECK_THROWS_AS(validate(Rule("unbound-const", x * 1, fold(c0))), Error);
    CHECK_THROWS_AS(validate(Rule("unbound-guard", x * 1, x, when(is_scalar(y)))), Error);
    CHECK_THROWS_AS(validate(Rule("leaf-lhs", x, x)), Error);
    CHECK_THROWS_AS(validate(Rule("root-rhs", x * 1, root)), Error);
    CHECK_THROWS_AS(validate(Rule("fold-lhs", x * fold(c0), x)), Error);
    CHECK_THROWS_AS(validate(Rule("numel-outside-fold", sum_to(x), numel(x))), Error);
    CHECK_THROWS_AS(validate(Rule("capture-rhs", x * 1, as(y, -x))), Error);
    CHECK_THROWS_AS(validate(Rule("arity", apply(Op::Add, {x}), x)), Error);
    CHECK_THROWS_AS(validate(Rule("", x * 1, x)), Error);
    CHECK_NOTHROW(validate(Rule("fine", sum_to(as(y, broadcast(x))), x * fold(numel(y) / numel(x)),
                                when(same_shape(x, root)))));
}

TEST_CASE("rule names are unique and every rule is indexed under its root op") {
    std::set<std::string> names;
    std::size_t indexed = 0;
    for (const Rule& r : all_rules()) {
        CHECK(names.insert(r.name).second);
        const auto list = rules_for(r.root_op());
        CHECK(std::find(list.begin(), list.end(), &r) != list.end());
        CHECK(&all_rules()[rule_index(r)] == &r);
    }
    for (int k = 0; k < op_count; ++k)
        indexed += rules_for(static_cast<Op>(k)).size();
    CHECK(indexed == all_rules().size());
}

TEST_CASE("rules rooted at one op are tried by their explicit priority") {
    for (int k = 0; k < op_count; ++k) {
        const auto list = rules_for(static_cast<Op>(k));
        for (std::size_t i = 1; i < list.size(); ++i) {
            INFO(list[i - 1]->name << " before " << list[i]->name);
            CHECK(list[i - 1]->priority() <= list[i]->priority());
        }
    }
    // log(1 + exp(x)) is softplus before log1p-def takes log(1 + _), whatever the files' order
    const auto logs = rules_for(Op::Log);
    auto at = [&](std::string_view name) {
        return std::find_if(logs.begin(), logs.end(), [&](const Rule* r) { return r->name == name; });
    };
    REQUIRE(at("softplus-def") != logs.end());
    CHECK(at("softplus-def") < at("log1p-def"));
    CHECK((*at("softplus-def"))->priority() == Priority::first);
    // the hoisting family comes after an op's own rules
    const auto adds = rules_for(Op::Add);
    CHECK(adds.back()->priority() == Priority::last);
}

TEST_CASE("every rule preserves values and shapes, and grows only when marked") {
    std::uint64_t seed = 20261122;
    int total_samples = 0;
    for (const Rule& r : all_rules()) {
        const RuleReport rep = exercise(r, seed++);
        INFO("rule " << r.name << " [" << category_name(r.category()) << "]: " << to_string(r.lhs)
                     << " -> " << to_string(r.rhs));
        total_samples += rep.samples;
        CHECK(rep.instances >= 1);
        CHECK(rep.samples >= 3);
        if (has_structural(r.lhs))
            CHECK(rep.signatures.size() >= 2); // several shapes for shape-sensitive rules
        if (r.category() == Category::exact)
            CHECK(rep.specials >= 16);
        if (r.flags.grows)
            CHECK(rep.grew); // the flag is not spurious
        for (const auto& e : rep.errors)
            FAIL_CHECK(e);
    }
    CHECK(total_samples > 1000);
}
