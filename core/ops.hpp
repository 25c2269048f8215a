// THE op table: every fact about an op lives in its entry here, and nowhere else.
//
// Element-wise ops give their numeric value (`eval`), their local partial derivatives
// as a template over T (T = double for numbers, T = Expr for graph nodes: one rule gives
// both the tape and the symbolic derivative, CasADi style), their C++ spelling for the
// emitter, and a test domain. `partials` receives the op's own result `f`, so
// d exp = exp itself and d(a/b) = -f/b reuse existing nodes.
//
// Structural ops give their shape rule, their index plan (what the interpreter
// evaluates and the emitter lowers to loops), and vjp/jvp rules written with graph
// ops, so every derivative is again an ordinary graph that can be differentiated.
//
// A rule nests at most one graph-building call in any one call or operator: node ids
// order the operands of commutative ops, and C++ leaves the order of function arguments
// open, so two built operands would give graphs (and headers) that depend on the compiler
// that built symdiff. The others are named locals, built right operand first.
//
// The only `switch (op)` in the project is `visit` at the bottom of this file.
#pragma once

#include "core/error.hpp"
#include "core/index_plan.hpp"
#include "core/node.hpp"
#include "core/ops_fwd.hpp"

#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace symdiff {

// Scalar versions of the functions that derivative rules use, so that a rule written
// over T compiles with T = double; Expr and Tensor overloads are found by ADL.
inline double where(double c, double a, double b) { return c != 0.0 ? a : b; }
inline double lt(double a, double b) { return a < b ? 1.0 : 0.0; }
inline double le(double a, double b) { return a <= b ? 1.0 : 0.0; }
inline double gt(double a, double b) { return a > b ? 1.0 : 0.0; }
inline double ge(double a, double b) { return a >= b ? 1.0 : 0.0; }
inline double eq(double a, double b) { return a == b ? 1.0 : 0.0; }
inline double ne(double a, double b) { return a != b ? 1.0 : 0.0; }
inline double max(double a, double b) { return a >= b ? a : b; }

// sigmoid(x) and softplus(x) from e = exp(-|x|), which never overflows: the one
// definition of both, for numbers (T = double) and for emitted code, where a sigmoid and
// a softplus of one x share e (codegen/lower.cpp); the ops' C++ helpers spell the same.
// One operation per statement: emitted code adds its values in this order, which must
// not depend on the order a compiler evaluates function arguments in.
template <class T> T sigmoid_of(const T& x, const T& e) {
    const T d = 1.0 + e;
    const T nonnegative = ge(x, 0.0);
    const T p = 1.0 / d;
    const T q = e / d;
    return where(nonnegative, p, q);
}
template <class T> T softplus_of(const T& x, const T& e) {
    using std::log1p;
    const T m = max(x, 0.0);
    const T l = log1p(e);
    return m + l;
}
inline double sigmoid(double x) { return sigmoid_of(x, std::exp(-std::fabs(x))); }
inline double softplus(double x) { return softplus_of(x, std::exp(-std::fabs(x))); }

enum class OpKind : std::uint8_t {
    leaf,        // Input, Const
    elementwise, // operands and result share one shape
    view,        // each output element reads at most one element of one operand
    reduce,      // output elements combine several operand elements
    flat,        // Reshape: same elements, same row-major order
    loop,        // SeedLoop: its body evaluated once per basis direction of its seed
};

struct Interval {
    double lo, hi;
};

// What construction may fold when the operand of a structural op is a constant splat.
enum class ConstFold : std::uint8_t {
    none,  // the result is not a splat (sums, products)
    splat, // every element of the result is one of the operand's: the same splat
    zero,  // the result mixes operand elements with zeros: only a zero splat stays one
};

