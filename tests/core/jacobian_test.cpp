// Jacobians and Hessians as seed loops: values against central differences and closed
// forms, the choice of forward or reverse mode, nesting, forward mode through a loop,
// and the errors for what is not supported.
#include "core/differentiate.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random_expr.hpp"

#include <catch2/catch.hpp>

using namespace symdiff;
using namespace symdiff::test;

namespace {

constexpr Tolerance fd_tol{1e-6, 1e-6};

// The loop node a jacobian built (its root).
const Node& loop_of(const Expr& j) {
    REQUIRE(j.node().op == Op::SeedLoop);
    return j.node();
}

// Compares J = jacobian(y, x) with central differences of y, column by column.
void check_against_fd(const Expr& y, const Expr& x, const Expr& j, const Values& at, FdTally& tally) {
    REQUIRE(j.shape() == y.shape().concat(x.shape()));
    const Tensor jv = eval(j, at);
    const int input = x.node().input_index();
    const auto width = static_cast<std::size_t>(x.shape().size());
    for (std::size_t e = 0; e < width; ++e) {
        const auto fd = partial([&](const Values& v) { return eval(y, v); }, at, input, e);
        for (std::size_t i = 0; i < fd.size(); ++i) {
            if (!fd[i].reliable) {
                ++tally.skipped;
                continue;
            }
            ++tally.compared;
            INFO("J[" << i << ", " << e << "] = " << jv[i * width + e] << ", fd " << fd[i].value
                      << "\n" << listing(y));
            CHECK(close(jv[i * width + e], fd[i].value, fd_tol));
        }
    }
}

} // namespace

TEST_CASE("jacobian matches central differences on random expressions, both modes") {
    FdTally tally;
    int reverse = 0, forward = 0;
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        Graph g;
        Rng rng(seed);
        const auto xs = random_inputs(g, rng, 2);
        RandomExprOptions opt;
        opt.depth = 3;
        RandomExprGenerator gen(xs, seed, opt);
        const Shape ys = seed % 3 == 0 ? Shape{} : seed % 3 == 1 ? Shape{2} : Shape{3, 2};
        const Expr y = gen(ys);
        const Values at = random_values(g, rng, -0.9, 0.9);
        for (const Expr& x : xs) {
            const Expr j = jacobian(y, x);
            (loop_of(j).loop().seed_axes_last ? forward : reverse)++;
            check_against_fd(y, x, j, at, tally);
        }
    }
    CHECK(reverse > 10);
    CHECK(forward > 10);
    CHECK(tally.compared > 500);
    CHECK(tally.skipped_fraction() < 0.05);
}

TEST_CASE("jacobian picks reverse mode for fewer outputs, forward mode otherwise") {
    Graph g;
    const Expr x = input(g, "x", {4});
    SECTION("two outputs of four inputs: one vjp per output") {
        const Expr j = jacobian(slice(sin(x), [] {
                                    SliceSpec s;
                                    s.stop[0] = 2;
                                    return s;
                                }()),
                                x);
        CHECK_FALSE(loop_of(j).loop().seed_axes_last);
        CHECK(g[loop_of(j).args[1]].shape == Shape{2});
    }
    SECTION("six outputs of four inputs: one jvp per input") {
        const Expr y = concat(std::vector<Expr>{sin(x), slice(x, [] {
                                                    SliceSpec s;
                                                    s.stop[0] = 2;
                                                    return s;
                                                }())});
        const Expr j = jacobian(y, x);
        CHECK(loop_of(j).loop().seed_axes_last);
        CHECK(g[loop_of(j).args[1]].shape == Shape{4});
    }
    SECTION("a hessian is forward over reverse") {
        const Expr h = hessian(sum(exp(x)), x);
        CHECK(loop_of(h).loop().seed_axes_last);
    }
}

