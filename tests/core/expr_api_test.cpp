// The C++ Expr API (core/expr.hpp): NumPy broadcasting and its errors, plain numbers
// (literals) mixed with expressions and folded on their own, reductions over all or one
// (possibly negative) axis, mean, softmax and logsumexp (stable at 1000 and with -inf),
// dot, stack, concat, zeros/ones/eye, and the error message of each misuse.
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace symdiff;
using namespace symdiff::test;
using Catch::Matchers::Equals;

namespace {

const double inf = std::numeric_limits<double>::infinity();

Tensor iota(const Shape& s, double start = 1.0) {
    Tensor t(s);
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = start + static_cast<double>(i);
    return t;
}

// Shape of a + b for inputs of shapes sa and sb.
Shape sum_shape(const Shape& sa, const Shape& sb) {
    Graph g;
    return (input(g, "a", sa) + input(g, "b", sb)).shape();
}

} // namespace

TEST_CASE("broadcasting follows NumPy", "[expr][broadcast]") {
    CHECK(sum_shape({}, {3}) == Shape{3});
    CHECK(sum_shape({3}, {}) == Shape{3});
    CHECK(sum_shape({3}, {2, 3}) == Shape{2, 3});
    CHECK(sum_shape({2, 1}, {1, 3}) == Shape{2, 3});
    CHECK(sum_shape({1}, {3}) == Shape{3});
    CHECK(sum_shape({4, 1, 3}, {2, 1}) == Shape{4, 2, 3});
    CHECK(sum_shape({5, 1, 1, 2}, {3, 1}) == Shape{5, 1, 3, 2});
    CHECK(sum_shape({1, 1}, {1}) == Shape{1, 1});
}

TEST_CASE("broadcast operands are repeated along the stretched axes", "[expr][broadcast]") {
    Graph g;
    const Expr a = input(g, "a", {2, 1}), b = input(g, "b", {1, 3});
    const Values v{tensor({2, 1}, {1, 2}), tensor({1, 3}, {10, 20, 30})};
    CHECK_THAT(eval(a + b, v), IsExactly(tensor({2, 3}, {11, 21, 31, 12, 22, 32})));
    CHECK_THAT(eval(a * b, v), IsExactly(tensor({2, 3}, {10, 20, 30, 20, 40, 60})));
    SECTION("where broadcasts all three operands") {
        const Expr w = where(a > 1.5, b, 0.0);
        CHECK_THAT(eval(w, v), IsExactly(tensor({2, 3}, {0, 0, 0, 10, 20, 30})));
    }
}

TEST_CASE("incompatible shapes are an error naming both shapes", "[expr][broadcast][errors]") {
    Graph g;
    const Expr a = input(g, "a", {2, 3}), b = input(g, "b", {2}), c = input(g, "c", {4});
    CHECK_THROWS_WITH(a + b, Equals("shapes [2,3] and [2] do not broadcast"));
    CHECK_THROWS_WITH(b * c, Equals("shapes [2] and [4] do not broadcast"));
    CHECK_THROWS_WITH(where(a > 0.0, a, c), Equals("shapes [2,3] and [4] do not broadcast"));
}

TEST_CASE("expressions of different graphs do not combine", "[expr][errors]") {
    Graph g, h;
    const Expr a = input(g, "a"), b = input(h, "b");
    CHECK_THROWS_WITH(a + b, Equals("cannot combine expressions from different graphs"));
}

TEST_CASE("plain numbers combine with expressions", "[expr][literals]") {
    Graph g;
    const Expr x = input(g, "x", {2});
    const Values v{tensor({2}, {1, 2})};
    CHECK_THAT(eval(x + 1.0, v), IsExactly(tensor({2}, {2, 3})));
    CHECK_THAT(eval(2.0 * x, v), IsExactly(tensor({2}, {2, 4})));
    CHECK_THAT(eval(1.0 - x, v), IsExactly(tensor({2}, {0, -1})));
    CHECK_THAT(eval(1.0 / x, v), IsExactly(tensor({2}, {1, 0.5})));
    CHECK_THAT(eval(pow(x, 2.0), v), IsExactly(tensor({2}, {1, 4})));
    CHECK_THAT(eval(-x, v), IsExactly(tensor({2}, {-1, -2})));
    CHECK_THAT(eval(x > 1.5, v), IsExactly(tensor({2}, {0, 1})));
    CHECK_THAT(eval(x <= 1.0, v), IsExactly(tensor({2}, {1, 0})));
}

