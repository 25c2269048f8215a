// The model's loops (fold and scan, docs/language.md "Loops"): the contract's examples
// against its numbers; every loop against the same model unrolled by hand (values bit for
// bit: the interpreter runs the same operations in the same order; derivatives to
// rounding, since the reverse loop sums the weights' adjoints in another order); counts
// 0, 1 and large; loops inside loops, and inside derivatives inside loops; Hessians,
// Jacobians both ways and k-th derivatives through loops; a graph whose size does not
// depend on the count. Errors are in errors_test.cpp.
#include "tools/tools_test_util.hpp"

#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "tools/compare.hpp"

#include <cmath>
#include <regex>
#include <sstream>

using namespace symdiff;
using namespace symdiff::test;

namespace {

Approx near(double v) { return Approx(v).epsilon(1e-11).margin(1e-13); }

void check_near(const Tensor& got, const Tensor& want) {
    REQUIRE(got.shape() == want.shape());
    for (std::size_t i = 0; i < want.size(); ++i)
        CHECK(got.data()[i] == near(want.data()[i]));
}

void check_values(const Tensor& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        CHECK(got.data()[i] == near(want[i]));
}

// The model's results with the loops, then written out: the first `exact` results agree
// bit for bit, the rest to rounding.
void same_as_unrolled(const std::string& loops, const std::string& unrolled,
                      const std::map<std::string, Tensor>& values, std::size_t exact) {
    const std::vector<Tensor> a = eval_model(loops, "e", values);
    const std::vector<Tensor> b = eval_model(unrolled, "e", values);
    REQUIRE(a.size() == b.size());
    for (std::size_t r = 0; r < a.size(); ++r) {
        INFO("result " << r);
        if (r < exact)
            CHECK(elements(a[r]) == elements(b[r]));
        else
            check_near(a[r], b[r]);
    }
}

// `symdiff check`: every result against the compiled code (bit for bit, as a rule) and
// the tape (which records every step), every derivative against finite differences.
void check_fd(const std::string& source) {
    const CliResult r = check_every_mode(source);
    INFO(r.out);
    CHECK(r.out.find("fd abs") != std::string::npos);
    CHECK(r.out.find("refuses") == std::string::npos); // every mode ran
}

const std::map<std::string, Tensor>& rnn_values = contract_rnn_values();

const std::string rnn_head = "input X[3, 2], h0[2], W[2, 2], U[2, 2], b[2]\n"
                             "def step(h, x) = tanh(W @ h + U @ x + b)\n";
const std::string rnn_tail =
    "L = sum(hT ^ 2) + 0.1 * sum(hs)\n"
    "export e(X, h0, W, U, b) -> L, hT, hs, dW = grad(L, W), dh0 = grad(L, h0), dX = grad(L, X),\n"
    "    db = grad(L, b), Hh = hessian(L, h0), Jh = jacobian(hs, h0), JW = jacobian(hT, W)\n";
const std::string rnn_loops = rnn_head + "hT = fold(step, h0, X)\nhs = scan(step, h0, X)\n" + rnn_tail;
const std::string rnn_unrolled = rnn_head +
                                 "h1 = step(h0, X[0])\nh2 = step(h1, X[1])\nhT = step(h2, X[2])\n"
                                 "hs = [h1, h2, hT]\n" +
                                 rnn_tail;

const std::string rk4_head = "input x[3], y0[3], s\n"
                             "dt = 0.2\n"
                             "def f(y) = x * concat(ones(1), y[:-1])\n"
                             "def rk4(y):\n"
                             "    k1 = f(y)\n"
                             "    k2 = f(y + 0.5 * dt * k1)\n"
                             "    k3 = f(y + 0.5 * dt * k2)\n"
                             "    k4 = f(y + dt * k3)\n"
                             "    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)\n";
const std::string rk4_tail =
    "L = sum(yT * yT) * s\n"
    "export e(x, y0, s) -> yT, dx = grad(L, x), dy0 = grad(L, y0), Hx = hessian(L, x),\n"
    "    Jy = jacobian(yT, y0), Jx = jacobian(yT, x), d3 = diff(L, s, 2)\n";

const std::map<std::string, Tensor> rk4_values{
    {"x", Tensor{Shape{3}, {0.8278, 0.3353, 0.4675}}},
    {"y0", Tensor{Shape{3}, {-0.3525, 0.2401, -0.983}}},
    {"s", Tensor(0.7)},
};

} // namespace

