// Differentiation against independent references: grad of random well-typed expressions
// vs central differences (skipping, and counting, stencils that meet a kink), jvp vs
// differences and vs vjp, second derivatives (mixed partials, Hessian-vector products),
// fourth derivatives vs closed forms, a 10^6-node chain, and the API's errors.
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random_expr.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace symdiff;
using namespace symdiff::test;
using Catch::Matchers::Equals;

namespace {

// Symbolic vs FD: FD error is ~1e-10 (finite_diff.hpp), a kink that escapes the
// reliability test moves it by < 1e-6 of the slope jump.
constexpr Tolerance grad_tol{1e-6, 1e-6};

// Random inputs x0, x1, x2, a random expression y of a random shape, and a point.
struct RandomCase {
    Graph g;
    std::vector<Expr> xs;
    Expr y;
    Values at;
    Rng rng;

    RandomCase(std::uint64_t seed, RandomExprOptions opt, int max_rank = 2)
        : rng(seed * 0x9e3779b97f4a7c15ull + 12345) {
        xs = random_inputs(g, rng, 3);
        std::vector<std::int64_t> dims(static_cast<std::size_t>(rng.integer(0, max_rank)));
        for (auto& d : dims)
            d = rng.integer(1, 3);
        RandomExprGenerator gen(xs, rng.next(), opt);
        y = gen(Shape(dims));
    }
    // One more input (weights, tangents, cotangents), declared before draw_values().
    Expr extra(const std::string& name, const Shape& s) { return input(g, name, s); }
    // Random values for every input, in declaration order (so `at` matches inputs()).
    void draw_values() { at = random_values(g, rng, -1.5, 1.5); }
    const Tensor& value(const Expr& input) const {
        return at[static_cast<std::size_t>(input.node().input_index())];
    }
};

RandomExprOptions deep() {
    RandomExprOptions o;
    o.depth = 5;
    o.leaf_probability = 0.1;
    return o;
}

bool finite(const std::vector<Tensor>& ts) { return std::all_of(ts.begin(), ts.end(), all_finite); }

} // namespace

TEST_CASE("grad of 300 random expressions matches central differences", "[diff][random]") {
    FdTally tally;
    int nonfinite = 0;
    const int count = 300;
    for (int seed = 0; seed < count; ++seed) {
        RandomCase c(static_cast<std::uint64_t>(seed), deep());
        // A scalar function: the expression itself, or its weighted sum (random weights w
        // make the cotangent reaching the expression non-uniform).
        std::vector<Expr> vars = c.xs;
        Expr f = c.y;
        if (!c.y.shape().is_scalar()) {
            const Expr w = c.extra("w", c.y.shape());
            f = sum(c.y * w);
            vars.push_back(w);
        }
        c.draw_values();
        const std::vector<Expr> d = grad(f, vars);
        std::vector<Expr> roots{f};
        roots.insert(roots.end(), d.begin(), d.end());
        const auto v = eval_all(c.g, roots, c.at);
        if (!finite(v)) {
            ++nonfinite;
            continue;
        }
        const auto fn = [&](const Values& at) { return eval(f, at); };
        for (std::size_t k = 0; k < vars.size(); ++k)
            for (std::size_t i = 0; i < c.at[k].size(); ++i) {
                const FdEstimate fd = partial(fn, c.at, static_cast<int>(k), i)[0];
                if (!fd.reliable) {
                    ++tally.skipped;
                    continue;
                }
                ++tally.compared;
                const double sym = v[1 + k][i];
                INFO("seed " << seed << ", d/d " << c.g.inputs()[k].name << "[" << i << "]: grad "
                             << sym << ", fd " << fd.value << "\n"
                             << listing(f));
                CHECK(close(sym, fd.value, grad_tol));
            }
    }
    INFO("compared " << tally.compared << ", skipped " << tally.skipped << ", non-finite "
                     << nonfinite);
    CHECK(tally.compared > 2000);
    CHECK(tally.skipped_fraction() < 0.05);
    CHECK(nonfinite < count / 20);
}