TEST_CASE("ops on plain numbers alone fold to a plain number", "[expr][literals]") {
    const Expr a(2.0), b(3.0);
    CHECK((a + b).is_literal());
    CHECK((a + b).literal() == 5.0);
    CHECK((a * b - 1.0).literal() == 5.0);
    CHECK(exp(Expr(0.0)).literal() == 1.0);
    CHECK(pow(a, b).literal() == 8.0);
    CHECK(max(a, b).literal() == 3.0);
    CHECK(where(Expr(0.0), a, b).literal() == 3.0);
    CHECK(sum(a).literal() == 2.0);
    CHECK(mean(a).literal() == 2.0);
    CHECK(transpose(a).literal() == 2.0);
    CHECK(softmax(a).literal() == 1.0);
    CHECK(dot(a, b).literal() == 6.0);
}

TEST_CASE("matmul of a plain number is an error", "[expr][errors]") {
    // matmul(v, 2.0) does not compile (the structural functions take one type); a literal
    // Expr is a scalar, which @ refuses with the shapes.
    Graph g;
    const Expr v = input(g, "v", {2});
    CHECK_THROWS_WITH(matmul(v, Expr(2.0)), Equals("@ needs vectors or matrices, got [2] @ []"));
}

TEST_CASE("sum over everything and over one axis", "[expr][reductions]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3});
    const Values v{iota({2, 3})}; // 1 2 3 / 4 5 6
    CHECK_THAT(eval(sum(x), v), IsExactly(Tensor(21.0)));
    CHECK_THAT(eval(sum(x, 0), v), IsExactly(tensor({3}, {5, 7, 9})));
    CHECK_THAT(eval(sum(x, 1), v), IsExactly(tensor({2}, {6, 15})));
    SECTION("negative axes count from the end") {
        CHECK(sum(x, -1).id() == sum(x, 1).id());
        CHECK(sum(x, -2).id() == sum(x, 0).id());
    }
    SECTION("a vector summed over its axis is a scalar") {
        const Expr u = input(g, "u", {3});
        CHECK(sum(u, 0).shape() == Shape{});
        CHECK_THAT(eval(sum(u, 0), {iota({2, 3}), iota({3})}), IsExactly(Tensor(6.0)));
    }
    SECTION("rank 3, middle axis") {
        const Expr t = input(g, "t", {2, 2, 2});
        CHECK_THAT(eval(sum(t, 1), {iota({2, 3}), iota({2, 2, 2})}),
                   IsExactly(tensor({2, 2}, {4, 6, 12, 14})));
    }
}

TEST_CASE("an axis out of range is an error naming the shape", "[expr][reductions][errors]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3});
    CHECK_THROWS_WITH(sum(x, 2), Equals("axis 2 is out of range for shape [2,3]"));
    CHECK_THROWS_WITH(sum(x, -3), Equals("axis -3 is out of range for shape [2,3]"));
    CHECK_THROWS_WITH(mean(x, 5), Equals("axis 5 is out of range for shape [2,3]"));
    CHECK_THROWS_WITH(softmax(x, -4), Equals("axis -4 is out of range for shape [2,3]"));
    CHECK_THROWS_WITH(logsumexp(x, 2), Equals("axis 2 is out of range for shape [2,3]"));
}

TEST_CASE("mean over everything and over one axis", "[expr][reductions]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3});
    const Values v{iota({2, 3})};
    CHECK_THAT(eval(mean(x), v), IsClose(Tensor(3.5)));
    CHECK_THAT(eval(mean(x, 0), v), IsClose(tensor({3}, {2.5, 3.5, 4.5})));
    CHECK_THAT(eval(mean(x, -1), v), IsClose(tensor({2}, {2, 5})));
}

