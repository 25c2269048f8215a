// The Boost.Graph adapter (core/graph_adapter.hpp): vertex and edge counts match the
// graph, vertices map to nodes and back, edges run operand -> consumer with their slot,
// and boost::topological_sort gives an order in which children precede parents, as an
// independent check of the arena invariant on random graphs. Also Graphviz output.
#include "core/graph_adapter.hpp"

#include "core/differentiate.hpp"
#include "core/traverse.hpp"
#include "tests/support/random_expr.hpp"

#include <boost/graph/graphviz.hpp>
#include <boost/graph/topological_sort.hpp>

#include <catch2/catch.hpp>

#include <iterator>
#include <sstream>

using namespace symdiff;
using namespace symdiff::test;

namespace {

std::size_t operand_count(const Graph& g, std::span<const NodeId> nodes) {
    std::size_t n = 0;
    for (NodeId id : nodes)
        n += g[id].arity;
    return n;
}

} // namespace

TEST_CASE("the adapter of a whole graph has one vertex per node and one edge per operand",
          "[adapter]") {
    Graph g;
    const Expr x = input(g, "x", {3}), y = input(g, "y", {3});
    const Expr f = sum(x * x + sin(y));
    (void)cos(y); // not reached from f, but part of the whole graph
    const GraphAdapter a(g);
    CHECK(boost::num_vertices(a.bgl()) == g.size());
    std::size_t edges = 0;
    for (NodeId id = 0; id < g.size(); ++id)
        edges += g[id].arity;
    CHECK(boost::num_edges(a.bgl()) == edges);
    for (NodeId id = 0; id < g.size(); ++id) {
        REQUIRE(a.vertex(id));
        CHECK(a.node(*a.vertex(id)) == id);
        CHECK(boost::in_degree(*a.vertex(id), a.bgl()) == g[id].arity);
    }
    (void)f;
}

TEST_CASE("the adapter of what roots reach leaves out the rest", "[adapter]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr unused = exp(y);
    const Expr f = sin(x) * x;
    const NodeId root = f.id();
    const GraphAdapter a(g, std::span<const NodeId>(&root, 1));
    CHECK(boost::num_vertices(a.bgl()) == 3); // x, sin x, the product
    CHECK(boost::num_edges(a.bgl()) == 3);    // x -> sin, sin -> mul, x -> mul
    CHECK(a.contains(x.id()));
    CHECK_FALSE(a.contains(y.id()));
    CHECK_FALSE(a.contains(unused.id()));
    CHECK_FALSE(a.vertex(g.size() + 5));
}

TEST_CASE("edges run from operand to consumer and carry the operand slot", "[adapter]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr d = x - y, sq = x * x;
    const NodeId roots[] = {d.id(), sq.id()};
    const GraphAdapter a(g, roots);
    const auto v = [&](const Expr& e) { return *a.vertex(e.id()); };
    int seen = 0;
    for (auto [it, end] = boost::in_edges(v(d), a.bgl()); it != end; ++it) {
        const NodeId from = a.node(boost::source(*it, a.bgl()));
        CHECK(from == d.node().args[static_cast<std::size_t>(a.operand(*it))]);
        ++seen;
    }
    CHECK(seen == 2);
    SECTION("x * x gives two parallel edges") {
        CHECK(boost::in_degree(v(sq), a.bgl()) == 2);
        CHECK(boost::out_degree(v(x), a.bgl()) == 3); // into d, and twice into sq
    }
}

TEST_CASE("on random graphs, boost::topological_sort puts children before parents",
          "[adapter][random]") {
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        Graph g;
        Rng rng(seed);
        const auto xs = random_inputs(g, rng, 3);
        RandomExprGenerator gen(xs, seed);
        const Expr f = gen(Shape{});
        const auto d = grad(f, xs);
        std::vector<NodeId> roots{f.id()};
        for (const Expr& e : d)
            roots.push_back(e.id());
        const auto nodes = reachable(g, roots);
        const GraphAdapter a(g, roots);
        INFO("seed " << seed);
        REQUIRE(boost::num_vertices(a.bgl()) == nodes.size());
        REQUIRE(boost::num_edges(a.bgl()) == operand_count(g, nodes));

        std::vector<GraphAdapter::Vertex> order; // reverse topological order
        boost::topological_sort(a.bgl(), std::back_inserter(order));
        REQUIRE(order.size() == nodes.size());
        std::vector<std::size_t> position(order.size());
        for (std::size_t k = 0; k < order.size(); ++k)
            position[order[k]] = order.size() - 1 - k; // position in topological order
        for (auto [it, end] = boost::edges(a.bgl()); it != end; ++it) {
            const auto u = boost::source(*it, a.bgl()), w = boost::target(*it, a.bgl());
            CHECK(position[u] < position[w]); // Boost: operands first
            CHECK(a.node(u) < a.node(w));     // the arena: smaller ids first
            CHECK(u < w);                     // vertex numbering follows ids
        }
    }
}

TEST_CASE("labels and Graphviz output", "[adapter]") {
    Graph g;
    const Expr x = input(g, "x", {2});
    const Expr f = x * 2.5;
    const NodeId root = f.id();
    const GraphAdapter a(g, std::span<const NodeId>(&root, 1));
    CHECK(a.label(*a.vertex(x.id())) == "x [2]");
    CHECK(a.label(*a.vertex(f.id())) == "mul [2]");
    CHECK(a.label(*a.vertex(f.node().args[1])) == "2.5 [2]");
    std::ostringstream os;
    boost::write_graphviz(os, a.bgl(), [&](std::ostream& out, GraphAdapter::Vertex v) {
        out << "[label=\"" << a.label(v) << "\"]";
    });
    const std::string dot = os.str();
    CHECK_THAT(dot, Catch::Matchers::Contains("[label=\"x [2]\"]"));
    CHECK_THAT(dot, Catch::Matchers::Contains("[label=\"mul [2]\"]"));
    CHECK_THAT(dot, Catch::Matchers::Contains("->"));
}
