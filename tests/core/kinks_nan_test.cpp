// The conventions at kinks (docs/language.md: relu'(0) = 0, abs'(0) = 0, a tie of max or
// min sends the gradient to the first operand, `where` to the branch taken) and NaN
// safety (docs/float-policy.md: the derivative of a branch not taken is exactly zero, even where
// that branch's partials are infinite), in reverse mode (grad) and forward mode (jvp).
#include "core/differentiate.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// d f / d x at the scalar point, by grad and by jvp.
struct Slopes {
    double reverse, forward;
};

Slopes slopes(const std::function<Expr(Expr)>& fn, double at) {
    Graph g;
    const Expr x = input(g, "x");
    const Expr f = fn(x);
    const Values v{Tensor(at)};
    return {eval(grad(f, x), v).item(), eval(jvp(f, x, 1.0), v).item()};
}

// Both partials of f(x, y) at (x0, y0), each by grad and by jvp.
struct Slopes2 {
    Slopes dx, dy;
};

Slopes2 slopes2(const std::function<Expr(Expr, Expr)>& fn, double x0, double y0) {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr f = fn(x, y);
    const Values v{Tensor(x0), Tensor(y0)};
    return {{eval(grad(f, x), v).item(), eval(jvp(f, x, 1.0), v).item()},
            {eval(grad(f, y), v).item(), eval(jvp(f, y, 1.0), v).item()}};
}

// Exactly zero: not NaN, not -0 from a NaN-free accident of sign either way.
void check_zero(const Slopes& s) {
    CHECK(s.reverse == 0.0);
    CHECK(s.forward == 0.0);
}

} // namespace

TEST_CASE("relu'(0) = 0, and 1 above, 0 below", "[kinks]") {
    const auto relu_ = [](Expr x) { return relu(x); };
    check_zero(slopes(relu_, 0.0));
    check_zero(slopes(relu_, -0.0));
    CHECK(slopes(relu_, 0.5).reverse == 1.0);
    CHECK(slopes(relu_, 0.5).forward == 1.0);
    check_zero(slopes(relu_, -0.5));
}

TEST_CASE("abs'(0) = 0, and the sign elsewhere", "[kinks]") {
    const auto abs_ = [](Expr x) { return abs(x); };
    check_zero(slopes(abs_, 0.0));
    check_zero(slopes(abs_, -0.0));
    CHECK(slopes(abs_, 2.0).reverse == 1.0);
    CHECK(slopes(abs_, -2.0).reverse == -1.0);
    CHECK(slopes(abs_, -2.0).forward == -1.0);
}

TEST_CASE("a tie of max sends the gradient to the first operand", "[kinks]") {
    const auto s = slopes2([](Expr x, Expr y) { return max(x, y); }, 1.5, 1.5);
    CHECK(s.dx.reverse == 1.0);
    CHECK(s.dx.forward == 1.0);
    CHECK(s.dy.reverse == 0.0);
    CHECK(s.dy.forward == 0.0);
    const auto r = slopes2([](Expr x, Expr y) { return max(y, x); }, 1.5, 1.5);
    CHECK(r.dx.reverse == 0.0);
    CHECK(r.dy.reverse == 1.0);
    SECTION("away from the tie the larger operand gets it") {
        const auto a = slopes2([](Expr x, Expr y) { return max(x, y); }, 1.0, 2.0);
        CHECK(a.dx.reverse == 0.0);
        CHECK(a.dy.reverse == 1.0);
    }
}

TEST_CASE("a tie of min sends the gradient to the first operand", "[kinks]") {
    const auto s = slopes2([](Expr x, Expr y) { return min(x, y); }, -0.5, -0.5);
    CHECK(s.dx.reverse == 1.0);
    CHECK(s.dx.forward == 1.0);
    CHECK(s.dy.reverse == 0.0);
    CHECK(s.dy.forward == 0.0);
    const auto a = slopes2([](Expr x, Expr y) { return min(x, y); }, 1.0, 2.0);
    CHECK(a.dx.reverse == 1.0);
    CHECK(a.dy.reverse == 0.0);
}

