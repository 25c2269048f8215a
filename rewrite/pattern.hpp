// The pattern DSL of the rewrite rules: wildcards (x, y, z, u, v, w) match any node,
// constant wildcards (c0, c1, c2) match a constant and bind its value, `lit(v)` matches a
// constant equal to v, and op patterns are spelled with the language's own operators and
// functions. Right sides may also use `fold(...)` (a constant computed from the bindings).
// Patterns are immutable trees shared by pointer, built once with the rule table.
#pragma once

#include "core/graph.hpp"
#include "core/op_functions.hpp"
#include "core/node.hpp"
#include "core/ops_fwd.hpp"
#include "core/shape.hpp"

#include <boost/variant2/variant.hpp>

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symdiff::rewrite {

inline constexpr int wild_slots = 7; // x, y, z, u, v, w, and `root` (the matched node)
inline constexpr int root_slot = 6;
inline constexpr int const_slots = 3; // c0, c1, c2

struct PatNode;
class Match;

// A pattern: a shared, immutable tree. A double converts to a literal pattern.
class Pat {
  public:
    Pat(double literal); // NOLINT: numbers in rules are literals
    explicit Pat(std::shared_ptr<const PatNode> node) : node_(std::move(node)) {}
    const PatNode& node() const { return *node_; }

  private:
    std::shared_ptr<const PatNode> node_;
};

// A shape (or payload, or condition) computed from a match; `reads` lists the leaves
// it looks at, so that rule validation can check that they are bound on the left.
struct ShapeExpr {
    std::function<Shape(const Match&)> fn;
    std::string text;
    std::vector<Pat> reads;
};
struct PayloadExpr {
    std::function<Payload(const Match&)> fn;
    std::string text;
    std::vector<Pat> reads;
};
struct Condition {
    std::function<bool(const Match&)> fn; // empty: always true
    std::string text;
    std::vector<Pat> reads;
};

// The kinds of pattern node.
struct Wild { // any node; two uses of one slot must bind the same node
    int slot;
};
struct ConstWild { // a Const node of any shape; binds its node and value
    int slot;
};
struct Lit { // left: a Const whose value == value (so lit(0) matches -0 too); right: a splat
    double value;
};
struct Apply { // op(args...); left: any payload; right: payload and target as given
    Op op;
    std::vector<Pat> args;
    int capture = -1;                   // left only: binds the matched node to wildcard slot
    std::optional<ShapeExpr> target;    // right only: result shape (default: the one expected)
    std::optional<PayloadExpr> payload; // right only: payload (default: none)
};
struct Fold { // right only: a constant splat, the value of `expr` on the bound constants
    Pat expr;
};
struct Numel { // inside fold only: the element count of a shape
    ShapeExpr shape;
};

using PatKind = boost::variant2::variant<Wild, ConstWild, Lit, Apply, Fold, Numel>;

struct PatNode {
    PatKind kind;
};

// Bindings of one match: a node per wildcard slot, a node per constant slot.
class Match {
  public:
    Match(const Graph& g, NodeId root);

    const Graph& graph() const { return *g_; }
    NodeId root() const { return wild_[root_slot]; }
    // The node bound to a leaf pattern (wildcard, constant wildcard or `root`). The
    // reference `shape` returns points into the arena: valid until the graph grows.
    NodeId node(const Pat& leaf) const;
    const Shape& shape(const Pat& leaf) const { return (*g_)[node(leaf)].shape; }
    double value(const Pat& constant) const { return (*g_)[node(constant)].value(); }

    // Raw slots, for the matcher.
    NodeId& wild(int slot) { return wild_[static_cast<std::size_t>(slot)]; }
    NodeId& konst(int slot) { return const_[static_cast<std::size_t>(slot)]; }
    NodeId wild(int slot) const { return wild_[static_cast<std::size_t>(slot)]; }
    NodeId konst(int slot) const { return const_[static_cast<std::size_t>(slot)]; }

    // The nodes matched by op patterns below the root (what the rewrite may free).
    std::span<const NodeId> interior() const { return {interior_.data(), interior_count_}; }
    void note_interior(NodeId id);

  private:
    const Graph* g_;
    std::array<NodeId, wild_slots> wild_;
    std::array<NodeId, const_slots> const_;
    std::array<NodeId, 24> interior_{}; // patterns have at most 24 nodes (rule validation)
    std::size_t interior_count_ = 0;
};

// ---------------------------------------------------------------------------------
// Builders

Pat wild(int slot);
Pat const_wild(int slot);
Pat lit(double value);
Pat fold(const Pat& expr);
Pat numel(const Pat& leaf);
Pat numel(const ShapeExpr& shape);
Pat apply(Op op, std::initializer_list<Pat> args);
// Binds wildcard `name` to the node that `p` (an op pattern) matches.
Pat as(const Pat& name, const Pat& p);

ShapeExpr shape_of(const Pat& leaf);
PayloadExpr payload_of(const Pat& captured);

// The text of a pattern ("x * 1", "log(sigmoid(x))"), for messages and the docs.
std::string to_string(const Pat& p);
// The name of a wildcard slot ("x", ..., "root") or a constant slot ("c0", ...).
std::string wild_name(int slot);
std::string const_name(int slot);

} // namespace symdiff::rewrite