TEST_CASE("hessians match their closed forms") {
    Graph g;
    const Expr x = input(g, "x", {3}), A = input(g, "A", {3, 3});
    const Tensor xv = tensor({3}, {0.3, -0.7, 1.1});
    const Tensor av = tensor({3, 3}, {1, 2, 3, -4, 5, 6, 7, 8, -10});
    SECTION("x^T A x has Hessian A + A^T") {
        const Tensor h = eval(hessian(sum(x * matmul(A, x)), x), {{"x", xv}, {"A", av}});
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 3; ++j)
                CHECK(h[i * 3 + j] == av[i * 3 + j] + av[j * 3 + i]);
    }
    SECTION("sum(sin x) has Hessian diag(-sin x)") {
        const Tensor h = eval(hessian(sum(sin(x)), x), {{"x", xv}});
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 3; ++j)
                CHECK(h[i * 3 + j] == Approx(i == j ? -std::sin(xv[i]) : 0.0).margin(1e-15));
    }
    SECTION("the extended Rosenbrock function") {
        Graph gr;
        const Expr z = input(gr, "z", {4});
        const Expr pairs = reshape(z, {2, 2});
        SliceSpec col0, col1;
        col0.stop = {2, 1, 0, 0};
        col0.drop = 0b10;
        col1.start = {0, 1, 0, 0};
        col1.stop = {2, 2, 0, 0};
        col1.drop = 0b10;
        const Expr a = slice(pairs, col0), b = slice(pairs, col1);
        const Expr f = sum(100.0 * pow(b - a * a, 2.0) + pow(1.0 - a, 2.0));
        const Tensor zv = tensor({4}, {1.2, 0.8, -0.5, 2.0});
        const Tensor h = eval(hessian(f, z), {{"z", zv}});
        for (std::size_t p = 0; p < 2; ++p) { // 2x2 blocks on the diagonal, zeros elsewhere
            const double av_ = zv[2 * p], bv = zv[2 * p + 1];
            const std::size_t i = 2 * p;
            CHECK(h[i * 4 + i] == Approx(1200 * av_ * av_ - 400 * bv + 2));
            CHECK(h[i * 4 + i + 1] == Approx(-400 * av_));
            CHECK(h[(i + 1) * 4 + i] == Approx(-400 * av_));
            CHECK(h[(i + 1) * 4 + i + 1] == Approx(200));
        }
        CHECK(h[0 * 4 + 2] == 0.0);
        CHECK(h[3 * 4 + 1] == 0.0);
    }
}

TEST_CASE("jacobians nest: the jacobian of a jacobian matches differences of the jacobian") {
    Graph g;
    const Expr x = input(g, "x", {3});
    const Expr y = sin(x) * sum(x * x);
    const Expr j = jacobian(y, x);
    const Expr t = jacobian(j, x);
    REQUIRE(t.shape() == Shape({3, 3, 3}));
    const Values at{tensor({3}, {0.4, -0.2, 0.9})};
    const Tensor tv = eval(t, at);
    for (std::size_t e = 0; e < 3; ++e) {
        const auto fd = partial([&](const Values& v) { return eval(j, v); }, at, 0, e);
        for (std::size_t i = 0; i < 9; ++i) {
            REQUIRE(fd[i].reliable);
            CHECK(close(tv[i * 3 + e], fd[i].value, fd_tol));
        }
    }
}

TEST_CASE("forward mode crosses a jacobian loop: jvp of a hessian is a third derivative") {
    Graph g;
    const Expr x = input(g, "x", {3}), v = input(g, "v", {3});
    const Expr h = hessian(sum(exp(x) * x), x); // diag((x + 2) e^x)
    const Expr dh = jvp(h, x, v);               // diag((x + 3) e^x v)
    const Tensor xv = tensor({3}, {0.1, -0.4, 0.7}), vv = tensor({3}, {1.0, 2.0, -0.5});
    const Tensor d = eval(dh, {{"x", xv}, {"v", vv}});
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            CHECK(d[i * 3 + j] == Approx(i == j ? (xv[i] + 3) * std::exp(xv[i]) * vv[i] : 0.0).margin(1e-14));
}

TEST_CASE("a jacobian of something that does not depend on the variable is zero") {
    Graph g;
    const Expr x = input(g, "x", {2}), y = input(g, "y", {3});
    const Tensor j = eval(jacobian(sin(y), x), {{"x", tensor({2}, {1, 2})}, {"y", tensor({3}, {1, 2, 3})}});
    CHECK(j.shape() == Shape({3, 2}));
    for (double e : j.data())
        CHECK(e == 0.0);
}

TEST_CASE("reverse mode crosses a jacobian loop: grad of a function of J and H matches differences") {
    // w(q) built from J = jacobian(p, q) (reverse or forward, by size) and H; grad(w, q)
    // sums each loop body's own reverse sweep over the directions.
    FdTally tally;
    for (int form = 0; form < 6; ++form) {
        Graph g;
        const Expr q = input(g, "q", {3}), A = input(g, "A", {2, 3});
        const Expr p2 = matmul(A, sin(q) * q);   // [2]: rows fewer than columns: reverse
        auto q_ = [&](int i) { return slice(q, window({{i, i + 1}}, 1)); };
        const Expr p4 = stack(std::vector<Expr>{q_(0) * q_(1), exp(q_(2)), q_(1) * q_(2), sum(q * q * q)}); // forward
        const Expr J2 = jacobian(p2, q), J4 = jacobian(p4, q);
        const Expr H = hessian(sum(exp(q) * q) + q_(0) * q_(1) * q_(2), q);
        Expr w;
        switch (form) {
        case 0: w = sum(J2 * J2); break;                                   // Jacobian regularisation
        case 1: w = sqrt(sum(matmul(J2, transpose(J2)) * matmul(J2, transpose(J2))) + 1.0); break;
        case 2: w = sum(J4 * J4) + sum(J4); break;
        case 3: w = sum(H * H); break;
        case 4: w = dot(matmul(H, q), q) + sum(J2); break;
        default: w = sum(matmul(transpose(J4), J4) * H); break;             // Gauss-Newton against H
        }
        const Expr dq = grad(w, q), dA = grad(w, A);
        const Values at{tensor({3}, {0.3, -0.7, 0.5}), tensor({2, 3}, {1, -2, 0.5, 0.25, 3, -1})};
        INFO("form " << form);
        check_against_fd(w, q, dq, at, tally);
        check_against_fd(w, A, dA, at, tally);
    }
    CHECK(tally.compared >= 50);
}

