// THE op table, structural entries: ops that move, combine or loop over elements. Each
// gives its shape rule, its index plan (view and reduce kinds: what the interpreter
// evaluates and the emitter lowers to loops; defined in core/ops.cpp), and vjp/jvp rules
// written with the functions of core/op_functions.hpp, so every derivative is again an
// ordinary graph that can be differentiated. See core/ops_elementwise.hpp for the rule
// that keeps a rule's graph independent of the compiler.
#pragma once

#include "core/op_entry.hpp"

#include <limits>

namespace symdiff::ops {

// clang-format off

// ---------------------------------------------------------------------------------
// Leaves

struct Input : LeafOp { static constexpr std::string_view name = "input"; };
struct Const : LeafOp { static constexpr std::string_view name = "const"; };
struct Seed : LeafOp { static constexpr std::string_view name = "seed"; }; // see SeedLoop
struct Carry : LeafOp { static constexpr std::string_view name = "carry"; }; // see Fold

// clang-format on

// ---------------------------------------------------------------------------------
// Structural ops

// Shape rules throw Error with a message that names the shapes; `target` is the
// requested result shape for the ops whose result is not implied by their operands
// (Broadcast, SumTo, LogSumExpTo, MaxTo, MinTo, ProdTo, Reshape, Embed).

// The reductions of x to a `target` that broadcasts to x: one Combine each, and the same
// shape rule (its error names the language's function, Self::word) and index plan.
Shape reduced_shape(std::string_view word, const Shape& x, const Shape& target);
IndexPlan reduced_plan(const Shape& out, const Shape& x, Combine combine);

template <class Self, Combine C> struct ReduceTo : StructuralOp {
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::reduce;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target) {
        return reduced_shape(Self::word, a[0], target);
    }
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a) {
        return reduced_plan(out, a[0], C);
    }
};

struct Broadcast : StructuralOp { // NumPy broadcast of x to `target`; adjoint: SumTo
    static constexpr std::string_view name = "broadcast";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::splat;
    static constexpr bool chains = true;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T> x, const T&, const T& g, const Payload&) {
        return sum_to(g, x[0].shape());
    }
    template <class T> static T jvp(std::span<const T>, const T& f, Tangents<T> t, const Payload&) {
        return broadcast(*t[0], f.shape());
    }
};

struct SumTo : ReduceTo<SumTo, Combine::sum> { // sum x down to `target`; adjoint: Broadcast
    static constexpr std::string_view name = "sum_to", word = "sum";
    template <class T> static T vjp(int, std::span<const T> x, const T&, const T& g, const Payload&) {
        return broadcast(g, x[0].shape());
    }
    template <class T> static T jvp(std::span<const T>, const T& f, Tangents<T> t, const Payload&) {
        return sum_to(*t[0], f.shape());
    }
};

struct LogSumExpTo : ReduceTo<LogSumExpTo, Combine::logsumexp> { // log(sum(exp x)), max-shifted
    static constexpr std::string_view name = "logsumexp_to", word = "logsumexp";
    // d lse(x) = softmax(x) = exp(x - lse(x))
    template <class T> static T vjp(int, std::span<const T> x, const T& f, const T& g, const Payload&) {
        const Shape s = x[0].shape();
        const T softmax = exp(x[0] - broadcast(f, s));
        return broadcast(g, s) * softmax;
    }
    template <class T> static T jvp(std::span<const T> x, const T& f, Tangents<T> t, const Payload&) {
        const Shape s = x[0].shape();
        return sum_to(*t[0] * exp(x[0] - broadcast(f, s)), f.shape());
    }
};

