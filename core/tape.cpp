// The tape: recording (probing each op's rules for what they read, planning buffers by
// liveness) and the numeric sweeps, which apply the op table's rules with T = double
// (element-wise partials) and T = Tensor (structural vjp/jvp).
// Invariants: steps are the nodes y reaches, in id order; two tensors whose lifetimes
// overlap never share a buffer; every value the reverse sweep reads is owned by the tape.
#include "core/tape.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

namespace symdiff {

// Bits naming what a local rule reads: operand k is bit k, the op's own result bit 3.
static constexpr unsigned result_bit = 3;
static constexpr std::uint8_t bit(unsigned k) { return static_cast<std::uint8_t>(1u << k); }

// ---------------------------------------------------------------------------------
// Probes: stand-ins for double (Sym) and Tensor (Shadow) that run a rule of the op table
// without numbers and report which of its inputs it reads. They are op values
// (core/op_functions.hpp), so every function a rule may call exists for them.

namespace tape_probe {

struct Sym {
    Sym(double v = 0.0) : value(v) {} // NOLINT: rules write 1.0 / x, T(0.0), ...
    static Sym read(unsigned k) {
        Sym s;
        s.reads = bit(k);
        s.constant = false;
        return s;
    }
    std::uint8_t reads = 0; // which inputs the value depends on
    bool constant = true;   // it depends on none, and equals `value`
    double value = 0.0;
};

// A tensor whose shape is known and whose values are not: shape() is free, using the
// values is a read.
struct Shadow {
    Shape s;
    std::uint8_t reads = 0;
    const Shape& shape() const { return s; }
};

} // namespace tape_probe

// An op of constants is a constant (its entry's eval); otherwise it reads what any of
// its operands reads.
template <> struct OpValue<tape_probe::Sym> {
    using Sym = tape_probe::Sym;
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Sym apply(const A&... args) {
        if ((args.constant && ...))
            return Sym(Entry<op>::eval(args.value...));
        Sym r;
        r.reads = static_cast<std::uint8_t>((args.reads | ...));
        r.constant = false;
        return r;
    }
    static Sym literal(double v, const Sym&) { return Sym(v); }
};

template <> struct OpValue<tape_probe::Shadow> {
    using Shadow = tape_probe::Shadow;
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Shadow apply(const A&... args) {
        Shape s;
        ((s = broadcast_shapes(s, args.s)), ...);
        return {s, static_cast<std::uint8_t>((args.reads | ...))};
    }
    static Shadow literal(double, const Shadow&) { return {}; }
    static Shadow structural(Op op, std::span<const Shadow* const> xs, const Payload& p,
                             const Shape& target) {
        std::array<Shape, 3> shapes;
        std::uint8_t reads = 0;
        for (std::size_t k = 0; k < xs.size(); ++k) {
            shapes[k] = xs[k]->s;
            reads = static_cast<std::uint8_t>(reads | xs[k]->reads);
        }
        return {structural_shape(op, std::span<const Shape>(shapes.data(), xs.size()), p, target), reads};
    }
};

namespace {

// What an element-wise op's partials read, per operand, and which are constant zero.
struct PartialFacts {
    std::array<std::uint8_t, 3> reads{};
    std::uint8_t zero = 0; // bit k: the partial by operand k is the constant 0
};

PartialFacts partial_facts(Op op) {
    return visit(op, [](auto entry) -> PartialFacts {
        using E = decltype(entry);
        using tape_probe::Sym;
        if constexpr (E::kind != OpKind::elementwise) {
            throw Error("internal error: " + std::string(E::name) + " has no partials");
        } else {
            std::array<Sym, 3> p;
            if constexpr (E::arity == 1) {
                const auto q = E::template partials<Sym>(Sym::read(0), Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            } else if constexpr (E::arity == 2) {
                const auto q =
                    E::template partials<Sym>(Sym::read(0), Sym::read(1), Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            } else {
                const auto q = E::template partials<Sym>(Sym::read(0), Sym::read(1), Sym::read(2),
                                                         Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            }
            PartialFacts f;
            for (unsigned k = 0; k < E::arity; ++k) {
                f.reads[k] = p[k].reads;
                if (p[k].constant && p[k].value == 0.0)
                    f.zero = static_cast<std::uint8_t>(f.zero | bit(k));
            }
            return f;
        }
    });
}

// What a structural op's vjp rule for operand k reads (bits 0-2 operands, bit 3 result).
std::uint8_t vjp_reads(Op op, unsigned k, std::span<const Shape> operands, const Shape& result,
                       const Payload& payload) {
    return visit(op, [&](auto entry) -> std::uint8_t {
        using E = decltype(entry);
        using tape_probe::Shadow;
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise) {
            throw Error("internal error: " + std::string(E::name) + " has no vjp rule");
        } else {
            std::array<Shadow, 3> x;
            for (std::size_t j = 0; j < operands.size(); ++j)
                x[j] = Shadow{operands[j], bit(static_cast<unsigned>(j))};
            const Shadow f{result, bit(result_bit)};
            const Shadow g{result, 0}; // the adjoint is always at hand
            const Shadow r = E::template vjp<Shadow>(
                static_cast<int>(k), std::span<const Shadow>(x.data(), operands.size()), f, g,
                payload);
            return r.reads;
        }
    });
}

// ---------------------------------------------------------------------------------
// Buffer planning: slots are tensors of one fixed shape; a released slot is handed to
// the next tensor of that shape, so buffers are reused by liveness.

struct ShapeHash {
    std::size_t operator()(const Shape& s) const { return hash_value(s); }
};

class SlotPool {
  public:
    std::int32_t acquire(const Shape& s) {
        auto it = free_.find(s);
        if (it != free_.end() && !it->second.empty()) {
            const std::int32_t slot = it->second.back();
            it->second.pop_back();
            return slot;
        }
        return fresh(s);
    }
    std::int32_t fresh(const Shape& s) {
        shapes_.push_back(s);
        return static_cast<std::int32_t>(shapes_.size() - 1);
    }
    void release(std::int32_t slot) {
        free_[shapes_[static_cast<std::size_t>(slot)]].push_back(slot);
    }
    // One zero tensor per slot.
    std::vector<Tensor> make() const {
        std::vector<Tensor> t;
        t.reserve(shapes_.size());
        for (const Shape& s : shapes_)
            t.emplace_back(s);
        return t;
    }

  private:
    std::vector<Shape> shapes_;
    std::unordered_map<Shape, std::vector<std::int32_t>, ShapeHash> free_;
};

// A view's index plan, flattened: loop index -> flat offsets into its result and its
// operand, base + sum_j step[j] * loop[j] (the same linearisation as tensor.cpp's).
struct ViewPlan {
    Shape domain;
    std::int64_t out_base = 0, in_base = 0;
    std::array<std::int64_t, Shape::max_rank> out_step{}, in_step{};
};

void flatten(const AffineMap& m, const Shape& tensor, std::int64_t& base,
             std::array<std::int64_t, Shape::max_rank>& step) {
    const auto strides = tensor.strides();
    for (int k = 0; k < m.rank; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        base += strides[ku] * m.offset[ku];
        for (std::size_t j = 0; j < step.size(); ++j)
            step[j] += strides[ku] * m.coef[ku][j];
    }
}

// The flattened plan of a view without guards (slice, broadcast, transpose, diag_part):
// the tape evaluates it by one gather loop, planned once, instead of `apply`.
std::optional<ViewPlan> view_plan_of(Op op, const Shape& result, const Payload& payload,
                                     const Shape& operand) {
    if (info(op).kind != OpKind::view || info(op).arity != 1)
        return std::nullopt;
    const IndexPlan p = index_plan(op, result, payload, std::span<const Shape>(&operand, 1));
    if (p.guard_count > 0 || p.operands != 1 || p.body != Body::copy ||
        p.combine != Combine::assign)
        return std::nullopt;
    ViewPlan f;
    f.domain = p.domain;
    flatten(p.out, result, f.out_base, f.out_step);
    flatten(p.in[0], operand, f.in_base, f.in_step);
    return f;
}

// Calls f(result offset, operand offset) for every loop index, in row-major order.
template <class F> void for_each_offset(const ViewPlan& p, F&& f) {
    std::array<std::int64_t, Shape::max_rank> idx{};
    std::int64_t o = p.out_base, i = p.in_base;
    const std::int64_t total = p.domain.size();
    for (std::int64_t n = 0; n < total; ++n) {
        f(static_cast<std::size_t>(o), static_cast<std::size_t>(i));
        for (int j = p.domain.rank() - 1; j >= 0; --j) { // odometer step
            const auto ju = static_cast<std::size_t>(j);
            ++idx[ju];
            o += p.out_step[ju];
            i += p.in_step[ju];
            if (idx[ju] < p.domain[j])
                break;
            o -= p.out_step[ju] * idx[ju];
            i -= p.in_step[ju] * idx[ju];
            idx[ju] = 0;
        }
    }
}

double* ptr(Tensor& t) { return t.data().data(); }
const double* ptr(const Tensor& t) { return t.data().data(); }

void add_into(Tensor& a, const Tensor& c) {
    double* p = ptr(a);
    const double* q = ptr(c);
    for (std::size_t i = 0; i < a.size(); ++i)
        p[i] += q[i];
}

void copy_into(Tensor& a, const Tensor& c) { std::copy(c.data().begin(), c.data().end(), ptr(a)); }

// A rule's result must come back in the shape its buffer was planned for.
void check_rule_shape(const Tensor& c, const Shape& want, std::string_view op) {
    if (c.shape() != want)
        throw Error("internal error: a derivative rule of " + std::string(op) + " returned shape " +
                    c.shape().str() + ", expected " + want.str());
}

// The partials of element-wise op E at element i of its inputs (x0, x1, x2, f).
template <class E>
std::array<double, E::arity> partials_at(const std::array<const double*, 4>& in, std::size_t i) {
    if constexpr (E::arity == 1)
        return E::template partials<double>(in[0][i], in[3][i]);
    else if constexpr (E::arity == 2)
        return E::template partials<double>(in[0][i], in[1][i], in[3][i]);
    else
        return E::template partials<double>(in[0][i], in[1][i], in[2][i], in[3][i]);
}

template <class E> void eval_into(std::span<const Tensor* const> a, Tensor& out) {
    double* o = ptr(out);
    const std::size_t n = out.size();
    if constexpr (E::arity == 1) {
        const double* x = ptr(*a[0]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i]);
    } else if constexpr (E::arity == 2) {
        const double *x = ptr(*a[0]), *y = ptr(*a[1]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i], y[i]);
    } else {
        const double *x = ptr(*a[0]), *y = ptr(*a[1]), *z = ptr(*a[2]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i], y[i], z[i]);
    }
}

constexpr std::int32_t none = -1;

} // namespace