namespace symdiff {
// Patterns are op values: every element-wise op's function and operator builds a
// pattern (x * 1, log(sigmoid(x)), where(c, a, 0): core/op_functions.hpp). Numbers in
// them are literal patterns.
template <> struct OpValue<rewrite::Pat> {
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static rewrite::Pat apply(const A&... args) {
        return rewrite::apply(op, {args...});
    }
    static rewrite::Pat literal(double v, const rewrite::Pat&) { return rewrite::Pat(v); }
};
} // namespace symdiff

namespace symdiff::rewrite {


// Structural ops. Without a shape, a right side gets the shape expected where it stands
// (the left side's shape at the root); on a left side any shape and payload match.
Pat broadcast(const Pat& x);
Pat broadcast(const Pat& x, const ShapeExpr& shape);
Pat sum_to(const Pat& x);
Pat sum_to(const Pat& x, const ShapeExpr& shape);
Pat reshape(const Pat& x);
Pat transpose(const Pat& x);
Pat matmul(const Pat& a, const Pat& b);
Pat slice(const Pat& x);
Pat slice(const Pat& x, const PayloadExpr& spec);
Pat embed(const Pat& x);
Pat diag(const Pat& x);
Pat diag_part(const Pat& x);
Pat tril(const Pat& x);

// ---------------------------------------------------------------------------------
// Guards (type Condition, so as not to clash with core's index-plan Guard): conditions
// on a match beyond its structure, written `when(...)` in rules.

Condition when(Condition g);
Condition operator&&(Condition a, Condition b);
Condition same_shape(const Pat& a, const Pat& b);
Condition is_scalar(const Pat& a);
Condition nonzero(const Pat& c);      // constant != 0 (NaN counts as nonzero, as in `where`)
Condition is_zero(const Pat& c);      // constant == 0 (either sign)
Condition power_of_two(const Pat& c); // constant is +-2^k with 1/c exact
// The shape of `to` broadcasts to the shape of `from` (so `from` sums down to `to`).
Condition reducible(const Pat& from, const Pat& to);
Condition same_payload(const Pat& a, const Pat& b); // two captured nodes

// The wildcards. Rule files say `using namespace dsl;`. They are globals, initialised
// before main; the rule table is built on its first use, so do not simplify from a
// static initialiser.
namespace dsl {
inline const Pat x = wild(0), y = wild(1), z = wild(2), u = wild(3), v = wild(4), w = wild(5);
inline const Pat root = wild(root_slot); // the matched node: for guards, shapes and folds
inline const Pat c0 = const_wild(0), c1 = const_wild(1), c2 = const_wild(2);
} // namespace dsl

} // namespace symdiff::rewrite