TEST_CASE("loops: the contract's RNN gives the contract's numbers") {
    const std::string m = rnn_head + "hT = fold(step, h0, X)\nhs = scan(step, h0, X)\n" +
                          "L = sum(hT ^ 2) + 0.1 * sum(hs)\n"
                          "export e(X, h0, W, U, b) -> L, dW = grad(L, W), dh0 = grad(L, h0), "
                          "dX = grad(L, X)\n";
    const std::vector<Tensor> r = eval_model(m, "e", rnn_values);
    CHECK(r[0].item() == near(0.2563499544849274));
    check_values(r[1], {-0.3940073824858312, -0.6166768258473693, -0.07893186847573216, -0.19553357078901362});
    check_values(r[2], {-0.05506581747543336, 0.09233944914579212});
    check_values(r[3], {0.07004424485151216, -0.03361239005355539, -0.0955097373408302, -0.10672743791557004,
                      -0.003489009103733974, 0.3266351967258928});
    check_fd(m);
}

TEST_CASE("loops: fold and scan of the RNN equal the RNN written out, with every derivative") {
    same_as_unrolled(rnn_loops, rnn_unrolled, rnn_values, 3);
}

TEST_CASE("loops: the contract's RK4 fold by a count equals its ten steps written out") {
    const std::string loops = rk4_head + "yT = fold(rk4, y0, 10)\n" + rk4_tail;
    const std::string unrolled = rk4_head + "def twice(y) = rk4(rk4(y))\n"
                                            "yT = twice(twice(twice(twice(twice(y0)))))\n" +
                                 rk4_tail;
    same_as_unrolled(loops, unrolled, rk4_values, 1);
    check_fd(loops);
}

TEST_CASE("loops: counts of 0 and 1, and a scan of one step") {
    const std::string m = "input a, x[2]\n"
                          "def f(c) = c * a + 1\n"
                          "def g(c, v) = c * v\n"
                          "export e(a, x) -> z = fold(f, x, 0), one = fold(f, x, 1), s = scan(f, x, 1),\n"
                          "    dz = grad(sum(fold(f, x, 0)), a), dza = grad(sum(fold(f, x, 0)), x),\n"
                          "    d1 = grad(sum(fold(f, x, 1)), a), t = fold(g, a, x)\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"a", Tensor(3.0)}, {"x", Tensor{Shape{2}, {1, 2}}}});
    CHECK(elements(r[0]) == std::vector<double>{1, 2});
    CHECK(elements(r[1]) == std::vector<double>{4, 7});
    CHECK(r[2].shape() == Shape{1, 2});
    CHECK(elements(r[2]) == std::vector<double>{4, 7});
    CHECK(r[3].item() == 0);
    CHECK(elements(r[4]) == std::vector<double>{1, 1});
    CHECK(r[5].item() == 3); // x0 + x1
    CHECK(r[6].item() == 6); // a * x0 * x1: the sequence's rows are scalars
    check_fd(m);
}

TEST_CASE("loops: a large count, against its closed form") {
    // c_{k+1} = c_k * a: after 5000 steps x a^5000, and d/da = 5000 x a^4999.
    const std::string m = "input a, x\n"
                          "def f(c) = c * a\n"
                          "y = fold(f, x, 5000)\n"
                          "export e(a, x) -> y, da = grad(y, a), daa = diff(y, a, 2)\n";
    const double a = 1.0001, x = 0.5;
    const std::vector<Tensor> r = eval_model(m, "e", {{"a", Tensor(a)}, {"x", Tensor(x)}});
    CHECK(r[0].item() == Approx(x * std::pow(a, 5000)).epsilon(1e-12));
    CHECK(r[1].item() == Approx(5000 * x * std::pow(a, 4999)).epsilon(1e-10));
    CHECK(r[2].item() == Approx(5000.0 * 4999 * x * std::pow(a, 4998)).epsilon(1e-10));
}

