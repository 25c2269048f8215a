// core/dot: the DOT text of small graphs built with the C++ API. Values on edges and
// gradients on nodes are compared with numbers computed here by hand (the lecture circuit
// and a Hessian loop); derivative marking, label escaping and number formatting are
// checked on the text. Whether Graphviz accepts the text is tested in tests/tools.
#include "core/dot.hpp"

#include "core/differentiate.hpp"
#include "core/expr.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <set>
#include <sstream>

using namespace symdiff;

namespace {

std::string draw(const Graph& g, std::vector<NodeId> roots, const DotOptions& o = {}) {
    std::ostringstream out;
    write_dot(out, g, roots, o);
    return out.str();
}

// The statement of `dot` that starts with `start` ("n3[" for a node, "n3->n4 " for an
// edge); fails the test if there is none or more than one.
std::string statement(const std::string& dot, const std::string& start) {
    std::istringstream lines(dot);
    std::vector<std::string> found;
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with(start))
            found.push_back(line);
    INFO("statement starting with " << start << " in\n" << dot);
    REQUIRE(found.size() == 1);
    return found[0];
}

std::string node(const std::string& dot, NodeId id) {
    return statement(dot, "n" + std::to_string(id) + "[");
}

std::string edge(const std::string& dot, NodeId from, NodeId to) {
    return statement(dot, "n" + std::to_string(from) + "->n" + std::to_string(to) + " ");
}

// The text of the first <FONT COLOR="colour"> in `s`, or "" if there is none.
std::string in_colour(const std::string& s, std::string_view colour) {
    const std::string open = "<FONT COLOR=\"" + std::string(colour) + "\">";
    const auto at = s.find(open);
    if (at == std::string::npos)
        return "";
    const auto from = at + open.size();
    return s.substr(from, s.find("</FONT>", from) - from);
}

std::string value_on(const std::string& stmt) { return in_colour(stmt, dot_value_colour); }
std::string gradient_on(const std::string& stmt) { return in_colour(stmt, dot_gradient_colour); }

// The ids listed in the backward-pass cluster.
std::set<NodeId> backward_cluster(const std::string& dot) {
    std::set<NodeId> ids;
    const auto at = dot.find("subgraph cluster_backward {");
    if (at == std::string::npos)
        return ids;
    std::istringstream lines(dot.substr(at, dot.find('}', at) - at));
    for (std::string line; std::getline(lines, line);)
        if (line.size() > 2 && line[0] == 'n' && line.back() == ';')
            ids.insert(static_cast<NodeId>(std::stoul(line.substr(1))));
    return ids;
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("dot: every node the roots reach once, every operand slot one edge", "[dot]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr f = x * x + y;
    const Expr unused = exp(y);
    const std::string dot = draw(g, {f.id()});
    CHECK(dot.starts_with("digraph G {\n"));
    CHECK(dot.find("rankdir=LR;") != std::string::npos);
    const NodeId sq = (x * x).id(); // found, not made
    for (NodeId id : {x.id(), y.id(), sq, f.id()})
        CHECK_THAT(node(dot, id), Catch::Matchers::Contains("label=<"));
    CHECK(dot.find("n" + std::to_string(unused.id()) + "[") == std::string::npos);
    // x * x reads x twice: two parallel edges, each operand -> consumer
    CHECK(count(dot, "n" + std::to_string(x.id()) + "->n" + std::to_string(sq) + " ") == 2);
    CHECK(count(dot, "->") == 4);
    CHECK(dot.find("n" + std::to_string(f.id()) + "->") == std::string::npos); // a sink
    // labels: op names from the table, inputs by name, shapes of tensors
    CHECK_THAT(node(dot, sq),
               Catch::Matchers::StartsWith("n" + std::to_string(sq) + "[label=<mul>"));
    Graph h;
    const Expr w = input(h, "w", {3});
    const Expr s = slice(w, SliceSpec{{1}, {3}, 0});
    const std::string tensors = draw(h, {s.id()});
    CHECK_THAT(node(tensors, w.id()), Catch::Matchers::Contains("label=<w [3]"));
    CHECK_THAT(node(tensors, s.id()), Catch::Matchers::Contains("label=<slice [2]<BR/>"));
    CHECK_THAT(node(tensors, s.id()), Catch::Matchers::Contains(">at [1:3]<"));
}

TEST_CASE("dot: the lecture circuit carries its values on edges and gradients on nodes", "[dot]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y"), z = input(g, "z");
    const Expr q = x + y;
    const Expr f = q * z;
    const std::vector<Expr> d = grad(f, std::vector<Expr>{x, y, z});
    Bindings b(g);
    const double xv = -2, yv = 5, zv = -4;
    b.set("x", Tensor(xv));
    b.set("y", Tensor(yv));
    b.set("z", Tensor(zv));
    // by hand: q = x + y, f = q z; df/dq = z, df/dz = q, df/dx = df/dy = df/dq
    const double qv = xv + yv, fv = qv * zv, df_dq = zv, df_dz = qv, df_dx = df_dq;
    REQUIRE(qv == 3);
    REQUIRE(fv == -12);

    DotOptions o;
    o.results = {{"f", f.id()}, {"dx", d[0].id()}, {"dy", d[1].id()}, {"dz", d[2].id()}};
    o.primal = {f.id()};
    o.gradient_of = f.id();
    DotNumbers numbers = dot_numbers(g, std::vector<NodeId>{f.id()}, f.id(), b);
    CHECK(numbers.values.at(q.id())->item() == qv);
    CHECK(numbers.values.at(f.id())->item() == fv);
    CHECK(numbers.gradients.at(q.id())->item() == df_dq);
    CHECK(numbers.gradients.at(z.id())->item() == df_dz);
    CHECK(numbers.gradients.at(x.id())->item() == df_dx);
    CHECK(numbers.gradients.at(y.id())->item() == df_dx);
    CHECK(numbers.gradients.at(f.id())->item() == 1);
    o.values = std::move(numbers.values);
    o.gradients = std::move(numbers.gradients);
    const std::string dot = draw(g, {f.id()}, o);

    CHECK(value_on(edge(dot, x.id(), q.id())) == "-2");
    CHECK(value_on(edge(dot, y.id(), q.id())) == "5");
    CHECK(value_on(edge(dot, q.id(), f.id())) == "3");
    CHECK(value_on(edge(dot, z.id(), f.id())) == "-4");
    CHECK(value_on(statement(dot, "n" + std::to_string(f.id()) + " -> r0 ")) == "-12");
    CHECK(gradient_on(node(dot, f.id())) == "1");
    CHECK(gradient_on(node(dot, q.id())) == "-4");
    CHECK(gradient_on(node(dot, z.id())) == "3");
    CHECK(gradient_on(node(dot, x.id())) == "-4");
    CHECK(gradient_on(node(dot, y.id())) == "-4");
    // dx is the node z itself (d (q z)/dx = z): its result wire starts there
    CHECK(d[0].id() == z.id());
    CHECK(value_on(statement(dot, "n" + std::to_string(z.id()) + " -> r1 ")) == "-4");
    CHECK_THAT(statement(dot, "r1 "), Catch::Matchers::Contains("<B>dx</B>"));
    CHECK_THAT(node(dot, f.id()), Catch::Matchers::Contains("peripheries=2"));
    CHECK_THAT(dot, Catch::Matchers::Contains("red: d f / d node"));
    CHECK(backward_cluster(dot).empty()); // this gradient needs no new node
}