TEST_CASE("softmax rows are positive and sum to 1", "[expr][softmax]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3});
    const Values v{tensor({2, 3}, {1, 2, 3, -1, 0, 5})};
    const Tensor s = eval(softmax(x, 1), v);
    for (int r = 0; r < 2; ++r) {
        double total = 0;
        for (int c = 0; c < 3; ++c) {
            const double e = s[static_cast<std::size_t>(3 * r + c)];
            CHECK(e > 0);
            total += e;
        }
        CHECK(total == Approx(1.0).epsilon(1e-15));
    }
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    CHECK(s[0] == Approx(std::exp(1.0) / z).epsilon(1e-14));
    SECTION("over axis 0, columns sum to 1") {
        const Tensor c = eval(softmax(x, 0), v);
        for (int k = 0; k < 3; ++k)
            CHECK(c[static_cast<std::size_t>(k)] + c[static_cast<std::size_t>(k + 3)] ==
                  Approx(1.0).epsilon(1e-15));
    }
    SECTION("over all elements") {
        const Tensor a = eval(softmax(x), v);
        double total = 0;
        for (double e : a.data())
            total += e;
        CHECK(total == Approx(1.0).epsilon(1e-15));
    }
}

TEST_CASE("softmax is stable at 1000 and handles -inf", "[expr][softmax]") {
    Graph g;
    const Expr x = input(g, "x", {3});
    // softmax is shift-invariant: softmax([1000, 1000, 999]) = softmax([1, 1, 0]). As
    // exp(x - logsumexp(x)) it is accurate to ~eps |x| (the rounding of logsumexp near
    // 1000), so the bound is 8 eps 1000 ~ 2e-12.
    const Tolerance at_1000{2e-12, 0};
    const double z = 2 + std::exp(-1.0);
    CHECK_THAT(eval(softmax(x), {tensor({3}, {1000, 1000, 999})}),
               IsClose(tensor({3}, {1 / z, 1 / z, std::exp(-1.0) / z}), at_1000));
    CHECK_THAT(eval(softmax(x), {tensor({3}, {-1000, -1000, -1000})}),
               IsClose(tensor({3}, {1.0 / 3, 1.0 / 3, 1.0 / 3}), at_1000));
    CHECK_THAT(eval(softmax(x), {tensor({3}, {-inf, 0, 0})}),
               IsClose(tensor({3}, {0, 0.5, 0.5}), {1e-15, 0}));
    SECTION("and so is its gradient") {
        const Tensor d = eval(grad(sum(softmax(x) * x), x), {tensor({3}, {1000, 1000, 999})});
        CHECK(all_finite(d));
    }
}

TEST_CASE("logsumexp is stable at 1000 and handles -inf", "[expr][logsumexp]") {
    Graph g;
    const Expr x = input(g, "x", {2, 2});
    CHECK_THAT(eval(logsumexp(x), {tensor({2, 2}, {1000, 1000, 1000, 1000})}),
               IsClose(Tensor(1000 + std::log(4.0)), {1e-15, 0}));
    CHECK_THAT(eval(logsumexp(x, 1), {tensor({2, 2}, {1000, 999, 0, -inf})}),
               IsClose(tensor({2}, {1000 + std::log1p(std::exp(-1.0)), 0}), {1e-15, 0}));
    CHECK_THAT(eval(logsumexp(x, -2), {tensor({2, 2}, {0, -inf, 0, -inf})}),
               IsClose(tensor({2}, {std::log(2.0), -inf})));
    SECTION("its gradient is the softmax, finite at 1000 (accurate to ~eps 1000)") {
        const Tensor d = eval(grad(logsumexp(x), x), {tensor({2, 2}, {1000, 1000, 1000, 1000})});
        CHECK_THAT(d, IsClose(tensor({2, 2}, {0.25, 0.25, 0.25, 0.25}), {2e-12, 0}));
    }
}

