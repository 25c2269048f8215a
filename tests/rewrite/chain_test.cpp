// Long chains: the simplifier walks ids, never recursing over the graph, so a chain of
// 10^6 nodes simplifies without stack overflow, in a few seconds in optimised builds
// (the time bound is checked there only; sanitizers are an order of magnitude slower).
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/traverse.hpp"
#include "rewrite/simplify.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <ctime>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYMDIFF_REWRITE_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SYMDIFF_REWRITE_SANITIZED 1
#endif
#if defined(NDEBUG) && !defined(SYMDIFF_REWRITE_SANITIZED)
constexpr double chain_cpu_seconds = 4.0;
#else
constexpr double chain_cpu_seconds = 300.0;
#endif

using namespace symdiff;
using namespace symdiff::rewrite;

TEST_CASE("a 10^6-node chain simplifies without recursion") {
    Graph g;
    const Expr x = input(g, "x");
    Expr f = x;
    constexpr int levels = 333334; // three op nodes per level: sin, * 1, + 0
    for (int i = 0; i < levels; ++i)
        f = sin(f) * 1.0 + 0.0;
    const NodeId root = f.id();
    REQUIRE(reachable(g, std::span<const NodeId>(&root, 1)).size() > 1000000);

    const std::clock_t start = std::clock();
    Stats s;
    const NodeId out = simplify(g, std::span<const NodeId>(&root, 1), {}, &s)[0];
    const double seconds = double(std::clock() - start) / CLOCKS_PER_SEC;
    WARN("10^6-node chain: " << s.nodes_before << " -> " << s.nodes_after << " nodes, "
                             << s.rewrites << " rewrites, " << s.passes << " passes, " << seconds
                             << " s");
    CHECK(seconds < chain_cpu_seconds);
    CHECK(s.nodes_after == static_cast<std::size_t>(levels) + 1); // x and the sines
    CHECK(s.rewrites == 2u * levels);

    Bindings b(g);
    b.set("x", Tensor(0.7));
    const std::array<NodeId, 2> roots{root, out};
    const auto v = evaluate(g, roots, b);
    CHECK(v[0].item() == v[1].item());
}

TEST_CASE("the gradient of a long chain simplifies without recursion") {
    Graph g;
    const Expr x = input(g, "x");
    Expr f = x;
    for (int i = 0; i < 100000; ++i)
        f = -(-(sin(f) * 1.0)) + x * 0.0;
    const Expr d = grad(f, x);
    const std::array<NodeId, 2> roots{f.id(), d.id()};
    Stats s;
    const auto out = simplify(g, roots, {}, &s);
    CHECK(s.nodes_after < s.nodes_before);
    CHECK(s.passes < Options{}.max_passes);
    Bindings b(g);
    b.set("x", Tensor(0.3));
    const auto v0 = evaluate(g, roots, b);
    const auto v1 = evaluate(g, out, b);
    CHECK(v1[0].item() == Approx(v0[0].item()).epsilon(1e-12));
    CHECK(v1[1].item() == Approx(v0[1].item()).epsilon(1e-9));
}