TEST_CASE("loops: the header for 10 steps and for 10^4 differ only in numbers") {
    // Counts and the offsets of the kept carries (T of them) are constants of the code;
    // nothing else may change. (Small work arrays live on the stack, large ones on the
    // heap: the allocating overload's two lines that say so are left out.)
    auto header = [](const std::string& count) {
        TempDir dir;
        const std::string m = rk4_head + "yT = fold(rk4, y0, " + count + ")\n" + rk4_tail;
        const CliResult r = run_cli({"gen", dir.write("m.sd", m), "-o", dir.file("m.hpp"), "--namespace", "m"});
        REQUIRE(r.code == 0);
        return read_file(dir.file("m.hpp"));
    };
    const std::string small = header("10"), large = header("10000");
    auto shape = [](const std::string& text) {
        std::string out;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);)
            if (line.find("double work_[") == std::string::npos &&
                line.find("std::unique_ptr<double[]> work_") == std::string::npos &&
                line.find("work_.get());") == std::string::npos && line.find(", work_);") == std::string::npos)
                out += std::regex_replace(line, std::regex("[0-9]+"), "N") + "\n";
        return out;
    };
    CHECK(shape(small) == shape(large));
    CHECK(large.find("k0_ < 10000") != std::string::npos);
    CHECK(large.size() < small.size() + 400); // a few digits per constant
}

TEST_CASE("loops: a loss and its gradients by two weights run two loops, forward and back") {
    // The loss's fold and the carries its gradient keeps are one loop (fuse_loops); the
    // gradients by W and by U share one reverse loop (its carry is named by the loop and
    // the cotangent, so the second sweep builds the nodes of the first).
    const std::string m = rnn_head + "hT = fold(step, h0, X)\nL = sum(hT ^ 2)\n"
                                     "export e(X, h0, W, U, b) -> L, dW = grad(L, W), dU = grad(L, U)\n";
    TempDir dir;
    const CliResult r = run_cli({"gen", dir.write("m.sd", m), "-o", dir.file("m.hpp")});
    REQUIRE(r.code == 0);
    const std::string header = read_file(dir.file("m.hpp"));
    std::size_t loops = 0;
    for (std::size_t at = header.find("for (std::ptrdiff_t k0_"); at != std::string::npos;
         at = header.find("for (std::ptrdiff_t k0_", at + 1))
        ++loops;
    CHECK(loops == 2);
    check_fd(m);
}

TEST_CASE("loops: a gradient runs each step forward once, and its reverse loop reads the step's values back") {
    // The forward scan of the reverse rule keeps, per step, what the step's adjoints read
    // (tanh's value, the carry before the step), and the loss's loop is read from its
    // rows: one tanh per step in the whole function, in the forward loop.
    const std::string m = rnn_head + "hT = fold(step, h0, X)\nL = sum(hT ^ 2)\n"
                                     "export e(X, h0, W, U, b) -> L, dW = grad(L, W), dX = grad(L, X)\n";
    Model model = parse_model(m, "m.sd");
    const Function f = simplified(*model.graph, model.exports.at(0));
    std::vector<NodeId> roots;
    for (const auto& r : f.results)
        roots.push_back(r.node);
    const Graph& g = *model.graph;
    std::size_t tanhs = 0, scans = 0, primal = 0;
    for (NodeId n : reachable(g, roots)) {
        tanhs += g[n].op == Op::Tanh;
        if (g[n].op == Op::Fold && g[n].fold().keeps_steps)
            ++scans;
        else if (g[n].op == Op::Fold && !g[n].fold().reverse)
            ++primal; // (the map that stacks dX runs forwards too)
    }
    CHECK(tanhs == 1);
    CHECK(scans == 1);
    CHECK(primal == 1);
    check_fd(m);
}

TEST_CASE("loops: the graph's size does not depend on the count") {
    auto nodes = [](const std::string& count) {
        const std::string m = rk4_head + "yT = fold(rk4, y0, " + count + ")\n" + rk4_tail;
        return parse_model(m, "m.sd").graph->size();
    };
    CHECK(nodes("10") == nodes("10000"));
}

TEST_CASE("loops: a scan's rows are the carries after each step, and its derivatives are the rows'") {
    const std::string loops = "input x[3], w\n"
                              "def f(c, v) = sin(c * w + v)\n"
                              "def g(c) = c * w - c * c\n"
                              "export e(x, w) -> s = scan(f, w, x), t = scan(g, x, 4),\n"
                              "    ds = jacobian(scan(f, w, x), x), dw = grad(sum(scan(f, w, x) ^ 2), w),\n"
                              "    dt = jacobian(scan(g, x, 4), x)\n";
    const std::string unrolled = "input x[3], w\n"
                                 "def f(c, v) = sin(c * w + v)\n"
                                 "def g(c) = c * w - c * c\n"
                                 "s1 = f(w, x[0])\ns2 = f(s1, x[1])\ns3 = f(s2, x[2])\n"
                                 "t1 = g(x)\nt2 = g(t1)\nt3 = g(t2)\nt4 = g(t3)\n"
                                 "S = [s1, s2, s3]\nT = [t1, t2, t3, t4]\n"
                                 "export e(x, w) -> s = S, t = T, ds = jacobian(S, x), dw = grad(sum(S ^ 2), w),\n"
                                 "    dt = jacobian(T, x)\n";
    const std::map<std::string, Tensor> v{{"x", Tensor{Shape{3}, {0.3, -0.2, 0.9}}}, {"w", Tensor(0.7)}};
    same_as_unrolled(loops, unrolled, v, 2);
    check_fd(loops);
}