TEST_CASE("jvp of random expressions matches central differences", "[diff][random]") {
    FdTally tally;
    for (int seed = 0; seed < 120; ++seed) {
        RandomCase c(static_cast<std::uint64_t>(1000 + seed), deep());
        std::vector<Expr> ts;
        for (std::size_t k = 0; k < c.xs.size(); ++k)
            ts.push_back(c.extra(indexed("t", k), c.xs[k].shape()));
        c.draw_values();
        const auto fn = [&](const Values& at) { return eval(c.y, at); };
        for (std::size_t k = 0; k < c.xs.size(); ++k) {
            const Tensor jv = eval(jvp(c.y, c.xs[k], ts[k]), c.at);
            REQUIRE(jv.shape() == c.y.shape());
            if (!all_finite(jv) || !all_finite(eval(c.y, c.at)))
                continue;
            const auto fd = directional(fn, c.at, static_cast<int>(k), c.value(ts[k]));
            for (std::size_t i = 0; i < jv.size(); ++i) {
                if (!fd[i].reliable) {
                    ++tally.skipped;
                    continue;
                }
                ++tally.compared;
                INFO("seed " << seed << ", along x" << k << ", element " << i << ": jvp " << jv[i]
                             << ", fd " << fd[i].value << "\n"
                             << listing(c.y));
                CHECK(close(jv[i], fd[i].value, grad_tol));
            }
        }
    }
    INFO("compared " << tally.compared << ", skipped " << tally.skipped);
    CHECK(tally.compared > 500);
    CHECK(tally.skipped_fraction() < 0.05);
}

TEST_CASE("vjp and jvp of random expressions satisfy <vjp(g), t> = <g, jvp(t)>", "[diff][random]") {
    for (int seed = 0; seed < 120; ++seed) {
        RandomCase c(static_cast<std::uint64_t>(2000 + seed), deep());
        std::vector<Expr> ts;
        for (std::size_t k = 0; k < c.xs.size(); ++k)
            ts.push_back(c.extra(indexed("t", k), c.xs[k].shape()));
        const Expr cot = c.extra("g", c.y.shape());
        c.draw_values();
        const std::vector<Expr> back = vjp(c.y, c.xs, cot);
        for (std::size_t k = 0; k < c.xs.size(); ++k) {
            const std::vector<Expr> roots{back[k], jvp(c.y, c.xs[k], ts[k])};
            const auto v = eval_all(c.g, roots, c.at);
            if (!finite(v))
                continue;
            double lhs = 0, rhs = 0, scale = 0;
            for (std::size_t i = 0; i < v[0].size(); ++i) {
                lhs += v[0][i] * c.value(ts[k])[i];
                scale += std::fabs(v[0][i] * c.value(ts[k])[i]);
            }
            for (std::size_t i = 0; i < v[1].size(); ++i) {
                rhs += c.value(cot)[i] * v[1][i];
                scale += std::fabs(c.value(cot)[i] * v[1][i]);
            }
            INFO("seed " << seed << ", x" << k << ": <vjp, t> = " << lhs << ", <g, jvp> = " << rhs
                         << "\n"
                         << listing(c.y));
            // Two summation orders of the same products: rounding relative to their size.
            CHECK(std::fabs(lhs - rhs) <= 1e-12 * (1 + scale));
        }
    }
}

