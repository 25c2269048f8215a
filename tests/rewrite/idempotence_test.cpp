// The simplifier on a corpus of random expressions and their gradients (seeded): it is
// idempotent (simplify(simplify e) == simplify e, as node ids), reaches its fixpoint
// before the pass cap, is deterministic across graphs, and preserves values (by the
// interpreter) - exactly in strict mode, to a tolerance at well-conditioned points
// otherwise.
#include "core/differentiate.hpp"
#include "core/traverse.hpp"
#include "random_expr.hpp"
#include "rewrite/rule.hpp"
#include "rewrite/simplify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace symdiff;
using namespace symdiff::rewrite;
using namespace symdiff::rewrite::testing;

namespace {

const std::vector<Shape>& corpus_shapes() {
    static const std::vector<Shape> s{Shape{}, Shape{3}, Shape{2}, Shape{2, 3}, Shape{3, 2}};
    return s;
}

// Roots for seed k: an expression and, every other seed, its gradient by every input.
std::vector<NodeId> corpus_roots(Graph& g, std::uint64_t k) {
    RandomExprs gen(g, k);
    const Shape& s = corpus_shapes()[k % corpus_shapes().size()];
    const Expr e = gen.make(s, 2 + static_cast<int>(k % 3));
    std::vector<NodeId> roots{e.id()};
    if (k % 2 == 0) {
        const Expr f = e.shape().is_scalar() ? e : sum(e);
        for (const Expr& d : grad(f, gen.inputs()))
            roots.push_back(d.id());
    }
    return roots;
}

Bindings inputs_at(const Graph& g, std::mt19937_64& rng, double scale) {
    Bindings b = random_inputs(g, rng, -2.0, 2.0);
    if (scale != 1.0)
        for (std::size_t i = 0; i < g.inputs().size(); ++i) {
            Tensor t = *b.get(static_cast<int>(i));
            for (double& e : t.data())
                e *= scale;
            b.set(static_cast<int>(i), t);
        }
    return b;
}

// Values agree where the original is finite and well conditioned (moving the inputs by
// a relative 1e-10 moves it by less than the tolerance); in strict mode, everywhere.
struct Agreement {
    int compared = 0, skipped = 0;
    std::vector<std::string> errors;
};

void compare(const Graph& g, std::span<const NodeId> before, std::span<const NodeId> after,
             std::uint64_t seed, bool strict, Agreement& out) {
    std::mt19937_64 rng(seed);
    for (int point = 0; point < 3; ++point) {
        std::mt19937_64 copy = rng;
        const Bindings b = inputs_at(g, rng, 1.0);
        const Bindings nudged = inputs_at(g, copy, 1.0 + 1e-10);
        const auto v0 = values(g, before, b);
        const auto v1 = values(g, after, b);
        const auto vn = values(g, before, nudged);
        for (std::size_t r = 0; r < v0.size(); ++r)
            for (std::size_t e = 0; e < v0[r].size(); ++e) {
                const double a = v0[r][e], s = v1[r][e];
                if (strict) {
                    ++out.compared;
                    if (!same_value(a, s))
                        out.errors.push_back("strict: " + std::to_string(a) + " became " +
                                             std::to_string(s));
                    continue;
                }
                if (!std::isfinite(a) || !close(a, vn[r][e], 1e-7)) {
                    ++out.skipped;
                    continue;
                }
                ++out.compared;
                if (!close(a, s, 1e-6))
                    out.errors.push_back("seed " + std::to_string(seed) + ": " + std::to_string(a) +
                                         " became " + std::to_string(s));
            }
    }
}

void run_corpus(bool strict, int count) {
    Options opt;
    opt.strict = strict;
    Agreement agree;
    std::size_t rewrites = 0, before_nodes = 0, after_nodes = 0;
    std::map<std::string, std::size_t> applied;
    for (int k = 0; k < count; ++k) {
        Graph g;
        const std::vector<NodeId> roots = corpus_roots(g, static_cast<std::uint64_t>(k));
        Stats s1, s2;
        const std::vector<NodeId> once = simplify(g, roots, opt, &s1);
        const std::vector<NodeId> twice = simplify(g, once, opt, &s2);
        INFO("seed " << k);
        CHECK(s1.passes < opt.max_passes); // reached a fixpoint
        CHECK(twice == once);              // idempotent
        CHECK(s2.rewrites == 0);
        CHECK(s1.nodes_after == reachable(g, once).size());
        rewrites += s1.rewrites;
        before_nodes += s1.nodes_before;
        after_nodes += s1.nodes_after;
        for (const auto& [name, n] : s1.applied)
            applied[name] += n;
        compare(g, roots, once, static_cast<std::uint64_t>(k) + 1000, strict, agree);
    }
    for (const auto& e : agree.errors)
        FAIL_CHECK(e);
    INFO("compared " << agree.compared << ", skipped " << agree.skipped);
    CHECK(agree.compared > 20 * count);
    CHECK(agree.skipped < agree.compared / 2);
    CHECK(rewrites > static_cast<std::size_t>(count)); // the corpus exercises the rules
    CHECK(after_nodes < before_nodes);
    std::size_t inexact = 0;
    for (const auto& [name, n] : applied)
        for (const Rule& r : all_rules())
            if (r.name == name && r.category() != Category::exact)
                inexact += n;
    if (strict)
        CHECK(inexact == 0); // strict mode applies only exact rules
    else
        CHECK(inexact > 0);
    WARN((strict ? "strict" : "default")
         << " corpus: " << count << " expressions, " << before_nodes << " nodes -> " << after_nodes
         << ", " << rewrites << " rewrites, " << applied.size() << " distinct rules");
}

} // namespace

TEST_CASE("simplify is idempotent and preserves values on a random corpus") {
    run_corpus(false, 400);
}

TEST_CASE("strict mode is idempotent, applies only exact rules and keeps values bit for bit") {
    run_corpus(true, 400);
}

TEST_CASE("simplify is deterministic: the same input gives the same graph") {
    for (std::uint64_t k = 0; k < 40; ++k) {
        Graph g1, g2;
        const auto r1 = simplify(g1, corpus_roots(g1, k));
        const auto r2 = simplify(g2, corpus_roots(g2, k));
        REQUIRE(r1 == r2); // ids are equal because the same nodes were made in the same order
        const auto n1 = reachable(g1, r1);
        const auto n2 = reachable(g2, r2);
        REQUIRE(n1 == n2);
        for (std::size_t i = 0; i < n1.size(); ++i)
            CHECK(same_node(g1[n1[i]], g2[n2[i]]));
    }
}
