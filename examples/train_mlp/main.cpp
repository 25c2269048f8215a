// Trains the two-layer network of two_layer.sd by full-batch gradient descent with the
// loss and gradients symdiff generated at build time (two_layer.hpp). Makes its own
// synthetic data (fixed seed, so every run prints the same numbers), prints the loss as
// it falls, and exits 1 unless the final loss is below a tenth of the initial one.
#include "two_layer.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace {

// Sizes from the header's metadata, so they follow the model.
using Info = two_layer::loss_grad_info;
constexpr std::size_t features = Info::X_shape[0];
constexpr std::size_t samples = Info::X_shape[1];
constexpr std::size_t hidden = Info::W1_shape[0];

// The function to learn from noisy samples.
double target(double x0, double x1) { return std::sin(1.5 * x0) * std::cos(x1); }

// Uniform in [lo, hi) from the raw output of mt19937, which the standard fixes bit for
// bit (the distributions of <random> may differ between libraries).
double uniform(std::mt19937& rng, double lo, double hi) {
    return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0);
}

struct Data {
    std::array<double, features * samples> X{}; // one sample per column
    std::array<double, samples> y{};
};

Data make_data(std::mt19937& rng) {
    Data d;
    for (std::size_t j = 0; j < samples; ++j) {
        const double x0 = uniform(rng, -2, 2), x1 = uniform(rng, -2, 2);
        d.X[0 * samples + j] = x0;
        d.X[1 * samples + j] = x1;
        d.y[j] = target(x0, x1) + uniform(rng, -0.05, 0.05);
    }
    return d;
}

struct Weights {
    std::array<double, hidden * features> W1{};
    std::array<double, hidden> b1{};
    std::array<double, hidden> w2{};
    double b2 = 0;
};

} // namespace

int main() {
    std::mt19937 rng(20240601);
    const Data train = make_data(rng);
    const Data test = make_data(rng);

    // 1. init: small random weights (scaled by fan-in), zero biases.
    Weights w;
    for (double& v : w.W1)
        v = uniform(rng, -1, 1) / std::sqrt(double(features));
    for (double& v : w.w2)
        v = uniform(rng, -1, 1) / std::sqrt(double(hidden));

    // Scratch space for the allocation-free overloads, allocated once.
    std::vector<double> work(two_layer::loss_grad_work_size);
    Weights g; // gradients, same layout as the weights
    const double learning_rate = 0.4;
    const int steps = 5000;

    double first = 0, loss = 0;
    for (int step = 0; step <= steps; ++step) {
        // 2.-4. forward pass, loss and backpropagation in one generated call.
        two_layer::loss_grad(w.W1.data(), w.b1.data(), w.w2.data(), &w.b2, train.X.data(),
                             train.y.data(), &loss, g.W1.data(), g.b1.data(), g.w2.data(), &g.b2,
                             work.data());
        if (!std::isfinite(loss)) {
            std::printf("step %4d  loss is not finite\n", step);
            return 1;
        }
        if (step == 0)
            first = loss;
        if (step % 500 == 0)
            std::printf("step %4d  loss %.6f\n", step, loss);
        if (step == steps)
            break;
        // 5. update: one step down the gradient.
        for (std::size_t i = 0; i < w.W1.size(); ++i)
            w.W1[i] -= learning_rate * g.W1[i];
        for (std::size_t i = 0; i < hidden; ++i) {
            w.b1[i] -= learning_rate * g.b1[i];
            w.w2[i] -= learning_rate * g.w2[i];
        }
        w.b2 -= learning_rate * g.b2;
    }

    // Held-out samples: the network learned the function, not the training points.
    double test_loss = 0;
    two_layer::loss(w.W1.data(), w.b1.data(), w.w2.data(), &w.b2, test.X.data(), test.y.data(),
                    &test_loss);
    std::printf("initial loss %.6f, final loss %.6f (%.1f%% of the initial), "
                "held-out loss %.6f\n",
                first, loss, 100 * loss / first, test_loss);
    if (!(loss < first / 10)) {
        std::printf("FAILED: the final loss is not below a tenth of the initial loss\n");
        return 1;
    }
    std::printf("OK: the loss fell below a tenth of its initial value\n");
    return 0;
}
