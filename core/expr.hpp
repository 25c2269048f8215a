// The C++ API: Expr handles with operators, over the same graph the model language
// builds. An Expr is either a node of a Graph or a plain number (a "literal", made
// implicitly from a double); literals take the shape of what they meet, and ops on
// literals alone are evaluated on the spot. Element-wise ops broadcast like NumPy by
// inserting explicit Broadcast nodes, so the graph itself never broadcasts implicitly.
//
//   symdiff::Graph g;
//   Expr x = input(g, "x", {3}), w = input(g, "w", {3});
//   Expr f = sigmoid(sum(w * x));
//   Expr dw = grad(f, w);                  // appended to g, again an Expr
#pragma once

#include "core/graph.hpp"
#include "core/indexing.hpp"
#include "core/node.hpp"
#include "core/op_functions.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"

#include <concepts>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace symdiff {

class Expr {
  public:
    Expr(double literal = 0.0) : literal_(literal) {} // NOLINT: numbers convert implicitly
    // A node id is not a number: Expr(g, id) makes the handle of node `id`.
    template <std::unsigned_integral I> Expr(I) = delete;
    Expr(Graph& g, NodeId id) : g_(&g), id_(id) {
        if (id >= g.size())
            g.check_node(id, "Expr");
    }

    bool is_literal() const { return g_ == nullptr; }
    double literal() const { return literal_; }
    Graph& graph() const;
    NodeId id() const { return id_; }
    const Node& node() const { return (*g_)[id_]; }
    // By value: a reference into the graph's node arena would dangle as soon as the
    // graph grows (e.g. broadcast(logsumexp_to(x, s), x.shape())).
    Shape shape() const;
    // True if this is a literal or a constant node equal to v.
    bool is_constant(double v) const;

    // Indexing as NumPy's: x[2], x[-1], x[range(1, 3)], A[{1, 2}] (one element),
    // A[{all(), 0}] (a column), A[{from(1)}] (rows 1 on); core/indexing.hpp.
    Expr operator[](const Index& i) const;
    Expr operator[](std::initializer_list<Index> indices) const;

  private:
    Graph* g_ = nullptr;
    NodeId id_ = no_node;
    double literal_ = 0.0;
};

// Leaves
Expr input(Graph& g, std::string_view name, const Shape& shape = {});
Expr constant(Graph& g, double value, const Shape& shape = {});
// A constant tensor of these values (one node when they are all equal).
Expr constant(Graph& g, const Tensor& values);
Expr zeros(Graph& g, const Shape& shape);
Expr ones(Graph& g, const Shape& shape);
Expr eye(Graph& g, std::int64_t n);

// Applies an element-wise op, broadcasting its operands (NumPy rules).
Expr elementwise(Op op, std::initializer_list<Expr> args);

// Graph handles are op values: every op's function applies to them (exp(x), x + y,
// where(c, a, b), matmul(a, b), broadcast(x, shape), ...: core/op_functions.hpp), and
// numbers mixed with them become literals.
template <> struct OpValue<Expr> {
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Expr apply(const A&... args) { return elementwise(op, {args...}); }
    static Expr literal(double v, const Expr&) { return Expr(v); }
    // A constant of `shape` in the graph of `like` (a rule's constant that is not a
    // literal: core/ops_structural.hpp, reduce_rules::splat_like).
    static Expr constant(double v, const Shape& shape, const Expr& like);
    static Expr structural(Op op, std::span<const Expr* const> args, const Payload& payload,
                           const Shape& target);
};

// Built from the primitives (the model language's library). Axes may be negative,
// counting from the end as in NumPy.
Expr sum(const Expr& x);
Expr sum(const Expr& x, int axis);
Expr mean(const Expr& x);
Expr mean(const Expr& x, int axis);
Expr logsumexp(const Expr& x);
Expr logsumexp(const Expr& x, int axis);
Expr amax(const Expr& x);
Expr amax(const Expr& x, int axis);
Expr amin(const Expr& x);
Expr amin(const Expr& x, int axis);
Expr prod(const Expr& x);
Expr prod(const Expr& x, int axis);
Expr softmax(const Expr& x);
Expr softmax(const Expr& x, int axis);
Expr dot(const Expr& a, const Expr& b);
Expr stack(std::span<const Expr> xs);
Expr concat(std::span<const Expr> xs);

// Fold `loop` (a fold_loop of mode last, running forward) run in segments of `segment`
// steps, the same result by the same operations in the same order: an outer loop over
// the count / segment segments whose body is a loop over one segment's steps, after a
// loop over the count % segment steps left over. Its reverse-mode derivative keeps one
// carry per segment (and a segment's carries while it runs back through it) instead of
// every carry, and runs each step's body once more to recompute them: checkpointing
// (docs/language.md, "Checkpointing"). Any other loop, or a segment for which the
// segmented loop would keep as many carries (segments + segment + left over >= count:
// a segment of 1, or of the count or more), is returned as it is.
Expr checkpointed(const Expr& loop, std::int32_t segment);

// Normalises a possibly negative axis; throws Error naming the shape if out of range.
int normalize_axis(int axis, const Shape& shape);

} // namespace symdiff
