// The model language, construct by construct: precedence, statements and line
// structure, every indexing form, every function, derivatives, and what a Model
// records. Values are checked by evaluating the parsed (unsimplified) graph.
#include "lang/builtins.hpp"
#include "tools/tools_test_util.hpp"

#include "core/ops.hpp"

#include <cmath>
#include <numbers>

using namespace symdiff;
using namespace symdiff::test;

namespace {

double scalar(const std::string& expr) { return value_of(expr).item(); }

// Evaluates "r = EXPR" over inputs declared by `decl`, at the given values.
Tensor eval_expr(const std::string& decl, const std::string& params, const std::string& expr,
                 const std::map<std::string, Tensor>& values) {
    return eval_model(decl + "\nexport e(" + params + ") -> r = " + expr + "\n", "e", values).at(0);
}

const Tensor v3{Shape{3}, {1.0, 2.0, 3.0}};
const Tensor m23{Shape{2, 3}, {1, 2, 3, 4, 5, 6}};

Tensor on_x(const std::string& expr, const Tensor& x = v3) {
    return eval_expr("input x[" + std::to_string(x.size()) + "]", "x", expr, {{"x", x}});
}
Tensor on_a(const std::string& expr) { return eval_expr("input A[2, 3]", "A", expr, {{"A", m23}}); }

} // namespace

TEST_CASE("precedence: + - looser than * / looser than unary minus looser than ^") {
    CHECK(scalar("2 + 3 * 4") == 14);
    CHECK(scalar("(2 + 3) * 4") == 20);
    CHECK(scalar("2 * 3 ^ 2") == 18);
    CHECK(scalar("-2 ^ 2") == -4); // -(2^2)
    CHECK(scalar("(-2) ^ 2") == 4);
    CHECK(scalar("2 ^ 3 ^ 2") == 512);  // right associative
    CHECK(scalar("2 ^ -1") == 0.5);     // unary minus in an exponent
    CHECK(scalar("2 ^ -1 ^ 2") == 0.5); // 2^(-(1^2))
    CHECK(scalar("10 - 4 - 3") == 3);   // left associative
    CHECK(scalar("8 / 4 / 2") == 1);
    CHECK(scalar("- - 3") == 3);
    CHECK(scalar("2 * -3") == -6);
    CHECK(scalar("1 - -1") == 2);
    CHECK(scalar("6 / 2 * 3") == 9);
}

TEST_CASE("unary minus binds looser than power on inputs") {
    CHECK(eval_expr("input x", "x", "-x^2", {{"x", Tensor(3.0)}}).item() == -9);
    CHECK(eval_expr("input x", "x", "-x * 2", {{"x", Tensor(3.0)}}).item() == -6);
}

TEST_CASE("@ has the precedence of * and associates left") {
    const Tensor a{Shape{2, 2}, {1, 2, 3, 4}};
    const Tensor v{Shape{2}, {1, -1}};
    // 2 * A @ v = (2 A) v = (-2, -2)
    const Tensor r = eval_expr("input A[2,2], v[2]", "A, v", "2 * A @ v", {{"A", a}, {"v", v}});
    CHECK(elements(r) == std::vector<double>{-2, -2});
    // A @ v + v: @ binds tighter than +
    const Tensor s = eval_expr("input A[2,2], v[2]", "A, v", "A @ v + v", {{"A", a}, {"v", v}});
    CHECK(elements(s) == std::vector<double>{0, -2});
    // v @ A @ v = (v A) v
    const Tensor t = eval_expr("input A[2,2], v[2]", "A, v", "v @ A @ v", {{"A", a}, {"v", v}});
    CHECK(t.item() == 0); // vA = (-2, -2); (-2, -2).(1, -1) = 0
}

TEST_CASE("number literals and pi") {
    CHECK(scalar("3") == 3);
    CHECK(scalar("1e-3") == 1e-3);
    CHECK(scalar("1.5E+2") == 150);
    CHECK(scalar(".5") == 0.5);
    CHECK(scalar("2.") == 2);
    CHECK(scalar("-0.5") == -0.5);
    CHECK(scalar("pi") == std::numbers::pi);
    CHECK(scalar("0.1") == 0.1); // read exactly as the nearest double
}

