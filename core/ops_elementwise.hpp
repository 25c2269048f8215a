// THE op table, element-wise entries: every fact about an op lives in its entry here (the
// vocabulary is core/op_entry.hpp), and nowhere else.
//
// Each gives its numeric value (`eval`), its local partial derivatives as a template
// over T (T = double for numbers, T = Expr for graph nodes: one rule gives both the tape
// and the symbolic derivative, CasADi style), its C++ spelling for the emitter, and a
// test domain. `partials` receives the op's own result `f`, so d exp = exp itself and
// d(a/b) = -f/b reuse existing nodes.
//
// A rule nests at most one graph-building call in any one call or operator: node ids
// order the operands of commutative ops, and C++ leaves the order of function arguments
// open, so two built operands would give graphs (and headers) that depend on the compiler
// that built symdiff. The others are named locals, built right operand first.
#pragma once

#include "core/op_entry.hpp"

namespace symdiff::ops {

// clang-format off

// ---------------------------------------------------------------------------------
// Element-wise, one operand

struct Neg : ElementwiseOp {                                    // d(-x) = -1
    static constexpr std::string_view name = "neg";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "(-{0})";
    static constexpr Syntax syntax = Syntax::infix("-", 3); // prefix
    static constexpr bool cheap = true;
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
    static constexpr Domain<1> test_domain{{{-4, 4}}};
    // From e = exp(-|x|), which never overflows: 1/(1+e) for x >= 0, else e/(1+e). One
    // operation per statement: emitted code computes them in this order, whichever order
    // the compiler that built symdiff evaluates function arguments in.
    template <class T> static T formula(const T& x) {
        const T e = exp(-abs(x));
        const T d = 1.0 + e;
        const T nonnegative = ge(x, 0.0);
        const T p = 1.0 / d;
        const T q = e / d;
        return where(nonnegative, p, q);
    }
    static double eval(double x) { return formula(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) { return {f * (1.0 - f)}; }
};

struct Relu : ElementwiseOp {                                   // d relu(x) = [x > 0]; relu'(0) = 0
    static constexpr std::string_view name = "relu";
    static constexpr bool kink = true;
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
    static constexpr bool kink = true;
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::fabs({0})";
    static constexpr bool even = true;
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
    static constexpr Domain<1> test_domain{{{-4, 4}}};
    // max(x, 0) + log1p(exp(-|x|)): never overflows; shares e = exp(-|x|) with a sigmoid
    // or softplus of x or -x in the same emitted kernel.
    template <class T> static T formula(const T& x) {
        const T e = exp(-abs(x));
        const T m = max(x, 0.0);
        const T l = log1p(e);
        return m + l;
    }
    static double eval(double x) { return formula(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) { return {sigmoid(x)}; }
};

struct Erf : ElementwiseOp {                                    // d erf(x) = 2/sqrt(pi) exp(-x^2)
    static constexpr std::string_view name = "erf";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::erf({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::erf(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.1283791670955126 * exp(-(x * x))};
    }
};

// Inverse trigonometric and hyperbolic functions, and the rest of <cmath>'s.

struct Asin : ElementwiseOp {                                // d asin(x) = 1/sqrt(1-x^2)
    static constexpr std::string_view name = "asin";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::asin({0})";
    static constexpr Domain<1> test_domain{{{-0.9, 0.9}}};
    static double eval(double x) { return std::asin(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / sqrt(1.0 - x * x)};
    }
};

struct Acos : ElementwiseOp {                                // d acos(x) = -1/sqrt(1-x^2)
    static constexpr std::string_view name = "acos";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::acos({0})";
    static constexpr Domain<1> test_domain{{{-0.9, 0.9}}};
    static double eval(double x) { return std::acos(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {-1.0 / sqrt(1.0 - x * x)};
    }
};

struct Atan : ElementwiseOp {                                // d atan(x) = 1/(1+x^2)
    static constexpr std::string_view name = "atan";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::atan({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::atan(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / (1.0 + x * x)};
    }
};

struct Sinh : ElementwiseOp {                                // d sinh(x) = cosh(x)
    static constexpr std::string_view name = "sinh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::sinh({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::sinh(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {cosh(x)};
    }
};

struct Cosh : ElementwiseOp {                                // d cosh(x) = sinh(x)
    static constexpr std::string_view name = "cosh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::cosh({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::cosh(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {sinh(x)};
    }
};

struct Asinh : ElementwiseOp {                               // d asinh(x) = 1/sqrt(x^2+1)
    static constexpr std::string_view name = "asinh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::asinh({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::asinh(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / sqrt(x * x + 1.0)};
    }
};

struct Acosh : ElementwiseOp {                               // d acosh(x) = 1/sqrt(x^2-1)
    static constexpr std::string_view name = "acosh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::acosh({0})";
    static constexpr Domain<1> test_domain{{{1.1, 4}}};
    static double eval(double x) { return std::acosh(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / sqrt(x * x - 1.0)};
    }
};

struct Atanh : ElementwiseOp {                               // d atanh(x) = 1/(1-x^2)
    static constexpr std::string_view name = "atanh";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::atanh({0})";
    static constexpr Domain<1> test_domain{{{-0.9, 0.9}}};
    static double eval(double x) { return std::atanh(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / (1.0 - x * x)};
    }
};

struct Erfc : ElementwiseOp {                                // d erfc(x) = -2/sqrt(pi) exp(-x^2)
    static constexpr std::string_view name = "erfc";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::erfc({0})";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return std::erfc(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {-1.1283791670955126 * exp(-(x * x))};
    }
};

struct Log2 : ElementwiseOp {                                // d log2(x) = 1/(x ln 2)
    static constexpr std::string_view name = "log2";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::log2({0})";
    static constexpr Domain<1> test_domain{{{0.1, 4}}};
    static double eval(double x) { return std::log2(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / (x * 0.6931471805599453)};
    }
};

struct Log10 : ElementwiseOp {                               // d log10(x) = 1/(x ln 10)
    static constexpr std::string_view name = "log10";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::log10({0})";
    static constexpr Domain<1> test_domain{{{0.1, 4}}};
    static double eval(double x) { return std::log10(x); }
    template <class T> static std::array<T, 1> partials(const T& x, const T&) {
        return {1.0 / (x * 2.302585092994046)};
    }
};

struct Cbrt : ElementwiseOp {                                // d cbrt(x) = 1/(3 cbrt(x)^2)
    static constexpr std::string_view name = "cbrt";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "std::cbrt({0})";
    static constexpr Domain<1> test_domain{{{0.1, 4}}};
    static double eval(double x) { return std::cbrt(x); }
    template <class T> static std::array<T, 1> partials(const T&, const T& f) {
        return {1.0 / (3.0 * (f * f))};
    }
};

// sign(x): 1, -1, or x itself at ±0 and NaN; zero derivative (a step, as a comparison).
struct Sign : ElementwiseOp {
    static constexpr std::string_view name = "sign";
    static constexpr bool kink = true;
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "({0} > 0.0 ? 1.0 : ({0} < 0.0 ? -1.0 : {0}))";
    static constexpr Domain<1> test_domain{{{-3, 3}}};
    static double eval(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x); }
    template <class T> static std::array<T, 1> partials(const T&, const T&) { return {T(0.0)}; }
};

// ---------------------------------------------------------------------------------
// Element-wise, two operands (operands have equal shapes; broadcasting is explicit)

struct Add : ElementwiseOp {                                    // d(a+b) = (1, 1)
    static constexpr std::string_view name = "add";
    static constexpr int arity = 2;
    static constexpr bool commutative = true;
    static constexpr std::string_view cpp = "({0} + {1})";
    static constexpr Syntax syntax = Syntax::infix("+", 1);
    static constexpr bool cheap = true;
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a + b; }
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(1.0), T(1.0)}; }
};