TEST_CASE("max and min of a variable with itself have slope 1", "[kinks]") {
    CHECK(slopes([](Expr x) { return max(x, x); }, 0.3).reverse == 1.0);
    CHECK(slopes([](Expr x) { return min(x, x); }, 0.3).forward == 1.0);
}

TEST_CASE("ties are decided element by element in tensors", "[kinks]") {
    Graph g;
    const Expr a = input(g, "a", {3}), b = input(g, "b", {3});
    const Expr f = sum(max(a, b) * Expr(constant(g, 1.0, {3})));
    const Values v{tensor({3}, {1, 2, 3}), tensor({3}, {1, 5, 0})};
    CHECK_THAT(eval(grad(f, a), v), IsExactly(tensor({3}, {1, 0, 1})));
    CHECK_THAT(eval(grad(f, b), v), IsExactly(tensor({3}, {0, 1, 0})));
}

TEST_CASE("where sends the gradient to the branch taken", "[kinks]") {
    Graph g;
    const Expr c = input(g, "c", {4}), a = input(g, "a", {4}), b = input(g, "b", {4});
    const Expr f = sum(where(c, a * a, 3.0 * b));
    const Values v{tensor({4}, {1, 0, -2, 0}), tensor({4}, {1, 2, 3, 4}),
                   tensor({4}, {5, 6, 7, 8})};
    CHECK_THAT(eval(grad(f, a), v), IsExactly(tensor({4}, {2, 0, 6, 0})));
    CHECK_THAT(eval(grad(f, b), v), IsExactly(tensor({4}, {0, 3, 0, 3})));
    CHECK_THAT(eval(grad(f, c), v), IsExactly(tensor({4}, {0, 0, 0, 0})));
    CHECK_THAT(eval(jvp(f, a, ones(g, {4})), v), IsExactly(Tensor(2.0 + 6.0)));
}

TEST_CASE("NaN safety: the untaken branch of where contributes exactly zero", "[nan]") {
    SECTION("sqrt(x) * y at x = 0") {
        const auto s =
            slopes2([](Expr x, Expr y) { return where(x > 0.0, sqrt(x) * y, 2.0 * y); }, 0.0, 3.0);
        check_zero(s.dx);
        CHECK(s.dy.reverse == 2.0);
        CHECK(s.dy.forward == 2.0);
    }
    SECTION("log(x) at x = 0") {
        check_zero(slopes([](Expr x) { return where(x > 0.0, log(x), 0.0); }, 0.0));
        const auto s =
            slopes2([](Expr x, Expr y) { return where(x > 0.0, log(x) * y, y); }, 0.0, 2.0);
        check_zero(s.dx);
        CHECK(s.dy.reverse == 1.0);
    }
    SECTION("pow(x, y) at x = 0, both partials") {
        const auto s =
            slopes2([](Expr x, Expr y) { return where(x > 0.0, pow(x, y), 0.0); }, 0.0, 0.5);
        check_zero(s.dx);
        check_zero(s.dy);
        check_zero(slopes([](Expr x) { return where(x > 0.0, pow(x, 0.5), 1.0); }, 0.0));
    }
    SECTION("division by x at x = 0, both partials") {
        const auto s =
            slopes2([](Expr x, Expr y) { return where(ne(x, 0.0), y / x, y); }, 0.0, 2.0);
        check_zero(s.dx);
        CHECK(s.dy.reverse == 1.0);
        CHECK(s.dy.forward == 1.0);
    }
    SECTION("the masked value used twice") {
        check_zero(slopes(
            [](Expr x) {
                const Expr u = sqrt(x);
                return where(x > 0.0, u * u + u, 0.0);
            },
            0.0));
    }
    SECTION("the masked value under two and three different conditions") {
        check_zero(slopes(
            [](Expr x) { return where(x > 0.0, sqrt(x), 0.0) + where(x > 1.0, sqrt(x), 0.0); },
            0.0));
        check_zero(slopes(
            [](Expr x) {
                return where(x > 0.0, sqrt(x), 0.0) + where(x > 1.0, 2.0 * sqrt(x), 0.0) +
                       where(x > 2.0, sqrt(x) * x, 0.0);
            },
            0.0));
    }
    SECTION("nested where") {
        check_zero(
            slopes([](Expr x) { return where(x > -1.0, where(x > 0.0, log(x), 1.0), 2.0); }, 0.0));
    }
    SECTION("the singular value in the else branch") {
        const auto s = slopes([](Expr x) { return where(x <= 0.0, 1.0, sqrt(x)); }, 0.0);
        check_zero(s);
    }
}

