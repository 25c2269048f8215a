// The list of ops, in one place. Each name here has one entry (a struct of the same
// name) in core/ops.hpp holding every fact about it; this file only enumerates them so
// that light headers can name an Op without pulling in the whole table.
#pragma once

#include <cstdint>

// clang-format off
#define SYMDIFF_OPS(X)                                                                     \
    /* leaves */                                                                           \
    X(Input) X(Const) X(Seed)                                                              \
    /* element-wise, one operand */                                                        \
    X(Neg) X(Exp) X(Log) X(Sqrt) X(Sin) X(Cos) X(Tan) X(Tanh) X(Sigmoid) X(Relu) X(Abs)    \
    X(Log1p) X(Expm1) X(Softplus)                                                          \
    /* element-wise, two operands */                                                       \
    X(Add) X(Sub) X(Mul) X(StrongMul) X(Div) X(Pow) X(Max) X(Min)                          \
    X(Lt) X(Le) X(Gt) X(Ge) X(Eq) X(Ne)                                                    \
    /* element-wise, three operands */                                                     \
    X(Where)                                                                               \
    /* structural */                                                                       \
    X(Broadcast) X(SumTo) X(LogSumExpTo) X(Reshape) X(Transpose) X(MatMul)                 \
    X(Slice) X(Embed) X(Diag) X(DiagPart) X(Tril)                                          \
    /* higher order */                                                                     \
    X(SeedLoop)
// clang-format on

namespace symdiff {

enum class Op : std::uint8_t {
#define SYMDIFF_ENUM(name) name,
    SYMDIFF_OPS(SYMDIFF_ENUM)
#undef SYMDIFF_ENUM
};

#define SYMDIFF_COUNT(name) +1
inline constexpr int op_count = 0 SYMDIFF_OPS(SYMDIFF_COUNT);
#undef SYMDIFF_COUNT

} // namespace symdiff