// ---------------------------------------------------------------------------------

struct Tape::Impl {
    // One recorded node.
    struct Step {
        Op op{};
        OpKind kind{};
        std::uint8_t arity = 0;
        bool depends = false;   // the node is a variable or reads one
        bool variable = false;  // the node is one of the variables
        std::uint8_t flow = 0;  // reverse: bit k - operand k receives a contribution
        std::uint8_t first = 0; // reverse: bit k - ... and it is that operand's first
        std::uint8_t reads = 0; // reverse: bits 0-2 operand values, bit 3 the result
        std::uint8_t zero = 0;  // element-wise: bit k - the partial by operand k is 0
        std::uint8_t tflow = 0; // forward mode: bit k - operand k's tangent contributes
        std::array<std::int32_t, 3> arg{none, none, none}; // operand steps
        std::int32_t input = none;                         // Input: index in the graph
        std::int32_t view_plan = none; // a view without guards: index in `view_plans`
        bool scatter = false;          // reverse: scatter back along the view plan
        std::int32_t payload = none;   // index in `payloads` (structural ops and constants)
        Shape shape;
    };

    // Where a sweep keeps each step's tensors.
    struct Plan {
        std::vector<std::int32_t> value; // slot of each value; none: read from the bindings
        std::vector<std::int32_t> deriv; // slot of each adjoint / tangent; none: zero
        std::vector<Tensor> slots;
        std::vector<const Tensor*> at; // during a run: where each value is
        std::size_t buffer_bytes() const {
            std::size_t b = 0;
            for (const Tensor& t : slots)
                b += t.size() * sizeof(double);
            return b;
        }
        std::size_t table_bytes() const {
            return (value.capacity() + deriv.capacity()) * sizeof(std::int32_t) +
                   slots.capacity() * sizeof(Tensor) + at.capacity() * sizeof(const Tensor*);
        }
    };