TEST_CASE("mixed second partials agree in both orders and with differences of the gradient",
          "[diff][second]") {
    FdTally tally;
    RandomExprOptions opt;
    opt.depth = 4;
    for (int seed = 0; seed < 80; ++seed) {
        Graph g;
        Rng rng(static_cast<std::uint64_t>(3000 + seed));
        const Expr x = input(g, "x"), y = input(g, "y"), z = input(g, "z", {2});
        const std::vector<Expr> xs{x, y, z};
        RandomExprGenerator gen(xs, rng.next(), opt);
        const Expr f = gen(Shape{});
        const Expr fx = grad(f, x), fy = grad(f, y);
        const std::vector<Expr> roots{grad(fx, y), grad(fy, x)};
        const Values at = random_values(g, rng, -1.5, 1.5);
        const auto v = eval_all(g, roots, at);
        if (!finite(v))
            continue;
        INFO("seed " << seed << ": f_xy " << v[0].item() << ", f_yx " << v[1].item() << "\n"
                     << listing(f));
        CHECK(close(v[0].item(), v[1].item(), {1e-9, 1e-9}));
        const FdEstimate fd = partial([&](const Values& a) { return eval(fx, a); }, at, 1, 0)[0];
        if (!fd.reliable) {
            ++tally.skipped;
            continue;
        }
        ++tally.compared;
        INFO("d/dy of f_x by differences: " << fd.value);
        CHECK(close(v[0].item(), fd.value, grad_tol));
    }
    CHECK(tally.compared > 60);
}

TEST_CASE("Hessian-vector products by reverse-over-reverse, forward-over-reverse and "
          "differences of the gradient agree",
          "[diff][second]") {
    FdTally tally;
    RandomExprOptions opt;
    opt.depth = 4;
    for (int seed = 0; seed < 80; ++seed) {
        Graph g;
        Rng rng(static_cast<std::uint64_t>(4000 + seed));
        const Expr x = input(g, "x", {3}), y = input(g, "y", {2, 3});
        const std::vector<Expr> xs{x, y};
        RandomExprGenerator gen(xs, rng.next(), opt);
        const Expr f = gen(Shape{});
        const Expr v = input(g, "v", {3});
        const Expr gx = grad(f, x);
        const std::vector<Expr> roots{grad(sum(gx * v), x), jvp(gx, x, v)};
        const Values at = random_values(g, rng, -1.5, 1.5);
        const auto h = eval_all(g, roots, at);
        if (!finite(h))
            continue;
        INFO("seed " << seed << "\n" << listing(f));
        CHECK_THAT(h[0], IsClose(h[1], {1e-9, 1e-9}));
        const auto fd = directional([&](const Values& a) { return eval(gx, a); }, at, 0, at[2]);
        for (std::size_t i = 0; i < 3; ++i) {
            if (!fd[i].reliable) {
                ++tally.skipped;
                continue;
            }
            ++tally.compared;
            INFO("element " << i << ": hvp " << h[0][i] << ", fd " << fd[i].value);
            CHECK(close(h[0][i], fd[i].value, grad_tol));
        }
    }
    CHECK(tally.compared > 180);
}

TEST_CASE("the Hessian of a quadratic form is the symmetrised matrix", "[diff][second]") {
    Graph g;
    const Expr x = input(g, "x", {2}), a = input(g, "A", {2, 2}), v = input(g, "v", {2});
    const Expr f = dot(x, matmul(a, x)); // x^T A x: Hessian A + A^T
    const Values at{tensor({2}, {0.3, -0.7}), tensor({2, 2}, {1, 2, 3, 4}), tensor({2}, {1, 0.5})};
    const Expr gx = grad(f, x);
    // (A + A^T) v = [[2, 5], [5, 8]] [1, 0.5] = [4.5, 9]
    CHECK_THAT(eval(grad(sum(gx * v), x), at), IsClose(tensor({2}, {4.5, 9}), {1e-15, 0}));
    CHECK_THAT(eval(jvp(gx, x, v), at), IsClose(tensor({2}, {4.5, 9}), {1e-15, 0}));
}