struct Sub : ElementwiseOp {                                    // d(a-b) = (1, -1)
    static constexpr std::string_view name = "sub";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} - {1})";
    static constexpr Syntax syntax = Syntax::infix("-", 1);
    static constexpr bool cheap = true;
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a - b; }
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(1.0), T(-1.0)}; }
};

struct Mul : ElementwiseOp {                                    // d(ab) = (b, a)
    static constexpr std::string_view name = "mul";
    static constexpr int arity = 2;
    static constexpr bool commutative = true;
    static constexpr std::string_view cpp = "({0} * {1})";
    static constexpr Syntax syntax = Syntax::infix("*", 2);
    static constexpr bool cheap = true;
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
    static constexpr Syntax syntax = Syntax::none();
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    template <class T> static T formula(const T& a, const T& b) {
        const T product = a * b;
        const T unless_b_is_0 = where(eq(b, 0.0), 0.0, product);
        return where(eq(a, 0.0), 0.0, unless_b_is_0);
    }
    static double eval(double a, double b) { return formula(a, b); }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) { return {b, a}; }
};

struct Div : ElementwiseOp {                                    // d(a/b) = (1/b, -(a/b)/b)
    static constexpr std::string_view name = "div";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} / {1})";
    static constexpr Syntax syntax = Syntax::infix("/", 2);
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
    static constexpr Syntax syntax{true, "^", 4, true}; // pow(a, b) and a ^ b
    static constexpr Domain<2> test_domain{{{0.5, 2.5}, {-2, 2}}};
    static double eval(double a, double b) { return std::pow(a, b); }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T& f) {
        // d/db at a = 0 is taken as 0 (the limit from b > 0), not log(0) * 0.
        const T by_a = b * pow(a, b - 1.0);
        const T log_a_f = log(a) * f;
        return {by_a, where(eq(a, T(0.0)), T(0.0), log_a_f)};
    }
};