// --- The rules of max_to, min_to and prod_to share these (one graph call per statement).
namespace reduce_rules {

// A T of `shape` whose elements all equal v, in the context of `like` (a graph handle
// needs its graph: OpValue<T>::constant, where the type has one).
template <class T> T splat_like(double v, const Shape& shape, const T& like) {
    if constexpr (requires { OpValue<T>::constant(v, shape, like); })
        return OpValue<T>::constant(v, shape, like);
    else
        return broadcast(OpValue<T>::literal(v, like), shape);
}

// Each element's row-major position in x, 0 ... size - 1 (exact integers), shaped as x.
// Constants are splats, so it is built by doubling: [0, m) next to [0, m) + m, log2(size)
// steps of embeds and adds, O(size) work.
template <class T> T flat_positions(const T& x) {
    const std::int64_t n = x.shape().size();
    T v = splat_like(0.0, Shape{1}, x);
    std::int64_t m = 1;
    while (m < n) {
        SliceSpec low, high;
        low.stop[0] = static_cast<std::int32_t>(m);
        high.start[0] = static_cast<std::int32_t>(m);
        high.stop[0] = static_cast<std::int32_t>(2 * m);
        const T lower = embed(v, low, Shape{2 * m});
        const T shifted = v + static_cast<double>(m);
        const T upper = embed(shifted, high, Shape{2 * m});
        v = lower + upper;
        m *= 2;
    }
    if (m > n) {
        SliceSpec first;
        first.stop[0] = static_cast<std::int32_t>(n);
        v = slice(v, first);
    }
    return reshape(v, x.shape());
}

// 1 at the element of each group that max_to/min_to picked, 0 elsewhere: the first (in
// row-major order, as the group's positions in x are) of those equal to the result f, or
// the first NaN where a NaN won. So a tie sends the whole derivative to its first element.
template <class T> T first_pick(const T& x, const T& f) {
    const Shape s = x.shape();
    const T fb = broadcast(f, s);
    const T hit = eq(x, fb);
    const T nan = ne(x, x);
    const T picked = logical_or(hit, nan);
    const T pos = flat_positions(x);
    const T candidates = where(picked, pos, std::numeric_limits<double>::infinity());
    const T first = min_to(candidates, f.shape());
    const T first_b = broadcast(first, s);
    return eq(pos, first_b);
}

// d prod / d x_i: the product of the other elements of x_i's group. With Z the group's
// zero elements, z = |Z|, P the product of its other elements and S the sum of x over Z
// (0, with derivative 1 on Z):
//   x_i != 0: f / x_i (0 too where another element is 0);
//   x_i == 0: P if z = 1, P (S - x_i) if z = 2 (0, yet its derivative is exact), 0 if z > 2.
// Exact to the second derivative everywhere; a third derivative at three zeros is 0 where
// it is the product of the rest (docs/language.md).
template <class T> T prod_others(const T& x, const T& f) {
    const Shape s = x.shape(), r = f.shape();
    const T zero = eq(x, 0.0);
    const T count = where(zero, 1.0, 0.0);
    const T z = sum_to(count, r);
    const T nonzero = where(zero, 1.0, x);
    const T p = prod_to(nonzero, r);
    const T zero_x = where(zero, x, 0.0);
    const T sz = sum_to(zero_x, r);
    const T pb = broadcast(p, s);
    const T zb = broadcast(z, s);
    const T szb = broadcast(sz, s);
    const T other_zero = szb - x;
    const T pair = pb * other_zero;
    const T two = eq(zb, 2.0);
    const T beyond = where(two, pair, 0.0);
    const T one = eq(zb, 1.0);
    const T at_zero = where(one, pb, beyond);
    const T fb = broadcast(f, s);
    const T quotient = fb / x;
    return where(zero, at_zero, quotient);
}

} // namespace reduce_rules

// amax and amin: d = the cotangent, to the first element of the group that was picked
template <class Self, Combine C> struct PickTo : ReduceTo<Self, C> {
    template <class T> static T vjp(int, std::span<const T> x, const T& f, const T& g, const Payload&) {
        const T mask = reduce_rules::first_pick(x[0], f);
        const T gb = broadcast(g, x[0].shape());
        return where(mask, gb, 0.0);
    }
    template <class T> static T jvp(std::span<const T> x, const T& f, Tangents<T> t, const Payload&) {
        const T mask = reduce_rules::first_pick(x[0], f);
        const T picked = where(mask, *t[0], 0.0);
        return sum_to(picked, f.shape());
    }
};

struct MaxTo : PickTo<MaxTo, Combine::max> { // the maximum of x down to `target`; a NaN wins
    static constexpr std::string_view name = "max_to", word = "amax";
};

struct MinTo : PickTo<MinTo, Combine::min> { // the minimum of x down to `target`; a NaN wins
    static constexpr std::string_view name = "min_to", word = "amin";
};

struct ProdTo : ReduceTo<ProdTo, Combine::prod> { // the product of x down to `target`
    static constexpr std::string_view name = "prod_to", word = "prod";
    // d prod / d x_i = the product of the others (reduce_rules::prod_others)
    template <class T> static T vjp(int, std::span<const T> x, const T& f, const T& g, const Payload&) {
        const T others = reduce_rules::prod_others(x[0], f);
        const T gb = broadcast(g, x[0].shape());
        return gb * others;
    }
    template <class T> static T jvp(std::span<const T> x, const T& f, Tangents<T> t, const Payload&) {
        const T others = reduce_rules::prod_others(x[0], f);
        const T terms = *t[0] * others;
        return sum_to(terms, f.shape());
    }
};