    struct Variable {
        std::int32_t step = none; // none: y does not reach it
        Shape shape;
        std::string name;
    };

    std::vector<Step> steps;
    std::vector<Payload> payloads; // constants' values, slices' windows
    std::vector<Variable> vars;
    std::vector<std::string> input_names; // by graph input index
    std::vector<std::int32_t> reverse;    // steps the reverse sweep visits, in that order
    // For the reverse rule of each step: the slot given as x0, x1, x2 and f. Inputs the
    // rule does not read get a stand-in of the right shape (the step's own adjoint, an
    // operand's adjoint, or a zero placeholder), so values need not be kept for shape.
    std::vector<std::array<std::int32_t, 4>> rule_in;
    // Views without guards, flattened: forward gathers along the plan; the reverse sweep
    // of those that read fewer elements than their operand has (slice, diag_part) scatters
    // the adjoint back along it - the transpose of the gather, the same numbers as their
    // vjp rule's dense result, but O(window) instead of O(operand) per use, so indexing n
    // elements one by one costs O(n), not O(n^2).
    std::vector<ViewPlan> view_plans;
    Plan rev;                // forward() and backward(); variable i's result is slot i
    std::optional<Plan> fwd; // jvp(), planned at its first call
    std::size_t kept_bytes = 0;
    bool forwarded = false;
    std::array<Tensor, 3> lent;                  // operands lent to a rule (see lend)
    std::array<std::optional<Tensor>, 3> lent_t; // tangents lent to a rule
    Tensor zero_tangent;                         // jvp result when y has no tangent
    Tensor one{1.0};                             // backward()'s seed

    Impl(const Graph& g, NodeId y, std::span<const NodeId> xs);
    std::int32_t out() const { return static_cast<std::int32_t>(steps.size()) - 1; }
    const Payload& payload_of(const Step& st) const {
        return payloads[static_cast<std::size_t>(st.payload)];
    }
    std::vector<std::int32_t> last_forward_use() const;
    void plan_reverse();
    void plan_forward_mode();
    void allocate(Plan& p, const SlotPool& pool) const;
    void eval_step(std::size_t s, Plan& p, const Bindings& b);
    void reverse_step(std::size_t s);
    void tangent_step(std::size_t s);
    template <class E, class Rule>
    Tensor with_lent_operands(const Step& st, const std::array<Tensor*, 3>& owned,
                              const std::array<const Tensor*, 3>& view, Rule&& rule);
    std::string variable_label(std::size_t i) const {
        return vars[i].name.empty() ? "variable " + std::to_string(i + 1)
                                    : "variable '" + vars[i].name + "'";
    }
};

