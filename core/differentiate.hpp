// Symbol-to-symbol differentiation: derivatives are appended to the same graph as new
// nodes, built from each op's rule in the op table, so they can be differentiated again.
//
// Reverse mode sweeps ids downward once (ids are a topological order; no recursion
// over the graph), accumulating adjoint x local partial. Forward mode sweeps upward.
// NaN safety: a cotangent masked by `where` (or by the kinks of relu, abs, max, min)
// keeps its mask outside every product it enters, so the derivative of a branch not
// taken is exactly zero even where that branch's partials are infinite or NaN.
#pragma once

#include "core/expr.hpp"

#include <span>
#include <vector>

namespace symdiff {

// d f / d x for scalar f; the result has x's shape (zeros if f does not depend on x).
Expr grad(const Expr& f, const Expr& x);
// The same for several x in one sweep.
std::vector<Expr> grad(const Expr& f, std::span<const Expr> xs);
// Vector-Jacobian product: the reverse sweep of any-shaped y seeded with `cotangent`
// (y's shape); one result per x, in x's shape.
std::vector<Expr> vjp(const Expr& y, std::span<const Expr> xs, const Expr& cotangent);
// The adjoints of any nodes of y's graph, inputs or not: d<y, cotangent>/dn for each n,
// through the paths from n to y (what `dot` writes on each node of a lecture circuit).
// grad, vjp and jvp take inputs only: a constant is one node wherever its value occurs.
std::vector<Expr> node_adjoints(const Expr& y, std::span<const Expr> nodes, const Expr& cotangent);
// Jacobian-vector product: the forward sweep of y along `tangent` (x's shape).
Expr jvp(const Expr& y, const Expr& x, const Expr& tangent);
// k-th derivative of scalar f by scalar x (k >= 0), by k reverse sweeps.
Expr diff(const Expr& f, const Expr& x, int k);
// d y / d x: shape y.shape followed by x.shape. One sweep per direction, reverse mode
// (a vjp per element of y) when y is smaller than x, else forward mode (a jvp per
// element of x); the sweeps are a loop in the graph (ops::SeedLoop), not copies.
Expr jacobian(const Expr& y, const Expr& x);
// d^2 f / d x^2 = jacobian(grad(f, x), x): forward over reverse, one sweep per element of x.
Expr hessian(const Expr& f, const Expr& x);

} // namespace symdiff