struct Reshape : StructuralOp { // same elements in row-major order; adjoint: Reshape back
    static constexpr std::string_view name = "reshape";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::flat;
    static constexpr ConstFold const_fold = ConstFold::splat;
    static constexpr bool chains = true;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    template <class T> static T vjp(int, std::span<const T> x, const T&, const T& g, const Payload&) {
        return reshape(g, x[0].shape());
    }
    template <class T> static T jvp(std::span<const T>, const T& f, Tangents<T> t, const Payload&) {
        return reshape(*t[0], f.shape());
    }
};

struct Transpose : StructuralOp { // reverses the axes (NumPy); adjoint: Transpose
    static constexpr std::string_view name = "transpose";
    static constexpr int arity = 1;
    static constexpr Syntax syntax = Syntax::function();
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::splat;
    static bool is_identity(const Shape&, const Payload&, const Shape& in) { return in.rank() <= 1; }
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T& g, const Payload&) {
        return transpose(g);
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload&) {
        return transpose(*t[0]);
    }
};

struct MatMul : StructuralOp { // (m,k)@(k,n), (m,k)@(k), (k)@(k,n), (k)@(k)
    static constexpr std::string_view name = "matmul";
    static constexpr int arity = 2;
    static constexpr Syntax syntax = Syntax::infix("@", 2);
    static constexpr OpKind kind = OpKind::reduce;
    static bool is_identity(const Shape&, const Payload&, const Shape&) { return false; }
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    // d(A@B): dA = G @ B^T, dB = A^T @ G; vectors take outer products instead.
    template <class T> static T vjp(int i, std::span<const T> x, const T&, const T& g, const Payload&) {
        const T& a = x[0];
        const T& b = x[1];
        const int ra = a.shape().rank(), rb = b.shape().rank();
        if (ra == 1 && rb == 1)                                  // g is a scalar
            return i == 0 ? b * broadcast(g, b.shape()) : a * broadcast(g, a.shape());
        if (i == 0) {
            if (rb == 2)
                return matmul(g, transpose(b));                  // (m,n)@(n,k) or (n)@(n,k)
            const T row = reshape(b, Shape{1, b.shape()[0]});
            return matmul(reshape(g, Shape{g.shape()[0], 1}), row); // g b^T: an outer product
        }
        if (ra == 2)
            return matmul(transpose(a), g);                      // (k,m)@(m,n) or (k,m)@(m)
        const T row = reshape(g, Shape{1, g.shape()[0]});
        return matmul(reshape(a, Shape{a.shape()[0], 1}), row);  // a g^T
    }
    // d(A@B) = dA@B + A@dB
    template <class T> static T jvp(std::span<const T> x, const T&, Tangents<T> t, const Payload&) {
        if (t[0] && t[1]) {
            const T a_db = matmul(x[0], *t[1]);
            return matmul(*t[0], x[1]) + a_db;
        }
        return t[0] ? matmul(*t[0], x[1]) : matmul(x[0], *t[1]);
    }
};

struct Slice : StructuralOp { // x[i], x[a:b], A[:, j], ...; adjoint: Embed
    static constexpr std::string_view name = "slice";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::splat;
    static bool is_identity(const Shape& out, const Payload& p, const Shape& in);
    static Shape shape(std::span<const Shape> a, const Payload& p, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload& p, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T> x, const T&, const T& g, const Payload& p) {
        return embed(g, boost::variant2::get<SliceSpec>(p), x[0].shape());
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload& p) {
        return slice(*t[0], boost::variant2::get<SliceSpec>(p));
    }
};

struct Embed : StructuralOp { // zeros of `target` with x written into the slice window
    static constexpr std::string_view name = "embed";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::zero;
    static Shape shape(std::span<const Shape> a, const Payload& p, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload& p, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T& g, const Payload& p) {
        return slice(g, boost::variant2::get<SliceSpec>(p));
    }
    template <class T> static T jvp(std::span<const T>, const T& f, Tangents<T> t, const Payload& p) {
        return embed(*t[0], boost::variant2::get<SliceSpec>(p), f.shape());
    }
};

