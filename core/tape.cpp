// The tape's numeric sweeps (forward values, the reverse sweep, forward mode), which
// apply the op table's rules with T = double (element-wise partials) and T = Tensor
// (structural vjp/jvp), and the Tape API. Recording and planning: tape_plan.cpp.
// Invariants: two tensors whose lifetimes overlap never share a buffer; every value the
// reverse sweep reads is owned by the tape.
#include "core/tape_impl.hpp"
#include "core/unroll.hpp"

#include <cmath>

namespace symdiff {
using namespace tape_detail;

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

Tape::Tape(const Graph& g, NodeId y, std::span<const NodeId> xs) {
    std::vector<NodeId> roots(xs.begin(), xs.end());
    roots.push_back(y);
    for (NodeId id : roots)
        g.check_node(id, "tape");
    if (!reaches_fold(g, roots)) {
        impl_ = std::make_unique<Impl>(g, y, xs);
        return;
    }
    // The loops of the model are recorded step by step: the tape is of their unrolled copy,
    // and takes the bindings of g (same inputs, same indices).
    std::vector<NodeId> map;
    const std::unique_ptr<Graph> steps = unroll_folds(g, roots, map);
    if (map[y] == no_node)
        throw Error("tape: the output is inside a loop's body (it has a value per step)");
    std::vector<NodeId> vars;
    for (NodeId x : xs) {
        if (map[x] == no_node)
            throw Error("tape: a variable is inside a loop's body (it has a value per step)");
        vars.push_back(map[x]);
    }
    impl_ = std::make_unique<Impl>(*steps, map[y], vars);
    impl_->graph_serial = g.serial();
}

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

void Tape::Impl::check_bindings(const Bindings& b) const {
    if (b.graph_serial() != graph_serial)
        throw Error("tape: the bindings were made for another graph than the recorded one");
}

const Tensor& Tape::forward(const Bindings& inputs) {
    Impl& m = *impl_;
    m.check_bindings(inputs);
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
    m.check_bindings(inputs);
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

