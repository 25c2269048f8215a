// The model's functions (def, docs/language.md "Functions"): both forms, shapes taken per
// call, closures, functions calling functions, derivatives through calls, and the
// contract's two examples (an RNN cell and an RK4 step, LANGUAGE.md §6) with their loops
// written out, against the contract's numbers and through every mode (`symdiff check`:
// tape, compiled code, finite differences). Their errors are in errors_test.cpp.
#include "tools/tools_test_util.hpp"

#include "core/ops.hpp"

#include <cmath>

using namespace symdiff;
using namespace symdiff::test;

namespace {

Approx near(double v) { return Approx(v).epsilon(1e-12).margin(1e-14); }

void check_elements(const Tensor& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        CHECK(got.data()[i] == near(want[i]));
}

// The contract's RNN (LANGUAGE.md §6, conformance case contract_6_rnn): T = 3 steps of
// step(h, x), the fold and the scan written out.
const std::string rnn_model = R"(input X[3, 2], h0[2], W[2, 2], U[2, 2], b[2]
def step(h, x) = tanh(W @ h + U @ x + b)
h1 = step(h0, X[0])
h2 = step(h1, X[1])
hT = step(h2, X[2])
hs = stack([h1, h2, hT])
L = sum(hT ^ 2) + 0.1 * sum(hs)
export rnn(X, h0, W, U, b) -> L, dW = grad(L, W), dh0 = grad(L, h0), dX = grad(L, X)
)";

const std::map<std::string, Tensor>& rnn_values = contract_rnn_values();

// The contract's RK4 integrator (conformance case contract_6_rk4): ten steps, written as
// functions of functions.
const std::string rk4_model = R"(input x[3], y0[3]
dt = 0.2
def f(y) = x * concat(ones(1), y[:-1])
def rk4(y):
    k1 = f(y)
    k2 = f(y + 0.5 * dt * k1)
    k3 = f(y + 0.5 * dt * k2)
    k4 = f(y + dt * k3)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
def twice(y) = rk4(rk4(y))
yT = twice(twice(twice(twice(twice(y0)))))
export ode(x, y0) -> yT, dx = grad(sum(yT), x)
)";

const std::map<std::string, Tensor> rk4_values{
    {"x", Tensor{Shape{3}, {0.8278, 0.3353, 0.4675}}},
    {"y0", Tensor{Shape{3}, {-0.3525, 0.2401, -0.983}}},
};

} // namespace

TEST_CASE("def: the contract's RNN cell, its loop written out, gives the contract's numbers") {
    const std::vector<Tensor> r = eval_model(rnn_model, "rnn", rnn_values);
    CHECK(r[0].item() == near(0.2563499544849274));
    check_elements(r[1], {-0.3940073824858312, -0.6166768258473693, -0.07893186847573216,
                          -0.19553357078901362});
    check_elements(r[2], {-0.05506581747543336, 0.09233944914579212});
    check_elements(r[3], {0.07004424485151216, -0.03361239005355539, -0.0955097373408302,
                          -0.10672743791557004, -0.003489009103733974, 0.3266351967258928});
    check_every_mode(rnn_model);
}

TEST_CASE("def: the contract's RK4 block, ten steps written out, gives the contract's numbers") {
    const std::vector<Tensor> r = eval_model(rk4_model, "ode", rk4_values);
    check_elements(r[0], {1.3031, 0.55883618, -0.6960039534833333});
    check_elements(r[1], {2.8796036666666667, 1.1370078333333344, 0.6138952866666666});
    check_every_mode(rk4_model);
}