struct Diag : StructuralOp { // vector -> diagonal matrix; adjoint: DiagPart
    static constexpr std::string_view name = "diag";
    static constexpr int arity = 1;
    static constexpr Syntax syntax = Syntax::function();
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::zero;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T& g, const Payload&) {
        return diag_part(g);
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload&) {
        return diag(*t[0]);
    }
};

struct DiagPart : StructuralOp { // square matrix -> its diagonal; adjoint: Diag
    static constexpr std::string_view name = "diag_part";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::splat;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T& g, const Payload&) {
        return diag(g);
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload&) {
        return diag_part(*t[0]);
    }
};

struct Tril : StructuralOp { // lower triangle of a matrix, diagonal kept; adjoint: Tril
    static constexpr std::string_view name = "tril";
    static constexpr int arity = 1;
    static constexpr Syntax syntax = Syntax::function();
    static constexpr OpKind kind = OpKind::view;
    static constexpr ConstFold const_fold = ConstFold::zero;
    // Same shape in and out, yet never the identity (the default would fold it away).
    static bool is_identity(const Shape&, const Payload&, const Shape&) { return false; }
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T& g, const Payload&) {
        return tril(g);
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload&) {
        return tril(*t[0]);
    }
};

// ---------------------------------------------------------------------------------
// Higher order

// seed_loop(body, seed): stacks body(seed = e_k) over every basis direction e_k of the
// seed's shape, the seed's axes first or last (LoopSpec). With body = vjp(y, x, seed) it
// is the Jacobian of y row by row; with body = jvp(y, x, seed), column by column. Code
// generation emits one loop over k around the body, so code size stays proportional to
// the graph, not to the number of directions.
struct SeedLoop : StructuralOp {
    static constexpr std::string_view name = "seed_loop";
    static constexpr int arity = 2; // (body, seed)
    static constexpr OpKind kind = OpKind::loop;
    static bool is_identity(const Shape&, const Payload&, const Shape&) { return false; }
    static Shape shape(std::span<const Shape> a, const Payload& p, const Shape& target);
    // d<G, J(z)>/dz sums the body's own reverse sweep over the directions: that needs the
    // sweep's variables, so the reverse sweep itself applies it (loop_vjp in
    // core/differentiate.cpp), and the numeric modes do not record loops.
    template <class T> static T vjp(int, std::span<const T>, const T&, const T&, const Payload&) {
        throw Error("internal error: a jacobian loop's reverse rule is the sweep's (loop_vjp)");
    }
    // The seed does not depend on the variable: the tangent of the loop is the loop of
    // the body's tangent.
    template <class T> static T jvp(std::span<const T> x, const T&, Tangents<T> t, const Payload& p) {
        return seed_loop(*t[0], x[1], boost::variant2::get<LoopSpec>(p));
    }
};

// The loops of the model language (fold and scan), one node each, the body not unrolled:
//   fold_loop(body, carry, init): c = init, then c = body(carry = c) `count` times,
// where `carry` is the loop's placeholder (Graph::carry) and elem(xs) nodes with the
// loop's id read row t of xs at step t. What it returns is its FoldSpec's mode. Its
// derivatives are loops again, built by the sweeps (core/fold_rules.cpp), which see the
// whole body; the op table's rules are never asked.
struct Elem : StructuralOp {
    static constexpr std::string_view name = "elem";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::element;
    static bool is_identity(const Shape&, const Payload&, const Shape&) { return false; }
    static Shape shape(std::span<const Shape> a, const Payload& p, const Shape& target);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T&, const Payload&) {
        throw Error("internal error: a loop element's reverse rule is the fold's (fold_vjp)");
    }
    // Linear in xs: the tangent of row t is row t of the tangent.
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T> t, const Payload& p) {
        return elem(*t[0], boost::variant2::get<SeedRef>(p));
    }
};

struct Fold : StructuralOp {
    static constexpr std::string_view name = "fold_loop";
    static constexpr int arity = 3; // (body, carry, init)
    static constexpr OpKind kind = OpKind::fold;
    static bool is_identity(const Shape&, const Payload&, const Shape&) { return false; }
    static Shape shape(std::span<const Shape> a, const Payload& p, const Shape& target);
    template <class T> static T vjp(int, std::span<const T>, const T&, const T&, const Payload&) {
        throw Error("internal error: a fold's reverse rule is the sweep's (fold_vjp)");
    }
    template <class T> static T jvp(std::span<const T>, const T&, Tangents<T>, const Payload&) {
        throw Error("internal error: a fold's forward rule is the sweep's (fold_jvp)");
    }
};

} // namespace symdiff::ops
