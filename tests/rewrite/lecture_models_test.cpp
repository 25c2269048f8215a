// Node counts of the lecture models' derivative graphs before and after simplification
// (printed): the sigmoid neuron (the lecture's explicit circuit and the sigmoid op),
// ||Wx||^2 and its Hessian-vector product, a two-layer ReLU network, logistic regression
// with cross-entropy, a softmax classifier. None may grow in op nodes or change values;
// those with something to remove must shrink.
#include "core/differentiate.hpp"
#include "core/eval.hpp"
#include "core/traverse.hpp"
#include "rewrite/simplify.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace symdiff;
using namespace symdiff::rewrite;
using namespace symdiff::rewrite::testing;

namespace {

struct Model {
    std::string name;
    Graph g;
    std::vector<NodeId> roots;
    bool must_shrink = true;
};

void measure(Model& m, std::size_t& total_before, std::size_t& total_after) {
    for (const bool strict : {false, true}) {
        Options o;
        o.strict = strict;
        Stats s;
        const std::vector<NodeId> out = simplify(m.g, m.roots, o, &s);
        const std::size_t ops_before = op_nodes(m.g, m.roots), ops_after = op_nodes(m.g, out);
        std::printf("  %-28s %-7s nodes %4zu -> %4zu  op nodes %4zu -> %4zu  (%zu rewrites, %d "
                    "passes)\n",
                    m.name.c_str(), strict ? "strict" : "default", s.nodes_before, s.nodes_after,
                    ops_before, ops_after, s.rewrites, s.passes);
        INFO(m.name << (strict ? " strict" : " default"));
        CHECK(ops_after <= ops_before); // constants are free; operations are not
        if (m.must_shrink && !strict)
            CHECK(s.nodes_after < s.nodes_before);
        CHECK(s.nodes_before == reachable(m.g, m.roots).size());
        if (!strict) {
            total_before += s.nodes_before;
            total_after += s.nodes_after;
        }
        std::mt19937_64 rng(7);
        for (int point = 0; point < 5; ++point) {
            const Bindings b = random_inputs(m.g, rng, -1.5, 1.5);
            const auto v0 = values(m.g, m.roots, b);
            const auto v1 = values(m.g, out, b);
            for (std::size_t r = 0; r < v0.size(); ++r)
                for (std::size_t e = 0; e < v0[r].size(); ++e) {
                    if (strict)
                        CHECK(same_value(v0[r][e], v1[r][e]));
                    else
                        CHECK(close(v0[r][e], v1[r][e], 1e-12));
                }
        }
    }
}

std::vector<NodeId> ids(const Expr& f, const std::vector<Expr>& ds) {
    std::vector<NodeId> out{f.id()};
    for (const Expr& d : ds)
        out.push_back(d.id());
    return out;
}

} // namespace

TEST_CASE("lecture models: derivative graphs shrink and keep their values") {
    std::vector<std::unique_ptr<Model>> models;
    auto add = [&](std::string name) -> Model& {
        models.push_back(std::make_unique<Model>());
        models.back()->name = std::move(name);
        return *models.back();
    };
    { // the lecture's sigmoid neuron, written out: f = 1/(1 + e^-(w0 x0 + w1 x1 + w2))
        Model& m = add("sigmoid neuron (circuit)");
        const Expr w0 = input(m.g, "w0"), x0 = input(m.g, "x0"), w1 = input(m.g, "w1");
        const Expr x1 = input(m.g, "x1"), w2 = input(m.g, "w2");
        const Expr f = 1.0 / (1.0 + exp(-(w0 * x0 + w1 * x1 + w2)));
        m.roots = ids(f, grad(f, std::vector<Expr>{w0, x0, w1, x1, w2}));
    }
    { // sigmoid neuron with the sigmoid op: f = s(w.x + b); its derivative graph is
      // already minimal (s (1 - s) broadcast, times w and x)
        Model& m = add("sigmoid neuron (op)");
        m.must_shrink = false;
        const Expr w = input(m.g, "w", {3}), x = input(m.g, "x", {3}), b = input(m.g, "b");
        const Expr f = sigmoid(sum(w * x) + b);
        m.roots = ids(f, grad(f, std::vector<Expr>{w, x, b}));
    }
    { // ||Wx||^2 and its gradient
        Model& m = add("||Wx||^2");
        const Expr W = input(m.g, "W", {2, 2}), x = input(m.g, "x", {2});
        const Expr f = sum(pow(matmul(W, x), 2.0));
        m.roots = ids(f, grad(f, std::vector<Expr>{W, x}));
    }
    { // its Hessian-vector product (forward over reverse)
        Model& m = add("||Wx||^2 Hessian-vector");
        const Expr W = input(m.g, "W", {2, 2}), x = input(m.g, "x", {2}), v = input(m.g, "v", {2});
        const Expr f = sum(pow(matmul(W, x), 2.0));
        const Expr hv = jvp(grad(f, x), x, v);
        m.roots = {hv.id()};
    }
    { // two-layer network with squared error
        Model& m = add("two-layer network");
        const Expr W1 = input(m.g, "W1", {4, 3}), b1 = input(m.g, "b1", {4});
        const Expr W2 = input(m.g, "W2", {2, 4}), b2 = input(m.g, "b2", {2});
        const Expr x = input(m.g, "x", {3}), t = input(m.g, "t", {2});
        const Expr h = relu(matmul(W1, x) + b1);
        const Expr y = matmul(W2, h) + b2;
        const Expr f = mean(pow(y - t, 2.0));
        m.roots = ids(f, grad(f, std::vector<Expr>{W1, b1, W2, b2}));
    }
    { // logistic regression with binary cross-entropy
        Model& m = add("logistic regression (BCE)");
        const Expr w = input(m.g, "w", {3}), x = input(m.g, "x", {3}), b = input(m.g, "b");
        const Expr t = input(m.g, "t");
        const Expr p = sigmoid(sum(w * x) + b);
        const Expr f = -(t * log(p) + (1.0 - t) * log(1.0 - p));
        m.roots = ids(f, grad(f, std::vector<Expr>{w, b}));
    }
    { // softmax classifier with cross-entropy and a tanh hidden layer
        Model& m = add("tanh + softmax classifier");
        const Expr W = input(m.g, "W", {3, 4}), x = input(m.g, "x", {4});
        const Expr V = input(m.g, "V", {2, 3}), t = input(m.g, "t", {2});
        const Expr z = matmul(V, tanh(matmul(W, x)));
        const Expr f = -sum(t * log(softmax(z)));
        m.roots = ids(f, grad(f, std::vector<Expr>{W, V}));
    }
    std::printf("lecture models (function and gradients; nodes reachable from the roots):\n");
    std::size_t before = 0, after = 0;
    for (auto& m : models)
        measure(*m, before, after);
    std::printf("  %-28s %-7s nodes %4zu -> %4zu\n", "total", "default", before, after);
    CHECK(after < before);
}