TEST_CASE("loops: a loop inside a loop's function, differentiated twice") {
    const std::string head = "input x[2], w\n"
                             "def inner(c) = c * w + sin(c)\n"
                             "def outer(c, v) = fold(inner, c + v, 3)\n";
    const std::string tail = "L = sum(y * y)\n"
                             "export e(x, w) -> y, gw = grad(L, w), gx = grad(L, x), H = hessian(L, x)\n";
    const std::string loops = head + "y = fold(outer, x, [[0.1, 0.2], [0.3, -0.4]])\n" + tail;
    const std::string unrolled = head + "def in3(c) = inner(inner(inner(c)))\n"
                                        "y = in3(in3(x + [0.1, 0.2]) + [0.3, -0.4])\n" +
                                 tail;
    const std::map<std::string, Tensor> v{{"x", Tensor{Shape{2}, {0.5, -0.25}}}, {"w", Tensor(0.6)}};
    same_as_unrolled(loops, unrolled, v, 1);
    check_fd(loops);
}

TEST_CASE("loops: a loop inside a derivative inside a loop") {
    // Each outer step adds the gradient, by w, of a function of its element that runs a
    // loop; then the whole is differentiated again, by w and by the sequence.
    const std::string head = "input X[3, 2], w\n"
                             "def inner(c) = c * w + 0.5 * sin(c)\n"
                             "def g(v) = grad(sum(fold(inner, v, 2)) ^ 2, w)\n";
    const std::string tail = "export e(X, w) -> y, gw = grad(y, w), gX = grad(y, X)\n";
    const std::string loops = head + "def outer(c, v) = c + g(v)\n"
                                     "y = fold(outer, 0, X)\n" +
                              tail;
    const std::string unrolled = head + "def g2(v) = grad(sum(inner(inner(v))) ^ 2, w)\n"
                                        "y = g2(X[0]) + g2(X[1]) + g2(X[2])\n" +
                                 tail;
    const std::map<std::string, Tensor> v{{"X", Tensor{Shape{3, 2}, {0.5, -0.25, 0.1, 0.3, -0.6, 0.2}}},
                                          {"w", Tensor(0.6)}};
    same_as_unrolled(loops, unrolled, v, 0);
    check_fd(loops);
}

TEST_CASE("loops: inside a loop's function, its carry is a variable of its own") {
    // As in JAX: the step's carry is the function's argument, so a derivative by w inside
    // the function holds it fixed (called directly, the argument is w itself).
    const std::string m = "input w\n"
                          "def g(c) = grad(c * w, w)\n"
                          "export e(w) -> looped = fold(g, w, 1), direct = g(w)\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"w", Tensor(3.0)}});
    CHECK(r[0].item() == 3); // d(c w)/dw = c = 3
    CHECK(r[1].item() == 6); // d(w w)/dw = 2 w
}

TEST_CASE("loops: a function's weights from outside, read whole and by elements, get every adjoint") {
    // X is read row by row and whole (its mean): its adjoint sums both paths.
    const std::string head = "input X[4, 2], h0[2]\n"
                             "m = sum(X) / 8\n"
                             "def step(h, x) = tanh(h * m + x)\n";
    const std::string tail = "export e(X, h0) -> hT, dX = grad(sum(hT), X), dh = grad(sum(hT), h0)\n";
    const std::string loops = head + "hT = fold(step, h0, X)\n" + tail;
    const std::string unrolled = head + "hT = step(step(step(step(h0, X[0]), X[1]), X[2]), X[3])\n" + tail;
    const std::map<std::string, Tensor> v{{"X", Tensor{Shape{4, 2}, {0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8}}},
                                          {"h0", Tensor{Shape{2}, {0.3, -0.1}}}};
    same_as_unrolled(loops, unrolled, v, 1);
}

// Checkpointing (docs/language.md, "Checkpointing"): a fold run in segments.