TEST_CASE("dot: nodes made by differentiation are marked, original ones are not", "[dot]") {
    Graph g;
    const Expr x = input(g, "x"), y = input(g, "y");
    const Expr s = sin(x);
    const Expr f = s * y;
    const Expr dx = grad(f, x); // y cos(x): cos and the product are new
    const Expr c = cos(x);      // found, not made: the node of the derivative
    DotOptions o;
    o.results = {{"f", f.id()}, {"dx", dx.id()}};
    o.primal = {f.id()};
    const std::string dot = draw(g, {f.id(), dx.id()}, o);
    CHECK(backward_cluster(dot) == std::set<NodeId>{c.id(), dx.id()});
    for (NodeId id : {c.id(), dx.id()})
        CHECK_THAT(node(dot, id), Catch::Matchers::Contains("filled"));
    for (NodeId id : {x.id(), y.id(), s.id(), f.id()})
        CHECK_THAT(node(dot, id), !Catch::Matchers::Contains("filled"));
    CHECK_THAT(edge(dot, c.id(), dx.id()), Catch::Matchers::Contains("color="));
    CHECK_THAT(edge(dot, s.id(), f.id()), !Catch::Matchers::Contains("color="));
    CHECK_THAT(dot, Catch::Matchers::Contains("filled: made by differentiation"));

    o.primal.clear(); // no primal function given: nothing is marked
    const std::string plain = draw(g, {f.id(), dx.id()}, o);
    CHECK(plain.find("cluster") == std::string::npos);
    CHECK(plain.find("filled") == std::string::npos);
}