Tape::Impl::Impl(const Graph& g, NodeId y, std::span<const NodeId> xs) {
    if (y >= g.size())
        throw Error("tape: the output is not a node of the graph");
    for (NodeId x : xs)
        if (x >= g.size())
            throw Error("tape: a variable is not a node of the graph");
    for (const InputInfo& in : g.inputs())
        input_names.push_back(in.name);

    const NodeId root[] = {y};
    const std::vector<NodeId> ids = reachable(g, root);
    std::vector<std::int32_t> step_of(y + 1, none);
    steps.reserve(ids.size());
    for (NodeId id : ids) {
        const Node& n = g[id];
        if (n.op == Op::Seed || n.op == Op::SeedLoop)
            throw Error("the tape does not record jacobian or hessian loops; tape their "
                        "rows or columns (vjp or jvp) instead");
        Step st;
        st.op = n.op;
        st.kind = info(n.op).kind;
        st.arity = n.arity;
        st.shape = n.shape;
        for (std::size_t k = 0; k < n.arity; ++k)
            st.arg[k] = step_of[n.args[k]];
        if (n.op == Op::Input)
            st.input = n.input_index();
        if (st.kind != OpKind::elementwise) {
            st.payload = static_cast<std::int32_t>(payloads.size());
            payloads.push_back(n.payload());
            if (n.arity == 1)
                if (auto f = view_plan_of(n.op, n.shape, payloads.back(), g[n.args[0]].shape)) {
                    st.view_plan = static_cast<std::int32_t>(view_plans.size());
                    view_plans.push_back(*f);
                }
        } else {
            st.zero = partial_facts(n.op).zero;
        }
        step_of[id] = static_cast<std::int32_t>(steps.size());
        steps.push_back(std::move(st));
    }
    for (NodeId x : xs) {
        Variable v;
        v.step = x <= y ? step_of[x] : none;
        v.shape = g[x].shape;
        if (g[x].op == Op::Input)
            v.name = g.inputs()[static_cast<std::size_t>(g[x].input_index())].name;
        if (v.step != none)
            steps[static_cast<std::size_t>(v.step)].variable = true;
        vars.push_back(std::move(v));
    }
    for (Step& st : steps) {
        st.depends = st.variable;
        for (std::size_t k = 0; k < st.arity; ++k)
            st.depends = st.depends || steps[static_cast<std::size_t>(st.arg[k])].depends;
    }
    zero_tangent = Tensor(steps.back().shape);
    plan_reverse();
}

std::vector<std::int32_t> Tape::Impl::last_forward_use() const {
    std::vector<std::int32_t> last(steps.size(), none);
    for (std::size_t s = 0; s < steps.size(); ++s)
        for (std::size_t k = 0; k < steps[s].arity; ++k)
            last[static_cast<std::size_t>(steps[s].arg[k])] = static_cast<std::int32_t>(s);
    return last;
}

// Decides what flows where in the reverse sweep, what it reads, and the buffers: a
// simulation of forward() then backward() that acquires and releases slots.
void Tape::Impl::plan_reverse() {
    const std::size_t n = steps.size();
    const auto o = static_cast<std::size_t>(out());

    // 1. Which operands receive adjoints, and what each rule reads.
    std::vector<std::uint8_t> has_adj(n, 0);
    has_adj[o] = steps[o].depends;
    for (std::size_t s = n; s-- > 0;) {
        Step& st = steps[s];
        if (!has_adj[s] || st.arity == 0)
            continue;
        std::array<Shape, 3> shapes;
        for (std::size_t k = 0; k < st.arity && k < shapes.size(); ++k)
            shapes[k] = steps[static_cast<std::size_t>(st.arg[k])].shape;
        const PartialFacts facts =
            st.kind == OpKind::elementwise ? partial_facts(st.op) : PartialFacts{};
        for (unsigned k = 0; k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            if (!steps[a].depends || (facts.zero & bit(k)))
                continue;
            st.flow = static_cast<std::uint8_t>(st.flow | bit(k));
            has_adj[a] = 1;
            if (st.view_plan != none &&
                view_plans[static_cast<std::size_t>(st.view_plan)].domain.size() <
                    shapes[0].size()) {
                st.scatter = true;
                continue; // reads no value
            }
            const std::uint8_t r =
                st.kind == OpKind::elementwise
                    ? facts.reads[k]
                    : vjp_reads(st.op, k, std::span<const Shape>(shapes.data(), st.arity), st.shape,
                                payload_of(st));
            st.reads = static_cast<std::uint8_t>(st.reads | r);
        }
        if (st.flow)
            reverse.push_back(static_cast<std::int32_t>(s));
    }

    // 2. The last time each value is read: forward by consumers, backward by rules (the
    //    reverse sweep visits steps downward, so its last reader is the lowest step).
    const std::vector<std::int32_t> last_fwd = last_forward_use();
    std::vector<std::int32_t> last_bwd(n, none);
    for (std::int32_t s : reverse) {
        const Step& st = steps[static_cast<std::size_t>(s)];
        for (unsigned k = 0; k < st.arity; ++k)
            if (st.reads & bit(k))
                last_bwd[static_cast<std::size_t>(st.arg[k])] = s;
        if (st.reads & bit(result_bit))
            last_bwd[static_cast<std::size_t>(s)] = s;
    }

    // 3. Simulate forward(): variables' results first (slots 0..n-1, never released),
    //    then each value; constants and y's value are never released.
    SlotPool pool;
    for (const Variable& v : vars)
        pool.fresh(v.shape);
    rev.value.assign(n, none);
    rev.deriv.assign(n, none);
    std::vector<std::uint8_t> permanent(n, 0);
    auto kept = [&](std::size_t s) { return last_bwd[s] != none; };
    auto release_value = [&](std::size_t a) {
        if (rev.value[a] != none && !permanent[a])
            pool.release(rev.value[a]);
    };
    for (std::size_t s = 0; s < n; ++s) {
        const Step& st = steps[s];
        if (st.op == Op::Const || s == o) {
            permanent[s] = 1;
            rev.value[s] = pool.fresh(st.shape);
        } else if (st.op != Op::Input || kept(s)) {
            rev.value[s] = pool.acquire(st.shape);
        }
        if (kept(s))
            kept_bytes += static_cast<std::size_t>(st.shape.size()) * sizeof(double);
        for (std::size_t k = 0; k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            const bool repeated =
                (k > 0 && st.arg[k - 1] == st.arg[k]) || (k > 1 && st.arg[k - 2] == st.arg[k]);
            if (!repeated && last_fwd[a] == static_cast<std::int32_t>(s) && !kept(a))
                release_value(a);
        }
    }

    // 4. Simulate backward(): an operand's adjoint is acquired at its first contribution
    //    (which assigns; later ones add); a step's adjoint and the values only it still
    //    reads are released once it is done.
    auto adjoint_slot = [&](std::size_t a) {
        if (steps[a].variable)
            for (std::size_t i = 0; i < vars.size(); ++i)
                if (vars[i].step == static_cast<std::int32_t>(a))
                    return static_cast<std::int32_t>(i);
        return pool.acquire(steps[a].shape);
    };
    if (has_adj[o])
        rev.deriv[o] = adjoint_slot(o);
    std::unordered_map<Shape, std::int32_t, ShapeHash> placeholders;
    rule_in.assign(n, {none, none, none, none});
    for (std::size_t s = n; s-- > 0;) {
        if (!has_adj[s])
            continue;
        Step& st = steps[s];
        const auto si = static_cast<std::int32_t>(s);
        for (unsigned k = 0; k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            if ((st.flow & bit(k)) && rev.deriv[a] == none) {
                rev.deriv[a] = adjoint_slot(a);
                st.first = static_cast<std::uint8_t>(st.first | bit(k));
            }
        }
        // The rule's inputs: the value if read, else a tensor of the same shape.
        auto& in = rule_in[s];
        for (unsigned k = 0; st.flow && k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            if (st.reads & bit(k))
                in[k] = rev.value[a];
            else if (st.kind == OpKind::elementwise)
                in[k] = rev.deriv[s];
            else if (rev.deriv[a] != none)
                in[k] = rev.deriv[a];
            else if (auto it = placeholders.find(steps[a].shape); it != placeholders.end())
                in[k] = it->second;
            else
                in[k] = placeholders[steps[a].shape] = pool.fresh(steps[a].shape);
        }
        in[result_bit] = (st.reads & bit(result_bit)) ? rev.value[s] : rev.deriv[s];
        // Done with s: its adjoint (unless it is a variable's result), and the values
        // no lower step reads.
        if (!st.variable)
            pool.release(rev.deriv[s]);
        for (std::size_t k = 0; k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            const bool repeated =
                (k > 0 && st.arg[k - 1] == st.arg[k]) || (k > 1 && st.arg[k - 2] == st.arg[k]);
            if (!repeated && (st.reads & bit(static_cast<unsigned>(k))) && last_bwd[a] == si)
                release_value(a);
        }
        if ((st.reads & bit(result_bit)) && last_bwd[s] == si)
            release_value(s);
    }

    // 5. The buffers, and the constants' values.
    allocate(rev, pool);
}