TEST_CASE("statements: newlines, semicolons, comments, blank lines, CRLF") {
    const std::string src = "# a model\n"
                            "\n"
                            "input x, y   # two scalars\n"
                            "a = x * 2; b = y + 1\n"
                            ";;\n"
                            "export e(x, y) -> a, b ; export g(x) -> a\n";
    auto r = eval_model(src, "e", {{"x", Tensor(3.0)}, {"y", Tensor(4.0)}});
    CHECK(r[0].item() == 6);
    CHECK(r[1].item() == 5);
    std::string crlf = "input x\r\nf = x * 3\r\nexport e(x) -> f\r\n";
    CHECK(eval_model(crlf, "e", {{"x", Tensor(2.0)}})[0].item() == 6);
    // no newline at the end of the file
    CHECK(eval_model("input x\nexport e(x) -> f = x + 1", "e", {{"x", Tensor(2.0)}})[0].item() ==
          3);
    // a comment may hold UTF-8 text
    CHECK(eval_model("# ŷ = σ(z) — caf\xC3\xA9\ninput x\nexport e(x) -> f = x", "e",
                     {{"x", Tensor(2.0)}})[0]
              .item() == 2);
}

TEST_CASE("a line continues after a trailing operator, a comma or inside brackets") {
    const std::string src = "input x,\n"
                            "      y\n"
                            "f = x +   # a comment does not end the continuation\n"
                            "    y *\n"
                            "    2\n"
                            "g = sum(\n"
                            "  x\n"
                            ")\n"
                            "h = (x\n"
                            "     - y)\n"
                            "k =\n"
                            "  x\n"
                            "export e(x, y) ->\n"
                            "  f,\n"
                            "  g, h,\n"
                            "  k\n";
    auto r = eval_model(src, "e", {{"x", Tensor(1.0)}, {"y", Tensor(5.0)}});
    CHECK(r[0].item() == 11);
    CHECK(r[1].item() == 1);
    CHECK(r[2].item() == -4);
    CHECK(r[3].item() == 1);
}

TEST_CASE("inputs: scalars and tensors of rank 1 to 4") {
    const Model m =
        parse_model("input s, v[3], A[2, 3], T[2, 1, 2], Q[1, 2, 1, 2]\n"
                    "export e(s, v, A, T, Q) -> r = s + sum(v) + sum(A) + sum(T) + sum(Q)\n",
                    "m.sd");
    const auto& in = m.graph->inputs();
    REQUIRE(in.size() == 5);
    CHECK(in[0].shape == Shape{});
    CHECK(in[1].shape == Shape{3});
    CHECK(in[2].shape == Shape{2, 3});
    CHECK(in[3].shape == Shape{2, 1, 2});
    CHECK(in[4].shape == Shape{1, 2, 1, 2});
    CHECK(in[2].name == "A");
}

TEST_CASE("indexing: integers, rows, negative indices and chains") {
    CHECK(on_x("x[0]").item() == 1);
    CHECK(on_x("x[2]").item() == 3);
    CHECK(on_x("x[-1]").item() == 3);
    CHECK(on_x("x[-3]").item() == 1);
    CHECK(on_a("A[1, 0]").item() == 4);
    CHECK(on_a("A[-1, -2]").item() == 5);
    CHECK(on_a("A[0][2]").item() == 3);
    const Tensor row = on_a("A[1]");
    CHECK(row.shape() == Shape{3});
    CHECK(elements(row) == std::vector<double>{4, 5, 6});
}

TEST_CASE("indexing: slices of vectors") {
    CHECK(elements(on_x("x[1:3]")) == std::vector<double>{2, 3});
    CHECK(elements(on_x("x[:2]")) == std::vector<double>{1, 2});
    CHECK(elements(on_x("x[1:]")) == std::vector<double>{2, 3});
    CHECK(elements(on_x("x[:]")) == std::vector<double>{1, 2, 3});
    CHECK(elements(on_x("x[-2:]")) == std::vector<double>{2, 3});
    CHECK(elements(on_x("x[:-1]")) == std::vector<double>{1, 2});
    CHECK(on_x("x[1:2]").shape() == Shape{1}); // a slice keeps its axis
}

TEST_CASE("indexing: columns and blocks of matrices") {
    const Tensor col = on_a("A[:, 1]");
    CHECK(col.shape() == Shape{2});
    CHECK(elements(col) == std::vector<double>{2, 5});
    const Tensor block = on_a("A[0:2, 1:3]");
    CHECK(block.shape() == Shape{2, 2});
    CHECK(elements(block) == std::vector<double>{2, 3, 5, 6});
    CHECK(elements(on_a("A[1, 1:]")) == std::vector<double>{5, 6});
    CHECK(elements(on_a("A[:, -1]")) == std::vector<double>{3, 6});
    CHECK(on_a("A[1:, :]").shape() == Shape{1, 3});
}