TEST_CASE("def: a parameter takes the shape of each call's argument") {
    const std::string m = "input x, v[3], A[2, 3]\n"
                          "def sq(z) = z * z\n"
                          "export e(x, v, A) -> a = sq(x), b = sq(v), c = sum(sq(A))\n";
    const std::vector<Tensor> r = eval_model(m, "e",
                                             {{"x", Tensor(3.0)},
                                              {"v", Tensor{Shape{3}, {1, 2, 3}}},
                                              {"A", Tensor{Shape{2, 3}, {1, 1, 1, 1, 1, 2}}}});
    CHECK(r[0].item() == 9);
    CHECK(elements(r[1]) == std::vector<double>{1, 4, 9});
    CHECK(r[2].item() == 9);
}

TEST_CASE("def: a body sees the model's inputs and the definitions and functions before it") {
    const std::string m = "input x, w\n"
                          "k = 3 * w\n"
                          "def scale(y) = k * y + x\n"
                          "def twice(y) = scale(scale(y))\n"
                          "export e(x, w) -> r = twice(1)\n";
    // scale(y) = 6y + 2 at x = 2, w = 2: scale(scale(1)) = 6 * 8 + 2
    CHECK(eval_model(m, "e", {{"x", Tensor(2.0)}, {"w", Tensor(2.0)}})[0].item() == 50);
}

TEST_CASE("def: parameters and a block's names are local, and a parameter may share a model name") {
    const std::string m = "input x, y\n"
                          "a = 100\n"
                          "def f(x):\n"
                          "    a = x + 1\n"
                          "    b = a * y\n"
                          "    return b\n"
                          "export e(x, y) -> r = f(2 * x), s = a + x\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"x", Tensor(1.0)}, {"y", Tensor(5.0)}});
    CHECK(r[0].item() == 15);  // (2 + 1) * 5: the parameter x is 2 * x, a is local
    CHECK(r[1].item() == 101); // the model's a and x are untouched
}

TEST_CASE("def: a block may hold several statements on a line and blank lines and comments") {
    const std::string m = "input x\n"
                          "def f(y):   # a comment\n"
                          "\n"
                          "    a = y + 1; b = a * a\n"
                          "    # another\n"
                          "    return b - 1\n"
                          "def g(y): return y * 3\n"
                          "def h(y) =\n"
                          "    y - 1\n"
                          "export e(x) -> r = f(x), s = g(x), t = h(x)\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"x", Tensor(2.0)}});
    CHECK(r[0].item() == 8);
    CHECK(r[1].item() == 6);
    CHECK(r[2].item() == 1);
}

TEST_CASE("def: calls with the same arguments are one node, and calls go anywhere an expression goes") {
    const Model m =
        parse_model("input x[2]\n"
                    "def f(y) = exp(y) + y\n"
                    "export e(x) -> r = f(x) - f(x), s = where(sum(f(x)) > 0, f(x), -x)\n",
                    "m.sd");
    const Graph& g = *m.graph;
    const Node& r = g[m.exports[0].results[0].node];
    REQUIRE(r.op == Op::Sub);
    CHECK(r.args[0] == r.args[1]);
}

TEST_CASE("def: a function with no parameters, and one that takes derivatives") {
    const std::string m = "input x, y\n"
                          "def c() = 2 * x\n"
                          "def slope(f) = grad(f, x)\n"
                          "export e(x, y) -> r = c() + c(), d = slope(x ^ 3 * y)\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"x", Tensor(2.0)}, {"y", Tensor(5.0)}});
    CHECK(r[0].item() == 8);
    CHECK(r[1].item() == 60); // 3 x^2 y
    check_every_mode(m);
}

TEST_CASE("def: derivatives by an input go through a function's calls") {
    const std::string m = "input x[3]\n"
                          "def soft(v) = exp(v) / sum(exp(v))\n"
                          "L = sum(soft(x) * soft(2 * x))\n"
                          "export e(x) -> L, g = grad(L, x), H = hessian(L, x)\n";
    check_every_mode(m);
}

TEST_CASE("def: the word def stays a name where it is defined as one") {
    CHECK(eval_model("input x\ndef = 2 * x\nexport e(x) -> r = def\n", "e", {{"x", Tensor(2.0)}})[0]
              .item() == 4);
}
