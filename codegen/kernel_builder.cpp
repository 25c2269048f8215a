// Kernel bodies (kernel_builder.hpp).
#include "codegen/kernel_builder.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <bit>

namespace symdiff::codegen {
namespace {

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

// The flat offsets into a row-major buffer that map `m` reads (core's linearisation),
// in the 32-bit index arithmetic of emitted code (lower.hpp).
Access linearize(int buffer, const AffineMap& m, const Shape& shape) {
    const LinearMap l = symdiff::linearize(m, shape);
    Access a;
    a.buffer = buffer;
    a.base = static_cast<Index>(l.base);
    for (std::size_t j = 0; j < a.step.size(); ++j)
        a.step[j] = static_cast<Index>(l.step[j]);
    return a;
}

} // namespace

// A value of a kernel under construction: an op value (core/op_functions.hpp), so an
// entry's formula over T adds its operations to the kernel.
struct Spelled {
    BodyBuilder* b;
    Kernel* k;
    int v;
};

} // namespace symdiff::codegen

namespace symdiff {
template <> struct OpValue<codegen::Spelled> {
    using Spelled = codegen::Spelled;
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Spelled apply(const A&... args) {
        const Spelled& first = *std::array<const Spelled*, sizeof...(A)>{&args...}[0];
        return {first.b, first.k, first.b->spelled(*first.k, op, {args.v...})};
    }
    static Spelled literal(double c, const Spelled& like) {
        return {like.b, like.k, like.b->constant(*like.k, c)};
    }
};
} // namespace symdiff

