// The function table of the model language and the builders of its entries. Builders
// throw Error without a location (as core does); the parser locates it at the call.
#include "lang/builtins.hpp"

#include "core/cpp_names.hpp"
#include "core/differentiate.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <string>

namespace symdiff {
namespace {

using A = ArgKind;

Shape shape_of(std::span<const CallArg> dims) {
    std::vector<std::int64_t> d;
    for (const CallArg& a : dims)
        d.push_back(a.integer);
    return Shape(std::span<const std::int64_t>(d));
}

std::vector<Expr> exprs(std::span<const CallArg> args) {
    std::vector<Expr> out;
    for (const CallArg& a : args)
        out.push_back(a.value.expr);
    return out;
}

Value plain(Expr e) { return Value{e, std::nullopt, {}}; }

const Expr& x0(std::span<const CallArg> a) { return a[0].value.expr; }
int axis1(std::span<const CallArg> a) { return static_cast<int>(a[1].integer); }

// The op table's functions (Syntax::call): the op of the same name, applied to the
// arguments (element-wise ones broadcast).
Value build_op(Graph&, const Builtin& fn, std::span<const CallArg> a, const BuildLimits&) {
    const Op op = *op_named(fn.name);
    if (is_elementwise(op)) {
        if (a.size() == 1)
            return plain(elementwise(op, {x0(a)}));
        if (a.size() == 2)
            return plain(elementwise(op, {x0(a), a[1].value.expr}));
        return plain(elementwise(op, {x0(a), a[1].value.expr, a[2].value.expr}));
    }
    std::array<const Expr*, 3> args{};
    for (std::size_t k = 0; k < a.size(); ++k)
        args[k] = &a[k].value.expr;
    return plain(OpValue<Expr>::structural(op, std::span<const Expr* const>(args.data(), a.size()), {}, {}));
}

// A reduction (or softmax) over everything, or over the axis its second argument names.
template <Expr (*All)(const Expr&), Expr (*Along)(const Expr&, int)>
Value build_reduction(Graph&, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(a.size() == 1 ? All(x0(a)) : Along(x0(a), axis1(a)));
}
Value build_dot(Graph&, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(dot(x0(a), a[1].value.expr));
}
Value build_zeros(Graph& g, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(zeros(g, shape_of(a)));
}
Value build_ones(Graph& g, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(ones(g, shape_of(a)));
}
Value build_eye(Graph& g, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(eye(g, a[0].integer));
}
Value build_reshape(Graph&, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(reshape(x0(a), shape_of(a.subspan(1))));
}
Value build_stack(Graph&, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(stack(exprs(a)));
}
Value build_concat(Graph&, const Builtin&, std::span<const CallArg> a, const BuildLimits&) {
    return plain(concat(exprs(a)));
}

// Refuses a derivative that added more than the cap of `limits` since `before`.
void check_growth(const Graph& g, NodeId before, const Builtin& fn, const BuildLimits& limits) {
    if (g.size() - before > limits.derivative_nodes)
        throw Error(in_quotes(fn.name) + " would add more than " +
                    std::to_string(limits.derivative_nodes) +
                    " nodes to the graph (each order of a derivative can double its size)");
}

// Derivatives record how they were made (DerivativeSpec) for the numeric modes.
Value derivative(Expr result, DerivativeSpec::Kind kind, std::span<const CallArg> a,
                 int order = 1) {
    DerivativeSpec s;
    s.kind = kind;
    s.function = x0(a).id();
    s.variable = a[1].value.expr.id();
    s.order = order;
    if (kind == DerivativeSpec::Kind::jvp)
        s.tangent = a[2].value.expr.id();
    return Value{result, s, {}};
}

// A derivative call: `d` builds it from the arguments; the nodes it adds are capped.
template <DerivativeSpec::Kind kind, class D>
Value build_derivative(Graph& g, const Builtin& fn, std::span<const CallArg> a,
                       const BuildLimits& limits, D&& d) {
    const NodeId before = g.size();
    const Expr result = d(x0(a), a[1].value.expr);
    check_growth(g, before, fn, limits);
    return derivative(result, kind, a);
}

Value build_grad(Graph& g, const Builtin& fn, std::span<const CallArg> a, const BuildLimits& l) {
    return build_derivative<DerivativeSpec::Kind::grad>(
        g, fn, a, l, [](const Expr& f, const Expr& x) { return grad(f, x); });
}
Value build_jvp(Graph& g, const Builtin& fn, std::span<const CallArg> a, const BuildLimits& l) {
    return build_derivative<DerivativeSpec::Kind::jvp>(
        g, fn, a, l, [&](const Expr& f, const Expr& x) { return jvp(f, x, a[2].value.expr); });
}
Value build_jacobian(Graph& g, const Builtin& fn, std::span<const CallArg> a, const BuildLimits& l) {
    return build_derivative<DerivativeSpec::Kind::jacobian>(
        g, fn, a, l, [](const Expr& y, const Expr& x) { return jacobian(y, x); });
}
Value build_hessian(Graph& g, const Builtin& fn, std::span<const CallArg> a, const BuildLimits& l) {
    return build_derivative<DerivativeSpec::Kind::hessian>(
        g, fn, a, l, [](const Expr& f, const Expr& x) { return hessian(f, x); });
}
// One order at a time (as core's diff does), so a diff that outgrows the cap stops early.
Value build_diff(Graph& g, const Builtin& fn, std::span<const CallArg> a,
                 const BuildLimits& limits) {
    const int k = static_cast<int>(a[2].integer);
    Expr d = diff(x0(a), a[1].value.expr, 0); // checks the shapes
    for (int i = 0; i < k; ++i) {
        const NodeId before = g.size();
        d = diff(d, a[1].value.expr, 1);
        check_growth(g, before, fn, limits);
    }
    return derivative(d, DerivativeSpec::Kind::diff, a, k);
}

std::vector<Builtin> make_table() {
    std::vector<Builtin> t;
    for (int k = 0; k < op_count; ++k) { // every op the language writes as a call
        const OpInfo& op = info(static_cast<Op>(k));
        if (!op.syntax.call)
            continue;
        std::vector<ArgKind> args(static_cast<std::size_t>(op.arity), A::expr);
        if (op.syntax.takes_condition)
            args[0] = A::condition;
        t.push_back({op.name, std::move(args), A::expr, op.arity, op.arity, build_op});
    }
    // clang-format off
    const std::vector<Builtin> rest = {
        {"sum",       {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<sum, sum>},
        {"mean",      {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<mean, mean>},
        {"logsumexp", {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<logsumexp, logsumexp>},
        {"amax",      {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<amax, amax>},
        {"amin",      {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<amin, amin>},
        {"prod",      {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<prod, prod>},
        {"softmax",   {A::expr, A::axis},      A::expr, 1, 2,  build_reduction<softmax, softmax>},
        {"dot",       {A::expr, A::expr},      A::expr, 2, 2,  build_dot},
        {"zeros",     {},                      A::dim,  1, 4,  build_zeros},
        {"ones",      {},                      A::dim,  1, 4,  build_ones},
        {"eye",       {A::dim},                A::expr, 1, 1,  build_eye},
        {"reshape",   {A::expr},               A::dim,  2, 5,  build_reshape},
        {"stack",     {},                      A::expr, 1, -1, build_stack},
        {"concat",    {},                      A::expr, 1, -1, build_concat},
        {"grad",      {A::expr, A::variable},  A::expr, 2, 2,  build_grad},
        {"jvp",       {A::expr, A::variable, A::expr}, A::expr, 3, 3, build_jvp},
        {"diff",      {A::expr, A::variable, A::order}, A::expr, 3, 3, build_diff},
        {"jacobian",  {A::expr, A::variable},  A::expr, 2, 2,  build_jacobian},
        {"hessian",   {A::expr, A::variable},  A::expr, 2, 2,  build_hessian},
    };
    // clang-format on
    t.insert(t.end(), rest.begin(), rest.end());
    return t;
}

} // namespace

std::span<const Builtin> builtins() {
    static const std::vector<Builtin> table = make_table();
    return table;
}

const Builtin* find_builtin(std::string_view name) {
    const auto t = builtins();
    const auto it =
        std::find_if(t.begin(), t.end(), [&](const Builtin& b) { return b.name == name; });
    return it == t.end() ? nullptr : &*it;
}

ArgKind arg_kind(const Builtin& fn, std::size_t position) {
    return position < fn.leading.size() ? fn.leading[position] : fn.rest;
}

} // namespace symdiff
