// Expr: broadcasting, literals, and the library of composite functions.
#include "core/expr.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

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

Expr input(Graph& g, std::string_view name, const Shape& shape) { return Expr(g, g.add_input(name, shape)); }
Expr constant(Graph& g, double value, const Shape& shape) { return Expr(g, g.constant(value, shape)); }
Expr constant(Graph& g, const Tensor& values) {
    const auto v = values.data();
    if (std::all_of(v.begin(), v.end(), [&](double e) { return std::bit_cast<std::uint64_t>(e) ==
                                                                 std::bit_cast<std::uint64_t>(v[0]); }))
        return constant(g, v[0], values.shape());
    std::vector<Expr> elements;
    elements.reserve(v.size());
    for (const double e : v)
        elements.push_back(constant(g, e));
    return reshape(stack(elements), values.shape());
}

Expr Expr::operator[](const Index& i) const { return (*this)[{i}]; }

Expr Expr::operator[](std::initializer_list<Index> indices) const {
    if (is_literal())
        throw Error("a number cannot be indexed");
    return slice(*this, slice_spec(shape(), std::span<const Index>(indices.begin(), indices.size())));
}

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

Expr OpValue<Expr>::constant(double v, const Shape& shape, const Expr& like) {
    if (like.is_literal())
        throw Error("internal error: a constant like a plain number");
    return Expr(like.graph(), like.graph().constant(v, shape));
}

// A literal operand is a scalar constant of the other operands' graph; an op of
// literals alone is the literal where the op leaves a scalar unchanged (transpose).
Expr OpValue<Expr>::structural(Op op, std::span<const Expr* const> args, const Payload& payload,
                               const Shape& target) {
    Graph* g = nullptr;
    for (const Expr* a : args)
        if (!a->is_literal()) {
            if (g && g != &a->graph())
                throw Error("cannot combine expressions from different graphs");
            g = &a->graph();
        }
    if (!g) {
        if (args.size() == 1 && fold_facts(op, target, payload, Shape{}).identity)
            return *args[0];
        throw Error("internal error: " + std::string(name(op)) + " of a plain number");
    }
    std::array<NodeId, 3> ids{};
    for (std::size_t k = 0; k < args.size(); ++k)
        ids[k] = args[k]->is_literal() ? g->constant(args[k]->literal()) : args[k]->id();
    return Expr(*g, g->make(op, std::span<const NodeId>(ids.data(), args.size()), payload, target));
}

int normalize_axis(int axis, const Shape& shape) {
    const int r = shape.rank();
    if (axis < -r || axis >= r)
        throw Error("axis " + std::to_string(axis) + " is out of range for shape " + shape.str());
    return axis < 0 ? axis + r : axis;
}

namespace {
// A reduction over one axis, which disappears: `To` down to the shape with that axis 1.
template <Expr (*To)(const Expr&, const Shape&)> Expr along(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return reshape(To(x, x.shape().with(a, 1)), x.shape().without(a));
}
} // namespace

Expr sum(const Expr& x) { return x.is_literal() ? x : sum_to(x, Shape{}); }

Expr sum(const Expr& x, int axis) { return along<sum_to<Expr>>(x, axis); }

Expr mean(const Expr& x) { return sum(x) / static_cast<double>(x.shape().size()); }

Expr mean(const Expr& x, int axis) {
    const int a = normalize_axis(axis, x.shape());
    return sum(x, a) / static_cast<double>(x.shape()[a]);
}

Expr logsumexp(const Expr& x) { return x.is_literal() ? x : logsumexp_to(x, Shape{}); }

Expr logsumexp(const Expr& x, int axis) { return along<logsumexp_to<Expr>>(x, axis); }

// The maximum, minimum and product over all elements or along one axis (which
// disappears), as logsumexp.
Expr amax(const Expr& x) { return x.is_literal() ? x : max_to(x, Shape{}); }

Expr amax(const Expr& x, int axis) { return along<max_to<Expr>>(x, axis); }

Expr amin(const Expr& x) { return x.is_literal() ? x : min_to(x, Shape{}); }

Expr amin(const Expr& x, int axis) { return along<min_to<Expr>>(x, axis); }

Expr prod(const Expr& x) { return x.is_literal() ? x : prod_to(x, Shape{}); }

Expr prod(const Expr& x, int axis) { return along<prod_to<Expr>>(x, axis); }

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
