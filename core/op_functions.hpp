// The function of every op, for every type ops apply to, made from the op list
// (core/ops_fwd.hpp): exp(x), max(a, b), where(c, a, b), broadcast(x, shape), x + y, ...
//
// A type takes part by specialising OpValue<T> (graph handles in core/expr.hpp, numbers
// in core/ops.hpp and core/tensor.hpp, rule patterns in rewrite/, the passes' probes):
//
//   template <> struct OpValue<T> {
//       template <Op op, class... A> static T apply(const A&... args);  // element-wise
//       static T literal(double v, const T& like);                       // a number as a T
//       static T structural(Op op, std::span<const T* const> args,       // if it has them
//                           const Payload& payload, const Shape& target);
//   };
//
// so that a rule of the op table written once over T (partials<T>, vjp<T>) runs on each,
// and a new op is a new function of every type at once. A number mixed with a T is made a
// T of the same kind (OpValue<T>::literal); operators are made for class types only.
#pragma once

#include "core/node.hpp"
#include "core/ops_fwd.hpp"
#include "core/shape.hpp"

#include <concepts>
#include <span>
#include <type_traits>

namespace symdiff {

template <class T> struct OpValue; // not defined: T is not a type ops apply to

template <class T>
concept OpValueType = requires { OpValue<std::remove_cvref_t<T>>::is_op_value; };

namespace detail {

// The T of a call whose arguments are T or plain numbers: the first argument that is an
// op value and not a number, else (numbers alone) the first argument's type.
template <class... A> struct OperandTypeOf;
template <class A> struct OperandTypeOf<A> {
    using type = A;
};
template <class A, class... R> struct OperandTypeOf<A, R...> {
    using rest = typename OperandTypeOf<R...>::type;
    using type = std::conditional_t<OpValueType<A> && !std::is_arithmetic_v<A>, A,
                                    std::conditional_t<std::is_arithmetic_v<rest>, A, rest>>;
};

template <class T, class A>
concept OperandOf = std::same_as<A, T> || std::is_arithmetic_v<A>;

} // namespace detail

// Arguments of one op: every argument a T or a number, some of them an op value.
template <class... A>
concept OpArgs = (OpValueType<A> || ...) &&
                   (detail::OperandOf<typename detail::OperandTypeOf<A...>::type, A> && ...);

template <class... A> using OperandType = typename detail::OperandTypeOf<A...>::type;

// An argument as the call's T: a number becomes a literal like `like`.
template <class T, class A> T as_operand(const A& a, const T& like) {
    if constexpr (std::same_as<A, T>)
        return a;
    else
        return OpValue<T>::literal(static_cast<double>(a), like);
}

// The first argument that is a T (the context a number is lifted into).
template <class T, class A, class... R> const T& first_operand(const A& a, const R&... rest) {
    if constexpr (std::same_as<A, T>)
        return a;
    else
        return first_operand<T>(rest...);
}

// op(args...) for the call's T. Numbers are lifted left to right, one statement each: a
// literal may be a node, and node ids must not depend on the order in which the compiler
// that built symdiff evaluates function arguments.
template <Op op, class A> A apply_op(const A& a) { return OpValue<A>::template apply<op>(a); }
template <Op op, class A, class B> OperandType<A, B> apply_op(const A& a, const B& b) {
    using T = OperandType<A, B>;
    const T& like = first_operand<T>(a, b);
    const T x = as_operand<T>(a, like);
    const T y = as_operand<T>(b, like);
    return OpValue<T>::template apply<op>(x, y);
}
template <Op op, class A, class B, class C>
OperandType<A, B, C> apply_op(const A& a, const B& b, const C& c) {
    using T = OperandType<A, B, C>;
    const T& like = first_operand<T>(a, b, c);
    const T x = as_operand<T>(a, like);
    const T y = as_operand<T>(b, like);
    const T z = as_operand<T>(c, like);
    return OpValue<T>::template apply<op>(x, y, z);
}

// --- element-wise ops: one function each

#define SYMDIFF_UNARY_FUNCTION(Name, fn)                                                   \
    template <OpValueType T> T fn(const T& x) { return OpValue<T>::template apply<Op::Name>(x); }
#define SYMDIFF_BINARY_FUNCTION(Name, fn)                                                  \
    template <class A, class B>                                                            \
        requires OpArgs<A, B>                                                            \
    OperandType<A, B> fn(const A& a, const B& b) {                                         \
        return apply_op<Op::Name>(a, b);                                                   \
    }
#define SYMDIFF_TERNARY_FUNCTION(Name, fn)                                                 \
    template <class A, class B, class C>                                                   \
        requires OpArgs<A, B, C>                                                         \
    OperandType<A, B, C> fn(const A& a, const B& b, const C& c) {                          \
        return apply_op<Op::Name>(a, b, c);                                                \
    }
SYMDIFF_UNARY_OPS(SYMDIFF_UNARY_FUNCTION)
SYMDIFF_BINARY_OPS(SYMDIFF_BINARY_FUNCTION)
SYMDIFF_TERNARY_OPS(SYMDIFF_TERNARY_FUNCTION)
#undef SYMDIFF_UNARY_FUNCTION
#undef SYMDIFF_BINARY_FUNCTION
#undef SYMDIFF_TERNARY_FUNCTION

// --- operators, for class types (numbers have their own)

template <class A, class B>
concept ClassOperands = OpArgs<A, B> && std::is_class_v<OperandType<A, B>>;

template <class A, class B> requires ClassOperands<A, B> auto operator+(const A& a, const B& b) {
    return apply_op<Op::Add>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator-(const A& a, const B& b) {
    return apply_op<Op::Sub>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator*(const A& a, const B& b) {
    return apply_op<Op::Mul>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator/(const A& a, const B& b) {
    return apply_op<Op::Div>(a, b);
}
template <class T> requires OpValueType<T> && std::is_class_v<T> T operator-(const T& x) {
    return neg(x);
}
template <class A, class B> requires ClassOperands<A, B> auto operator<(const A& a, const B& b) {
    return apply_op<Op::Lt>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator<=(const A& a, const B& b) {
    return apply_op<Op::Le>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator>(const A& a, const B& b) {
    return apply_op<Op::Gt>(a, b);
}
template <class A, class B> requires ClassOperands<A, B> auto operator>=(const A& a, const B& b) {
    return apply_op<Op::Ge>(a, b);
}

// --- structural ops: their operands, payload and result shape differ, so each is
// spelled here once; the op is OpValue<T>::structural's.

template <class T>
concept StructuralValue = OpValueType<T> && requires(std::span<const T* const> a) {
    OpValue<T>::structural(Op::Transpose, a, Payload{}, Shape{});
};

namespace detail {
template <class T, class... A>
T structural(Op op, const Payload& p, const Shape& target, const A&... args) {
    const T* ptrs[] = {&args...};
    return OpValue<T>::structural(op, std::span<const T* const>(ptrs), p, target);
}
} // namespace detail

template <StructuralValue T> T broadcast(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::Broadcast, {}, shape, x);
}
template <StructuralValue T> T sum_to(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::SumTo, {}, shape, x);
}
template <StructuralValue T> T logsumexp_to(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::LogSumExpTo, {}, shape, x);
}
template <StructuralValue T> T max_to(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::MaxTo, {}, shape, x);
}
template <StructuralValue T> T min_to(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::MinTo, {}, shape, x);
}
template <StructuralValue T> T prod_to(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::ProdTo, {}, shape, x);
}
template <StructuralValue T> T reshape(const T& x, const Shape& shape) {
    return detail::structural<T>(Op::Reshape, {}, shape, x);
}
template <StructuralValue T> T transpose(const T& x) {
    return detail::structural<T>(Op::Transpose, {}, {}, x);
}
template <StructuralValue T> T matmul(const T& a, const T& b) {
    return detail::structural<T>(Op::MatMul, {}, {}, a, b);
}
template <StructuralValue T> T slice(const T& x, const SliceSpec& spec) {
    return detail::structural<T>(Op::Slice, spec, {}, x);
}
template <StructuralValue T> T embed(const T& x, const SliceSpec& spec, const Shape& shape) {
    return detail::structural<T>(Op::Embed, spec, shape, x);
}
template <StructuralValue T> T diag(const T& v) { return detail::structural<T>(Op::Diag, {}, {}, v); }
template <StructuralValue T> T diag_part(const T& a) {
    return detail::structural<T>(Op::DiagPart, {}, {}, a);
}
template <StructuralValue T> T tril(const T& a) { return detail::structural<T>(Op::Tril, {}, {}, a); }
// The loop of ops::SeedLoop; for graph handles `seed` must be made by Graph::seed.
template <StructuralValue T> T seed_loop(const T& body, const T& seed, const LoopSpec& spec) {
    return detail::structural<T>(Op::SeedLoop, spec, {}, body, seed);
}
// Row t of xs at step t of the fold whose id is `loop` (ops::Elem).
template <StructuralValue T> T elem(const T& xs, SeedRef loop) {
    return detail::structural<T>(Op::Elem, loop, {}, xs);
}
// The loop of ops::Fold; for graph handles `carry` must be made by Graph::carry.
template <StructuralValue T> T fold_loop(const T& body, const T& carry, const T& init, const FoldSpec& spec) {
    return detail::structural<T>(Op::Fold, spec, {}, body, carry, init);
}

} // namespace symdiff