TEST_CASE("indexing binds tighter than power and unary minus") {
    CHECK(on_x("-x[1]^2").item() == -4);
    CHECK(on_x("(x * 2)[2]").item() == 6);
}

TEST_CASE("element-wise functions match <cmath>") {
    const double x = 0.7;
    const std::map<std::string, double> expected = {
        {"exp", std::exp(x)},
        {"log", std::log(x)},
        {"sqrt", std::sqrt(x)},
        {"sin", std::sin(x)},
        {"cos", std::cos(x)},
        {"tan", std::tan(x)},
        {"tanh", std::tanh(x)},
        {"sigmoid", 1 / (1 + std::exp(-x))},
        {"relu", x},
        {"abs", x},
        {"log1p", std::log1p(x)},
        {"expm1", std::expm1(x)},
        {"softplus", std::log1p(std::exp(x))},
    };
    for (const auto& [fn, want] : expected) {
        INFO(fn);
        CHECK(scalar(fn + "(0.7)") == Approx(want).epsilon(1e-15));
    }
    CHECK(scalar("relu(-0.7)") == 0);
    CHECK(scalar("abs(-0.7)") == 0.7);
    CHECK(scalar("pow(2, 10)") == 1024);
    CHECK(scalar("max(2, 3)") == 3);
    CHECK(scalar("min(2, 3)") == 2);
}

TEST_CASE("element-wise functions apply to tensors and broadcast") {
    CHECK(elements(on_x("exp(x)")) ==
          std::vector<double>{std::exp(1.0), std::exp(2.0), std::exp(3.0)});
    CHECK(elements(on_x("max(x, 2)")) == std::vector<double>{2, 2, 3});
    CHECK(elements(on_x("pow(x, 2)")) == std::vector<double>{1, 4, 9});
    const Tensor b = eval_expr("input A[2, 3], v[3]", "A, v", "A + v", {{"A", m23}, {"v", v3}});
    CHECK(elements(b) == std::vector<double>{2, 4, 6, 5, 7, 9});
}

TEST_CASE("where with every comparison") {
    CHECK(elements(on_x("where(x < 2, 1, 0)")) == std::vector<double>{1, 0, 0});
    CHECK(elements(on_x("where(x <= 2, 1, 0)")) == std::vector<double>{1, 1, 0});
    CHECK(elements(on_x("where(x > 2, 1, 0)")) == std::vector<double>{0, 0, 1});
    CHECK(elements(on_x("where(x >= 2, 1, 0)")) == std::vector<double>{0, 1, 1});
    CHECK(elements(on_x("where(x == 2, 1, 0)")) == std::vector<double>{0, 1, 0});
    CHECK(elements(on_x("where(x != 2, 1, 0)")) == std::vector<double>{1, 0, 1});
    CHECK(elements(on_x("where(x + 1 > 2 * x - 1, x, -x)")) == std::vector<double>{1, -2, -3});
    CHECK(elements(on_x("where(x, x, 0)")) == std::vector<double>{1, 2, 3}); // any value as a mask
}

TEST_CASE("where: conditions combined with and, or, not, and the literal inf") {
    // x = [1, 2, 3]
    CHECK(elements(on_x("where(x > 1 and x < 3, 1, 0)")) == std::vector<double>{0, 1, 0});
    CHECK(elements(on_x("where(x < 2 or x > 2, 1, 0)")) == std::vector<double>{1, 0, 1});
    CHECK(elements(on_x("where(not x == 2, 1, 0)")) == std::vector<double>{1, 0, 1});
    CHECK(elements(on_x("where(not not x == 2, 1, 0)")) == std::vector<double>{0, 1, 0});
    // or is looser than and: x == 1 or (x == 2 and x == 3)
    CHECK(elements(on_x("where(x == 1 or x == 2 and x == 3, 1, 0)")) ==
          std::vector<double>{1, 0, 0});
    CHECK(elements(on_x("where((x == 1 or x == 2) and x == 2, 1, 0)")) ==
          std::vector<double>{0, 1, 0});
    // not is tighter than and
    CHECK(elements(on_x("where(not x == 1 and not x == 3, 1, 0)")) ==
          std::vector<double>{0, 1, 0});
    CHECK(elements(on_x("where((x + 1) * 2 > 5 and x, 1, 0)")) == std::vector<double>{0, 1, 1});
    CHECK(elements(on_x("where(x > 2, inf, -inf)")) ==
          std::vector<double>{-HUGE_VAL, -HUGE_VAL, HUGE_VAL});
}