TEST_CASE("NaN safety: a negated or subtracted branch stays masked", "[nan]") {
    check_zero(slopes([](Expr x) { return where(x > 0.0, -sqrt(x), 0.0); }, 0.0));
    check_zero(slopes([](Expr x) { return where(x > 0.0, 1.0 - sqrt(x), 0.0); }, 0.0));
    const auto s = slopes2([](Expr x, Expr y) { return where(x > 0.0, y - log(x), y); }, 0.0, 3.0);
    check_zero(s.dx);
    CHECK(s.dy.reverse == 1.0);
}

TEST_CASE("NaN safety: kinks of relu, abs, max and min mask infinite slopes", "[nan][kinks]") {
    // Each kink sends the gradient away from sqrt(x), whose slope at 0 is infinite.
    check_zero(slopes([](Expr x) { return relu(-sqrt(x)); }, 0.0));
    check_zero(slopes([](Expr x) { return abs(sqrt(x)); }, 0.0));
    check_zero(slopes([](Expr x) { return max(0.0, sqrt(x)); }, 0.0));
    check_zero(slopes([](Expr x) { return min(0.0, -sqrt(x)); }, 0.0));
}

TEST_CASE("NaN safety: second derivatives through where stay finite", "[nan]") {
    Graph g;
    const Expr x = input(g, "x");
    const Expr f = where(x > 0.0, x * sqrt(x), 0.0);
    const Expr d2 = diff(f, x, 2);
    CHECK(eval(d2, {Tensor(0.0)}).item() == 0.0);
    CHECK(eval(d2, {Tensor(4.0)}).item() == Approx(0.75 / 2.0)); // (3/4) x^(-1/2)
}

TEST_CASE("NaN safety: a mask outside a broadcast of the singular value", "[nan]") {
    // x is a scalar, y a vector: the mask is element-wise, and the cotangent reaches
    // sqrt(x) through sum_to (the adjoint of the broadcast), which hides the mask.
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y", {3});
    const Expr f = sum(where(x > 0.0, sqrt(x) * y, 2.0 * y));
    const Values v{Tensor(0.0), tensor({3}, {1, 2, 3})};
    CHECK(eval(grad(f, x), v).item() == 0.0);
    CHECK_THAT(eval(grad(f, y), v), IsExactly(tensor({3}, {2, 2, 2})));
    CHECK(eval(jvp(f, x, 1.0), v).item() == 0.0);
}

TEST_CASE("NaN safety: a mask outside a transpose of the singular value", "[nan]") {
    Graph g;
    const Expr a = input(g, "a", {2, 2});
    const Expr f = sum(where(a > 0.0, transpose(sqrt(a)), 0.0));
    // d/da[i][j] = [a[j][i] > 0] / (2 sqrt(a[i][j])): element (0,0) is an untaken branch,
    // element (1,0) a taken branch with an infinite slope.
    const Tensor d = eval(grad(f, a), {tensor({2, 2}, {0, 1, 0, 4})});
    CHECK(d[0] == 0.0);
    CHECK(d[1] == 0.0);
    CHECK(std::isinf(d[2]));
    CHECK(d[3] == 0.25);
}
