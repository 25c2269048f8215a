// Higher-order derivatives of whole models through eval, check and compare: Hessians
// against closed forms (x^T A x, Rosenbrock) and differences of the gradient (the
// two-layer network), Jacobians and JVPs, swell of k-th derivatives, emitted Hessian size
// against n. The hidden test `tools_tests "[report]"` prints docs/higher-order.md's figures.
#include "tools/check.hpp"
#include "tools/compare.hpp"

#include "codegen/emit.hpp"
#include "core/differentiate.hpp"
#include "core/traverse.hpp"
#include "rewrite/simplify.hpp"
#include "tools/tools_test_util.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// "[a,b,...]" or "[[...],[...]]" for --set, from row-major values.
std::string text(const std::vector<double>& v, std::size_t cols = 0) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (cols && i % cols == 0)
            s += (i ? ",[" : "[");
        else if (i)
            s += ",";
        s += json_number(v[i]);
        if (cols && i % cols == cols - 1)
            s += "]";
    }
    return s + "]";
}

// Runs `symdiff eval` on a model given as text.
std::map<std::string, Tensor> eval_text(const std::string& model, const std::string& fn,
                                        const std::vector<std::string>& sets) {
    const TempDir dir;
    std::vector<std::string> args = {dir.write("m.sd", model), fn};
    for (const std::string& s : sets)
        args.insert(args.end(), {"--set", s});
    return eval_cli(args);
}

CheckReport check_text(const std::string& model, int points = 2, bool compile = true) {
    CheckOptions opt;
    opt.points = points;
    opt.seed = 3;
    opt.compile = compile;
    return Check(parse_model(model, "m.sd"), opt).run();
}

std::string table_of(const CheckReport& r) {
    std::ostringstream s;
    print_check_report(s, r);
    return s.str();
}

// Every derivative row agrees, and was compared by the tape and by finite differences
// (and by the compiled code, when it was compiled and there is a compiler).
void require_checked(const CheckReport& r, bool compiled = false) {
    INFO(table_of(r));
    CHECK(r.ok());
    const bool compiler = compiled && find_cxx_compiler().has_value();
    for (const CheckRow& row : r.rows) {
        INFO(row.export_name << "." << row.result_name);
        CHECK(row.tape.compared > 0);
        if (row.kind != "value")
            CHECK(row.fd.compared > 0);
        if (compiler)
            CHECK(row.compiled.compared > 0);
    }
}

const std::string mlp_hessians = R"(# the two-layer network of examples/mlp.sd, differentiated twice
input X[3, 5], y[1, 5]
input W1[4, 3], b1[4, 1], w2[1, 4], b2, V[4, 3]
Z = W1 @ X + b1
A = sigmoid(Z)
yhat = w2 @ A + b2
L = mean((y - yhat) ^ 2)
export second(W1, b1, w2, b2, X, y, V) -> g1 = grad(L, W1), H1 = hessian(L, W1),
    H2 = hessian(L, w2), HV = jvp(grad(L, W1), W1, V), J = jacobian(yhat, W1),
    VH = grad(jvp(L, W1, V), W1)
)";

// A model whose Hessian by x[n] has every kind of coupling: diagonal, neighbours, dense.
std::string scalable_hessian(int n) {
    const std::string N = std::to_string(n), M = std::to_string(n - 1);
    return "input x[" + N +
           "]\n"
           "f = sum(exp(x) * x) + sum(x[1:" +
           N + "] * x[0:" + M +
           "]) + sum(sin(x)) ^ 2\n"
           "export h(x) -> f, g = grad(f, x), H = hessian(f, x)\n";
}

std::string emitted(const std::string& model) {
    Model m = parse_model(model, "m.sd");
    std::vector<Function> fs;
    for (const Function& f : m.exports)
        fs.push_back(simplified(*m.graph, f));
    return codegen::emit_header(*m.graph, fs, {"m", "m.sd"});
}

std::string example_text(const std::string& name) { return read_file(example(name)); }