TEST_CASE("reductions: sum, mean, logsumexp with and without an axis") {
    CHECK(on_a("sum(A)").item() == 21);
    CHECK(elements(on_a("sum(A, 0)")) == std::vector<double>{5, 7, 9});
    CHECK(elements(on_a("sum(A, 1)")) == std::vector<double>{6, 15});
    CHECK(elements(on_a("sum(A, -1)")) == std::vector<double>{6, 15});
    CHECK(on_a("mean(A)").item() == 3.5);
    CHECK(elements(on_a("mean(A, 0)")) == std::vector<double>{2.5, 3.5, 4.5});
    CHECK(on_x("logsumexp(x)").item() ==
          Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));
    const Tensor l = on_a("logsumexp(A, 1)");
    CHECK(l[0] == Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));
    CHECK(l[1] == Approx(std::log(std::exp(4.0) + std::exp(5.0) + std::exp(6.0))));
}

TEST_CASE("reductions: amax, amin, prod with and without an axis, ties, zeros and NaN") {
    CHECK(on_a("amax(A)").item() == 6);
    CHECK(on_a("amin(A)").item() == 1);
    CHECK(on_a("prod(A)").item() == 720);
    CHECK(elements(on_a("amax(A, 0)")) == std::vector<double>{4, 5, 6});
    CHECK(elements(on_a("amax(A, -1)")) == std::vector<double>{3, 6});
    CHECK(elements(on_a("amin(A, 1)")) == std::vector<double>{1, 4});
    CHECK(elements(on_a("amin(A, -2)")) == std::vector<double>{1, 2, 3});
    CHECK(elements(on_a("prod(A, 0)")) == std::vector<double>{4, 10, 18});
    CHECK(elements(on_a("prod(A, -1)")) == std::vector<double>{6, 120});
    CHECK(on_a("amax(A, 0)").shape() == Shape{3});
    // A tie sends the whole gradient to the first of the tied elements.
    const Tensor tie{Shape{4}, {2, -1, 2, -1}};
    CHECK(on_x("amax(x)", tie).item() == 2);
    CHECK(on_x("amin(x)", tie).item() == -1);
    CHECK(elements(on_x("grad(amax(x), x)", tie)) == std::vector<double>{1, 0, 0, 0});
    CHECK(elements(on_x("grad(amin(x), x)", tie)) == std::vector<double>{0, 1, 0, 0});
    CHECK(elements(on_x("jvp(amin(x), x, x)", tie)) == std::vector<double>{-1});
    const Tensor rows{Shape{2, 3}, {5, 1, 5, 7, 7, 7}};
    CHECK(elements(eval_expr("input A[2, 3]", "A", "grad(sum(amax(A, 1)), A)", {{"A", rows}})) ==
          std::vector<double>{1, 0, 0, 1, 0, 0});
    CHECK(elements(eval_expr("input A[2, 3]", "A", "grad(sum(amax(A, 0)), A)", {{"A", rows}})) ==
          std::vector<double>{0, 0, 0, 1, 1, 1});
    CHECK(elements(eval_expr("input A[2, 3]", "A", "grad(sum(amin(A, -2)), A)", {{"A", rows}})) ==
          std::vector<double>{1, 1, 1, 0, 0, 0});
    // A NaN wins; infinities are ordinary values.
    const double nan = std::nan("");
    CHECK(std::isnan(on_x("amax(x)", Tensor{Shape{3}, {1, nan, 3}}).item()));
    CHECK(std::isnan(on_x("amin(x)", Tensor{Shape{3}, {nan, 1, 3}}).item()));
    CHECK(std::isnan(on_x("prod(x)", Tensor{Shape{3}, {1, nan, 0}}).item()));
    CHECK(on_x("amax(x)", Tensor{Shape{2}, {-HUGE_VAL, -HUGE_VAL}}).item() == -HUGE_VAL);
    CHECK(on_x("amin(x)", Tensor{Shape{2}, {HUGE_VAL, 1}}).item() == 1);
    // prod's gradient is the product of the others, also at zeros.
    CHECK(elements(on_x("grad(prod(x), x)")) == std::vector<double>{6, 3, 2});
    CHECK(elements(on_x("grad(prod(x), x)", Tensor{Shape{3}, {2, 0, 3}})) ==
          std::vector<double>{0, 6, 0});
    CHECK(elements(on_x("grad(prod(x), x)", Tensor{Shape{3}, {0, 0, 3}})) ==
          std::vector<double>{0, 0, 0});
    CHECK(elements(on_x("hessian(prod(x), x)", Tensor{Shape{3}, {0, 0, 3}})) ==
          std::vector<double>{0, 3, 0, 3, 0, 0, 0, 0, 0});
    CHECK(elements(on_x("hessian(prod(x), x)", Tensor{Shape{3}, {2, 0, 3}})) ==
          std::vector<double>{0, 3, 0, 3, 0, 2, 0, 2, 0});
}