TEST_CASE("reverse mode crosses nested and compressed jacobian loops") {
    FdTally tally;
    Graph g;
    const Expr x = input(g, "x", {6});
    // A banded Hessian (compressed: three colours), and a third derivative inside w.
    const Expr head = slice(x, window({{0, 5}})), tail = slice(x, window({{1, 6}}));
    const Expr f = sum(tail * head * exp(head));
    const Expr H = hessian(f, x);
    REQUIRE(loop_of(H).loop().colours == 3);
    const Expr T = jacobian(H, x);
    const Expr w = sum(H * H) + 0.1 * sum(T);
    const Values at{tensor({6}, {0.1, -0.4, 0.3, 0.8, -0.2, 0.5})};
    check_against_fd(w, x, grad(w, x), at, tally);
    CHECK(tally.compared == 6);
}

TEST_CASE("what jacobian loops do not support is an error with a clear message") {
    Graph g;
    const Expr x = input(g, "x", {2}), X = input(g, "X", {2, 2}), A = input(g, "A", {2, 2, 2});
    SECTION("reverse mode through a loop over directions of rank 4") {
        const Expr z = input(g, "z", {1, 1, 1, 1});
        const Expr j = jacobian(sum(z * z * z), z); // forward: one direction of shape [1,1,1,1]
        CHECK_THROWS_WITH(grad(sum(j), z), Catch::Contains("directions have rank 4 are not available"));
    }
    SECTION("a result of more than four dimensions") {
        CHECK_THROWS_WITH(jacobian(A * sum(X), X), Catch::Contains("at most 4 are supported"));
    }
    SECTION("a hessian of a non-scalar") {
        CHECK_THROWS_WITH(hessian(x, x), Catch::Contains("hessian needs a scalar function"));
    }
}

TEST_CASE("banded jacobians run one compressed sweep per colour and recover exactly") {
    Graph g;
    const Expr x = input(g, "x", {20});
    const Expr pairs = reshape(x, {10, 2});
    SliceSpec col0, col1;
    col0.stop = {10, 1, 0, 0};
    col0.drop = 0b10;
    col1.start = {0, 1, 0, 0};
    col1.stop = {10, 2, 0, 0};
    col1.drop = 0b10;
    const Expr a = slice(pairs, col0), b = slice(pairs, col1);
    const Expr f = sum(100.0 * pow(b - a * a, 2.0) + pow(1.0 - a, 2.0));
    Rng rng(77);
    const Values at{random_tensor(rng, Shape{20}, -1.5, 1.5)};

    SECTION("the extended Rosenbrock Hessian: band 1, three colours, forward mode") {
        const Expr h = hessian(f, x);
        CHECK(loop_of(h).loop().colours == 3);
        CHECK(loop_of(h).loop().band == 1);
        const Tensor hv = eval(h, at);
        for (std::size_t i = 0; i < 20; ++i)
            for (std::size_t j = 0; j < 20; ++j) {
                const std::size_t p = i / 2;
                const double av = at[0][2 * p], bv = at[0][2 * p + 1];
                double want = 0.0;
                if (i / 2 == j / 2)
                    want = i != j ? -400 * av : i % 2 ? 200.0 : 1200 * av * av - 400 * bv + 2;
                CHECK(hv[i * 20 + j] == Approx(want).margin(1e-12));
            }
    }
    SECTION("a banded jacobian in reverse mode (rows compressed)") {
        SliceSpec head;
        head.stop[0] = 8; // 8 outputs of 20 inputs: reverse mode
        const Expr y = slice(sin(x) * x + exp(x * 0.1), head);
        const Expr j = jacobian(y, x);
        CHECK_FALSE(loop_of(j).loop().seed_axes_last);
        CHECK(loop_of(j).loop().colours == 1);
        FdTally tally;
        check_against_fd(y, x, j, at, tally);
        CHECK(tally.compared == 160);
    }
    SECTION("a dense jacobian is not compressed") {
        const Expr j = jacobian(sin(x) * sum(x), x);
        CHECK(loop_of(j).loop().colours == 0);
    }
}