// The buffers of plan p as `pool` laid them out; the constants' buffers hold their values
// from here on (no sweep writes them).
void Tape::Impl::allocate(Plan& p, const SlotPool& pool) const {
    p.slots = pool.make();
    p.at.assign(steps.size(), nullptr);
    for (std::size_t s = 0; s < steps.size(); ++s)
        if (steps[s].op == Op::Const) {
            Tensor& t = p.slots[static_cast<std::size_t>(p.value[s])];
            std::fill(t.data().begin(), t.data().end(),
                      boost::variant2::get<double>(payload_of(steps[s])));
        }
}

// Forward mode carries a tangent next to each value; nothing is kept past its last use.
void Tape::Impl::plan_forward_mode() {
    const std::size_t n = steps.size();
    Plan p;
    p.value.assign(n, none);
    p.deriv.assign(n, none);
    std::vector<std::uint8_t> has_tan(n, 0);
    for (std::size_t s = 0; s < n; ++s) {
        Step& st = steps[s];
        st.tflow = 0;
        for (unsigned k = 0; k < st.arity; ++k)
            if (has_tan[static_cast<std::size_t>(st.arg[k])] && !(st.zero & bit(k)))
                st.tflow = static_cast<std::uint8_t>(st.tflow | bit(k));
        has_tan[s] = st.variable || st.tflow;
    }
    const std::vector<std::int32_t> last = last_forward_use();
    SlotPool pool;
    for (std::size_t s = 0; s < n; ++s) {
        const Step& st = steps[s];
        if (st.op == Op::Const)
            p.value[s] = pool.fresh(st.shape);
        else if (st.op != Op::Input)
            p.value[s] = pool.acquire(st.shape);
        if (has_tan[s])
            p.deriv[s] = pool.acquire(st.shape);
        for (std::size_t k = 0; k < st.arity; ++k) {
            const auto a = static_cast<std::size_t>(st.arg[k]);
            const bool repeated =
                (k > 0 && st.arg[k - 1] == st.arg[k]) || (k > 1 && st.arg[k - 2] == st.arg[k]);
            if (repeated || last[a] != static_cast<std::int32_t>(s))
                continue;
            if (p.value[a] != none && steps[a].op != Op::Const)
                pool.release(p.value[a]);
            if (p.deriv[a] != none)
                pool.release(p.deriv[a]);
        }
    }
    allocate(p, pool);
    fwd = std::move(p);
}

// ---------------------------------------------------------------------------------
// Sweeps