TEST_CASE("dot: labels escape quotes, backslashes, line breaks, markup and bad bytes", "[dot]") {
    // Input names are identifiers (input() refuses others); a title and result names may
    // hold anything, and are drawn as labels.
    Graph g;
    const Expr a = input(g, "x"), b = input(g, "y"); // (an input named b is drawn <b>)
    const Expr r1 = a + b, r2 = a * b, r3 = a - b, r4 = a / b, r5 = sin(a);
    DotOptions o;
    o.title = "t\"i\\tle<>";
    o.results = {{"say \"hi\"", r1.id()},
                 {"back\\slash \\N", r2.id()},
                 {"two\nlines", r3.id()},
                 {"<b>&amp;", r4.id()},
                 {std::string("bell\x07 bad\xff\xfe utf8 \xc3\xbc\xc3\xafn"), r5.id()}};
    const std::string dot = draw(g, {r1.id(), r2.id(), r3.id(), r4.id(), r5.id()}, o);
    CHECK_THAT(dot, Catch::Matchers::Contains("say &quot;hi&quot;"));
    CHECK_THAT(dot, Catch::Matchers::Contains("back\\\\slash \\\\N"));
    CHECK_THAT(dot, Catch::Matchers::Contains("two<BR/>lines"));
    CHECK_THAT(dot, Catch::Matchers::Contains("&lt;b&gt;&amp;amp;"));
    CHECK_THAT(dot, Catch::Matchers::Contains("bell? bad?? utf8 \xc3\xbc\xc3\xafn"));
    CHECK_THAT(dot, Catch::Matchers::Contains("label=<t&quot;i\\\\tle&lt;&gt;<BR"));
    for (const char* raw : {"say \"hi\"", "back\\s", "two\nlines", "<b>", "\x07", "\xff"})
        CHECK(dot.find(raw) == std::string::npos);
}

TEST_CASE("dot: numbers exact when short, tensors listed when small", "[dot]") {
    CHECK(dot_number(-12) == "-12");
    CHECK(dot_number(0.125) == "0.125");
    CHECK(dot_number(0.7310585786300049) == "0.7311");
    CHECK(dot_number(-0.19661193324148185) == "-0.1966");
    CHECK(dot_number(123456.75) == "1.235e+05");
    CHECK(dot_number(1e-300) == "1e-300");
    CHECK(dot_number(std::numeric_limits<double>::infinity()) == "inf");
    CHECK(dot_number(-std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(dot_value(Tensor(2.5)) == "2.5");
    CHECK(dot_value(Tensor(Shape{3}, {2, -3, -3})) == "[2, -3, -3]");
    CHECK(dot_value(Tensor(Shape{2, 2}, {0.1, 0.5, -0.3, 0.8})) == "[[0.1, 0.5], [-0.3, 0.8]]");
    CHECK(dot_value(Tensor(Shape{1, 2, 1}, {1, 2})) == "[[[1], [2]]]");
    CHECK(dot_value(Tensor::filled(Shape{4, 5}, 1.0)) == "(4x5 values)");
    CHECK(dot_value(Tensor::filled(Shape{4, 5}, 1.0), 20) ==
          "[[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]");
}

TEST_CASE("dot: a Hessian loop has its value, and its body (evaluated per direction) has none",
          "[dot]") {
    Graph g;
    const Expr W = input(g, "W", {2, 2}), x = input(g, "x", {2});
    const Expr f = sum(pow(matmul(W, x), 2.0));
    const Expr H = hessian(f, x); // 2 W^T W
    Bindings b(g);
    const std::vector<double> w{0.1, 0.5, -0.3, 0.8};
    b.set("W", Tensor(Shape{2, 2}, w));
    b.set("x", Tensor(Shape{2}, {0.2, 0.4}));
    const DotNumbers numbers = dot_numbers(g, std::vector<NodeId>{f.id(), H.id()}, f.id(), b);
    REQUIRE(numbers.values.at(H.id()));
    const Tensor& h = *numbers.values[H.id()];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
            CHECK(h[static_cast<std::size_t>(2 * i + j)] ==
                  Approx(2 * (w[static_cast<std::size_t>(i)] * w[static_cast<std::size_t>(j)] +
                              w[static_cast<std::size_t>(2 + i)] *
                                  w[static_cast<std::size_t>(2 + j)])));
    const NodeId body = H.node().args[0], seed = H.node().args[1];
    CHECK_FALSE(numbers.values.at(body));
    CHECK_FALSE(numbers.values.at(seed));
    CHECK(numbers.values.at(f.id())->item() == Approx(0.116));
    CHECK_FALSE(numbers.gradients.at(H.id())); // f does not depend on its Hessian

    DotOptions o;
    o.results = {{"H", H.id()}};
    o.primal = {f.id()};
    o.values = numbers.values;
    const std::string dot = draw(g, {f.id()}, o);
    CHECK(value_on(edge(dot, body, H.id())).empty());
    CHECK_THAT(node(dot, H.id()), Catch::Matchers::Contains("one column per direction"));
    // f has no consumer in the picture: its value is written inside it
    CHECK(value_on(node(dot, f.id())) == "0.116");
}

TEST_CASE("dot error: gradients need a scalar", "[dot]") {
    Graph g;
    const Expr x = input(g, "x", {2});
    const Expr y = exp(x);
    Bindings b(g);
    b.set("x", Tensor(Shape{2}, {1, 2}));
    REQUIRE_THROWS_WITH(dot_numbers(g, std::vector<NodeId>{y.id()}, y.id(), b),
                        "gradients need a scalar function; node " + std::to_string(y.id()) +
                            " has shape [2]");
}
