// THE op table: the entries (core/ops_elementwise.hpp, core/ops_structural.hpp; their
// vocabulary in core/op_entry.hpp), the one dispatcher over them, and the facts every
// pass reads at run time. An op is its row in core/ops_fwd.hpp and its entry; every
// function, spelling, language name and test of an op is made from those.
//
// The only `switch (op)` in the project is `visit` below (a test checks it).
#pragma once

#include "core/ops_elementwise.hpp"
#include "core/ops_fwd.hpp"
#include "core/ops_structural.hpp"

#include <optional>
#include <string_view>
#include <utility>

namespace symdiff {

// ---------------------------------------------------------------------------------
// The dispatcher: calls f(ops::Name{}) for the entry of `op`.

template <class F> constexpr decltype(auto) visit(Op op, F&& f) {
    switch (op) {
#define SYMDIFF_CASE(name, fn)                                                             \
    case Op::name:                                                                         \
        return std::forward<F>(f)(ops::name{});
        SYMDIFF_OPS(SYMDIFF_CASE)
#undef SYMDIFF_CASE
    }
    throw Error("internal error: unknown op");
}

// The entry of an op known at compile time: EntryOf<Op::Exp> is ops::Exp.
template <Op op> struct EntryOf;
#define SYMDIFF_ENTRY_OF(name, fn)                                                         \
    template <> struct EntryOf<Op::name> {                                                 \
        using type = ops::name;                                                            \
    };
SYMDIFF_OPS(SYMDIFF_ENTRY_OF)
#undef SYMDIFF_ENTRY_OF
template <Op op> using Entry = typename EntryOf<op>::type;

// An entry's name is its function's (the row of core/ops_fwd.hpp), leaves aside.
#define SYMDIFF_NAME_CHECK(Entry, fn)                                                      \
    static_assert(ops::Entry::name == std::string_view(#fn), "an entry is named as its function");
SYMDIFF_ELEMENTWISE_OPS(SYMDIFF_NAME_CHECK)
SYMDIFF_STRUCTURAL_OPS(SYMDIFF_NAME_CHECK)
#undef SYMDIFF_NAME_CHECK

template <class E>
concept HasFormula = requires { &E::template formula<double>; };

// Numbers are op values: an op applies to doubles by its entry's eval.
template <> struct OpValue<double> {
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static double apply(const A&... args) {
        return Entry<op>::eval(args...);
    }
    static double literal(double v, double) { return v; }
};

// ---------------------------------------------------------------------------------
// Facts every op has, gathered into one array for cheap run-time lookup.

struct OpInfo {
    std::string_view name;
    int arity;
    OpKind kind;
    bool commutative;
    std::string_view cpp; // C++ spelling, {0}, {1}, {2} for the operands; empty: see formula
    Syntax syntax;
    bool cheap;
    bool even;
    bool formula; // defined by other ops (ElementwiseOp::formula): a helper in emitted code
};

template <class E> constexpr OpInfo info_of() {
    if constexpr (E::kind == OpKind::elementwise) {
        constexpr bool f = HasFormula<E>;
        std::string_view cpp{};
        if constexpr (!f)
            cpp = E::cpp;
        return {E::name, E::arity, E::kind, E::commutative, cpp, E::syntax, E::cheap, E::even, f};
    } else {
        return {E::name, E::arity, E::kind, E::commutative, E::cpp, E::syntax, E::cheap, false, false};
    }
}

inline constexpr std::array<OpInfo, op_count> op_infos = {
#define SYMDIFF_INFO(op, fn) info_of<ops::op>(),
    SYMDIFF_OPS(SYMDIFF_INFO)
#undef SYMDIFF_INFO
};

inline const OpInfo& info(Op op) { return op_infos[static_cast<std::size_t>(op)]; }
inline std::string_view name(Op op) { return info(op).name; }
inline bool is_elementwise(Op op) { return info(op).kind == OpKind::elementwise; }
inline bool is_comparison(Op op) { return info(op).syntax.comparison; }

// The op whose entry is named `name` ("exp", "matmul", ...), if any.
std::optional<Op> op_named(std::string_view name);

// Numeric value of an element-wise op on scalars (args.size() == arity).
double eval_elementwise(Op op, std::span<const double> args);

// Result shape of a structural op (throws Error on a mismatch).
Shape structural_shape(Op op, std::span<const Shape> args, const Payload& p,
                       const Shape& target);

// The construction folds a structural op allows (see ConstFold and StructuralOp).
struct FoldFacts {
    ConstFold const_fold;
    bool chains;
    bool identity; // for this operand shape, result shape and payload
};
FoldFacts fold_facts(Op op, const Shape& out, const Payload& p, const Shape& in);

// Index plan of a view or reduce op.
IndexPlan index_plan(Op op, const Shape& out, const Payload& p, std::span<const Shape> args);

} // namespace symdiff
