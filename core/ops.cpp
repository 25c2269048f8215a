// Shape rules and index plans of the structural ops (declared in their entries in
// ops.hpp, defined here in the same order), and the table-driven lookups.
#include "core/ops.hpp"

#include <string>

namespace symdiff {
namespace {

std::string str(std::span<const Shape> a) { return a[0].str(); }

void require_rank(std::string_view op, const Shape& s, int rank) {
    if (s.rank() != rank)
        throw Error(std::string(op) + " needs a " + (rank == 1 ? "vector" : "matrix") +
                    ", got shape " + s.str());
}

// For x broadcast to (or summed down from) `big`: the axis of `big` that axis k of x
// lines up with, or -1 when x's axis has extent 1 where big's does not.
int aligned_axis(const Shape& x, const Shape& big, int k) {
    const int kb = k + big.rank() - x.rank();
    return x[k] == big[kb] ? kb : -1;
}

// A plan that visits each element of the result `out` once and reads operand 0, of rank
// `in_rank`, through a map the caller sets: the gathers (views, diag, tril).
IndexPlan gather_plan(const Shape& out, int in_rank) {
    IndexPlan p;
    p.domain = out;
    p.out = AffineMap::identity(out.rank());
    p.in[0].rank = in_rank;
    return p;
}

IndexPlan reduce_to_plan(const Shape& out, const Shape& in, Combine combine) {
    IndexPlan p;
    p.domain = in;
    p.in[0] = AffineMap::identity(in.rank());
    p.out.rank = out.rank();
    for (int k = 0; k < out.rank(); ++k)
        p.out.set(k, aligned_axis(out, in, k));
    p.combine = combine;
    return p;
}

void check_reducible(std::string_view op, const Shape& x, const Shape& target) {
    if (!broadcasts_to(target, x))
        throw Error(std::string(op) + ": shape " + x.str() + " cannot be reduced to " +
                    target.str());
}

} // namespace

Shape SliceSpec::result_shape(const Shape& source) const {
    std::array<std::int64_t, Shape::max_rank> d{};
    int n = 0;
    for (int k = 0; k < source.rank(); ++k)
        if (!dropped(k))
            d[static_cast<std::size_t>(n++)] = stop[static_cast<std::size_t>(k)] -
                                               start[static_cast<std::size_t>(k)];
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(n)));
}

namespace ops {

// --- Broadcast
Shape Broadcast::shape(std::span<const Shape> a, const Payload&, const Shape& target) {
    if (!broadcasts_to(a[0], target))
        throw Error("shape " + str(a) + " does not broadcast to " + target.str());
    return target;
}
IndexPlan Broadcast::plan(const Shape& out, const Payload&, std::span<const Shape> a) {
    IndexPlan p = gather_plan(out, a[0].rank());
    for (int k = 0; k < a[0].rank(); ++k)
        p.in[0].set(k, aligned_axis(a[0], out, k));
    return p;
}

// --- SumTo, LogSumExpTo, MaxTo, MinTo, ProdTo
Shape reduced_shape(std::string_view word, const Shape& x, const Shape& target) {
    check_reducible(word, x, target);
    return target;
}
IndexPlan reduced_plan(const Shape& out, const Shape& x, Combine combine) {
    return reduce_to_plan(out, x, combine);
}

// --- Reshape
Shape Reshape::shape(std::span<const Shape> a, const Payload&, const Shape& target) {
    if (a[0].size() != target.size())
        throw Error("cannot reshape " + str(a) + " (" + std::to_string(a[0].size()) +
                    " elements) to " + target.str() + " (" + std::to_string(target.size()) +
                    " elements)");
    return target;
}

// --- Transpose
Shape Transpose::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    std::array<std::int64_t, Shape::max_rank> d{};
    const int r = a[0].rank();
    for (int k = 0; k < r; ++k)
        d[static_cast<std::size_t>(k)] = a[0][r - 1 - k];
    return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(r)));
}
IndexPlan Transpose::plan(const Shape& out, const Payload&, std::span<const Shape> a) {
    IndexPlan p = gather_plan(out, a[0].rank());
    for (int k = 0; k < a[0].rank(); ++k)
        p.in[0].set(k, a[0].rank() - 1 - k);
    return p;
}

