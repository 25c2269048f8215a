// Recording and planning of the tape: the steps of the nodes y reaches, what the reverse
// sweep reads (probed from the rules), and which slot holds each value, adjoint and
// tangent, reused by liveness (a released slot goes to the next tensor of its shape).
#include "core/tape_impl.hpp"

#include "core/traverse.hpp"

namespace symdiff {
using namespace tape_detail;

namespace tape_detail {
std::optional<ViewPlan> view_plan_of(Op op, const Shape& result, const Payload& payload,
                                     const Shape& operand) {
    if (info(op).kind != OpKind::view || info(op).arity != 1)
        return std::nullopt;
    const IndexPlan p = index_plan(op, result, payload, std::span<const Shape>(&operand, 1));
    if (p.guard_count > 0 || p.operands != 1 || p.body != Body::copy ||
        p.combine != Combine::assign)
        return std::nullopt;
    return ViewPlan{p.domain, {linearize(p.out, result), linearize(p.in[0], operand)}};
}

} // namespace tape_detail

Tape::Impl::Impl(const Graph& g, NodeId y, std::span<const NodeId> xs) : graph_serial(g.serial()) {
    g.check_node(y, "tape: the output");
    for (NodeId x : xs)
        g.check_node(x, "tape: a variable");
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


} // namespace symdiff