TEST_CASE("fourth derivatives of non-polynomials match closed forms", "[diff][higher]") {
    struct Case {
        const char* name;
        std::function<Expr(Expr)> f;
        std::function<double(double)> d4;
        double lo, hi;
    };
    const std::vector<Case> cases{
        {"x exp(x) -> (x + 4) exp(x)", [](Expr x) { return x * exp(x); },
         [](double x) { return (x + 4) * std::exp(x); }, -2, 2},
        {"sin -> sin", [](Expr x) { return sin(x); }, [](double x) { return std::sin(x); }, -3, 3},
        {"cos -> cos", [](Expr x) { return cos(x); }, [](double x) { return std::cos(x); }, -3, 3},
        {"log -> -6 / x^4", [](Expr x) { return log(x); },
         [](double x) { return -6 / std::pow(x, 4); }, 0.5, 3},
        {"1 / (1 + x) -> 24 / (1 + x)^5", [](Expr x) { return 1.0 / (1.0 + x); },
         [](double x) { return 24 / std::pow(1 + x, 5); }, 0, 2},
        {"exp(2x) -> 16 exp(2x)", [](Expr x) { return exp(2.0 * x); },
         [](double x) { return 16 * std::exp(2 * x); }, -1, 1},
        {"sqrt -> -15/16 x^(-7/2)", [](Expr x) { return sqrt(x); },
         [](double x) { return -15.0 / 16 * std::pow(x, -3.5); }, 0.5, 3},
        {"x^2.5 -> 2.5 1.5 0.5 (-0.5) x^(-1.5)", [](Expr x) { return pow(x, 2.5); },
         [](double x) { return 2.5 * 1.5 * 0.5 * -0.5 * std::pow(x, -1.5); }, 0.5, 3},
    };
    Rng rng(55);
    for (const Case& c : cases) {
        Graph g;
        const Expr x = input(g, "x");
        const Expr d4 = diff(c.f(x), x, 4);
        for (int i = 0; i < 10; ++i) {
            const double at = rng.real(c.lo, c.hi);
            INFO(c.name << " at " << at);
            CHECK(eval(d4, {Tensor(at)}).item() == Approx(c.d4(at)).epsilon(1e-12).margin(1e-12));
        }
    }
}

TEST_CASE("the fourth derivative of exp(sin x) matches differences of the third",
          "[diff][higher]") {
    Graph g;
    const Expr x = input(g, "x");
    const Expr f = exp(sin(x));
    const Expr d3 = diff(f, x, 3), d4 = diff(f, x, 4);
    Rng rng(66);
    for (int i = 0; i < 10; ++i) {
        const Values at{Tensor(rng.real(-3, 3))};
        const FdEstimate fd = partial([&](const Values& a) { return eval(d3, a); }, at, 0, 0)[0];
        REQUIRE(fd.reliable);
        CHECK(close(eval(d4, at).item(), fd.value, {1e-8, 1e-8}));
    }
}

TEST_CASE("diff of order 0 and 1", "[diff][higher]") {
    Graph g;
    const Expr x = input(g, "x");
    const Expr f = sin(x) * x;
    CHECK(diff(f, x, 0).id() == f.id());
    CHECK(diff(f, x, 1).id() == grad(f, x).id());
}

TEST_CASE("grad of a 10^6-node chain is computed without recursion", "[diff][chain]") {
    Graph g;
    const Expr x = input(g, "x");
    // f_{k+1} = sin(f_k) + x: two nodes a step; f'_{k+1} = cos(f_k) f'_k + 1.
    constexpr int steps = 500000;
    Expr f = x;
    for (int i = 0; i < steps; ++i)
        f = sin(f) + x;
    CHECK(f.id() >= 1000000);
    const Expr d = grad(f, x);
    const double x0 = 0.3;
    double fv = x0, dv = 1.0;
    for (int i = 0; i < steps; ++i) {
        dv = std::cos(fv) * dv + 1.0;
        fv = std::sin(fv) + x0;
    }
    const std::vector<Expr> roots{f, d};
    const auto v = eval_all(g, roots, {Tensor(x0)});
    CHECK(v[0].item() == Approx(fv).epsilon(1e-12));
    CHECK(v[1].item() == Approx(dv).epsilon(1e-12));
}