TEST_CASE("softmax over an axis and over everything") {
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    const Tensor s = on_x("softmax(x, 0)");
    CHECK(s[0] == Approx(std::exp(1.0) / z));
    CHECK(s[2] == Approx(std::exp(3.0) / z));
    CHECK(on_x("sum(softmax(x))").item() == Approx(1.0));
    const Tensor rows = on_a("softmax(A, 1)");
    CHECK(rows[0] + rows[1] + rows[2] == Approx(1.0));
    CHECK(rows[3] == Approx(std::exp(4.0) / (std::exp(4.0) + std::exp(5.0) + std::exp(6.0))));
}

TEST_CASE("transpose, dot, diag, tril") {
    const Tensor t = on_a("transpose(A)");
    CHECK(t.shape() == Shape{3, 2});
    CHECK(elements(t) == std::vector<double>{1, 4, 2, 5, 3, 6});
    CHECK(on_x("dot(x, x)").item() == 14);
    CHECK(elements(on_a("dot(A, ones(3))")) == std::vector<double>{6, 15});
    CHECK(scalar("dot(2, 3)") == 6);
    const Tensor d = on_x("diag(x)");
    CHECK(d.shape() == Shape{3, 3});
    CHECK(elements(d) == std::vector<double>{1, 0, 0, 0, 2, 0, 0, 0, 3});
    const Tensor l = eval_expr("input M[3, 3]", "M", "tril(M)",
                               {{"M", Tensor(Shape{3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}});
    CHECK(elements(l) == std::vector<double>{1, 0, 0, 4, 5, 0, 7, 8, 9});
}

TEST_CASE("zeros, ones, eye, reshape") {
    const Tensor z = value_of("zeros(2, 3)");
    CHECK(z.shape() == Shape{2, 3});
    CHECK(elements(z) == std::vector<double>(6, 0.0));
    CHECK(value_of("ones(2, 1, 2, 1)").shape() == Shape{2, 1, 2, 1});
    CHECK(elements(value_of("ones(3)")) == std::vector<double>(3, 1.0));
    CHECK(elements(value_of("eye(2)")) == std::vector<double>{1, 0, 0, 1});
    const Tensor r = on_a("reshape(A, 3, 2)");
    CHECK(r.shape() == Shape{3, 2});
    CHECK(elements(r) == std::vector<double>{1, 2, 3, 4, 5, 6}); // row-major order kept
    CHECK(on_a("reshape(A, 6)").shape() == Shape{6});
}

TEST_CASE("stack and concat") {
    const Tensor s = on_x("stack(x, 2 * x)");
    CHECK(s.shape() == Shape{2, 3});
    CHECK(elements(s) == std::vector<double>{1, 2, 3, 2, 4, 6});
    const Tensor c = on_x("concat(x, x[0:1], 2 * x)");
    CHECK(c.shape() == Shape{7});
    CHECK(elements(c) == std::vector<double>{1, 2, 3, 1, 2, 4, 6});
    CHECK(on_a("concat(A, A)").shape() == Shape{4, 3});
    CHECK(on_x("stack(x)").shape() == Shape{1, 3});
    CHECK(elements(on_x("stack(x[0], x[2])")) == std::vector<double>{1, 3});
}

TEST_CASE("tensor literals: numbers, nested lists and expressions, as NumPy's array()") {
    const Tensor v = value_of("[1, 0, -2.5]");
    CHECK(v.shape() == Shape{3});
    CHECK(elements(v) == std::vector<double>{1, 0, -2.5});
    const Tensor m = value_of("[[1, 2], [3, 4]]");
    CHECK(m.shape() == Shape{2, 2});
    CHECK(elements(m) == std::vector<double>{1, 2, 3, 4});
    CHECK(value_of("[[[1], [2]], [[3], [4]]]").shape() == Shape{2, 2, 1});
    CHECK(value_of("[7]").shape() == Shape{1});
    CHECK(value_of("[[1, 2],\n [3, 4],]").shape() == Shape{2, 2}); // lines, a trailing comma
    CHECK(value_of("[1, 2, 3][1]").item() == 2);                     // indexed like any value
    CHECK(elements(value_of("[[1, 2], [3, 4]] @ [1, 10]")) == std::vector<double>{21, 43});
    CHECK(elements(value_of("[pi, -1, 2 ^ 3]")) == std::vector<double>{std::numbers::pi, -1, 8});
    // elements are expressions of one shape, inputs included
    CHECK(elements(on_x("[x[0], 2 * x[2]]")) == std::vector<double>{1, 6});
    CHECK(on_x("[x, 2 * x]").shape() == Shape{2, 3});
    CHECK(elements(on_x("[x, 2 * x]")) == elements(on_x("stack(x, 2 * x)")));
    CHECK(elements(on_x("x * [1, 0, -1]")) == std::vector<double>{1, 0, -3});
}

TEST_CASE("tensor literals: derivatives go through their elements") {
    const std::string src = "input x[2], y\n"
                            "r = [x[0] * y, x[1] ^ 2, 3]\n"
                            "export e(x, y) -> r, dx = grad(sum(r * [1, 2, 4]), x), "
                            "J = jacobian(r, x), dy = grad(r[0], y)\n";
    const auto out = eval_model(src, "e", {{"x", Tensor(Shape{2}, {2.0, 3.0})}, {"y", Tensor(5.0)}});
    CHECK(elements(out[0]) == std::vector<double>{10, 9, 3});
    CHECK(elements(out[1]) == std::vector<double>{5, 12});
    CHECK(out[2].shape() == Shape{3, 2});
    CHECK(elements(out[2]) == std::vector<double>{5, 0, 0, 6, 0, 0});
    CHECK(out[3].item() == 2);
}

TEST_CASE("grad of a scalar by scalar and tensor inputs") {
    const std::string src = "input w[3], x\n"
                            "f = sum(w * w) * x\n"
                            "export e(w, x) -> dw = grad(f, w), dx = grad(f, x)\n";
    auto r = eval_model(src, "e", {{"w", v3}, {"x", Tensor(2.0)}});
    CHECK(elements(r[0]) == std::vector<double>{4, 8, 12});
    CHECK(r[1].item() == 14);
}

TEST_CASE("derivatives nest: grad of grad, grad inside expressions") {
    const std::string src = "input x\n"
                            "f = x ^ 3\n"
                            "export e(x) -> d2 = grad(grad(f, x), x), g = 2 * grad(f, x) + x,\n"
                            "                d3 = grad(grad(grad(f, x), x), x)\n";
    auto r = eval_model(src, "e", {{"x", Tensor(2.0)}});
    CHECK(r[0].item() == Approx(12.0)); // 6x
    CHECK(r[1].item() == Approx(26.0)); // 2 * 3x^2 + x
    CHECK(r[2].item() == Approx(6.0));
}

TEST_CASE("diff of orders 0 to 3") {
    const std::string src =
        "input x\n"
        "f = sin(x)\n"
        "export e(x) -> d0 = diff(f, x, 0), d1 = diff(f, x, 1), d2 = diff(f, x, 2),\n"
        "                d3 = diff(f, x, 3)\n";
    auto r = eval_model(src, "e", {{"x", Tensor(0.4)}});
    CHECK(r[0].item() == Approx(std::sin(0.4)));
    CHECK(r[1].item() == Approx(std::cos(0.4)));
    CHECK(r[2].item() == Approx(-std::sin(0.4)));
    CHECK(r[3].item() == Approx(-std::cos(0.4)));
}

TEST_CASE("jvp: the directional derivative along a tangent") {
    const std::string src = "input x[2], v[2]\n"
                            "y = x * x\n"
                            "export e(x, v) -> t = jvp(y, x, v), s = jvp(sum(y), x, v)\n";
    auto r =
        eval_model(src, "e", {{"x", Tensor(Shape{2}, {1, 3})}, {"v", Tensor(Shape{2}, {1, -1})}});
    CHECK(elements(r[0]) == std::vector<double>{2, -6});
    CHECK(r[1].item() == -4);
}

TEST_CASE("a derivative by an input the function does not read is zero") {
    auto r = eval_model("input x, y\nf = x * 2\nexport e(x, y) -> f, dy = grad(f, y)\n", "e",
                        {{"x", Tensor(1.0)}, {"y", Tensor(5.0)}});
    CHECK(r[1].item() == 0);
}

TEST_CASE("export results: defined names, new names, and earlier results reused") {
    const Model m = parse_model("input x, y\n"
                                "f = x * y\n"
                                "export e(y, x) -> f, twice = 2 * f, more = twice + 1\n",
                                "m.sd");
    REQUIRE(m.exports.size() == 1);
    const Function& e = m.exports[0];
    CHECK(e.name == "e");
    CHECK(e.loc.line == 3);
    CHECK(e.loc.col == 8);
    REQUIRE(e.params.size() == 2);
    CHECK(m.graph->inputs()[static_cast<std::size_t>((*m.graph)[e.params[0]].input_index())].name ==
          "y");
    REQUIRE(e.results.size() == 3);
    CHECK(e.results[0].name == "f");
    CHECK(e.results[2].name == "more");
    auto r = eval_model(m.source, "e", {{"x", Tensor(2.0)}, {"y", Tensor(3.0)}});
    CHECK(r[2].item() == 13);
    CHECK(m.find_export("e") == &m.exports[0]);
    CHECK(m.find_export("nope") == nullptr);
}

TEST_CASE("result names are local to their export") {
    const Model m = parse_model("input x\n"
                                "f = x * x\n"
                                "export a(x) -> df = grad(f, x)\n"
                                "export b(x) -> f, df = grad(f, x)\n",
                                "m.sd");
    CHECK(m.exports.size() == 2);
}

TEST_CASE("an export may have no parameters, and be named like its result") {
    auto r = eval_model("export c() -> c = 3\n", "c");
    CHECK(r[0].item() == 3);
}

TEST_CASE("a parameter that is only the variable of a derivative counts as used") {
    // f = x + y: df/dx = 1 reads no input, yet x is used as the variable.
    CHECK_NOTHROW(parse_model("input x, y\nf = x + y\nexport e(x) -> d = grad(f, x)\n", "m.sd"));
    CHECK_NOTHROW(parse_model("input x, y\nf = x + y\ng = grad(f, x)\nexport e(x) -> g\n", "m.sd"));
}

TEST_CASE("the signature is the user's: a parameter that no result uses is accepted") {
    // The slope of x^2 + y does not depend on y, as grad(x * y, x) does not on x.
    const Model m =
        parse_model("input x, y, z\nf = x * x + y\nexport slope(x, y) -> g = grad(f, x)\n"
                    "export all(x, y, z) -> c = 3\nexport none() -> k = 1\n",
                    "m.sd");
    REQUIRE(m.exports.size() == 3);
    CHECK(m.exports[0].params.size() == 2);
    CHECK(m.exports[1].params.size() == 3);
    CHECK(eval_model("input x, y\nf = x * x + y\nexport slope(x, y) -> g = grad(f, x)\n", "slope",
                     {{"x", Tensor(3.0)}, {"y", Tensor(1.0)}})
              .at(0)
              .item() == 6.0);
    // what stays an error: a name that is not an input, a result that needs a missing one
    require_error("input x, y\nf = x * x + y\nexport slope(x, q) -> g = grad(f, x)\n",
                  "'q' is not an input", 3, 17);
    require_error("input x, y\nf = x * x + y\nexport e(x) -> f\n",
                  "result 'f' depends on input 'y', which is not a parameter of 'e'", 3, 16);
}

TEST_CASE("derivative_calls record every derivative call inside a result, with its text") {
    const Model m = parse_model("input x, R[2]\n"
                                "E = sum(R ^ 2) * x\n"
                                "g = grad(E, R)\n"
                                "export e(x, R) -> F = -grad(E,   R), G = 2 * g + grad(E, R),\n"
                                "    H = tril(hessian(E, # the energy\n R)), P = E,\n"
                                "    N = grad(grad(E, x), x)\n",
                                "m.sd");
    const auto& calls = m.derivative_calls.at(0);
    REQUIRE(calls.size() == 5);
    REQUIRE(calls[0].size() == 1);
    CHECK(calls[0][0].text == "grad(E, R)");
    CHECK(calls[0][0].spec.kind == DerivativeSpec::Kind::grad);
    CHECK(calls[1].size() == 1); // g and grad(E, R) are one node: one call
    REQUIRE(calls[2].size() == 1);
    CHECK(calls[2][0].text == "hessian(E, R)");
    CHECK(calls[2][0].spec.kind == DerivativeSpec::Kind::hessian);
    CHECK(calls[3].empty());
    REQUIRE(calls[4].size() == 2); // the inner call first
    CHECK(calls[4][0].text == "grad(E, x)");
    CHECK(calls[4][1].text == "grad(grad(E, x), x)");
    CHECK(calls[4][1].node == m.exports[0].results[4].node);
}

TEST_CASE("result_specs record derivative calls at the top of a result") {
    const Model m =
        parse_model("input x, v\n"
                    "f = x ^ 3\n"
                    "g = grad(f, x)\n"
                    "export e(x, v) -> f, d = grad(f, x), g, h = diff(f, x, 2), j = jvp(f, x, v),\n"
                    "                 n = 2 * grad(f, x), p = (grad(f, x))\n",
                    "m.sd");
    const auto& specs = m.result_specs.at(0);
    REQUIRE(specs.size() == 7);
    const Graph& g = *m.graph;
    const NodeId x = g.inputs()[0].node, v = g.inputs()[1].node;
    CHECK_FALSE(specs[0].has_value()); // f is not a derivative
    REQUIRE(specs[1].has_value());
    CHECK(specs[1]->kind == DerivativeSpec::Kind::grad);
    CHECK(specs[1]->variable == x);
    CHECK(specs[1]->function == m.exports[0].results[0].node); // the node of f
    CHECK(specs[1]->order == 1);
    REQUIRE(specs[2].has_value()); // a name bound to a grad keeps its spec
    CHECK(specs[2]->kind == DerivativeSpec::Kind::grad);
    REQUIRE(specs[3].has_value());
    CHECK(specs[3]->kind == DerivativeSpec::Kind::diff);
    CHECK(specs[3]->order == 2);
    REQUIRE(specs[4].has_value());
    CHECK(specs[4]->kind == DerivativeSpec::Kind::jvp);
    CHECK(specs[4]->tangent == v);
    CHECK_FALSE(specs[5].has_value()); // an expression around a grad is not one
    CHECK(specs[6].has_value());       // parentheses keep it
}

TEST_CASE("names: anything that is not reserved may be used") {
    CHECK_NOTHROW(parse_model(
        "input _x, x1, camelCase, M_x, Final\n"
        "export e(_x, x1, camelCase, M_x, Final) -> r = _x + x1 + camelCase + M_x + Final\n",
        "m.sd"));
}

TEST_CASE("the function table: every op the language calls is a function of its name and arity") {
    int from_ops = 0;
    for (const Builtin& b : builtins()) {
        INFO(b.name);
        CHECK(find_builtin(b.name) == &b);
        if (b.build == find_builtin("exp")->build) {
            const auto op = op_named(b.name);
            REQUIRE(op.has_value());
            CHECK(info(*op).syntax.call);
            CHECK(info(*op).arity == b.min_args);
            CHECK(b.min_args == b.max_args);
            ++from_ops;
        }
    }
    int callable = 0; // ops the table says the language calls
    for (int k = 0; k < op_count; ++k)
        callable += info(static_cast<Op>(k)).syntax.call;
    CHECK(from_ops == callable);
    CHECK(from_ops >= 20); // exp ... softplus, pow, max, min, where, transpose, diag, tril
    CHECK(find_builtin("nope") == nullptr);
}

TEST_CASE("docs/language.md: every example model in it parses") {
    const std::string doc = read_file(std::string(SYMDIFF_SOURCE_DIR) + "/docs/language.md");
    int models = 0;
    for (std::size_t at = doc.find("```sd\n"); at != std::string::npos;
         at = doc.find("```sd\n", at)) {
        at += 6;
        const std::size_t end = doc.find("```", at);
        REQUIRE(end != std::string::npos);
        const std::string model = doc.substr(at, end - at);
        INFO(model);
        CHECK_NOTHROW(parse_model(model, "docs.sd"));
        ++models;
        at = end + 3;
    }
    CHECK(models >= 10);
}
