// Tests of the shared test helpers in tests/support: the finite-difference estimator
// (accuracy on smooth functions, and that it refuses to vouch for kinks and jumps), the
// portable seeded RNG, the tensor matcher, and the random expression generator
// (deterministic, well-typed, finite, and reaching every op of the table).
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random_expr.hpp"
#include "tests/support/tensor_compare.hpp"

#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace symdiff;
using namespace symdiff::test;

TEST_CASE("finite differences of smooth functions are accurate to ~1e-10", "[support]") {
    for (double x : {-2.0, -0.3, 0.0, 0.7, 5.0}) {
        const auto d = derivative([x](double t) { return std::sin(x + t); }, fd_step(x));
        REQUIRE(d.size() == 1);
        CHECK(d[0].reliable);
        CHECK(d[0].value == Approx(std::cos(x)).margin(1e-10));
        const auto e = derivative([x](double t) { return std::exp(3 * (x + t)); }, fd_step(x));
        CHECK(e[0].reliable);
        CHECK(e[0].value == Approx(3 * std::exp(3 * x)).epsilon(1e-9));
    }
}

TEST_CASE("finite differences flag a kink inside the stencil as unreliable", "[support]") {
    const double h = fd_step(0.0);
    for (double at : {0.0, h / 3, -h / 3, 0.9 * h, -0.7 * h}) {
        INFO("kink at distance " << at);
        const auto d = derivative([at](double t) { return std::fabs(t - at); }, h);
        CHECK_FALSE(d[0].reliable);
    }
    SECTION("but not a kink well outside it") {
        const auto d = derivative([](double t) { return std::fabs(t - 0.1); }, h);
        CHECK(d[0].reliable);
        CHECK(d[0].value == Approx(-1.0));
    }
}

TEST_CASE("finite differences flag jumps and non-finite values as unreliable", "[support]") {
    const double h = fd_step(0.0);
    CHECK_FALSE(derivative([h](double t) { return t > h / 4 ? 1.0 : 0.0; }, h)[0].reliable);
    CHECK_FALSE(derivative([](double t) { return std::log(t); }, 1e-4)[0].reliable);
}

TEST_CASE("finite differences work element-wise on tensor-valued functions", "[support]") {
    const auto d = derivative(
        [](double t) {
            return tensor({3}, {t * t, std::sin(t), std::fabs(t)});
        },
        1e-4);
    REQUIRE(d.size() == 3);
    CHECK(d[0].reliable);
    CHECK(d[0].value == Approx(0.0).margin(1e-12));
    CHECK(d[1].value == Approx(1.0).epsilon(1e-12));
    CHECK_FALSE(d[2].reliable);
}

TEST_CASE("the seeded RNG is reproducible and stays in range", "[support]") {
    Rng a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        const double x = a.real(-2.0, 3.0);
        CHECK(x == b.real(-2.0, 3.0));
        differs = differs || x != c.real(-2.0, 3.0);
        CHECK(x >= -2.0);
        CHECK(x < 3.0);
        const auto k = a.integer(-1, 4);
        CHECK(k == b.integer(-1, 4));
        CHECK(k >= -1);
        CHECK(k <= 4);
        c.integer(-1, 4);
    }
    CHECK(differs);
}

TEST_CASE("the tensor matcher compares shapes, values and NaNs", "[support]") {
    const Tensor t = tensor({2}, {1.0, 2.0});
    CHECK_THAT(t, IsClose(tensor({2}, {1.0, 2.0 + 1e-13})));
    CHECK_THAT(t, !IsClose(tensor({2}, {1.0, 2.001})));
    CHECK_THAT(t, !IsClose(tensor({1, 2}, {1.0, 2.0})));
    CHECK_THAT(t, !IsExactly(tensor({2}, {1.0, 2.0 + 1e-13})));
    const double nan = std::nan("");
    CHECK_THAT(tensor({1}, {nan}), IsExactly(tensor({1}, {nan})));
    CHECK_THAT(tensor({1}, {nan}), !IsClose(tensor({1}, {0.0})));
}

namespace {

std::string generated_listing(std::uint64_t seed) {
    Graph g;
    Rng rng(seed);
    const auto xs = random_inputs(g, rng, 3);
    RandomExprGenerator gen(xs, seed);
    return listing(gen(Shape{2, 3}));
}

} // namespace

TEST_CASE("the random expression generator is deterministic for a seed", "[support]") {
    CHECK(generated_listing(7) == generated_listing(7));
    CHECK(generated_listing(7) != generated_listing(8));
}

TEST_CASE("random expressions have the requested shape and finite values", "[support]") {
    int finite = 0;
    const int count = 300;
    for (int seed = 0; seed < count; ++seed) {
        Graph g;
        Rng rng(static_cast<std::uint64_t>(seed));
        const auto xs = random_inputs(g, rng, 3);
        RandomExprGenerator gen(xs, static_cast<std::uint64_t>(seed));
        const Shape s = Shape(std::vector<std::int64_t>(static_cast<std::size_t>(seed % 3), 2));
        const Expr e = gen(s);
        REQUIRE(e.shape() == s);
        finite += all_finite(eval(e, random_values(g, rng, -1.5, 1.5)));
    }
    CHECK(finite >= count * 95 / 100); // squashed domains keep almost all values finite
}

TEST_CASE("random expressions reach every op of the table", "[support]") {
    std::set<Op> seen;
    for (int seed = 0; seed < 400; ++seed) {
        Graph g;
        Rng rng(static_cast<std::uint64_t>(seed));
        const auto xs = random_inputs(g, rng, 3);
        RandomExprOptions opt;
        opt.jacobians = true; // seed loops too (reverse mode cannot cross them; see jacobian_test)
        RandomExprGenerator gen(xs, static_cast<std::uint64_t>(seed), opt);
        const Expr e = gen(seed % 2 ? Shape{} : Shape{3, 3});
        const NodeId root = e.id();
        for (NodeId id : reachable(g, std::span<const NodeId>(&root, 1)))
            seen.insert(g[id].op);
    }
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        if (op == Op::Carry || op == Op::Elem || op == Op::Fold) // loops of the model: the model fuzzer writes them (tests/fuzz/model_gen)
            continue;
        INFO("op " << name(op));
        CHECK(seen.count(op) == 1);
    }
}