void Tape::Impl::eval_step(std::size_t s, Plan& p, const Bindings& b) {
    const Step& st = steps[s];
    const std::int32_t slot = p.value[s];
    if (st.op == Op::Input) {
        const Tensor* t = b.get(st.input);
        const std::string& name = input_names[static_cast<std::size_t>(st.input)];
        if (!t)
            throw Error("input '" + name + "' has no value");
        if (t->shape() != st.shape)
            throw Error("input '" + name + "' has shape " + st.shape.str() +
                        ", got a value of shape " + t->shape().str());
        if (slot == none) {
            p.at[s] = t;
            return;
        }
        copy_into(p.slots[static_cast<std::size_t>(slot)], *t);
    } else if (st.op != Op::Const) {
        std::array<const Tensor*, 3> args{};
        for (std::size_t k = 0; k < st.arity; ++k)
            args[k] = p.at[static_cast<std::size_t>(st.arg[k])];
        const std::span<const Tensor* const> a(args.data(), st.arity);
        Tensor& out = p.slots[static_cast<std::size_t>(slot)];
        if (st.kind == OpKind::elementwise)
            visit(st.op, [&](auto entry) {
                using E = decltype(entry);
                if constexpr (E::kind == OpKind::elementwise)
                    eval_into<E>(a, out);
            });
        else if (st.kind == OpKind::flat) // same elements in the same order
            copy_into(out, *args[0]);
        else if (st.view_plan != none) { // a view without guards: one gather loop
            double* o = ptr(out);
            const double* x = ptr(*args[0]);
            for_each_offset(view_plans[static_cast<std::size_t>(st.view_plan)],
                            [&](std::size_t oi, std::size_t xi) { o[oi] = x[xi]; });
        } else
            out = apply(st.op, a, payload_of(st), st.shape);
    }
    p.at[s] = &p.slots[static_cast<std::size_t>(slot)];
}

// Calls `rule(xs)` with the operand tensors as one contiguous span. A unary op's operand
// is passed in place; several operands are lent: swapped into `lent` and back (O(1)), or
// copied when one cannot be moved (the bindings' tensors, a repeated operand).
template <class E, class Rule>
Tensor Tape::Impl::with_lent_operands(const Step& st, const std::array<Tensor*, 3>& owned,
                                      const std::array<const Tensor*, 3>& view, Rule&& rule) {
    if constexpr (E::arity == 1) {
        return rule(std::span<const Tensor>(view[0], 1));
    } else {
        std::array<bool, 3> swapped{};
        for (std::size_t k = 0; k < st.arity; ++k) {
            std::size_t same = k; // an earlier operand that is the same tensor
            for (std::size_t j = 0; j < k; ++j)
                if (view[j] == view[k])
                    same = j;
            if (same != k) {
                lent[k] = lent[same];
            } else if (owned[k]) {
                std::swap(lent[k], *owned[k]);
                swapped[k] = true;
            } else {
                lent[k] = *view[k];
            }
        }
        struct Restore { // swaps back even if the rule throws
            std::array<Tensor, 3>& lent;
            const std::array<Tensor*, 3>& owned;
            const std::array<bool, 3>& swapped;
            ~Restore() {
                for (std::size_t k = 0; k < lent.size(); ++k)
                    if (swapped[k])
                        std::swap(lent[k], *owned[k]);
            }
        } restore{lent, owned, swapped};
        return rule(std::span<const Tensor>(lent.data(), st.arity));
    }
}

void Tape::Impl::reverse_step(std::size_t s) {
    const Step& st = steps[s];
    auto& S = rev.slots;
    const auto& in = rule_in[s];
    const Tensor& g = S[static_cast<std::size_t>(rev.deriv[s])];
    auto adjoint_of = [&](unsigned k) -> Tensor& {
        return S[static_cast<std::size_t>(rev.deriv[static_cast<std::size_t>(st.arg[k])])];
    };
    if (st.scatter) { // adjoint[x][window] += g, the gather run backwards
        Tensor& a = adjoint_of(0);
        if (st.first & bit(0))
            std::fill(a.data().begin(), a.data().end(), 0.0);
        double* ap = ptr(a);
        const double* gp = ptr(g);
        for_each_offset(view_plans[static_cast<std::size_t>(st.view_plan)],
                        [&](std::size_t o, std::size_t i) { ap[i] += gp[o]; });
        return;
    }
    visit(st.op, [&](auto entry) {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::elementwise) {
            // adjoint[x_k] (=|+=) g * partial_k, a strong-zero product (see tape.hpp).
            std::array<const double*, 4> x{};
            for (std::size_t k = 0; k < 4; ++k)
                if (in[k] != none)
                    x[k] = ptr(S[static_cast<std::size_t>(in[k])]);
            std::array<double*, 3> a{};
            for (unsigned k = 0; k < E::arity; ++k)
                if (st.flow & bit(k))
                    a[k] = ptr(adjoint_of(k));
            const double* gp = ptr(g);
            const unsigned flow = st.flow, first = st.first;
            const std::size_t n = g.size();
            for (std::size_t i = 0; i < n; ++i) {
                const double gi = gp[i];
                std::array<double, E::arity> p{};
                if (gi != 0.0)
                    p = partials_at<E>(x, i);
                for (unsigned k = 0; k < E::arity; ++k) {
                    if (!(flow & bit(k)))
                        continue;
                    const double c = p[k] != 0.0 ? gi * p[k] : 0.0;
                    if (first & bit(k))
                        a[k][i] = c;
                    else
                        a[k][i] += c;
                }
            }
        } else if constexpr (E::kind != OpKind::leaf) {
            // The rules are linear in g: a cotangent that is zero everywhere contributes
            // exactly zero, even where the rule would multiply it by a NaN operand (a sum
            // or matrix product over a branch `where` did not take: see tape.hpp).
            const bool zero = std::all_of(g.data().begin(), g.data().end(),
                                          [](double v) { return v == 0.0; });
            const Tensor& f = S[static_cast<std::size_t>(in[result_bit])];
            std::array<Tensor*, 3> owned{};
            std::array<const Tensor*, 3> view{};
            for (std::size_t k = 0; k < st.arity; ++k)
                view[k] = owned[k] = &S[static_cast<std::size_t>(in[k])];
            for (unsigned k = 0; k < E::arity; ++k) {
                if (!(st.flow & bit(k)))
                    continue;
                if (zero) {
                    Tensor& a = adjoint_of(k);
                    if (st.first & bit(k))
                        std::fill(a.data().begin(), a.data().end(), 0.0);
                    continue;
                }
                Tensor c = with_lent_operands<E>(st, owned, view, [&](std::span<const Tensor> xs) {
                    return E::template vjp<Tensor>(static_cast<int>(k), xs, f, g, payload_of(st));
                });
                Tensor& a = adjoint_of(k);
                check_rule_shape(c, a.shape(), E::name);
                if (st.first & bit(k))
                    a = std::move(c);
                else
                    add_into(a, c);
            }
        }
    });
}

