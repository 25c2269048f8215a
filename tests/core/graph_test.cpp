// Graph invariants (docs/architecture.md, core/graph.hpp): hash-consing with commutative ops
// canonicalised (but not max/min, whose ties pick the first operand), constants interned
// by bit pattern, children before parents, the O(1) construction folds, determinism,
// and the shape errors `make` raises, one test per message.
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/graph.hpp"
#include "core/ops.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/random_expr.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace symdiff;
using namespace symdiff::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

TEST_CASE("structurally equal nodes share one id", "[graph]") {
    Graph g;
    const Expr x = input(g, "x", {3}), y = input(g, "y", {3});
    CHECK((x + y).id() == (x + y).id());
    CHECK(sin(x * y).id() == sin(x * y).id());
    CHECK(slice(x, window({{0, 2}})).id() == slice(x, window({{0, 2}})).id());
    const NodeId before = g.size();
    (void)exp(x - y);
    const NodeId after = g.size();
    (void)exp(x - y);
    CHECK(g.size() == after);
    CHECK(after == before + 2);
}

TEST_CASE("nodes that differ in op, operands, shape or payload get different ids", "[graph]") {
    Graph g;
    const Expr x = input(g, "x", {3}), y = input(g, "y", {3});
    CHECK((x + y).id() != (x - y).id());
    CHECK(sin(x).id() != sin(y).id());
    CHECK(broadcast(x, {2, 3}).id() != broadcast(x, {4, 3}).id());
    CHECK(slice(x, window({{0, 2}})).id() != slice(x, window({{1, 3}})).id());
    CHECK(slice(x, window({{1, 2}})).id() != slice(x, window({{1, 2}}, 1)).id());
}

TEST_CASE("commutative add, mul, eq and ne are canonicalised", "[graph]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    CHECK((x + y).id() == (y + x).id());
    CHECK((x * y).id() == (y * x).id());
    CHECK(eq(x, y).id() == eq(y, x).id());
    CHECK(ne(x, y).id() == ne(y, x).id());
}

TEST_CASE("non-commutative ops keep their operand order", "[graph]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    CHECK((x - y).id() != (y - x).id());
    CHECK((x / y).id() != (y / x).id());
    CHECK(pow(x, y).id() != pow(y, x).id());
    CHECK(lt(x, y).id() != lt(y, x).id());
}

TEST_CASE("max and min are not reordered, since a tie sends the gradient to the first", "[graph]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr m1 = max(y, x), m2 = max(x, y);
    CHECK(m1.id() != m2.id());
    CHECK(m1.node().args[0] == y.id());
    CHECK(min(y, x).id() != min(x, y).id());
    CHECK(min(y, x).node().args[0] == y.id());
}

TEST_CASE("constants are interned by bit pattern", "[graph]") {
    Graph g;
    SECTION("equal values share a node") {
        CHECK(g.constant(1.5) == g.constant(1.5));
        CHECK(g.constant(1.5, {2}) == g.constant(1.5, {2}));
    }
    SECTION("0.0 and -0.0 are different nodes") {
        CHECK(g.constant(0.0) != g.constant(-0.0));
        CHECK(std::signbit(g[g.constant(-0.0)].value()));
    }
    SECTION("a NaN constant interns with itself") {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        CHECK(g.constant(nan) == g.constant(nan));
    }
    SECTION("the same value in different shapes is different nodes") {
        CHECK(g.constant(1.0) != g.constant(1.0, {2}));
    }
}

TEST_CASE("interning survives growth of the hash table", "[graph]") {
    Graph g;
    const Expr x = input(g, "x");
    std::vector<NodeId> ids;
    Expr e = x;
    for (int i = 0; i < 5000; ++i) { // the table starts at 1024 slots
        e = sin(e);
        ids.push_back(e.id());
    }
    const NodeId size = g.size();
    e = x;
    for (int i = 0; i < 5000; ++i) {
        e = sin(e);
        REQUIRE(e.id() == ids[static_cast<std::size_t>(i)]);
    }
    CHECK(g.size() == size);
}