TEST_CASE("stacked kinks cost a bounded number of nodes per layer", "[diff][chain]") {
    // Each layer's partials are where-masks, and masks are kept outside products by
    // distributing over the cotangent's branches; unbounded, that copied every earlier
    // layer's masks into each product (3^n work: 18 layers took 48 s). Now each product
    // distributes a bounded number of times, in reverse and forward mode alike.
    Graph g;
    const Expr x = input(g, "x", {3}), t = input(g, "t", {3});
    constexpr int layers = 1000;
    Expr h = x;
    for (int i = 0; i < layers; ++i)
        h = abs(h) + relu(h);
    const Expr f = sum(h);
    const NodeId own = g.size();
    const Expr d = grad(f, x);
    CHECK(g.size() - own < 8 * own);
    const NodeId before_jvp = g.size();
    const Expr j = jvp(f, x, t);
    CHECK(g.size() - before_jvp < 8 * own);
    // d/dx of abs(h) + relu(h) is 2 for h > 0, -1 for h < 0 and 0 at 0: 2^1000 overflows,
    // so take 10 layers of the same form for the values.
    Graph small;
    const Expr y = input(small, "y", {3}), s = input(small, "s", {3});
    Expr k = y;
    for (int i = 0; i < 10; ++i)
        k = abs(k) + relu(k);
    const std::vector<Expr> roots{grad(sum(k), y), jvp(sum(k), y, s)};
    const auto v = eval_all(
        small, roots, {Tensor(Shape{3}, {0.5, -0.5, 0.0}), Tensor(Shape{3}, {1.0, 1.0, 1.0})});
    CHECK(v[0][0] == 1024.0);
    CHECK(v[0][1] == -512.0); // the first layer maps -0.5 to 0.5: -1 * 2^9
    CHECK(v[0][2] == 0.0);
    CHECK(v[1].item() == 512.0);
    CHECK(d.shape() == x.shape());
    CHECK(j.shape().is_scalar());
}

TEST_CASE("grad is zero for variables the function does not use", "[diff]") {
    Graph g;
    const Expr x = input(g, "x", {2}), y = input(g, "y", {2, 2});
    const Expr f = sum(exp(x));
    const Expr late = input(g, "late", {3}); // declared after f
    const std::vector<Expr> vars{y, late};
    const auto d = grad(f, vars);
    const Values at{tensor({2}, {0, 1}), tensor({2, 2}, {1, 2, 3, 4}), tensor({3}, {1, 2, 3})};
    CHECK_THAT(eval(d[0], at), IsExactly(tensor({2, 2}, {0, 0, 0, 0})));
    CHECK_THAT(eval(d[1], at), IsExactly(tensor({3}, {0, 0, 0})));
    CHECK_THAT(eval(jvp(f, late, ones(g, {3})), at), IsExactly(Tensor(0.0)));
}

TEST_CASE("grad of a variable by itself is one", "[diff]") {
    Graph g;
    const Expr x = input(g, "x", {2});
    CHECK_THAT(eval(vjp(x, std::vector<Expr>{x}, ones(g, {2}))[0], {tensor({2}, {5, 6})}),
               IsExactly(tensor({2}, {1, 1})));
    CHECK_THAT(eval(jvp(x, x, ones(g, {2})), {tensor({2}, {5, 6})}),
               IsExactly(tensor({2}, {1, 1})));
}

TEST_CASE("differentiation API errors", "[diff][errors]") {
    Graph g, h;
    const Expr x = input(g, "x", {3}), s = input(g, "s"), other = input(h, "o");
    CHECK_THROWS_WITH(grad(exp(x), x), Equals("grad needs a scalar function, got shape [3]"));
    CHECK_THROWS_WITH(vjp(exp(x), std::vector<Expr>{x}, ones(g, {2})),
                      Equals("cotangent has shape [2], the function has [3]"));
    CHECK_THROWS_WITH(jvp(exp(x), x, ones(g, {2})),
                      Equals("jvp: the tangent has shape [2], the variable has [3]"));
    CHECK_THROWS_WITH(grad(sum(x), other),
                      Equals("grad: the variable is not a node of the function's graph"));
    CHECK_THROWS_WITH(diff(sin(s), s, -1), Equals("derivative order must be non-negative, got -1"));
    CHECK_THROWS_WITH(diff(sum(x), x, 2),
                      Equals("diff needs a scalar function of a scalar variable"));
}