void Tape::Impl::tangent_step(std::size_t s) {
    const Step& st = steps[s];
    Plan& p = *fwd;
    auto& S = p.slots;
    Tensor& t = S[static_cast<std::size_t>(p.deriv[s])];
    auto tangent_of = [&](unsigned k) -> Tensor& {
        return S[static_cast<std::size_t>(p.deriv[static_cast<std::size_t>(st.arg[k])])];
    };
    visit(st.op, [&](auto entry) {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::elementwise) {
            // tangent = sum_k tangent[x_k] * partial_k, strong-zero products.
            std::array<const double*, 4> x{};
            std::array<const double*, 3> tk{};
            for (unsigned k = 0; k < E::arity; ++k) {
                x[k] = ptr(*p.at[static_cast<std::size_t>(st.arg[k])]);
                if (st.tflow & bit(k))
                    tk[k] = ptr(tangent_of(k));
            }
            x[result_bit] = ptr(*p.at[s]);
            double* tp = ptr(t);
            const unsigned flow = st.tflow;
            for (std::size_t i = 0; i < t.size(); ++i) {
                bool any = false;
                for (unsigned k = 0; k < E::arity; ++k)
                    any = any || ((flow & bit(k)) && tk[k][i] != 0.0);
                double sum = 0.0;
                if (any) {
                    const auto pk = partials_at<E>(x, i);
                    for (unsigned k = 0; k < E::arity; ++k)
                        if ((flow & bit(k)) && tk[k][i] != 0.0 && pk[k] != 0.0)
                            sum += tk[k][i] * pk[k];
                }
                tp[i] = sum;
            }
        } else if constexpr (E::kind != OpKind::leaf) {
            std::array<Tensor*, 3> owned{};
            std::array<const Tensor*, 3> view{};
            for (std::size_t k = 0; k < st.arity; ++k) {
                const auto a = static_cast<std::size_t>(st.arg[k]);
                view[k] = p.at[a];
                owned[k] = p.value[a] != none ? &S[static_cast<std::size_t>(p.value[a])] : nullptr;
            }
            // Tangents are moved into optionals for the rule and moved back.
            std::array<Tensor*, 3> moved{};
            for (unsigned k = 0; k < E::arity; ++k) {
                if (!(st.tflow & bit(k)))
                    continue;
                Tensor& tk = tangent_of(k);
                std::size_t same = k; // an earlier operand with the same tangent
                for (std::size_t j = 0; j < k; ++j)
                    if (moved[j] == &tk)
                        same = j;
                if (same != k) {
                    lent_t[k] = *lent_t[same];
                } else {
                    lent_t[k].emplace(std::move(tk));
                    moved[k] = &tk;
                }
            }
            struct Restore {
                std::array<std::optional<Tensor>, 3>& lent;
                std::array<Tensor*, 3>& moved;
                ~Restore() {
                    for (std::size_t k = 0; k < lent.size(); ++k) {
                        if (moved[k])
                            *moved[k] = std::move(*lent[k]);
                        lent[k].reset();
                    }
                }
            };
            Tensor c;
            {
                Restore restore{lent_t, moved};
                const Tensor& f = *p.at[s];
                c = with_lent_operands<E>(st, owned, view, [&](std::span<const Tensor> xs) {
                    return E::template jvp<Tensor>(
                        xs, f, std::span<const std::optional<Tensor>>(lent_t.data(), E::arity),
                        payload_of(st));
                });
            }
            check_rule_shape(c, t.shape(), E::name);
            t = std::move(c);
        }
    });
}

// ---------------------------------------------------------------------------------

Tape::Tape(const Graph& g, NodeId y, std::span<const NodeId> xs)
    : impl_(std::make_unique<Impl>(g, y, xs)) {}

namespace {
const Graph& graph_of_output(const Expr& y) {
    if (y.is_literal())
        throw Error("tape: the output is a plain number, not a node of a graph");
    return y.graph();
}
std::vector<NodeId> node_ids(const Expr& y, std::span<const Expr> xs) {
    std::vector<NodeId> ids;
    for (const Expr& x : xs) {
        if (y.is_literal() || x.is_literal() || &x.graph() != &y.graph())
            throw Error("tape: a variable is not a node of the output's graph");
        ids.push_back(x.id());
    }
    return ids;
}
} // namespace