TEST_CASE("operands have smaller ids than their nodes, derivatives included", "[graph]") {
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        Graph g;
        Rng rng(seed);
        const auto xs = random_inputs(g, rng, 3);
        RandomExprGenerator gen(xs, seed);
        const Expr f = gen(Shape{});
        (void)grad(f, xs);
        (void)jvp(f, xs[0], ones(g, xs[0].shape()));
        for (NodeId id = 0; id < g.size(); ++id)
            for (NodeId a : g[id].operands())
                REQUIRE(a < id);
    }
}

TEST_CASE("the same construction gives the same graph", "[graph]") {
    auto build = [](std::uint64_t seed) {
        Graph g;
        Rng rng(seed);
        const auto xs = random_inputs(g, rng, 3);
        RandomExprGenerator gen(xs, seed);
        const Expr f = gen(Shape{});
        const auto d = grad(f, xs);
        std::vector<NodeId> roots{f.id()};
        for (const Expr& e : d)
            roots.push_back(e.id());
        return listing(g, roots);
    };
    for (std::uint64_t seed = 0; seed < 20; ++seed)
        CHECK(build(seed) == build(seed));
}

TEST_CASE("compact keeps what the roots reach, alike and in order, and every input", "[graph]") {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        Graph g;
        Rng rng(seed);
        const auto xs = random_inputs(g, rng, 3);
        const Expr unused = input(g, "unused", {2});
        RandomExprGenerator gen(xs, seed);
        const Expr f = gen(Shape{});
        (void)gen(Shape{}); // dead nodes
        std::vector<NodeId> roots{f.id()};
        for (const Expr& e : grad(f, xs))
            roots.push_back(e.id());
        const Expr w = slice(input(g, "v", {3}) * 2.0, window({{0, 1}}));
        roots.push_back(w.id());

        std::vector<NodeId> map;
        const auto h = Graph::compact(g, roots, map);
        const std::vector<NodeId> kept = reachable(g, roots);
        REQUIRE(h->inputs().size() == g.inputs().size());
        for (std::size_t i = 0; i < g.inputs().size(); ++i) {
            CHECK(h->inputs()[i].name == g.inputs()[i].name);
            CHECK(map[g.inputs()[i].node] == h->inputs()[i].node);
        }
        CHECK(map[unused.id()] != no_node);
        std::size_t inputs_unreached = 0;
        for (const InputInfo& in : g.inputs())
            inputs_unreached += !std::binary_search(kept.begin(), kept.end(), in.node);
        CHECK(h->size() == kept.size() + inputs_unreached); // nothing else

        NodeId last = 0;
        for (const NodeId id : kept) {
            const Node &a = g[id], &b = (*h)[map[id]];
            CHECK(a.op == b.op);
            CHECK(a.shape == b.shape);
            CHECK(same_payload(a.payload(), b.payload()));
            for (std::size_t k = 0; k < a.arity; ++k)
                CHECK(b.args[k] == map[a.args[k]]);
            if (a.op != Op::Input) { // inputs come first; the rest keeps its order
                CHECK(map[id] > last);
                last = map[id];
            }
        }
        std::vector<NodeId> new_roots;
        for (const NodeId r : roots)
            new_roots.push_back(map[r]);
        Rng vr(seed + 100);
        const Values v = random_values(g, vr);
        const Bindings bg = test::bind(g, v), bh = test::bind(*h, v);
        const auto before = evaluate(g, roots, bg), after = evaluate(*h, new_roots, bh);
        for (std::size_t k = 0; k < roots.size(); ++k)
            CHECK_THAT(after[k], IsExactly(before[k]));
    }
}

TEST_CASE("element-wise ops of constants fold to a constant", "[graph][fold]") {
    Graph g;
    const Expr c = constant(g, 0.0), two = constant(g, 2.0, {3});
    CHECK(exp(c).is_constant(1.0));
    CHECK(exp(c).node().is_const());
    const Expr s = two + constant(g, 3.0, {3});
    CHECK(s.is_constant(5.0));
    CHECK(s.shape() == Shape{3});
    CHECK(where(constant(g, 1.0), constant(g, 4.0), constant(g, 5.0)).is_constant(4.0));
    SECTION("a scalar constant meeting a tensor constant broadcasts, then folds") {
        const Expr t = constant(g, 2.0) * two;
        CHECK(t.is_constant(4.0));
        CHECK(t.shape() == Shape{3});
    }
}