// The scalar functions whose k-th derivatives show expression swell.
struct ScalarFunction {
    const char* name;
    std::function<Expr(const Expr&)> f;
};

const std::vector<ScalarFunction>& scalar_functions() {
    static const std::vector<ScalarFunction> fs = {
        {"exp(sin x)", [](const Expr& x) { return exp(sin(x)); }},
        {"x exp(x)", [](const Expr& x) { return x * exp(x); }},
        {"tanh(x)", [](const Expr& x) { return tanh(x); }},
        {"sigmoid(x)", [](const Expr& x) { return sigmoid(x); }},
        {"log(1 + x^2)", [](const Expr& x) { return log(1.0 + x * x); }},
    };
    return fs;
}

struct SwellCount {
    std::size_t raw = 0, simplified = 0;
    double tree = 0.0; // the simplified derivative written out as a tree (no sharing)
};

// Nodes of the expression tree rooted at `root`: every shared node counted once per use.
double tree_size(const Graph& g, NodeId root) {
    std::vector<double> size(root + 1, 0.0);
    for (NodeId id : reachable(g, std::span<const NodeId>(&root, 1))) {
        size[id] = 1.0;
        for (NodeId a : g[id].operands())
            size[id] += size[a];
    }
    return size[root];
}

// Nodes of the k-th derivative as differentiation builds it (diff: k reverse sweeps
// over the unsimplified graph, as the language's diff does) and after simplification.
SwellCount swell(const ScalarFunction& sf, int k) {
    Graph g;
    const Expr x = input(g, "x");
    const NodeId d = diff(sf.f(x), x, k).id();
    SwellCount c;
    c.raw = reachable(g, std::span<const NodeId>(&d, 1)).size();
    const std::vector<NodeId> s = rewrite::simplify(g, std::span<const NodeId>(&d, 1));
    c.simplified = reachable(g, s).size();
    c.tree = tree_size(g, s[0]);
    return c;
}

} // namespace

TEST_CASE("the Hessian of x^T A x is A + A^T, through eval and check") {
    const std::string model = "input x[4], A[4, 4]\nf = x @ (A @ x)\n"
                              "export h(x, A) -> f, g = grad(f, x), H = hessian(f, x)\n";
    const std::vector<double> a = {1, 2, -3, 4, 0.5, -6, 7, 8, -9, 10, 1.5, -12, 13, 0, 15, -16};
    const std::vector<double> x = {0.3, -0.7, 1.1, 2.0};
    const auto r = eval_text(model, "h", {"x=" + text(x), "A=" + text(a, 4)});
    const Tensor& h = r.at("H");
    REQUIRE(h.shape() == Shape({4, 4}));
    for (std::size_t i = 0; i < 4; ++i) {
        double gi = 0.0;
        for (std::size_t j = 0; j < 4; ++j) {
            CHECK(h[i * 4 + j] == Approx(a[i * 4 + j] + a[j * 4 + i]).margin(1e-12));
            gi += (a[i * 4 + j] + a[j * 4 + i]) * x[j];
        }
        CHECK(r.at("g")[i] == Approx(gi).epsilon(1e-12));
    }
    require_checked(check_text(model, 2, false));
}

TEST_CASE("the Hessian of the extended Rosenbrock function matches its closed form") {
    // f = sum over pairs (a, b) = (x[2i], x[2i+1]) of 100 (b - a^2)^2 + (1 - a)^2:
    // block diagonal, each block [[1200 a^2 - 400 b + 2, -400 a], [-400 a, 200]].
    const std::string model = "input x[6]\nP = reshape(x, 3, 2)\na = P[:, 0]\nb = P[:, 1]\n"
                              "f = sum(100 * (b - a^2)^2 + (1 - a)^2)\n"
                              "export h(x) -> H = hessian(f, x)\n";
    const std::vector<double> x = {1.2, 0.8, -0.5, 2.0, 0.3, -1.1};
    const Tensor h = eval_text(model, "h", {"x=" + text(x)}).at("H");
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j) {
            double want = 0.0;
            const std::size_t p = i / 2, a = 2 * p, b = a + 1;
            if (j / 2 == p) {
                if (i == a && j == a)
                    want = 1200 * x[a] * x[a] - 400 * x[b] + 2;
                else if (i == b && j == b)
                    want = 200;
                else
                    want = -400 * x[a];
            }
            INFO("H[" << i << ", " << j << "]");
            CHECK(h[i * 6 + j] == Approx(want).epsilon(1e-13).margin(1e-12));
        }
    require_checked(check_text(model, 2, false));
}