// The angle of the point (x, y): d atan2(y, x) = (x, -y) / (x^2 + y^2), taken as 0 at the
// origin (no limit exists there; 0, as at the kinks of abs and relu).
struct Atan2 : ElementwiseOp {
    static constexpr std::string_view name = "atan2";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "std::atan2({0}, {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {0.5, 3}}};
    static double eval(double y, double x) { return std::atan2(y, x); }
    template <class T> static std::array<T, 2> partials(const T& y, const T& x, const T&) {
        const T r2 = x * x + y * y;
        const T origin = eq(r2, T(0.0));
        return {where(origin, T(0.0), x / r2), where(origin, T(0.0), -y / r2)};
    }
};

// d sqrt(a^2 + b^2) = (a, b) / f, taken as 0 at the origin (a kink, as abs'(0) = 0)
struct Hypot : ElementwiseOp {
    static constexpr std::string_view name = "hypot";
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "std::hypot({0}, {1})";
    static constexpr bool commutative = true;
    static constexpr Domain<2> test_domain{{{0.5, 3}, {-3, -0.5}}};
    static double eval(double a, double b) { return std::hypot(a, b); }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T& f) {
        const T origin = eq(f, T(0.0));
        return {where(origin, T(0.0), a / f), where(origin, T(0.0), b / f)};
    }
};

struct Max : ElementwiseOp {                                    // a tie sends the gradient to a
    static constexpr std::string_view name = "max";
    static constexpr bool kink = true;
    static constexpr int arity = 2;
    static constexpr std::string_view cpp = "({0} >= {1} ? {0} : {1})";
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    static double eval(double a, double b) { return a >= b ? a : b; }
    template <class T> static std::array<T, 2> partials(const T& a, const T& b, const T&) {
        return {where(ge(a, b), T(1.0), T(0.0)), where(ge(a, b), T(0.0), T(1.0))};
    }
};