// --- MatMul
Shape MatMul::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    const Shape &x = a[0], &y = a[1];
    if (x.rank() < 1 || x.rank() > 2 || y.rank() < 1 || y.rank() > 2)
        throw Error("@ needs vectors or matrices, got " + x.str() + " @ " + y.str());
    const std::int64_t kx = x[x.rank() - 1], ky = y[0];
    if (kx != ky)
        throw Error("@: inner dimensions differ: " + x.str() + " @ " + y.str());
    if (x.rank() == 2 && y.rank() == 2)
        return Shape{x[0], y[1]};
    if (x.rank() == 2)
        return Shape{x[0]};
    if (y.rank() == 2)
        return Shape{y[1]};
    return Shape{};
}
IndexPlan MatMul::plan(const Shape&, const Payload&, std::span<const Shape> a) {
    const Shape &x = a[0], &y = a[1];
    IndexPlan p;
    p.operands = 2;
    p.body = Body::product;
    p.combine = Combine::sum;
    p.in[0].rank = x.rank();
    p.in[1].rank = y.rank();
    if (x.rank() == 2 && y.rank() == 2) { // C[i,j] = sum_k A[i,k] B[k,j]; loops (i, j, k)
        p.domain = Shape{x[0], y[1], x[1]};
        p.out.rank = 2;
        p.out.set(0, 0);
        p.out.set(1, 1);
        p.in[0].set(0, 0);
        p.in[0].set(1, 2);
        p.in[1].set(0, 2);
        p.in[1].set(1, 1);
    } else if (x.rank() == 2) { // y[i] = sum_k A[i,k] v[k]; loops (i, k)
        p.domain = Shape{x[0], x[1]};
        p.out.rank = 1;
        p.out.set(0, 0);
        p.in[0].set(0, 0);
        p.in[0].set(1, 1);
        p.in[1].set(0, 1);
    } else if (y.rank() == 2) { // y[j] = sum_k v[k] B[k,j]; loops (j, k)
        p.domain = Shape{y[1], y[0]};
        p.out.rank = 1;
        p.out.set(0, 0);
        p.in[0].set(0, 1);
        p.in[1].set(0, 1);
        p.in[1].set(1, 0);
    } else { // s = sum_k u[k] v[k]; loop (k)
        p.domain = Shape{x[0]};
        p.out.rank = 0;
        p.in[0].set(0, 0);
        p.in[1].set(0, 0);
    }
    return p;
}

// --- Slice
Shape Slice::shape(std::span<const Shape> a, const Payload& pl, const Shape&) {
    const SliceSpec& s = boost::variant2::get<SliceSpec>(pl);
    const Shape& x = a[0];
    for (int k = 0; k < x.rank(); ++k) {
        const auto lo = s.start[static_cast<std::size_t>(k)];
        const auto hi = s.stop[static_cast<std::size_t>(k)];
        if (lo < 0 || hi > x[k] || lo >= hi)
            throw Error("index " + std::string(s.dropped(k) ? std::to_string(lo)
                                                             : std::to_string(lo) + ":" +
                                                                   std::to_string(hi)) +
                        " is out of range for axis " + std::to_string(k) + " of shape " +
                        x.str());
        if (s.dropped(k) && hi != lo + 1)
            throw Error("internal error: integer index spans more than one element");
    }
    for (int k = x.rank(); k < Shape::max_rank; ++k)
        if (s.start[static_cast<std::size_t>(k)] || s.stop[static_cast<std::size_t>(k)] ||
            s.dropped(k))
            throw Error("too many indices for shape " + x.str());
    return s.result_shape(x);
}
IndexPlan Slice::plan(const Shape& out, const Payload& pl, std::span<const Shape> a) {
    const SliceSpec& s = boost::variant2::get<SliceSpec>(pl);
    IndexPlan p = gather_plan(out, a[0].rank());
    int j = 0;
    for (int k = 0; k < a[0].rank(); ++k)
        p.in[0].set(k, s.dropped(k) ? -1 : j++, s.start[static_cast<std::size_t>(k)]);
    return p;
}

bool Slice::is_identity(const Shape&, const Payload& pl, const Shape& in) {
    const SliceSpec& s = boost::variant2::get<SliceSpec>(pl);
    if (s.drop)
        return false;
    for (int k = 0; k < in.rank(); ++k)
        if (s.start[static_cast<std::size_t>(k)] != 0 || s.stop[static_cast<std::size_t>(k)] != in[k])
            return false;
    return true;
}

// --- Embed: the result has shape `target`; x fills the window the spec selects.
Shape Embed::shape(std::span<const Shape> a, const Payload& pl, const Shape& target) {
    const Shape window = Slice::shape(std::span<const Shape>(&target, 1), pl, target);
    if (window != a[0])
        throw Error("embed: shape " + str(a) + " does not fill window " + window.str() +
                    " of " + target.str());
    return target;
}
IndexPlan Embed::plan(const Shape& out, const Payload& pl, std::span<const Shape> a) {
    const SliceSpec& s = boost::variant2::get<SliceSpec>(pl);
    IndexPlan p = gather_plan(out, a[0].rank());
    int j = 0;
    for (int k = 0; k < out.rank(); ++k) {
        const auto lo = s.start[static_cast<std::size_t>(k)];
        const auto hi = s.stop[static_cast<std::size_t>(k)];
        if (!s.dropped(k))
            p.in[0].set(j++, k, -lo);
        if (lo > 0 || hi < out[k])
            p.add_range(k, lo, hi);
    }
    return p;
}

// --- Diag
Shape Diag::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    require_rank("diag", a[0], 1);
    return Shape{a[0][0], a[0][0]};
}
IndexPlan Diag::plan(const Shape& out, const Payload&, std::span<const Shape>) {
    IndexPlan p = gather_plan(out, 1);
    p.in[0].set(0, 0);
    Guard upper, lower; // i - j >= 0 and j - i >= 0
    upper.coef[0] = 1;
    upper.coef[1] = -1;
    lower.coef[0] = -1;
    lower.coef[1] = 1;
    p.add_guard(upper);
    p.add_guard(lower);
    return p;
}