TEST_CASE("the Hessian of the chained Rosenbrock function is tridiagonal as written") {
    // f = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 for i < n - 1:
    // H[i][i] = 1200 x_i^2 - 400 x_{i+1} + 2 (i < n-1) + 200 (i > 0), H[i][i+1] = -400 x_i.
    const std::string model = "input x[5]\n"
                              "f = sum(100 * (x[1:5] - x[0:4]^2)^2 + (1 - x[0:4])^2)\n"
                              "export h(x) -> H = hessian(f, x)\n";
    const std::vector<double> x = {0.9, -0.4, 1.3, 0.2, -0.8};
    const Tensor h = eval_text(model, "h", {"x=" + text(x)}).at("H");
    for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) {
            double want = 0.0;
            if (i == j)
                want = (i < 4 ? 1200 * x[i] * x[i] - 400 * x[i + 1] + 2 : 0.0) + (i > 0 ? 200 : 0);
            else if (j == i + 1)
                want = -400 * x[i];
            else if (i == j + 1)
                want = -400 * x[j];
            INFO("H[" << i << ", " << j << "]");
            CHECK(h[i * 5 + j] == Approx(want).epsilon(1e-13).margin(1e-12));
        }
}

TEST_CASE("the two-layer network: Hessians of the loss by its weights match their closed "
          "forms and differences of the gradient, and so do a Jacobian and Hessian-vector products "
          "forward over reverse and reverse over forward") {
    Model m = parse_model(mlp_hessians, "mlp2.sd");
    Graph& g = *m.graph;
    const Function raw = m.exports[0];
    const Function sym = simplified(g, raw);
    std::uint64_t state = 11;
    std::vector<Tensor> values = random_inputs(g, state, -1.0, 1.0);
    auto bind = [&](const std::vector<Tensor>& v) {
        Bindings b(g);
        for (std::size_t i = 0; i < v.size(); ++i)
            b.set(static_cast<int>(i), v[i]);
        return b;
    };
    std::vector<NodeId> roots;
    for (const auto& r : sym.results)
        roots.push_back(r.node);
    const std::vector<Tensor> at = evaluate(g, roots, bind(values));
    const Tensor &h1 = at[1], &h2 = at[2], &hv = at[3], &jac = at[4], &vh = at[5];
    REQUIRE(h1.shape() == Shape({4, 3, 4, 3}));
    REQUIRE(h2.shape() == Shape({1, 4, 1, 4}));
    REQUIRE(jac.shape() == Shape({1, 5, 4, 3}));

    // Central differences (Richardson) of the symbolic gradient and of yhat, by W1.
    const auto w1 = static_cast<std::size_t>(*g.find_input("W1"));
    const NodeId g1 = raw.results[0].node;
    const NodeId yhat = m.result_specs[0][4]->function;
    auto at_shift = [&](NodeId node, std::size_t k, double t) {
        std::vector<Tensor> v = values;
        v[w1][k] += t;
        return evaluate(g, std::span<const NodeId>(&node, 1), bind(v))[0];
    };
    const double h = 1e-3;
    for (std::size_t k = 0; k < 12; ++k) {
        for (const NodeId node : {g1, yhat}) {
            const Tensor p = at_shift(node, k, h), q = at_shift(node, k, -h);
            const Tensor p2 = at_shift(node, k, h / 2), q2 = at_shift(node, k, -h / 2);
            const Tensor& want = node == g1 ? h1 : jac;
            for (std::size_t i = 0; i < p.size(); ++i) {
                const double fd = (4 * (p2[i] - q2[i]) / h - (p[i] - q[i]) / (2 * h)) / 3;
                INFO((node == g1 ? "H1[" : "J[") << i << ", " << k << "]");
                CHECK(want[i * 12 + k] == Approx(fd).epsilon(1e-7).margin(1e-9));
            }
        }
    }
    // Closed forms. With s = sigmoid(Z), r = y - yhat, m = 5 samples, s' = s (1 - s) and
    // s'' = s' (1 - 2 s), the loss's second derivatives by W1 and by w2 are
    //   H1[ij, kl] = (2/m) sum_n (w2_i s'_in X_jn)(w2_k s'_kn X_ln)
    //                            - r_n [i = k] w2_i s''_in X_jn X_ln
    //   H2[i, k]   = (2/m) sum_n s_in s_kn
    auto value = [&](const char* name) {
        return values[static_cast<std::size_t>(*g.find_input(name))];
    };
    const Tensor X = value("X"), y = value("y"), W1 = value("W1"), b1 = value("b1");
    const Tensor w2 = value("w2"), b2 = value("b2");
    const std::size_t batch = 5;
    double s[4][5], d1[4][5], d2[4][5], r[5];
    for (std::size_t n = 0; n < batch; ++n) {
        double yhat_n = b2.item();
        for (std::size_t i = 0; i < 4; ++i) {
            double z = b1[i];
            for (std::size_t j = 0; j < 3; ++j)
                z += W1[i * 3 + j] * X[j * batch + n];
            s[i][n] = 1.0 / (1.0 + std::exp(-z));
            d1[i][n] = s[i][n] * (1.0 - s[i][n]);
            d2[i][n] = d1[i][n] * (1.0 - 2.0 * s[i][n]);
            yhat_n += w2[i] * s[i][n];
        }
        r[n] = y[n] - yhat_n;
    }
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k)
                for (std::size_t l = 0; l < 3; ++l) {
                    double want = 0.0;
                    for (std::size_t n = 0; n < batch; ++n) {
                        want += w2[i] * d1[i][n] * X[j * batch + n] * w2[k] * d1[k][n] *
                                X[l * batch + n];
                        if (i == k)
                            want -= r[n] * w2[i] * d2[i][n] * X[j * batch + n] * X[l * batch + n];
                    }
                    INFO("H1[" << i << ", " << j << ", " << k << ", " << l << "]");
                    CHECK(h1[(i * 3 + j) * 12 + k * 3 + l] ==
                          Approx(2.0 / batch * want).epsilon(1e-12).margin(1e-14));
                }
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t k = 0; k < 4; ++k) {
            double want = 0.0;
            for (std::size_t n = 0; n < batch; ++n)
                want += s[i][n] * s[k][n];
            INFO("H2[" << i << ", " << k << "]");
            CHECK(h2[i * 4 + k] == Approx(2.0 / batch * want).epsilon(1e-12).margin(1e-14));
        }
    // Both Hessian-vector products (forward over reverse, reverse over forward) are the
    // Hessian contracted with V.
    const Tensor& v = values[static_cast<std::size_t>(*g.find_input("V"))];
    for (std::size_t i = 0; i < 12; ++i) {
        double want = 0.0;
        for (std::size_t k = 0; k < 12; ++k)
            want += h1[i * 12 + k] * v[k];
        CHECK(hv[i] == Approx(want).epsilon(1e-12).margin(1e-14));
        CHECK(vh[i] == Approx(want).epsilon(1e-12).margin(1e-14));
    }
    // Hessians are symmetric.
    for (std::size_t i = 0; i < 12; ++i)
        for (std::size_t k = 0; k < 12; ++k)
            CHECK(h1[i * 12 + k] == Approx(h1[k * 12 + i]).epsilon(1e-12).margin(1e-14));
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t k = 0; k < 4; ++k)
            CHECK(h2[i * 4 + k] == Approx(h2[k * 4 + i]).epsilon(1e-12).margin(1e-14));
    // And the whole check: tape, compiled code and differences agree.
    require_checked(check_text(mlp_hessians, 1), true);
}