namespace {

// Values for rnn7: every element a different number in (-1, 1).
std::map<std::string, Tensor> rnn7_values() {
    std::map<std::string, Tensor> v;
    int k = 0;
    for (const auto& [name, shape] : {std::pair<std::string, Shape>{"X", Shape{7, 2}}, {"h0", Shape{2}},
                                      {"W", Shape{2, 2}}, {"U", Shape{2, 2}}, {"b", Shape{2}}}) {
        std::vector<double> data(static_cast<std::size_t>(shape.size()));
        for (double& d : data)
            d = std::sin(1.7 * ++k);
        v[name] = Tensor(shape, data);
    }
    return v;
}

// The RNN over 7 steps, its fold given `options` (", checkpoint = 3"), with derivatives of
// every kind through it.
std::string rnn7(const std::string& options) {
    return "input X[7, 2], h0[2], W[2, 2], U[2, 2], b[2]\n"
           "def step(h, x) = tanh(W @ h + U @ x + b)\n"
           "hT = fold(step, h0, X" +
           options +
           ")\n"
           "L = sum(hT ^ 2)\n"
           "export e(X, h0, W, U, b) -> L, hT, dW = grad(L, W), dh0 = grad(L, h0), dX = grad(L, X),\n"
           "    Hh = hessian(L, h0), HW = hessian(L, W), JW = jacobian(hT, W), Jh = jacobian(hT, h0),\n"
           "    t = jvp(hT, X, X)\n";
}

} // namespace

TEST_CASE("loops: a checkpointed fold gives the fold's value bit for bit, and its derivatives") {
    // Segments of 2 (three, after the one step left over) and of 3 (two, after one); of
    // 1, 6, 7 and more, the plain fold (they would keep as many carries: 7 + 1, 1 + 6 + 1).
    const auto values = rnn7_values();
    for (const std::string s : {"1", "2", "3", "6", "7", "100", "sqrt"}) {
        INFO("checkpoint = " << s);
        same_as_unrolled(rnn7(", checkpoint = " + s), rnn7(""), values, 2);
    }
    // A fold by a count, with a Hessian and a second derivative through it.
    const std::string plain = rk4_head + "yT = fold(rk4, y0, 10)\n" + rk4_tail;
    const std::string segments = rk4_head + "yT = fold(rk4, y0, 10, checkpoint = 4)\n" + rk4_tail;
    same_as_unrolled(segments, plain, rk4_values, 1);
}

TEST_CASE("loops: a checkpointed fold through the tape, the compiled code and finite differences") {
    check_fd(rnn7(", checkpoint = 3"));
    check_fd(rk4_head + "yT = fold(rk4, y0, 10, checkpoint = sqrt)\n" + rk4_tail);
    // A checkpointed fold inside a loop's function.
    check_fd("input X[6, 2], h0[2], W[2, 2]\n"
             "def inner(h, x) = tanh(W @ h + x)\n"
             "def outer(h, x) = fold(inner, h, X, checkpoint = 2) * x[0]\n"
             "hT = fold(outer, h0, X, checkpoint = 2)\n"
             "export e(X, h0, W) -> L = sum(hT ^ 2), dW = grad(L, W), dX = grad(L, X)\n");
}

TEST_CASE("loops: checkpointing keeps a carry per segment and runs the body once more per step") {
    // 1024 steps of a carry of 4. The forward scan keeps, per step, the carry after it
    // (which is also tanh's value, the one the reverse loop reads) and the carry before it
    // (dW reads it): 1024 x 8 doubles. Segments of 32 keep 32 carries (one per segment:
    // the segments' adjoints read nothing else of them) and 32 rows of 8 (the segment
    // being gone back through).
    const std::string m = "input X[1024, 4], h0[4], W[4, 4]\n"
                          "def step(h, x) = tanh(W @ h + x)\n"
                          "hT = fold(step, h0, X CHECKPOINT)\n"
                          "export e(X, h0, W) -> L = sum(hT ^ 2), dW = grad(L, W)\n";
    auto figures = [&](const std::string& option) {
        Model model = parse_model(std::regex_replace(m, std::regex(" CHECKPOINT"), option), "m.sd");
        const Function& f = model.exports.at(0);
        const std::optional<LoopFigures> l = loop_figures(*model.graph, simplified(*model.graph, f));
        REQUIRE(l);
        return *l;
    };
    const LoopFigures every = figures(""), segments = figures(", checkpoint = 32");
    CHECK(every.kept_bytes == 1024 * 8 * sizeof(double));
    CHECK(segments.kept_bytes == (32 * 4 + 32 * 8) * sizeof(double));
    // Every carry kept: the loss's loop (which keeps the carries) and the reverse loop,
    // 1024 steps each. Segments: the loss's loop of 32 segments of 32 steps, and the
    // reverse loop of 32 segments, each running a segment forward, then back.
    CHECK(every.iterations == 2 * 1024);
    CHECK(segments.iterations == (32 + 1024) + (32 + 2 * 1024));
}