// --- DiagPart
Shape DiagPart::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    require_rank("diagonal", a[0], 2);
    if (a[0][0] != a[0][1])
        throw Error("diagonal of a non-square matrix " + a[0].str());
    return Shape{a[0][0]};
}
IndexPlan DiagPart::plan(const Shape& out, const Payload&, std::span<const Shape>) {
    IndexPlan p = gather_plan(out, 2);
    p.in[0].set(0, 0);
    p.in[0].set(1, 0);
    return p;
}

// --- Tril
Shape Tril::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    require_rank("tril", a[0], 2);
    return a[0];
}
IndexPlan Tril::plan(const Shape& out, const Payload&, std::span<const Shape>) {
    IndexPlan p = gather_plan(out, 2);
    p.in[0] = AffineMap::identity(2);
    Guard lower; // i - j >= 0
    lower.coef[0] = 1;
    lower.coef[1] = -1;
    p.add_guard(lower);
    return p;
}

// --- SeedLoop
Shape SeedLoop::shape(std::span<const Shape> a, const Payload& p, const Shape&) {
    const Shape& body = a[0];
    const Shape& seed = a[1];
    if (body.rank() + seed.rank() > Shape::max_rank)
        throw Error("a Jacobian of shape " + body.str() + " by " + seed.str() + " would have " +
                    std::to_string(body.rank() + seed.rank()) + " dimensions; at most " +
                    std::to_string(Shape::max_rank) + " are supported");
    return boost::variant2::get<LoopSpec>(p).seed_axes_last ? body.concat(seed) : seed.concat(body);
}

// --- Elem
Shape Elem::shape(std::span<const Shape> a, const Payload&, const Shape&) {
    if (a[0].is_scalar())
        throw Error("a loop runs over the first axis of a tensor; got a scalar");
    return a[0].without(0);
}

// --- Fold
Shape Fold::shape(std::span<const Shape> a, const Payload& p, const Shape&) {
    const Shape& body = a[0];
    const Shape& carry = a[1];
    const Shape& init = a[2];
    if (carry != init)
        throw Error("internal error: a fold's carry has shape " + carry.str() + ", its init " + init.str());
    if (body != init)
        throw Error("the loop's function returns shape " + body.str() + ", but its carry has shape " +
                    init.str() + " (it must return the shape it is given)");
    const FoldSpec spec = boost::variant2::get<FoldSpec>(p);
    if (spec.count < 0)
        throw Error("a loop's count must not be negative, got " + std::to_string(spec.count));
    if (spec.mode == FoldMode::last)
        return init;
    if (spec.count == 0)
        throw Error("a scan of zero steps would be empty, and empty tensors are not supported");
    if (init.rank() + 1 > Shape::max_rank)
        throw Error("a scan of a carry of shape " + init.str() + " would have " +
                    std::to_string(init.rank() + 1) + " dimensions; at most " +
                    std::to_string(Shape::max_rank) + " are supported");
    return init.inserted(0, spec.count);
}

} // namespace ops

std::optional<Op> op_named(std::string_view name) {
    for (int k = 0; k < op_count; ++k)
        if (op_infos[static_cast<std::size_t>(k)].name == name)
            return static_cast<Op>(k);
    return std::nullopt;
}

double eval_elementwise(Op op, std::span<const double> a) {
    return visit(op, [&](auto entry) -> double {
        using E = decltype(entry);
        if constexpr (E::kind != OpKind::elementwise)
            throw Error("internal error: " + std::string(E::name) + " is not element-wise");
        else if constexpr (E::arity == 1)
            return E::eval(a[0]);
        else if constexpr (E::arity == 2)
            return E::eval(a[0], a[1]);
        else
            return E::eval(a[0], a[1], a[2]);
    });
}

Shape structural_shape(Op op, std::span<const Shape> args, const Payload& p,
                       const Shape& target) {
    return visit(op, [&](auto entry) -> Shape {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise)
            throw Error("internal error: " + std::string(E::name) + " is not structural");
        else
            return E::shape(args, p, target);
    });
}

FoldFacts fold_facts(Op op, const Shape& out, const Payload& p, const Shape& in) {
    return visit(op, [&](auto entry) -> FoldFacts {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise)
            throw Error("internal error: " + std::string(E::name) + " is not structural");
        else
            return {E::const_fold, E::chains, E::is_identity(out, p, in)};
    });
}

IndexPlan index_plan(Op op, const Shape& out, const Payload& p, std::span<const Shape> args) {
    return visit(op, [&](auto entry) -> IndexPlan {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::view || E::kind == OpKind::reduce)
            return E::plan(out, p, args);
        else
            throw Error("internal error: " + std::string(E::name) + " has no index plan");
    });
}

} // namespace symdiff