TEST_CASE("shape no-ops vanish at construction", "[graph][fold]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3}), v = input(g, "v", {3});
    CHECK(broadcast(x, {2, 3}).id() == x.id());
    CHECK(sum_to(x, {2, 3}).id() == x.id());
    CHECK(logsumexp_to(x, {2, 3}).id() == x.id());
    CHECK(reshape(x, {2, 3}).id() == x.id());
    CHECK(transpose(v).id() == v.id());
    CHECK(slice(x, window({{0, 2}, {0, 3}})).id() == x.id());
    CHECK(embed(x, window({{0, 2}, {0, 3}}), {2, 3}).id() == x.id());
}

TEST_CASE("chains of reshape and of broadcast collapse to one node", "[graph][fold]") {
    Graph g;
    const Expr x = input(g, "x", {2, 3}), v = input(g, "v", {3});
    const Expr r = reshape(reshape(x, {6}), {3, 2});
    CHECK(r.node().op == Op::Reshape);
    CHECK(r.node().args[0] == x.id());
    CHECK(reshape(reshape(x, {6}), {2, 3}).id() == x.id());
    const Expr b = broadcast(broadcast(v, {2, 3}), {4, 2, 3});
    CHECK(b.node().op == Op::Broadcast);
    CHECK(b.node().args[0] == v.id());
}

TEST_CASE("views of constants fold, and zero-filling views fold only zero", "[graph][fold]") {
    Graph g;
    const Expr c = constant(g, 2.0, {3}), z = zeros(g, {3});
    CHECK(broadcast(c, {2, 3}).is_constant(2.0));
    CHECK(broadcast(c, {2, 3}).shape() == Shape{2, 3});
    CHECK(reshape(c, {3, 1}).is_constant(2.0));
    CHECK(slice(c, window({{1, 2}}, 1)).is_constant(2.0));
    CHECK(diag(z).is_constant(0.0));
    CHECK(diag(z).shape() == Shape{3, 3});
    CHECK_FALSE(diag(c).node().is_const()); // 2 on the diagonal, 0 elsewhere
    CHECK_FALSE(sum_to(c, {}).node().is_const());
}

TEST_CASE("tril of a matrix is a tril node, not the matrix itself", "[graph][fold]") {
    Graph g;
    const Expr a = input(g, "a", {3, 3});
    const Expr t = tril(a);
    CHECK(t.id() != a.id());
    CHECK_THAT(eval(t, {{"a", tensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}}),
               IsExactly(tensor({3, 3}, {1, 0, 0, 4, 5, 0, 7, 8, 9})));
    SECTION("of a single column it is the identity") {
        const Expr col = input(g, "col", {3, 1});
        CHECK_THAT(eval(tril(col), {{"col", tensor({3, 1}, {1, 2, 3})}}),
                   IsExactly(tensor({3, 1}, {1, 2, 3})));
    }
    SECTION("of a constant it keeps its zeros above the diagonal") {
        CHECK_THAT(eval(tril(ones(g, {2, 2})), {{"a", Tensor(Shape{3, 3})}}),
                   IsExactly(tensor({2, 2}, {1, 0, 1, 1})));
    }
}

TEST_CASE("make rejects element-wise operands of different shapes", "[graph][errors]") {
    Graph g;
    const NodeId a = g.add_input("a", {2}), b = g.add_input("b", {3});
    CHECK_THROWS_WITH(g.make(Op::Add, {a, b}), Contains("add") && Contains("[2] and [3]"));
}

TEST_CASE("make rejects a wrong number of operands and leaves", "[graph][errors]") {
    Graph g;
    const NodeId a = g.add_input("a", {});
    CHECK_THROWS_WITH(g.make(Op::Add, {a}), Contains("add takes 2 operands, got 1"));
    CHECK_THROWS_WITH(g.make(Op::Input, {}), Contains("leaves are made by input() and constant()"));
    CHECK_THROWS_WITH(g.make(Op::Neg, {a + 7}), Contains("operand id out of range"));
}