TEST_CASE("loops: --checkpoint sets every fold's segments, and a fold's own option wins") {
    TempDir dir;
    const std::string path = dir.write("m.sd", rnn7("") + "export f(X, h0, W, U, b) -> "
                                                          "r = fold(step, h0, X, checkpoint = 0)\n");
    auto gen = [&](std::vector<std::string> options) {
        std::vector<std::string> args{"gen", path, "-o", dir.file("m.hpp")};
        args.insert(args.end(), options.begin(), options.end());
        const CliResult r = run_cli(args);
        INFO(r.err);
        REQUIRE(r.code == 0);
        return read_file(dir.file("m.hpp"));
    };
    const std::string plain = gen({}), sqrt = gen({"--checkpoint", "sqrt"}), two = gen({"--checkpoint=2"});
    CHECK(plain == gen({"--checkpoint", "0"}));
    CHECK(plain == gen({"--checkpoint", "1"})); // as many carries kept: the plain fold
    CHECK(sqrt != plain);
    CHECK(two != plain);
    CHECK(two != sqrt); // sqrt: segments of 3
    // Export f's fold says checkpoint = 0: its function is the same in every header.
    auto function_f = [](const std::string& header) {
        const std::size_t at = header.find("inline void f(");
        return header.substr(at, header.find("\n}\n", at) - at);
    };
    CHECK(function_f(plain) == function_f(two));

    for (const std::string bad : {"-1", "x", "", "1.5"}) {
        const CliResult r = run_cli({"eval", path, "e", "--checkpoint=" + bad});
        INFO(bad << ": " << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find("--checkpoint needs the steps per segment (a whole number; 0 keeps every carry) or "
                         "'sqrt', got '" +
                         bad + "'") != std::string::npos);
    }
}

TEST_CASE("loops: compare reports the loops' iterations and kept carries, and with every carry kept") {
    TempDir dir;
    const std::string path = dir.write("m.sd", rnn7(", checkpoint = 2"));
    const CliResult r = run_cli({"compare", path, "e", "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\"loops\": {\"iterations\": ") != std::string::npos);
    CHECK(r.out.find("\"loops_every_carry_kept\": {\"iterations\": ") != std::string::npos);
    const CliResult plain = run_cli({"compare", dir.write("p.sd", rnn7("")), "e"});
    CHECK(plain.out.find("  loops                 ") != std::string::npos);
    CHECK(plain.out.find("every carry kept") == std::string::npos); // nothing to compare with
}

TEST_CASE("loops: the tensor to run over may start with a number or a minus, and a count may be a product") {
    const std::string m = "input X[3, 2], h0[2]\n"
                          "def step(h, x) = h * 0.5 + x\n"
                          "def twice(h) = h * 2\n"
                          "nX = -X\n"
                          "X2 = 2 * X\n"
                          "export e(X, h0) -> a = fold(step, h0, -X), a2 = fold(step, h0, nX),\n"
                          "    b = fold(step, h0, 2 * X), b2 = fold(step, h0, X2),\n"
                          "    c = fold(twice, h0, 2 * 1.5), c2 = fold(twice, h0, 3)\n";
    const std::vector<Tensor> r = eval_model(m, "e", {{"X", Tensor(Shape{3, 2}, {1, 2, 3, 4, 5, 6})},
                                                      {"h0", Tensor(Shape{2}, {0.5, -1})}});
    CHECK(elements(r[0]) == elements(r[1]));
    CHECK(elements(r[2]) == elements(r[3]));
    CHECK(elements(r[4]) == elements(r[5]));
    CHECK(elements(r[4]) == std::vector<double>{4, -8});
    CHECK_THROWS_WITH(parse_model("input h\ndef f(c) = c\nexport e(h) -> r = fold(f, h, 1 - 3)\n", "m.sd"),
                      "the count of 'fold' must not be negative, got -2");
}
