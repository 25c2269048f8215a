// Expr: broadcasting, literals, and the library of composite functions.
#include "core/expr.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <array>

namespace symdiff {
namespace {

const Shape scalar_shape{};

Graph& graph_of(std::span<const Expr> args) {
    Graph* g = nullptr;
    for (const Expr& a : args) {
        if (a.is_literal())
            continue;
        if (g && g != &a.graph())
            throw Error("cannot combine expressions from different graphs");
        g = &a.graph();
    }
    if (!g)
        throw Error("internal error: no graph among the operands");
    return *g;
}

Graph& graph_of(std::initializer_list<Expr> args) {
    return graph_of(std::span<const Expr>(args.begin(), args.size()));
}

Expr make1(Op op, const Expr& x, const Payload& p = {}, const Shape& target = {}) {
    if (x.is_literal())
        throw Error("internal error: " + std::string(name(op)) + " of a plain number");
    Graph& g = x.graph();
    return Expr(g, g.make(op, {x.id()}, p, target));
}

} // namespace

Graph& Expr::graph() const {
    if (!g_)
        throw Error("internal error: a literal has no graph");
    return *g_;
}

Shape Expr::shape() const { return g_ ? (*g_)[id_].shape : scalar_shape; }

bool Expr::is_constant(double v) const {
    return g_ ? g_->is_const(id_, v) : literal_ == v;
}

Expr input(Graph& g, std::string_view name, const Shape& shape) { return Expr(g, g.input(name, shape)); }
Expr constant(Graph& g, double value, const Shape& shape) { return Expr(g, g.constant(value, shape)); }
Expr zeros(Graph& g, const Shape& shape) { return constant(g, 0.0, shape); }
Expr ones(Graph& g, const Shape& shape) { return constant(g, 1.0, shape); }
Expr eye(Graph& g, std::int64_t n) { return diag(ones(g, Shape{n})); }

Expr elementwise(Op op, std::initializer_list<Expr> args) {
    bool all_literal = true;
    for (const Expr& a : args)
        all_literal = all_literal && a.is_literal();
    if (all_literal) {
        std::array<double, 3> v{};
        std::size_t k = 0;
        for (const Expr& a : args)
            v[k++] = a.literal();
        return Expr(eval_elementwise(op, std::span<const double>(v.data(), args.size())));
    }
    Graph& g = graph_of(args);
    Shape shape;
    for (const Expr& a : args)
        shape = broadcast_shapes(shape, a.shape());
    std::array<NodeId, 3> ids{};
    std::size_t k = 0;
    for (const Expr& a : args)
        ids[k++] = a.is_literal()           ? g.constant(a.literal(), shape)
                   : a.shape() == shape ? a.id()
                                        : g.make(Op::Broadcast, {a.id()}, {}, shape);
    return Expr(g, g.make(op, std::span<const NodeId>(ids.data(), args.size())));
}

Expr operator+(const Expr& a, const Expr& b) { return elementwise(Op::Add, {a, b}); }
Expr operator-(const Expr& a, const Expr& b) { return elementwise(Op::Sub, {a, b}); }
Expr operator*(const Expr& a, const Expr& b) { return elementwise(Op::Mul, {a, b}); }
Expr operator/(const Expr& a, const Expr& b) { return elementwise(Op::Div, {a, b}); }
Expr operator-(const Expr& a) { return elementwise(Op::Neg, {a}); }

Expr neg(const Expr& x) { return elementwise(Op::Neg, {x}); }
Expr exp(const Expr& x) { return elementwise(Op::Exp, {x}); }
Expr log(const Expr& x) { return elementwise(Op::Log, {x}); }
Expr sqrt(const Expr& x) { return elementwise(Op::Sqrt, {x}); }
Expr sin(const Expr& x) { return elementwise(Op::Sin, {x}); }
Expr cos(const Expr& x) { return elementwise(Op::Cos, {x}); }
Expr tan(const Expr& x) { return elementwise(Op::Tan, {x}); }
Expr tanh(const Expr& x) { return elementwise(Op::Tanh, {x}); }
Expr sigmoid(const Expr& x) { return elementwise(Op::Sigmoid, {x}); }
Expr relu(const Expr& x) { return elementwise(Op::Relu, {x}); }
Expr abs(const Expr& x) { return elementwise(Op::Abs, {x}); }
Expr log1p(const Expr& x) { return elementwise(Op::Log1p, {x}); }
Expr expm1(const Expr& x) { return elementwise(Op::Expm1, {x}); }
Expr softplus(const Expr& x) { return elementwise(Op::Softplus, {x}); }
Expr pow(const Expr& a, const Expr& b) { return elementwise(Op::Pow, {a, b}); }
Expr strong_mul(const Expr& a, const Expr& b) { return elementwise(Op::StrongMul, {a, b}); }
Expr max(const Expr& a, const Expr& b) { return elementwise(Op::Max, {a, b}); }
Expr min(const Expr& a, const Expr& b) { return elementwise(Op::Min, {a, b}); }

Expr lt(const Expr& a, const Expr& b) { return elementwise(Op::Lt, {a, b}); }
Expr le(const Expr& a, const Expr& b) { return elementwise(Op::Le, {a, b}); }
Expr gt(const Expr& a, const Expr& b) { return elementwise(Op::Gt, {a, b}); }
Expr ge(const Expr& a, const Expr& b) { return elementwise(Op::Ge, {a, b}); }
Expr eq(const Expr& a, const Expr& b) { return elementwise(Op::Eq, {a, b}); }
Expr ne(const Expr& a, const Expr& b) { return elementwise(Op::Ne, {a, b}); }
Expr operator<(const Expr& a, const Expr& b) { return lt(a, b); }
Expr operator<=(const Expr& a, const Expr& b) { return le(a, b); }
Expr operator>(const Expr& a, const Expr& b) { return gt(a, b); }
Expr operator>=(const Expr& a, const Expr& b) { return ge(a, b); }
Expr where(const Expr& cond, const Expr& a, const Expr& b) { return elementwise(Op::Where, {cond, a, b}); }

Expr broadcast(const Expr& x, const Shape& shape) {
    if (x.is_literal())
        throw Error("internal error: broadcast of a plain number");
    return make1(Op::Broadcast, x, {}, shape);
}
Expr sum_to(const Expr& x, const Shape& shape) { return make1(Op::SumTo, x, {}, shape); }
Expr logsumexp_to(const Expr& x, const Shape& shape) { return make1(Op::LogSumExpTo, x, {}, shape); }
Expr reshape(const Expr& x, const Shape& shape) { return make1(Op::Reshape, x, {}, shape); }
Expr transpose(const Expr& x) { return x.is_literal() ? x : make1(Op::Transpose, x); }
Expr slice(const Expr& x, const SliceSpec& spec) { return make1(Op::Slice, x, spec); }
Expr embed(const Expr& x, const SliceSpec& spec, const Shape& shape) { return make1(Op::Embed, x, spec, shape); }
Expr diag(const Expr& v) { return make1(Op::Diag, v); }
Expr diag_part(const Expr& a) { return make1(Op::DiagPart, a); }
Expr tril(const Expr& a) { return make1(Op::Tril, a); }

Expr seed_loop(const Expr& body, const Expr& seed, const LoopSpec& spec) {
    if (seed.is_literal() || seed.node().op != Op::Seed)
        throw Error("internal error: seed_loop needs a seed");
    Graph& g = seed.graph();
    const Expr b = body.is_literal() ? constant(g, body.literal()) : body;
    return Expr(g, g.make(Op::SeedLoop, {b.id(), seed.id()}, spec));
}

Expr matmul(const Expr& a, const Expr& b) {
    if (a.is_literal() || b.is_literal())
        throw Error("@ needs vectors or matrices, got a scalar");
    Graph& g = graph_of({a, b});
    return Expr(g, g.make(Op::MatMul, {a.id(), b.id()}));
}

int normalize_axis(int axis, const Shape& shape) {
    const int r = shape.rank();
    if (axis < -r || axis >= r)
        throw Error("axis " + std::to_string(axis) + " is out of range for shape " + shape.str());
    return axis < 0 ? axis + r : axis;
}

Expr sum(const Expr& x) { return x.is_literal() ? x : sum_to(x, Shape{}); }

Expr sum(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return reshape(sum_to(x, x.shape().with(a, 1)), x.shape().without(a));
}

Expr mean(const Expr& x) { return sum(x) / static_cast<double>(x.shape().size()); }

Expr mean(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return sum(x, a) / static_cast<double>(x.shape()[a]);
}

Expr logsumexp(const Expr& x) { return x.is_literal() ? x : logsumexp_to(x, Shape{}); }

Expr logsumexp(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return reshape(logsumexp_to(x, x.shape().with(a, 1)), x.shape().without(a));
}

// softmax = exp(x - logsumexp(x)): stable, and its derivative flows through lse.
Expr softmax(const Expr& x) {
    if (x.is_literal())
        return Expr(1.0);
    return exp(x - broadcast(logsumexp_to(x, Shape{}), x.shape()));
}

Expr softmax(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return exp(x - broadcast(logsumexp_to(x, x.shape().with(a, 1)), x.shape()));
}

Expr dot(const Expr& a, const Expr& b) {
    if (a.shape().is_scalar() || b.shape().is_scalar())
        return a * b;
    return matmul(a, b);
}

// stack(a, b, ...): a new leading axis; each piece is embedded in its own row.
Expr stack(std::span<const Expr> xs) {
    if (xs.empty())
        throw Error("stack needs at least one argument");
    const Shape piece = xs[0].shape();
    const Shape whole = piece.inserted(0, static_cast<std::int64_t>(xs.size()));
    Expr total;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (xs[i].shape() != piece)
            throw Error("stack: argument " + std::to_string(i + 1) + " has shape " +
                        xs[i].shape().str() + ", the first has " + piece.str());
        SliceSpec row;
        row.start[0] = static_cast<std::int32_t>(i);
        row.stop[0] = static_cast<std::int32_t>(i + 1);
        for (int k = 0; k < piece.rank(); ++k)
            row.stop[static_cast<std::size_t>(k + 1)] = static_cast<std::int32_t>(piece[k]);
        const Expr x = xs[i].is_literal() ? constant(graph_of(xs), xs[i].literal()) : xs[i];
        const Expr part = embed(reshape(x, piece.inserted(0, 1)), row, whole);
        total = i == 0 ? part : total + part;
    }
    return total;
}

// concat(a, b, ...) along axis 0: shapes agree except in their first dimension.
Expr concat(std::span<const Expr> xs) {
    if (xs.empty())
        throw Error("concat needs at least one argument");
    const Shape first = xs[0].shape();
    if (first.rank() == 0)
        throw Error("concat needs vectors or larger, got a scalar");
    std::int64_t n = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Shape& s = xs[i].shape();
        if (s.rank() != first.rank() || s.with(0, 1) != first.with(0, 1))
            throw Error("concat: argument " + std::to_string(i + 1) + " has shape " + s.str() +
                        ", which does not match " + first.str() + " beyond the first axis");
        n += s[0];
    }
    const Shape whole = first.with(0, n);
    Expr total;
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Shape& s = xs[i].shape();
        SliceSpec window;
        for (int k = 0; k < s.rank(); ++k)
            window.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(s[k]);
        window.start[0] = static_cast<std::int32_t>(offset);
        window.stop[0] = static_cast<std::int32_t>(offset + s[0]);
        offset += s[0];
        const Expr part = embed(xs[i], window, whole);
        total = i == 0 ? part : total + part;
    }
    return total;
}

} // namespace symdiff