TEST_CASE("the Jacobian and a JVP of softmax match their closed forms") {
    // J = diag(s) - s s^T, J v = s * v - s (s . v).
    const std::string model = "input x[4], v[4]\ns = softmax(x, 0)\n"
                              "export d(x, v) -> s, J = jacobian(s, x), Jv = jvp(s, x, v)\n";
    const std::vector<double> x = {0.5, -1.0, 2.0, 0.1}, v = {1.0, 0.3, -0.7, 2.0};
    const auto r = eval_text(model, "d", {"x=" + text(x), "v=" + text(v)});
    const Tensor &s = r.at("s"), &j = r.at("J"), &jv = r.at("Jv");
    double sv = 0.0;
    for (std::size_t i = 0; i < 4; ++i)
        sv += s[i] * v[i];
    for (std::size_t i = 0; i < 4; ++i) {
        for (std::size_t k = 0; k < 4; ++k)
            CHECK(j[i * 4 + k] == Approx((i == k ? s[i] : 0.0) - s[i] * s[k]).margin(1e-15));
        CHECK(jv[i] == Approx(s[i] * v[i] - s[i] * sv).margin(1e-15));
    }
    require_checked(check_text(model, 2, false));
}

TEST_CASE("k-th derivatives of x exp(x) are (x + k) exp(x), up to k = 6, in every mode") {
    std::string model = "input x\nf = x * exp(x)\nexport d(x) -> ";
    for (int k = 1; k <= 6; ++k)
        model +=
            (k > 1 ? ", d" : "d") + std::to_string(k) + " = diff(f, x, " + std::to_string(k) + ")";
    model += "\n";
    const auto r = eval_text(model, "d", {"x=0.7"});
    for (int k = 1; k <= 6; ++k)
        CHECK(r.at("d" + std::to_string(k)).item() ==
              Approx((0.7 + k) * std::exp(0.7)).epsilon(1e-13));
    require_checked(check_text(model, 2, false));
}