TEST_CASE("dot multiplies scalars and contracts vectors and matrices", "[expr]") {
    Graph g;
    const Expr u = input(g, "u", {3}), w = input(g, "w", {3}), m = input(g, "m", {2, 3}),
               s = input(g, "s");
    const Values v{tensor({3}, {1, 2, 3}), tensor({3}, {4, 5, 6}), iota({2, 3}), Tensor(2.0)};
    CHECK_THAT(eval(dot(u, w), v), IsExactly(Tensor(32.0)));
    CHECK_THAT(eval(dot(m, w), v), IsExactly(tensor({2}, {32, 77})));
    CHECK_THAT(eval(dot(s, u), v), IsExactly(tensor({3}, {2, 4, 6})));
    CHECK_THAT(eval(dot(u, 3.0), v), IsExactly(tensor({3}, {3, 6, 9})));
}

TEST_CASE("stack puts its arguments along a new leading axis", "[expr][stack]") {
    Graph g;
    const Expr a = input(g, "a", {2}), b = input(g, "b", {2}), s = input(g, "s");
    const Values v{tensor({2}, {1, 2}), tensor({2}, {3, 4}), Tensor(5.0)};
    const std::vector<Expr> rows{a, b, a};
    CHECK_THAT(eval(stack(rows), v), IsExactly(tensor({3, 2}, {1, 2, 3, 4, 1, 2})));
    const std::vector<Expr> scalars{s, 7.0, s};
    CHECK_THAT(eval(stack(scalars), v), IsExactly(tensor({3}, {5, 7, 5})));
    const std::vector<Expr> one{a};
    CHECK_THAT(eval(stack(one), v), IsExactly(tensor({1, 2}, {1, 2})));
}

TEST_CASE("stack errors name the argument and the shapes", "[expr][stack][errors]") {
    Graph g;
    const Expr a = input(g, "a", {2}), c = input(g, "c", {3});
    const std::vector<Expr> bad{a, a, c};
    CHECK_THROWS_WITH(stack(bad), Equals("stack: argument 3 has shape [3], the first has [2]"));
    CHECK_THROWS_WITH(stack(std::vector<Expr>{}), Equals("stack needs at least one argument"));
}

TEST_CASE("concat joins its arguments along axis 0", "[expr][concat]") {
    Graph g;
    const Expr a = input(g, "a", {2}), b = input(g, "b", {3}), m = input(g, "m", {1, 2}),
               n = input(g, "n", {2, 2});
    const Values v{tensor({2}, {1, 2}), tensor({3}, {3, 4, 5}), tensor({1, 2}, {6, 7}),
                   tensor({2, 2}, {8, 9, 10, 11})};
    CHECK_THAT(eval(concat(std::vector<Expr>{a, b}), v), IsExactly(tensor({5}, {1, 2, 3, 4, 5})));
    CHECK_THAT(eval(concat(std::vector<Expr>{b, a, a}), v),
               IsExactly(tensor({7}, {3, 4, 5, 1, 2, 1, 2})));
    CHECK_THAT(eval(concat(std::vector<Expr>{m, n}), v),
               IsExactly(tensor({3, 2}, {6, 7, 8, 9, 10, 11})));
}

TEST_CASE("concat errors name the argument and the shapes", "[expr][concat][errors]") {
    Graph g;
    const Expr a = input(g, "a", {2, 2}), b = input(g, "b", {2, 3}), c = input(g, "c", {2}),
               s = input(g, "s");
    CHECK_THROWS_WITH(concat(std::vector<Expr>{a, b}),
                      Equals("concat: argument 2 has shape [2,3], which does not match [2,2] "
                             "beyond the first axis"));
    CHECK_THROWS_WITH(concat(std::vector<Expr>{a, c}),
                      Equals("concat: argument 2 has shape [2], which does not match [2,2] "
                             "beyond the first axis"));
    CHECK_THROWS_WITH(concat(std::vector<Expr>{s, s}),
                      Equals("concat needs vectors or larger, got a scalar"));
    CHECK_THROWS_WITH(concat(std::vector<Expr>{}), Equals("concat needs at least one argument"));
}