struct Min : ElementwiseOp {                                    // a tie sends the gradient to a
    static constexpr std::string_view name = "min";
    static constexpr bool kink = true;
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
    static constexpr Syntax syntax = Syntax::compare("");
    static constexpr Domain<2> test_domain{{{-3, 3}, {-3, 3}}};
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(0.0), T(0.0)}; }
};
struct Lt : ComparisonOp { static constexpr Syntax syntax = Syntax::compare("<"); static constexpr std::string_view name = "lt", cpp = "({0} < {1} ? 1.0 : 0.0)";  static double eval(double a, double b) { return a < b ? 1.0 : 0.0; } };
struct Le : ComparisonOp { static constexpr Syntax syntax = Syntax::compare("<="); static constexpr std::string_view name = "le", cpp = "({0} <= {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return a <= b ? 1.0 : 0.0; } };
struct Gt : ComparisonOp { static constexpr Syntax syntax = Syntax::compare(">"); static constexpr std::string_view name = "gt", cpp = "({0} > {1} ? 1.0 : 0.0)";  static double eval(double a, double b) { return a > b ? 1.0 : 0.0; } };
struct Ge : ComparisonOp { static constexpr Syntax syntax = Syntax::compare(">="); static constexpr std::string_view name = "ge", cpp = "({0} >= {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return a >= b ? 1.0 : 0.0; } };
struct Eq : ComparisonOp { static constexpr Syntax syntax = Syntax::compare("=="); static constexpr bool commutative = true; static constexpr std::string_view name = "eq", cpp = "({0} == {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return a == b ? 1.0 : 0.0; } };
struct Ne : ComparisonOp { static constexpr Syntax syntax = Syntax::compare("!="); static constexpr bool commutative = true; static constexpr std::string_view name = "ne", cpp = "({0} != {1} ? 1.0 : 0.0)"; static double eval(double a, double b) { return a != b ? 1.0 : 0.0; } };

// Conditions combined: 1 or 0, where a condition holds when it is not 0 (NaN holds, as
// in `where`); zero derivative. The language writes them `a and b`, `a or b`, `not a`.
struct LogicOp : ElementwiseOp {
    static constexpr Domain<2> test_domain{{{-1, 1}, {-1, 1}}};
    template <class T> static std::array<T, 2> partials(const T&, const T&, const T&) { return {T(0.0), T(0.0)}; }
};
struct And : LogicOp { static constexpr std::string_view name = "logical_and", cpp = "(({0} != 0.0 && {1} != 0.0) ? 1.0 : 0.0)"; static constexpr int arity = 2; static constexpr bool commutative = true; static constexpr Syntax syntax = Syntax::logical("and", -2); static double eval(double a, double b) { return a != 0.0 && b != 0.0 ? 1.0 : 0.0; } };
struct Or : LogicOp { static constexpr std::string_view name = "logical_or", cpp = "(({0} != 0.0 || {1} != 0.0) ? 1.0 : 0.0)"; static constexpr int arity = 2; static constexpr bool commutative = true; static constexpr Syntax syntax = Syntax::logical("or", -3); static double eval(double a, double b) { return a != 0.0 || b != 0.0 ? 1.0 : 0.0; } };
struct Not : ElementwiseOp {
    static constexpr std::string_view name = "logical_not";
    static constexpr int arity = 1;
    static constexpr std::string_view cpp = "({0} == 0.0 ? 1.0 : 0.0)";
    static constexpr Syntax syntax = Syntax::logical("not", -1); // prefix
    static constexpr Domain<1> test_domain{{{-1, 1}}};
    static double eval(double a) { return a == 0.0 ? 1.0 : 0.0; }
    template <class T> static std::array<T, 1> partials(const T&, const T&) { return {T(0.0)}; }
};

// ---------------------------------------------------------------------------------
// Element-wise, three operands

struct Where : ElementwiseOp {                                  // the gradient goes to the branch taken
    static constexpr std::string_view name = "where";
    static constexpr int arity = 3;
    static constexpr std::string_view cpp = "({0} != 0.0 ? {1} : {2})";
    static constexpr Syntax syntax{.call = true, .takes_condition = true};
    static constexpr Domain<3> test_domain{{{-1, 1}, {-3, 3}, {-3, 3}}};
    static double eval(double c, double a, double b) { return c != 0.0 ? a : b; }
    template <class T> static std::array<T, 3> partials(const T& c, const T&, const T&, const T&) {
        return {T(0.0), where(c, T(1.0), T(0.0)), where(c, T(0.0), T(1.0))};
    }
};

// clang-format on

} // namespace symdiff::ops