TEST_CASE("expression swell of k-th derivatives is bounded after simplification") {
    for (const ScalarFunction& sf : scalar_functions()) {
        std::vector<SwellCount> c;
        for (int k = 1; k <= 6; ++k)
            c.push_back(swell(sf, k));
        INFO(sf.name);
        for (std::size_t k = 0; k < c.size(); ++k) {
            CHECK(c[k].simplified <= c[k].raw);
            if (k > 0)
                CHECK(c[k].raw > c[k - 1].raw); // each order adds a sweep
        }
        // Each order at most triples the simplified graph (no exponential blow-up of
        // the kind naive symbolic differentiation shows), and the 6th stays small.
        for (std::size_t k = 1; k < c.size(); ++k)
            CHECK(c[k].simplified <= 3 * c[k - 1].simplified + 10);
        CHECK(c.back().simplified < 400);
    }
}

TEST_CASE("emitted Hessian code does not grow with n: n = 1000 is not ~100x n = 10 (a seed "
          "loop, not n copies of the gradient)") {
    const std::string small = emitted(scalable_hessian(10));
    const std::string large = emitted(scalable_hessian(1000));
    INFO("n = 10: " << small.size() << " bytes, n = 1000: " << large.size() << " bytes");
    CHECK(static_cast<double>(large.size()) < 1.5 * static_cast<double>(small.size()));
    // The n = 10 Hessian agrees in every mode (compiled too).
    require_checked(check_text(scalable_hessian(10), 1), true);
}