Tape::Tape(const Expr& y, std::span<const Expr> xs)
    : Tape(graph_of_output(y), y.id(), node_ids(y, xs)) {}

Tape::~Tape() = default;
Tape::Tape(Tape&&) noexcept = default;
Tape& Tape::operator=(Tape&&) noexcept = default;

const Tensor& Tape::forward(const Bindings& inputs) {
    Impl& m = *impl_;
    m.forwarded = false;
    for (std::size_t s = 0; s < m.steps.size(); ++s)
        m.eval_step(s, m.rev, inputs);
    m.forwarded = true;
    return *m.rev.at.back();
}

std::span<const Tensor> Tape::backward(const Tensor& cotangent) {
    Impl& m = *impl_;
    const Shape& ys = m.steps.back().shape;
    if (cotangent.shape() != ys)
        throw Error("cotangent has shape " + cotangent.shape().str() + ", the output has " +
                    ys.str());
    if (!m.forwarded)
        throw Error("backward() needs a forward() first (each backward() consumes the values "
                    "its forward() kept)");
    m.forwarded = false;
    auto& S = m.rev.slots;
    if (const std::int32_t seed = m.rev.deriv.back(); seed != none)
        copy_into(S[static_cast<std::size_t>(seed)], cotangent);
    for (std::int32_t s : m.reverse)
        m.reverse_step(static_cast<std::size_t>(s));
    for (std::size_t i = 0; i < m.vars.size(); ++i) { // a variable listed twice: copy
        const std::int32_t v = m.vars[i].step;
        if (v == none)
            continue;
        const std::int32_t slot = m.rev.deriv[static_cast<std::size_t>(v)];
        if (slot != none && slot != static_cast<std::int32_t>(i))
            copy_into(S[i], S[static_cast<std::size_t>(slot)]);
    }
    return std::span<const Tensor>(S.data(), m.vars.size());
}

std::span<const Tensor> Tape::backward() {
    const Shape& ys = impl_->steps.back().shape;
    if (!ys.is_scalar())
        throw Error("backward() without a cotangent needs a scalar output, this one has shape " +
                    ys.str());
    return backward(impl_->one);
}

const Tensor& Tape::jvp(const Bindings& inputs, std::span<const Tensor> tangents) {
    Impl& m = *impl_;
    if (tangents.size() != m.vars.size())
        throw Error("jvp needs one tangent per variable: " + std::to_string(m.vars.size()) +
                    ", got " + std::to_string(tangents.size()));
    for (std::size_t i = 0; i < m.vars.size(); ++i)
        if (tangents[i].shape() != m.vars[i].shape)
            throw Error("the tangent of " + m.variable_label(i) + " has shape " +
                        tangents[i].shape().str() + ", the variable has " + m.vars[i].shape.str());
    if (!m.fwd)
        m.plan_forward_mode();
    Impl::Plan& p = *m.fwd;
    for (std::size_t s = 0; s < m.steps.size(); ++s) {
        m.eval_step(s, p, inputs);
        const Impl::Step& st = m.steps[s];
        if (p.deriv[s] == none)
            continue;
        Tensor& t = p.slots[static_cast<std::size_t>(p.deriv[s])];
        if (st.tflow)
            m.tangent_step(s);
        else
            std::fill(t.data().begin(), t.data().end(), 0.0);
        if (st.variable)
            for (std::size_t i = 0; i < m.vars.size(); ++i)
                if (m.vars[i].step == static_cast<std::int32_t>(s))
                    add_into(t, tangents[i]);
    }
    const std::int32_t ty = p.deriv.back();
    return ty == none ? m.zero_tangent : p.slots[static_cast<std::size_t>(ty)];
}

const Tensor& Tape::jvp(const Bindings& inputs, const Tensor& tangent) {
    if (impl_->vars.size() != 1)
        throw Error("jvp with one tangent needs exactly one variable, the tape has " +
                    std::to_string(impl_->vars.size()));
    return jvp(inputs, std::span<const Tensor>(&tangent, 1));
}

TapeMemory Tape::memory() const {
    const Impl& m = *impl_;
    TapeMemory mem;
    mem.kept = m.kept_bytes;
    mem.buffers = m.rev.buffer_bytes();
    mem.bookkeeping = sizeof(Impl) + m.steps.capacity() * sizeof(Impl::Step) +
                      m.payloads.capacity() * sizeof(Payload) +
                      m.vars.capacity() * sizeof(Impl::Variable) +
                      m.reverse.capacity() * sizeof(std::int32_t) +
                      m.rule_in.capacity() * sizeof(std::array<std::int32_t, 4>) +
                      m.view_plans.capacity() * sizeof(ViewPlan) + m.rev.table_bytes();
    for (const std::string& name : m.input_names)
        mem.bookkeeping += sizeof(std::string) + name.capacity();
    for (const Tensor& t : m.lent)
        mem.bookkeeping += t.size() * sizeof(double);
    if (m.fwd)
        mem.tangents = m.fwd->buffer_bytes() + m.fwd->table_bytes();
    return mem;
}

std::size_t Tape::bytes() const {
    const TapeMemory mem = memory();
    return mem.buffers + mem.bookkeeping;
}

const Shape& Tape::output_shape() const { return impl_->steps.back().shape; }
std::size_t Tape::node_count() const { return impl_->steps.size(); }
std::size_t Tape::variable_count() const { return impl_->vars.size(); }

} // namespace symdiff