namespace symdiff::codegen {

// Element-wise `op` of values while formulas are spelled out: as apply(), but an even op of
// a negation reads the negation's operand (|-x| = |x| exactly), so that e = exp(-|x|) is
// one value for a sigmoid of x and a softplus of -x; and a costly value that another
// formula made is noted (compute() keeps the spelled-out kernel then).
int BodyBuilder::spelled(Kernel& k, Op op, std::initializer_list<int> args) {
    std::array<int, 3> a{};
    std::copy(args.begin(), args.end(), a.begin());
    const Value& x = k.body[u(a[0])];
    if (info(op).even && x.kind == Value::Kind::apply && x.op == Op::Neg)
        a[0] = x.args[0];
    const std::size_t before = k.body.size();
    const int v = apply(k, op, std::span<const int>(a.data(), args.size()));
    const bool work = !info(op).cheap && !info(op).syntax.comparison; // worth sharing
    if (work && static_cast<std::size_t>(v) < before && v < static_cast<int>(made_by_.size()) &&
        made_by_[u(v)] >= 0 && made_by_[u(v)] != owner_)
        shared_ = true;
    made_by_.resize(k.body.size(), -1);
    if (static_cast<std::size_t>(v) >= before)
        made_by_[u(v)] = owner_;
    return v;
}

int BodyBuilder::spell_formula(Kernel& k, Op op, std::span<const int> args, int owner) {
    owner_ = owner;
    return visit(op, [&](auto entry) -> int {
        using E = decltype(entry);
        if constexpr (E::kind != OpKind::elementwise || !HasFormula<E>) {
            throw Error("internal error: " + std::string(E::name) + " has no formula");
        } else {
            std::array<Spelled, 3> x{};
            for (std::size_t i = 0; i < args.size(); ++i)
                x[i] = Spelled{this, &k, args[i]};
            if constexpr (E::arity == 1)
                return E::formula(x[0]).v;
            else if constexpr (E::arity == 2)
                return E::formula(x[0], x[1]).v;
            else
                return E::formula(x[0], x[1], x[2]).v;
        }
    });
}

int BodyBuilder::push(Kernel& k, const Value& v) {
    k.body.push_back(v);
    return static_cast<int>(k.body.size() - 1);
}

int KernelBuilder::load(Kernel& k, int buffer, const AffineMap& map, const Shape& shape) {
    return load(k, linearize(buffer, map, shape));
}

int KernelBuilder::load(Kernel& k, const Access& at) {
    Value v;
    v.kind = Value::Kind::load;
    v.at = at;
    for (std::size_t i = 0; i < k.body.size(); ++i) // identical loads share a value
        if (k.body[i].kind == Value::Kind::load && k.body[i].at == v.at)
            return static_cast<int>(i);
    return push(k, v);
}

int BodyBuilder::constant(Kernel& k, double c) {
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
int BodyBuilder::apply(Kernel& k, Op op, std::span<const int> args) {
    Value v;
    v.kind = Value::Kind::apply;
    v.op = op;
    std::copy(args.begin(), args.end(), v.args.begin());
    for (std::size_t i = 0; i < k.body.size(); ++i)
        if (k.body[i].kind == Value::Kind::apply && k.body[i].op == op && k.body[i].args == v.args)
            return static_cast<int>(i);
    return push(k, v);
}

// Seed instance i (its scope is the loop binding it) at the element whose flat index is
// map(loop) in row-major `shape`.
int KernelBuilder::seed(Kernel& k, int i, const AffineMap& map, const Shape& shape) {
    const int scope = s_.instances[u(i)].scope;
    Value v;
    v.kind = Value::Kind::seed;
    v.at = linearize(-1, map, shape);
    v.depth = static_cast<std::int8_t>(s_.scopes[u(scope)].depth);
    v.directions = static_cast<Index>(directions(g_, s_, scope));
    v.colours = g_[s_.instances[u(s_.scopes[u(scope)].stores.front())].node].loop().colours;
    return push(k, v);
}

// The value of instance i at index map(loop) inside kernel k.
int KernelBuilder::value(Kernel& k, int i, const AffineMap& map) {
    const NodeId id = s_.instances[u(i)].node;
    switch (p_.place[u(i)]) {
    case Place::constant:
        return constant(k, g_[id].value());
    case Place::seed:
        return seed(k, i, map, g_[id].shape);
    case Place::buffer:
        return load(k, p_.buffer[u(i)], map, g_[id].shape);
    case Place::inlined:
        break;
    }
    return expand(k, i, map);
}

// Instance i's own op applied at index map(loop), its operands fused or loaded.
int KernelBuilder::expand(Kernel& k, int i, const AffineMap& map) {
    for (const Memo& m : memo_)
        if (m.instance == i && same_map(m.map, map))
            return m.value;
    const Instance inst = s_.instances[u(i)];
    const Node n = g_[inst.node];
    int result = -1;
    switch (info(n.op).kind) {
    case OpKind::elementwise: {
        std::array<int, 3> args{};
        for (int a = 0; a < n.arity; ++a)
            args[u(a)] = value(k, inst.args[u(a)], map);
        if (spell_formulas_ && info(n.op).formula) {
            result = spell_formula(k, n.op, std::span<const int>(args.data(), u(n.arity)), i);
            break;
        }
        Value v;
        v.kind = Value::Kind::apply;
        v.op = n.op;
        v.args = args;
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
        result = value(k, inst.args[0], compose(p.in[0], map));
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
        const int a = inst.args[0];
        const NodeId aid = s_.instances[u(a)].node;
        if (g_[aid].op == Op::Const)
            result = constant(k, g_[aid].value());
        else if (g_[aid].op == Op::Seed)
            result = seed(k, a, map, n.shape);
        else
            result = load(k, p_.buffer[u(a)], map, n.shape);
        break;
    }
    case OpKind::reduce:
        if (const std::optional<AffineMap> inv = single_term_map(g_, n)) {
            const IndexPlan p = index_plan(g_, n);
            const AffineMap at = compose(*inv, map); // the loop index of this element
            result = value(k, inst.args[0], compose(p.in[0], at));
            if (p.body == Body::product) {
                Value v;
                v.kind = Value::Kind::apply;
                v.op = Op::Mul;
                v.args = {result, value(k, inst.args[1], compose(p.in[1], at)), 0};
                result = push(k, v);
            }
            break;
        }
        [[fallthrough]];
    case OpKind::element: // row t of its sequence: the loop's counter in the access
        if (info(n.op).kind == OpKind::element) {
            result = element(k, i, map);
            break;
        }
        [[fallthrough]];
    case OpKind::leaf:
    case OpKind::loop:
    case OpKind::fold:
        throw Error("internal error: cannot fuse " + std::string(name(n.op)));
    }
    memo_.push_back({i, map, result});
    return result;
}

// The fold that binds scope `scope` (a fold's body), and where in it step t is: t = k for
// a forward loop, count - 1 - k for a reverse one (k the loop's counter).
struct StepAt {
    FoldSpec spec;
    int depth;
};

namespace {
StepAt step_at(const Graph& g, const Schedule& s, int scope) {
    const Scope& sc = s.scopes[u(scope)];
    return {g[s.instances[u(sc.stores.front())].node].fold(), sc.depth};
}

// Moves access `a` to row t of a sequence of rows of `row` elements.
void at_step(Access& a, const StepAt& at, std::int64_t row) {
    const auto r = static_cast<Index>(row);
    if (at.spec.reverse) {
        a.base += static_cast<Index>((at.spec.count - 1) * row);
        a.counter[u(at.depth)] -= r;
    } else {
        a.counter[u(at.depth)] += r;
    }
}
} // namespace

// Element instance i (row t of its sequence xs) at index map(loop): a load of xs, whose
// first axis is the step.
int KernelBuilder::element(Kernel& k, int i, const AffineMap& map) {
    const Instance inst = s_.instances[u(i)];
    const int a = inst.args[0];
    const Node& xs = g_[s_.instances[u(a)].node];
    if (p_.place[u(a)] == Place::constant)
        return constant(k, xs.value());
    AffineMap m;
    m.rank = map.rank + 1;
    for (int r = 0; r < map.rank; ++r) {
        m.coef[u(r + 1)] = map.coef[u(r)];
        m.offset[u(r + 1)] = map.offset[u(r)];
    }
    const StepAt at = step_at(g_, s_, inst.scope);
    const std::int64_t row = xs.shape.size() / xs.shape[0];
    if (p_.place[u(a)] == Place::seed) { // a one-hot direction of a Jacobian loop around
        const int v = seed(k, a, m, xs.shape);
        at_step(k.body[u(v)].at, at, row);
        return v;
    }
    if (p_.place[u(a)] != Place::buffer)
        throw Error("internal error: a loop's sequence is neither stored nor a constant");
    Access in = linearize(p_.buffer[u(a)], m, xs.shape);
    at_step(in, at, row);
    return load(k, in);
}

// A fold's kernels around its body: init into the carry before the loop, the body's
// value into the carry at the end of each step, and a scan's row t from the carry.
Kernel KernelBuilder::fold_kernel(int loop, FoldKernel what) {
    const Instance inst = s_.instances[u(loop)];
    const Node n = g_[inst.node];
    const Shape carry = g_[n.args[1]].shape;
    const AffineMap id_map = AffineMap::identity(carry.rank());
    const int c = p_.carry[u(loop)];
    Kernel k;
    k.node = inst.node;
    k.domain = carry;
    memo_.clear();
    switch (what) {
    case FoldKernel::init:
        k.result = value(k, inst.args[2], id_map);
        k.out = linearize(c, id_map, carry);
        break;
    case FoldKernel::update:
        k.result = value(k, inst.args[0], id_map);
        k.out = linearize(c, id_map, carry);
        break;
    case FoldKernel::row:
        k.result = load(k, c, id_map, carry);
        k.out = linearize(p_.buffer[u(loop)], id_map, carry);
        at_step(k.out, step_at(g_, s_, inst.body), carry.size());
        break;
    }
    normalize(k);
    return k;
}

// Ops defined by a formula (sigmoid, softplus, ...) are helper calls in emitted code,
// except where a kernel computes several whose formulas share a value (a sigmoid and a
// softplus of one x share e = exp(-|x|), and the two halves of a logistic loss,
// softplus(z) and softplus(-z), pay one exp and one log1p): there they are spelled out,
// and the kernel's values are shared. The formula is the entry's, so the values are the
// interpreter's, bit for bit.
Kernel KernelBuilder::compute(int i) {
    Kernel k = build(i);
    const auto formulas = std::count_if(k.body.begin(), k.body.end(), [](const Value& v) {
        return v.kind == Value::Kind::apply && info(v.op).formula;
    });
    if (formulas >= 2) { // a trial: do their formulas share a value?
        spell_formulas_ = true;
        start_trial();
        Kernel spelled = build(i);
        spell_formulas_ = false;
        if (shared())
            k = std::move(spelled);
    }
    if (s_.instances[u(i)].scope != 0)
        pin_one_hot_axes(k);
    normalize(k);
    return k;
}

Kernel KernelBuilder::build(int i) {
    const Instance inst = s_.instances[u(i)];
    const Node n = g_[inst.node];
    Kernel k;
    k.node = inst.node;
    memo_.clear();
    const int out = p_.buffer[u(i)];
    const OpKind kind = info(n.op).kind;
    if (kind == OpKind::loop)
        return n.loop().colours ? recovery(i) : store(i);
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
        const int a = value(k, inst.args[0], p.in[0]);
        if (p.body == Body::product) {
            Value v;
            v.kind = Value::Kind::apply;
            v.op = Op::Mul;
            v.args = {a, value(k, inst.args[1], p.in[1]), 0};
            k.result = push(k, v);
        } else {
            k.result = a;
        }
        k.out = linearize(out, p.out, n.shape);
        if (const int e = p_.softmax_of[u(i)]; e >= 0)
            k.side = linearize(p_.buffer[u(e)], p.in[0], g_[s_.instances[u(e)].node].shape);
    } else {
        const AffineMap id_map = AffineMap::identity(n.shape.rank());
        k.domain = n.shape;
        k.result = expand(k, i, id_map);
        k.out = linearize(out, id_map, n.shape);
    }
    return k;
}

// The last step of a loop's body: the body's value for this direction, into the loop's
// result.
Kernel KernelBuilder::store(int loop) {
    const Instance inst = s_.instances[u(loop)];
    const Node n = g_[inst.node];
    const Shape body = g_[n.args[0]].shape;
    const auto count = g_[n.args[1]].shape.size();
    const AffineMap id_map = AffineMap::identity(body.rank());
    Kernel k;
    k.node = inst.node;
    k.domain = body;
    k.result = value(k, inst.args[0], id_map);
    k.out = linearize(p_.buffer[u(loop)], id_map, body);
    const bool last = n.loop().seed_axes_last;
    if (last)
        for (auto& step : k.out.step)
            step *= static_cast<Index>(count);
    k.out.counter[u(s_.scopes[u(inst.body)].depth)] = static_cast<Index>(last ? 1 : body.size());
    return k;
}

// A compressed Jacobian loop's store: iteration k holds, at body element i, the column (or
// row) j of colour k for every j within the band of i. Loops run over (m, w) with
// j = k + colours m and i = j - band + w; out-of-range pairs are skipped.
Kernel KernelBuilder::recovery(int loop) {
    const Instance inst = s_.instances[u(loop)];
    const Node n = g_[inst.node];
    const LoopSpec& spec = n.loop();
    const auto seeds = static_cast<Index>(g_[n.args[1]].shape.size());
    const auto width = static_cast<Index>(g_[n.args[0]].shape.size());
    const Index c = spec.colours, b = spec.band;
    const auto depth = u(s_.scopes[u(inst.body)].depth);
    Kernel k;
    k.node = inst.node;
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
    const int held = flat_source(g_, s_, inst.args[0]); // same elements, same order
    if (p_.place[u(held)] == Place::constant) {
        k.result = constant(k, g_[s_.instances[u(held)].node].value());
    } else if (p_.place[u(held)] == Place::seed) {
        Value v;
        v.kind = Value::Kind::seed;
        v.at = at_i;
        v.depth = static_cast<std::int8_t>(depth);
        v.directions = c;
        v.colours = c;
        k.result = push(k, v);
    } else {
        Value v;
        v.kind = Value::Kind::load;
        v.at = at_i;
        v.at.buffer = p_.buffer[u(held)];
        k.result = push(k, v);
    }
    // Result element (i, j): [j, i] with the seed's axis first, [i, j] with it last.
    k.out.buffer = p_.buffer[u(loop)];
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

Kernel KernelBuilder::fill(int i, double value) {
    const NodeId id = s_.instances[u(i)].node;
    Kernel k;
    k.node = id;
    const AffineMap id_map = AffineMap::identity(g_[id].shape.rank());
    k.domain = g_[id].shape;
    k.result = constant(k, value);
    k.out = linearize(p_.buffer[u(i)], id_map, g_[id].shape);
    normalize(k);
    return k;
}

Kernel KernelBuilder::copy(int i, int out) {
    const NodeId id = s_.instances[u(i)].node;
    const Node& n = g_[id];
    Kernel k;
    k.node = id;
    memo_.clear();
    const AffineMap id_map = AffineMap::identity(n.shape.rank());
    k.domain = n.shape;
    k.result = n.op == Op::Const ? constant(k, n.value()) : load(k, p_.buffer[u(i)], id_map, n.shape);
    k.out = linearize(out, id_map, n.shape);
    normalize(k);
    return k;
}

Kernel formula_kernel(Op op) {
    BodyBuilder b;
    Kernel k;
    const int arity = info(op).arity;
    std::array<int, 3> args{};
    for (int a = 0; a < arity; ++a) {
        Value v;
        v.kind = Value::Kind::load;
        v.at.buffer = a;
        args[u(a)] = b.push(k, v);
    }
    k.result = b.spell_formula(k, op, std::span<const int>(args.data(), u(arity)), 0);
    k.out.buffer = arity;
    return k;
}

void pin_one_hot_axes(Kernel& k) {
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
        if (!factor[i] || v.kind != Value::Kind::seed || v.at.base != 0 || v.colours ||
            v.at.counter != decltype(v.at.counter){}) // a fold's row of a seed: not one axis
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
        const auto depth = u(v.depth);
        auto pin = [&](Access& a) { // index axis -> the loop counter
            a.counter[depth] += a.step[u(axis)];
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

void normalize(Kernel& k) {
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

} // namespace symdiff::codegen