namespace ops {

// ---------------------------------------------------------------------------------
// Defaults shared by the entries of each kind.

struct LeafOp {
    static constexpr OpKind kind = OpKind::leaf;
    static constexpr int arity = 0;
    static constexpr bool commutative = false;
    static constexpr std::string_view cpp{};
    static constexpr std::string_view cpp_helper{};
};

struct ElementwiseOp {
    static constexpr OpKind kind = OpKind::elementwise;
    static constexpr bool commutative = false;
    static constexpr std::string_view cpp_helper{}; // C++ definition the spelling needs
};

struct StructuralOp {
    static constexpr bool commutative = false;
    static constexpr std::string_view cpp{};
    static constexpr std::string_view cpp_helper{};
    static constexpr ConstFold const_fold = ConstFold::none;
    static constexpr bool chains = false; // op(op(x, s1), s2) == op(x, s2) exactly
    // True when the op returns its operand unchanged.
    static bool is_identity(const Shape& out, const Payload&, const Shape& in) { return out == in; }
};

template <int N> using Domain = std::array<Interval, N>;

// clang-format off

// ---------------------------------------------------------------------------------
// Leaves

struct Input : LeafOp { static constexpr std::string_view name = "input"; };
struct Const : LeafOp { static constexpr std::string_view name = "const"; };
struct Seed : LeafOp { static constexpr std::string_view name = "seed"; }; // see SeedLoop

// ---------------------------------------------------------------------------------
// Element-wise, one operand

struct Neg : ElementwiseOp {                                    // d(-x) = -1
    static constexpr std::string_view name = "neg";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "(-{0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return -x; }
    template <class T> static std::array<T, 1> partials(const T&, const T&) { return {T(-1.0)}; }
};

struct Exp : ElementwiseOp {                                    // d exp(x) = exp(x)
    static constexpr std::string_view name = "exp";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::exp({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::exp(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {f}; }
};

struct Log : ElementwiseOp {                                    // d log(x) = 1/x
    static constexpr std::string_view name = "log";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::log({0})";
    static constexpr Domain<1> test_domain{{{0.1, 4}}};
    static double eval(double x) { return std::log(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) { return {1.0 / x}; }
};

struct Sqrt : ElementwiseOp {                                   // d sqrt(x) = 1/(2 sqrt(x))
    static constexpr std::string_view name = "sqrt";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::sqrt({0})";
    static constexpr Domain<1> test_domain{{{0.1, 4}}};
    static double eval(double x) { return std::sqrt(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {0.5 / f}; }
};

struct Sin : ElementwiseOp {                                    // d sin(x) = cos(x)
    static constexpr std::string_view name = "sin";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::sin({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::sin(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        using std::cos;
        return {cos(x)};
    }
};

struct Cos : ElementwiseOp {                                    // d cos(x) = -sin(x)
    static constexpr std::string_view name = "cos";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::cos({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::cos(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        using std::sin;
        return {-sin(x)};
    }
};

struct Tan : ElementwiseOp {                                    // d tan(x) = 1 + tan(x)^2
    static constexpr std::string_view name = "tan";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::tan({0})";
    static constexpr Domain<1> test_domain{{{-1.2, 1.2}}};
    static double eval(double x) { return std::tan(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {1.0 + f * f}; }
};

struct Tanh : ElementwiseOp {                                   // d tanh(x) = 1 - tanh(x)^2
    static constexpr std::string_view name = "tanh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::tanh({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::tanh(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {1.0 - f * f}; }
};

struct Sigmoid : ElementwiseOp {                                // d s(x) = s(x) (1 - s(x))
    static constexpr std::string_view name = "sigmoid";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "::symdiff_rt::sigmoid({0})";
    static constexpr std::string_view cpp_helper =
        "inline double sigmoid(double x) {\n"
        "    if (x >= 0) return 1.0 / (1.0 + std::exp(-x));\n"
        "    const double e = std::exp(x);\n"
        "    return e / (1.0 + e);\n"
        "}\n";
    static constexpr Domain<1> test_domain{{{-4, 4}}};
    static double eval(double x) { return sigmoid(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {f * (1.0 - f)}; }
};

struct Relu : ElementwiseOp {                                   // d relu(x) = [x > 0]; relu'(0) = 0
    static constexpr std::string_view name = "relu";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "({0} > 0.0 ? {0} : 0.0)";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return x > 0.0 ? x : 0.0; }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {where(gt(x, T(0.0)), T(1.0), T(0.0))};
    }
};

struct Abs : ElementwiseOp {                                    // d |x| = sign(x); abs'(0) = 0
    static constexpr std::string_view name = "abs";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::fabs({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::fabs(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        const T below = where(lt(x, T(0.0)), T(-1.0), T(0.0));
        return {where(gt(x, T(0.0)), T(1.0), below)};
    }
};

struct Log1p : ElementwiseOp {                                  // d log(1+x) = 1/(1+x)
    static constexpr std::string_view name = "log1p";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::log1p({0})";
    static constexpr Domain<1> test_domain{{{-0.9, 3}}};
    static double eval(double x) { return std::log1p(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) { return {1.0 / (1.0 + x)}; }
};

struct Expm1 : ElementwiseOp {                                  // d (exp(x)-1) = expm1(x) + 1
    static constexpr std::string_view name = "expm1";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::expm1({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::expm1(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {f + 1.0}; }
};

struct Softplus : ElementwiseOp {                               // d log(1+exp(x)) = sigmoid(x)
    static constexpr std::string_view name = "softplus";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "::symdiff_rt::softplus({0})";
    static constexpr std::string_view cpp_helper =
        "inline double softplus(double x) {\n"
        "    return (x > 0.0 ? x : 0.0) + std::log1p(std::exp(-std::fabs(x)));\n"
        "}\n";
    static constexpr Domain<1> test_domain{{{-4, 4}}};
    static double eval(double x) { return softplus(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) { return {sigmoid(x)}; }
};

// ---------------------------------------------------------------------------------
// Element-wise, two operands (operands have equal shapes; broadcasting is explicit)

struct Add : ElementwiseOp {                                    // d(a+b) = (1, 1)
    static constexpr std::string_view name = "add";
    static constexpr int arity = 2;
    static constexpr bool commutative = true;
    static constexpr std::string_view cpp = "({0} + {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a + b; }
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(1.0), T(1.0)}; }
};

struct Sub : ElementwiseOp {                                    // d(a-b) = (1, -1)
    static constexpr std::string_view name = "sub";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} - {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a - b; }
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(1.0), T(-1.0)}; }
};

struct Mul : ElementwiseOp {                                    // d(ab) = (b, a)
    static constexpr std::string_view name = "mul";
    static constexpr int arity = 2;
    static constexpr bool commutative = true;
    static constexpr std::string_view cpp = "({0} * {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a * b; }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) { return {b, a}; }
};

// A product in which an exact zero wins: 0 * inf = 0 * NaN = 0. Differentiation uses it
// where a cotangent carries a where-mask below its top (e.g. a sum of a masked value),
// so the derivative of a branch not taken stays exactly zero (docs/float-policy.md).
struct StrongMul : ElementwiseOp {                              // d(ab) = (b, a)
    static constexpr std::string_view name = "strong_mul";
    static constexpr int arity = 2;
    static constexpr bool commutative = true;
    static constexpr std::string_view cpp = "::symdiff_rt::strong_mul({0}, {1})";
    static constexpr std::string_view cpp_helper =
        "inline double strong_mul(double a, double b) {\n"
        "    return a == 0.0 || b == 0.0 ? 0.0 : a * b;\n"
        "}\n";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a == 0.0 || b == 0.0 ? 0.0 : a * b; }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) { return {b, a}; }
};

struct Div : ElementwiseOp {                                    // d(a/b) = (1/b, -(a/b)/b)
    static constexpr std::string_view name = "div";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} / {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {0.5, 3}}};
    static double eval(double a, double b) { return a / b; }
    template <class T> static std::array<T, 2> partials(const T&, const T& b, const T& f) {
        return {1.0 / b, -f / b};
    }
};

struct Pow : ElementwiseOp {                                    // d a^b = (b a^(b-1), log(a) a^b)
    static constexpr std::string_view name = "pow";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "std::pow({0}, {1})";
    static constexpr Domain<2> test_domain{{{0.5, 2.5}, {-2, 2}}};
    static double eval(double a, double b) { return std::pow(a, b); }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T& f) {
        using std::log;
        using std::pow;
        // d/db at a = 0 is taken as 0 (the limit from b > 0), not log(0) * 0.
        const T by_a = b * pow(a, b - 1.0);
        const T log_a_f = log(a) * f;
        return {by_a, where(eq(a, T(0.0)), T(0.0), log_a_f)};
    }
};

struct Max : ElementwiseOp {                                    // a tie sends the gradient to a
    static constexpr std::string_view name = "max";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} >= {1} ? {0} : {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return max(a, b); }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) {
        return {where(ge(a, b), T(1.0), T(0.0)), where(ge(a, b), T(0.0), T(1.0))};
    }
};

struct Min : ElementwiseOp {                                    // a tie sends the gradient to a
    static constexpr std::string_view name = "min";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} <= {1} ? {0} : {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a <= b ? a : b; }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) {
        return {where(le(a, b), T(1.0), T(0.0)), where(le(a, b), T(0.0), T(1.0))};
    }
};

// Comparisons give 1.0 or 0.0 and have zero derivative; `where` consumes them.
struct ComparisonOp : ElementwiseOp {
    static constexpr int arity = 2;
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(0.0), T(0.0)}; }
};
struct Lt : ComparisonOp { static constexpr std::string_view name = "lt", cpp = "({0} < {1} ? 1.0 : 0.0)";  static double eval(double a, double b) { return lt(a, b); } };
struct Le : ComparisonOp { static constexpr std::string_view name = "le", cpp = "({0} <= {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return le(a, b); } };
struct Gt : ComparisonOp { static constexpr std::string_view name = "gt", cpp = "({0} > {1} ? 1.0 : 0.0)";  static double eval(double a, double b) { return gt(a, b); } };
struct Ge : ComparisonOp { static constexpr std::string_view name = "ge", cpp = "({0} >= {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return ge(a, b); } };
struct Eq : ComparisonOp { static constexpr bool commutative = true; static constexpr std::string_view name = "eq", cpp = "({0} == {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return eq(a, b); } };
struct Ne : ComparisonOp { static constexpr bool commutative = true; static constexpr std::string_view name = "ne", cpp = "({0} != {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return ne(a, b); } };

// ---------------------------------------------------------------------------------
// Element-wise, three operands

struct Where : ElementwiseOp {                                  // the gradient goes to the branch taken
    static constexpr std::string_view name = "where";
    static constexpr int arity = 3;
    static constexpr std::string_view cpp = "({0} != 0.0 ? {1} : {2})";
    static constexpr Domain<3> test_domain{{{-1, 1}, {-3, 3}, {-3, 3}}};
    static double eval(double c, double a, double b) { return where(c, a, b); }
    template <class T> static std::array<T, 3> partials(const T& c, const T&, const T&, const T&) {
        return {T(0.0), where(c, T(1.0), T(0.0)), where(c, T(0.0), T(1.0))};
    }
};

// clang-format on

// ---------------------------------------------------------------------------------
// Structural ops. Shape rules throw Error with a message that names the shapes;
// `target` is the requested result shape for the ops whose result is not implied by
// their operands (Broadcast, SumTo, LogSumExpTo, Reshape, Embed).

template <class T> using Tangents = std::span<const std::optional<T>>;

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

struct SumTo : StructuralOp { // sum x down to `target` (which broadcasts to x); adjoint: Broadcast
    static constexpr std::string_view name = "sum_to";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::reduce;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    template <class T> static T vjp(int, std::span<const T> x, const T&, const T& g, const Payload&) {
        return broadcast(g, x[0].shape());
    }
    template <class T> static T jvp(std::span<const T>, const T& f, Tangents<T> t, const Payload&) {
        return sum_to(*t[0], f.shape());
    }
};

struct LogSumExpTo : StructuralOp { // log(sum(exp x)) down to `target`, max-shifted
    static constexpr std::string_view name = "logsumexp_to";
    static constexpr int arity = 1;
    static constexpr OpKind kind = OpKind::reduce;
    static Shape shape(std::span<const Shape> a, const Payload&, const Shape& target);
    static IndexPlan plan(const Shape& out, const Payload&, std::span<const Shape> a);
    // d lse(x) = softmax(x) = exp(x - lse(x))
    template <class T> static T vjp(int, std::span<const T> x, const T& f, const T& g, const Payload&) {
        using std::exp;
        const Shape s = x[0].shape();
        const T softmax = exp(x[0] - broadcast(f, s));
        return broadcast(g, s) * softmax;
    }
    template <class T> static T jvp(std::span<const T> x, const T& f, Tangents<T> t, const Payload&) {
        using std::exp;
        const Shape s = x[0].shape();
        return sum_to(*t[0] * exp(x[0] - broadcast(f, s)), f.shape());
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

} // namespace ops

// ---------------------------------------------------------------------------------
// The dispatcher: calls f(ops::Name{}) for the entry of `op`.

template <class F> constexpr decltype(auto) visit(Op op, F&& f) {
    switch (op) {
#define SYMDIFF_CASE(name)                                                                 \
    case Op::name:                                                                         \
        return std::forward<F>(f)(ops::name{});
        SYMDIFF_OPS(SYMDIFF_CASE)
#undef SYMDIFF_CASE
    }
    throw Error("internal error: unknown op");
}

// Facts every op has, gathered into one array for cheap run-time lookup.
struct OpInfo {
    std::string_view name;
    int arity;
    OpKind kind;
    bool commutative;
    std::string_view cpp;
    std::string_view cpp_helper;
};

inline constexpr std::array<OpInfo, op_count> op_infos = {
#define SYMDIFF_INFO(op)                                                                   \
    OpInfo{ops::op::name, ops::op::arity, ops::op::kind, ops::op::commutative, ops::op::cpp, \
           ops::op::cpp_helper},
    SYMDIFF_OPS(SYMDIFF_INFO)
#undef SYMDIFF_INFO
};

inline const OpInfo& info(Op op) { return op_infos[static_cast<std::size_t>(op)]; }
inline std::string_view name(Op op) { return info(op).name; }
inline bool is_elementwise(Op op) { return info(op).kind == OpKind::elementwise; }
inline bool is_comparison(Op op) {
    return op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge || op == Op::Eq ||
           op == Op::Ne;
}

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
