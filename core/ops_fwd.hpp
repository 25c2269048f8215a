// The list of ops, in one place. Each row names an op's entry (a struct of that name in
// core/ops_*.hpp holding every fact about it, and the enumerator Op::Name) and the
// function that applies it (core/op_functions.hpp makes that function for every type
// ops apply to: graph handles, numbers, rule patterns and the passes' probes). This file
// only enumerates them, so that light headers can name an Op without the whole table.
#pragma once

#include <cstdint>

// clang-format off
#define SYMDIFF_LEAF_OPS(X)                                                                \
    X(Input, input) X(Const, constant) X(Seed, seed) X(Carry, carry)

#define SYMDIFF_UNARY_OPS(X)                                                               \
    X(Neg, neg) X(Exp, exp) X(Log, log) X(Sqrt, sqrt) X(Sin, sin) X(Cos, cos) X(Tan, tan)  \
    X(Tanh, tanh) X(Sigmoid, sigmoid) X(Relu, relu) X(Abs, abs) X(Log1p, log1p)            \
    X(Expm1, expm1) X(Softplus, softplus) X(Erf, erf) X(Not, logical_not) X(Asin, asin)      \
    X(Acos, acos) X(Atan, atan) X(Sinh, sinh) X(Cosh, cosh) X(Asinh, asinh) X(Acosh, acosh)  \
    X(Atanh, atanh) X(Erfc, erfc) X(Log2, log2) X(Log10, log10) X(Cbrt, cbrt) X(Sign, sign)

#define SYMDIFF_BINARY_OPS(X)                                                              \
    X(Add, add) X(Sub, sub) X(Mul, mul) X(StrongMul, strong_mul) X(Div, div) X(Pow, pow)   \
    X(Max, max) X(Min, min) X(Lt, lt) X(Le, le) X(Gt, gt) X(Ge, ge) X(Eq, eq) X(Ne, ne)      \
    X(And, logical_and) X(Or, logical_or) X(Atan2, atan2) X(Hypot, hypot)

#define SYMDIFF_TERNARY_OPS(X)                                                             \
    X(Where, where)

#define SYMDIFF_STRUCTURAL_OPS(X)                                                          \
    X(Broadcast, broadcast) X(SumTo, sum_to) X(LogSumExpTo, logsumexp_to)                  \
    X(MaxTo, max_to) X(MinTo, min_to) X(ProdTo, prod_to)                                   \
    X(Reshape, reshape) X(Transpose, transpose) X(MatMul, matmul) X(Slice, slice)          \
    X(Embed, embed) X(Diag, diag) X(DiagPart, diag_part) X(Tril, tril)                     \
    X(SeedLoop, seed_loop) X(Elem, elem) X(Fold, fold_loop)

#define SYMDIFF_ELEMENTWISE_OPS(X)                                                         \
    SYMDIFF_UNARY_OPS(X) SYMDIFF_BINARY_OPS(X) SYMDIFF_TERNARY_OPS(X)

#define SYMDIFF_OPS(X)                                                                     \
    SYMDIFF_LEAF_OPS(X) SYMDIFF_ELEMENTWISE_OPS(X) SYMDIFF_STRUCTURAL_OPS(X)
// clang-format on

namespace symdiff {

enum class Op : std::uint8_t {
#define SYMDIFF_ENUM(name, fn) name,
    SYMDIFF_OPS(SYMDIFF_ENUM)
#undef SYMDIFF_ENUM
};

#define SYMDIFF_COUNT(name, fn) +1
inline constexpr int op_count = 0 SYMDIFF_OPS(SYMDIFF_COUNT);
#undef SYMDIFF_COUNT

} // namespace symdiff