TEST_CASE("zeros, ones and eye", "[expr]") {
    Graph g;
    const Expr x = input(g, "x");
    const Values v{Tensor(0.0)};
    CHECK_THAT(eval(zeros(g, {2, 2}) + x, v), IsExactly(tensor({2, 2}, {0, 0, 0, 0})));
    CHECK_THAT(eval(ones(g, {3}) + x, v), IsExactly(tensor({3}, {1, 1, 1})));
    CHECK_THAT(eval(eye(g, 3), v), IsExactly(tensor({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1})));
    CHECK(zeros(g, {2}).is_constant(0.0));
    CHECK(ones(g, {2}).is_constant(1.0));
}

TEST_CASE("transpose and matmul compose like the matrix algebra", "[expr]") {
    Graph g;
    const Expr a = input(g, "a", {2, 3}), b = input(g, "b", {3, 2});
    const Values v{iota({2, 3}), iota({3, 2}, 7)};
    // (A B)^T = B^T A^T, both equal to [[58, 139], [64, 154]] (by hand)
    const Tensor want = tensor({2, 2}, {58, 139, 64, 154});
    CHECK_THAT(eval(transpose(matmul(a, b)), v), IsExactly(want));
    CHECK_THAT(eval(matmul(transpose(b), transpose(a)), v), IsExactly(want));
}

namespace {
std::vector<double> values_of(const Tensor& t) { return {t.data().begin(), t.data().end()}; }
} // namespace

TEST_CASE("C++ indexing: x[i], from the end, ranges, A[{i, j}], rows, columns and their errors") {
    Graph g;
    const Expr x = input(g, "x", {5}), A = input(g, "A", {2, 3});
    const Tensor xv(Shape{5}, {10, 11, 12, 13, 14}), Av(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
    const auto at = [&](const Expr& e) { return eval(e, {{"x", xv}, {"A", Av}}); };
    CHECK(at(x[1]).item() == 11);
    CHECK(at(x[-1]).item() == 14);
    CHECK(at(x[range(1, 3)]).data()[0] == 11);
    CHECK(x[range(1, 3)].shape() == Shape{2});
    CHECK(x[from(3)].shape() == Shape{2});
    CHECK(x[to(-1)].shape() == Shape{4});
    CHECK(at(A[{1, 2}]).item() == 6);
    CHECK(A[1].shape() == Shape{3});                       // a row
    CHECK(values_of(at(A[{all(), 0}])) == std::vector<double>{1, 4}); // a column
    CHECK(A[{from(1), range(0, 2)}].shape() == Shape{1, 2});
    // the model language's messages
    CHECK_THROWS_WITH(x[5], Equals("index 5 is out of range for axis 0 of shape [5]"));
    CHECK_THROWS_WITH(x[range(3, 3)], Equals("slice 3:3 of axis 0 is empty"));
    CHECK_THROWS_WITH(x[range(0, 9)], Equals("slice 0:9 is out of range for axis 0 of shape [5]"));
    CHECK_THROWS_WITH((A[{0, 0, 0}]), Equals("too many indices for shape [2,3]"));
    CHECK_THROWS_WITH(Expr(2.0)[0], Equals("a number cannot be indexed"));
    // derivatives flow through indices
    const Expr d = grad(sum(A[{all(), 0}]) + x[-1] * x[-1], A);
    CHECK(values_of(at(d)) == std::vector<double>{1, 0, 0, 1, 0, 0});
}

TEST_CASE("C++ constant tensors from values: one node when all are equal") {
    Graph g;
    const Expr x = input(g, "x", {2});
    const Expr M = constant(g, Tensor(Shape{2, 2}, {1, 2, 3, 4}));
    CHECK(M.shape() == Shape{2, 2});
    CHECK(values_of(eval(matmul(M, x), {{"x", Tensor(Shape{2}, {1, -1})}})) == std::vector<double>{-1, -1});
    const Expr same = constant(g, Tensor::filled(Shape{3}, 2.5));
    CHECK(same.node().op == Op::Const);
    CHECK(same.shape() == Shape{3});
    CHECK(constant(g, Tensor(Shape{2}, {1.0, 2.0})).node().op != Op::Const);
}