TEST_CASE("make rejects matmul of wrong ranks or inner dimensions", "[graph][errors]") {
    Graph g;
    const NodeId m = g.add_input("m", {2, 3}), v = g.add_input("v", {2}), s = g.add_input("s", {}),
                 t = g.add_input("t", {2, 2, 2});
    CHECK_THROWS_WITH(g.make(Op::MatMul, {m, v}),
                      Equals("@: inner dimensions differ: [2,3] @ [2]"));
    CHECK_THROWS_WITH(g.make(Op::MatMul, {t, v}),
                      Equals("@ needs vectors or matrices, got [2,2,2] @ [2]"));
    CHECK_THROWS_WITH(g.make(Op::MatMul, {s, v}),
                      Equals("@ needs vectors or matrices, got [] @ [2]"));
}

TEST_CASE("make rejects broadcasts and reductions between incompatible shapes", "[graph][errors]") {
    Graph g;
    const NodeId x = g.add_input("x", {2, 3});
    CHECK_THROWS_WITH(g.make(Op::Broadcast, {x}, {}, Shape{3, 2}),
                      Equals("shape [2,3] does not broadcast to [3,2]"));
    CHECK_THROWS_WITH(g.make(Op::SumTo, {x}, {}, Shape{2}),
                      Equals("sum: shape [2,3] cannot be reduced to [2]"));
    CHECK_THROWS_WITH(g.make(Op::LogSumExpTo, {x}, {}, Shape{4, 2, 3}),
                      Equals("logsumexp: shape [2,3] cannot be reduced to [4,2,3]"));
}

TEST_CASE("make rejects a reshape that changes the number of elements", "[graph][errors]") {
    Graph g;
    const NodeId x = g.add_input("x", {2, 3});
    CHECK_THROWS_WITH(g.make(Op::Reshape, {x}, {}, Shape{4}),
                      Equals("cannot reshape [2,3] (6 elements) to [4] (4 elements)"));
}

TEST_CASE("make rejects slices outside the tensor", "[graph][errors]") {
    Graph g;
    const NodeId x = g.add_input("x", {3});
    CHECK_THROWS_WITH(g.make(Op::Slice, {x}, window({{1, 4}})),
                      Equals("index 1:4 is out of range for axis 0 of shape [3]"));
    CHECK_THROWS_WITH(g.make(Op::Slice, {x}, window({{3, 4}}, 1)),
                      Equals("index 3 is out of range for axis 0 of shape [3]"));
    CHECK_THROWS_WITH(g.make(Op::Slice, {x}, window({{2, 2}})),
                      Equals("index 2:2 is out of range for axis 0 of shape [3]"));
    CHECK_THROWS_WITH(g.make(Op::Slice, {x}, window({{0, 1}, {0, 1}})),
                      Equals("too many indices for shape [3]"));
}

TEST_CASE("make rejects an embed whose operand does not fill the window", "[graph][errors]") {
    Graph g;
    const NodeId x = g.add_input("x", {2});
    CHECK_THROWS_WITH(g.make(Op::Embed, {x}, window({{1, 4}}), Shape{5}),
                      Equals("embed: shape [2] does not fill window [3] of [5]"));
}

TEST_CASE("make rejects diag, diag_part and tril of the wrong ranks", "[graph][errors]") {
    Graph g;
    const NodeId v = g.add_input("v", {3}), m = g.add_input("m", {2, 3});
    CHECK_THROWS_WITH(g.make(Op::Diag, {m}), Equals("diag needs a vector, got shape [2,3]"));
    CHECK_THROWS_WITH(g.make(Op::DiagPart, {v}), Equals("diagonal needs a matrix, got shape [3]"));
    CHECK_THROWS_WITH(g.make(Op::DiagPart, {m}), Equals("diagonal of a non-square matrix [2,3]"));
    CHECK_THROWS_WITH(g.make(Op::Tril, {v}), Equals("tril needs a matrix, got shape [3]"));
}

TEST_CASE("inputs are declared once, with valid shapes", "[graph][errors]") {
    Graph g;
    g.add_input("x", {2});
    CHECK_THROWS_WITH(g.add_input("x", {3}), Equals("input 'x' is already declared"));
    CHECK_THROWS_WITH(Shape({1, 2, 3, 4, 5}), Equals("tensors have at most 4 dimensions, got 5"));
    CHECK_THROWS_WITH(Shape({2, 0}), Equals("dimension 0 must be positive"));
    CHECK(g.find_input("x") == 0);
    CHECK_FALSE(g.find_input("y"));
}
