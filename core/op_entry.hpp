// The vocabulary of an op table entry (core/ops_elementwise.hpp, core/ops_structural.hpp):
// the kinds of op, how the model language writes one, and the defaults each kind's
// entries start from. An entry is a struct of static facts and templates; nothing here
// knows any particular op.
#pragma once

#include "core/error.hpp"
#include "core/index_plan.hpp"
#include "core/node.hpp"
#include "core/op_functions.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace symdiff {

enum class OpKind : std::uint8_t {
    leaf,        // Input, Const, Seed, Carry
    elementwise, // operands and result share one shape
    view,        // each output element reads at most one element of one operand
    reduce,      // output elements combine several operand elements
    flat,        // Reshape: same elements, same row-major order
    loop,        // SeedLoop: its body evaluated once per basis direction of its seed
    element,     // Elem: row t of a sequence, t the step of the fold that binds it
    fold,        // Fold: its body evaluated once per step, on the carry of the step before
};

// Ops that run a body once per iteration (the interpreter's and the emitter's loops).
constexpr bool runs_body(OpKind k) { return k == OpKind::loop || k == OpKind::fold; }

struct Interval {
    double lo, hi;
};

// What construction may fold when the operand of a structural op is a constant splat.
enum class ConstFold : std::uint8_t {
    none,  // the result is not a splat (sums, products)
    splat, // every element of the result is one of the operand's: the same splat
    zero,  // the result mixes operand elements with zeros: only a zero splat stays one
};

// How the model language writes an op: as a call of the entry's name, as an operator
// (`symbol`, binding tighter for a higher `precedence`: or -3, and -2, not -1,
// comparisons 0, + - 1, * / @ 2, unary - 3, ^ 4), both (pow(a, b) and a ^ b), or not at all
// (ops that differentiation and the simplifier make, such as strong_mul).
struct Syntax {
    bool call = false;
    std::string_view symbol{};
    int precedence = 0;
    bool right_associative = false;
    bool comparison = false; // 1 where it holds, else 0: only a condition of `where`
    bool takes_condition = false; // its first operand is a condition (where)

    static constexpr Syntax function() { return {true}; }
    static constexpr Syntax none() { return {}; }
    static constexpr Syntax infix(std::string_view s, int p) { return {false, s, p}; }
    static constexpr Syntax compare(std::string_view s) { return {false, s, 0, false, true}; }
    // `and`, `or`, `not`: conditions of `where` combined, looser than the comparisons.
    static constexpr Syntax logical(std::string_view s, int p) { return {false, s, p}; }
};

namespace ops {

template <int N> using Domain = std::array<Interval, N>;
template <class T> using Tangents = std::span<const std::optional<T>>;

// ---------------------------------------------------------------------------------
// Defaults shared by the entries of each kind.

struct LeafOp {
    static constexpr OpKind kind = OpKind::leaf;
    static constexpr int arity = 0;
    static constexpr bool commutative = false;
    static constexpr std::string_view cpp{};
    static constexpr Syntax syntax = Syntax::none();
    static constexpr bool cheap = false;
};

// An element-wise entry gives
//   name, arity, cpp          its name (the function's), operand count, C++ spelling with
//                             {0}, {1}, {2} for its operands;
//   eval(double...)           its value on numbers;
//   partials<T>(x..., f)      its local partial derivatives, given its own result f;
//   test_domain               where its tests sample it;
// and may give
//   formula<T>(x...)          its definition by other ops, when it has no C++ spelling of
//                             its own: eval is formula<double>, and emitted code gets a
//                             helper function printed from the formula (codegen/emit.cpp);
//   syntax, commutative, cheap, even, kink (see below).
struct ElementwiseOp {
    static constexpr OpKind kind = OpKind::elementwise;
    static constexpr bool commutative = false;
    static constexpr Syntax syntax = Syntax::function();
    // Cheaper to recompute wherever it is read than to store and load (codegen).
    static constexpr bool cheap = false;
    // op(-x) == op(x) exactly, for every double (codegen shares such values).
    static constexpr bool even = false;
    // Its derivative jumps inside test_domain (relu at 0, a tie of max): the fuzzers keep
    // such ops out of the models that finite differences check.
    static constexpr bool kink = false;
};

// A structural entry gives its shape rule, its index plan (view and reduce kinds: what
// the interpreter evaluates and the emitter lowers to loops), and vjp/jvp rules written
// with the functions of core/op_functions.hpp, so a derivative is again a graph.
struct StructuralOp {
    static constexpr bool commutative = false;
    static constexpr std::string_view cpp{};
    static constexpr Syntax syntax = Syntax::none();
    static constexpr bool cheap = false;
    static constexpr ConstFold const_fold = ConstFold::none;
    static constexpr bool chains = false; // op(op(x, s1), s2) == op(x, s2) exactly
    // True when the op returns its operand unchanged.
    static bool is_identity(const Shape& out, const Payload&, const Shape& in) { return out == in; }
};

} // namespace ops
} // namespace symdiff