TEST_CASE("print the figures of docs/higher-order.md", "[.][report]") {
    std::cout << "## k-th derivatives of scalar functions: nodes, raw / simplified\n\n"
              << "| f | k=1 | k=2 | k=3 | k=4 | k=5 | k=6 |\n|---|---|---|---|---|---|---|\n";
    for (const ScalarFunction& sf : scalar_functions()) {
        std::cout << "| " << sf.name;
        for (int k = 1; k <= 6; ++k) {
            const SwellCount c = swell(sf, k);
            std::cout << " | " << c.raw << " / " << c.simplified;
        }
        std::cout << " |\n";
    }
    std::cout << "\nThe simplified k-th derivative written out as a tree (no shared nodes):\n\n"
              << "| f | k=1 | k=2 | k=3 | k=4 | k=5 | k=6 |\n|---|---|---|---|---|---|---|\n";
    for (const ScalarFunction& sf : scalar_functions()) {
        std::cout << "| " << sf.name;
        for (int k = 1; k <= 6; ++k)
            std::cout << " | " << swell(sf, k).tree;
        std::cout << " |\n";
    }

    std::cout << "\n## Hessians of models: nodes of the function, of the raw Hessian graph, "
                 "after simplification; emitted header\n\n"
              << "| model | function | raw | simplified | header bytes |\n"
              << "|---|---|---|---|---|\n";
    const std::vector<std::pair<std::string, std::string>> models = {
        {"x^T A x, n = 4", "input x[4], A[4, 4]\nf = x @ (A @ x)\nexport h(x, A) -> H = "
                           "hessian(f, x)\n"},
        {"extended Rosenbrock, n = 6",
         "input x[6]\nP = reshape(x, 3, 2)\na = P[:, 0]\nb = P[:, 1]\n"
         "f = sum(100 * (b - a^2)^2 + (1 - a)^2)\nexport h(x) -> H = hessian(f, x)\n"},
        {"two-layer network, by W1 (4x3)", mlp_hessians.substr(0, mlp_hessians.find("export")) +
                                               "export h(W1, b1, w2, b2, X, y) -> H = "
                                               "hessian(L, W1)\n"},
        {"scalable, n = 10", scalable_hessian(10)},
        {"scalable, n = 1000", scalable_hessian(1000)},
    };
    for (const auto& [name, text] : models) {
        Model m = parse_model(text, "m.sd");
        const Function& f = m.exports[0];
        const NodeId h = f.results.back().node;
        const NodeId fn = m.result_specs[0][f.results.size() - 1]->function;
        const std::size_t raw = reachable(*m.graph, std::span<const NodeId>(&h, 1)).size();
        const std::size_t function = reachable(*m.graph, std::span<const NodeId>(&fn, 1)).size();
        const Function s = simplified(*m.graph, f);
        const NodeId hs = s.results.back().node;
        const std::size_t simple = reachable(*m.graph, std::span<const NodeId>(&hs, 1)).size();
        std::cout << "| " << name << " | " << function << " | " << raw << " | " << simple << " | "
                  << emitted(text).size() << " |\n";
    }

    std::cout << "\n## symdiff compare examples/mlp.sd train (random point, seed 1)\n\n```\n";
    Model mlp = load_model(example("mlp.sd"));
    print_compare_table(std::cout, run_compare(mlp, "train"));
    std::cout << "```\n";

    // The same network with 64 features, 32 hidden units and a batch of 256.
    const std::string model = example_text("mlp.sd");
    std::string wide = model.substr(model.find("input X"));
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"X[3, 5]", "X[64, 256]"},
                                                          {"y[1, 5]", "y[1, 256]"},
                                                          {"W1[4, 3]", "W1[32, 64]"},
                                                          {"b1[4, 1]", "b1[32, 1]"},
                                                          {"w2[1, 4]", "w2[1, 32]"}})
        wide.replace(wide.find(from), from.size(), to);
    std::cout << "\n## the same network, 64 features, 32 hidden units, batch 256\n\n```\n";
    Model big = parse_model(wide, "mlp_64_32_256.sd");
    print_compare_table(std::cout, run_compare(big, "train"));
    std::cout << "```\n";
}
