// The lecture examples (examples/*.sd) through `symdiff eval`, against numbers from the
// lectures and against gradients derived by hand and computed here in plain C++ loops.
#include "tools/tools_test_util.hpp"

#include <cmath>

using namespace symdiff;
using namespace symdiff::test;

namespace {

Approx near(double v) { return Approx(v).epsilon(1e-12).margin(1e-14); }

using Matrix = std::vector<std::vector<double>>;

// "[[a,b],[c,d]]" for --set
std::string text(const Matrix& m) {
    std::string s = "[";
    for (std::size_t i = 0; i < m.size(); ++i) {
        s += i ? ",[" : "[";
        for (std::size_t j = 0; j < m[i].size(); ++j)
            s += (j ? "," : "") + json_number(m[i][j]);
        s += "]";
    }
    return s + "]";
}

// "[a,b,c]" for --set
std::string text(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? "," : "") + json_number(v[i]);
    return s + "]";
}

void check_matrix(const Tensor& got, const Matrix& want) {
    REQUIRE(got.shape() == Shape{static_cast<std::int64_t>(want.size()),
                                 static_cast<std::int64_t>(want[0].size())});
    for (std::size_t i = 0; i < want.size(); ++i)
        for (std::size_t j = 0; j < want[i].size(); ++j)
            CHECK(got[i * want[i].size() + j] == near(want[i][j]));
}

Matrix matmul(const Matrix& a, const Matrix& b) {
    Matrix c(a.size(), std::vector<double>(b[0].size(), 0.0));
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t k = 0; k < b.size(); ++k)
            for (std::size_t j = 0; j < b[0].size(); ++j)
                c[i][j] += a[i][k] * b[k][j];
    return c;
}

Matrix transposed(const Matrix& a) {
    Matrix t(a[0].size(), std::vector<double>(a.size()));
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < a[0].size(); ++j)
            t[j][i] = a[i][j];
    return t;
}

} // namespace

TEST_CASE("example circuit.sd: f = (x + y) z") {
    auto r = eval_cli(
        {example("circuit.sd"), "f_grad", "--set", "x=-2", "--set", "y=5", "--set", "z=-4"});
    CHECK(r.at("f").item() == -12);
    CHECK(r.at("dx").item() == -4);
    CHECK(r.at("dy").item() == -4);
    CHECK(r.at("dz").item() == 3);
}

TEST_CASE("example neuron.sd and neuron_expanded.sd: the sigmoid neuron") {
    for (const char* file : {"neuron.sd", "neuron_expanded.sd"}) {
        INFO(file);
        auto r = eval_cli({example(file), "neuron", "--set", "w=[2,-3,-3]", "--set", "x=[-1,-2]"});
        // s = 2*(-1) + (-3)*(-2) - 3 = 1; f = sigmoid(1); ds = f (1 - f)
        const double f = 1 / (1 + std::exp(-1.0)), ds = f * (1 - f);
        CHECK(r.at("f").item() == near(f));
        CHECK(r.at("f").item() == Approx(0.73).margin(0.005));
        const auto dw = elements(r.at("dw"));
        const auto dx = elements(r.at("dx"));
        REQUIRE(dw.size() == 3);
        REQUIRE(dx.size() == 2);
        CHECK(dw[0] == near(-1 * ds)); // ds * x0
        CHECK(dw[1] == near(-2 * ds)); // ds * x1
        CHECK(dw[2] == near(ds));      // the bias
        CHECK(dx[0] == near(2 * ds));  // ds * w0
        CHECK(dx[1] == near(-3 * ds)); // ds * w1
        CHECK(dw[0] == Approx(-0.20).margin(0.005));
        CHECK(dw[1] == Approx(-0.39).margin(0.005));
        CHECK(dx[0] == Approx(0.39).margin(0.005));
        CHECK(dx[1] == Approx(-0.59).margin(0.005));
    }
}

TEST_CASE("example norm.sd: ||W x||^2") {
    auto r = eval_cli({example("norm.sd"), "loss_grad", "--set", "W=[[0.1,0.5],[-0.3,0.8]]",
                       "--set", "x=[0.2,0.4]"});
    CHECK(r.at("f").item() == near(0.116));
    check_matrix(r.at("dW"), {{0.088, 0.176}, {0.104, 0.208}});
    CHECK(elements(r.at("dx"))[0] == near(-0.112));
    CHECK(elements(r.at("dx"))[1] == near(0.636));
    CHECK(eval_cli({example("norm.sd"), "loss", "--set", "W=[[0.1,0.5],[-0.3,0.8]]", "--set",
                    "x=[0.2,0.4]"})
              .at("f")
              .item() == near(0.116));
}

TEST_CASE("example bill.sd: apples, a watermelon and tax") {
    auto r =
        eval_cli({example("bill.sd"), "bill", "--set", "apple_price=10", "--set", "apple_count=2",
                  "--set", "melon_price=30", "--set", "melon_count=1", "--set", "tax=1.05"});
    CHECK(r.at("total").item() == near(52.5));
    CHECK(r.at("d_apple_price").item() == near(2 * 1.05));  // count * tax
    CHECK(r.at("d_apple_count").item() == near(10 * 1.05)); // price * tax
    CHECK(r.at("d_melon_price").item() == near(1 * 1.05));
    CHECK(r.at("d_melon_count").item() == near(30 * 1.05));
    CHECK(r.at("d_tax").item() == near(50)); // the bill before tax
}

TEST_CASE("example review.sd: f = x^2 y + x y z + z + e^x y^3 z^2 against its partials") {
    for (const auto& [x, y, z] :
         {std::array{0.5, -1.0, 2.0}, std::array{-1.3, 0.7, 0.2}, std::array{2.0, 1.5, -0.5}}) {
        auto r = eval_cli({example("review.sd"), "partials", "--set", "x=" + json_number(x),
                           "--set", "y=" + json_number(y), "--set", "z=" + json_number(z)});
        const double e = std::exp(x);
        CHECK(r.at("f").item() == near(x * x * y + x * y * z + z + e * y * y * y * z * z));
        CHECK(r.at("dx").item() == near(2 * x * y + y * z + e * y * y * y * z * z));
        CHECK(r.at("dy").item() == near(x * x + x * z + 3 * e * y * y * z * z));
        CHECK(r.at("dz").item() == near(x * y + 1 + 2 * e * y * y * y * z));
        CHECK(r.at("dxx").item() == near(2 * y + e * y * y * y * z * z));
    }
}

TEST_CASE("example linreg.sd: dL/dw = (2/m)(yhat - y) X^T") {
    const Matrix w{{0.3, -0.7}}, X{{1, 2, -1, 0.5}, {0, -1, 3, 2}}, y{{1, 0, 2, -1}};
    const double b = 0.1;
    const std::size_t m = 4;
    auto r = eval_cli({example("linreg.sd"), "fit", "--set", "w=" + text(w), "--set", "b=0.1",
                       "--set", "X=" + text(X), "--set", "y=" + text(y)});
    Matrix err = matmul(w, X); // yhat - y
    double L = 0, db = 0;
    for (std::size_t j = 0; j < m; ++j) {
        err[0][j] += b - y[0][j];
        L += err[0][j] * err[0][j] / m;
        db += 2.0 / m * err[0][j];
    }
    Matrix dw = matmul(err, transposed(X));
    for (double& v : dw[0])
        v *= 2.0 / m;
    CHECK(r.at("L").item() == near(L));
    check_matrix(r.at("dw"), dw);
    CHECK(r.at("db").item() == near(db));
    CHECK(r.at("L").item() == near(5.208125)); // the conformance reference
}

TEST_CASE("example mlp.sd: the two-layer network against hand-derived backpropagation") {
    const Matrix X{{0.5, -1, 1.5, 0, 2}, {1, 0.5, -0.5, 1.5, -1}, {-0.5, 2, 1, -1.5, 0.5}};
    const Matrix y{{1, 0, 1, 0.5, -0.5}};
    const Matrix W1{{0.1, -0.2, 0.3}, {0.4, 0.1, -0.3}, {-0.2, 0.5, 0.2}, {0.3, -0.1, 0.1}};
    const Matrix b1{{0.1}, {-0.1}, {0.2}, {0}};
    const Matrix w2{{0.5, -0.4, 0.3, 0.2}};
    const double b2 = 0.1;
    const std::size_t hidden = 4, m = 5;

    // forward
    Matrix A = matmul(W1, X);
    for (std::size_t i = 0; i < hidden; ++i)
        for (std::size_t j = 0; j < m; ++j)
            A[i][j] = 1 / (1 + std::exp(-(A[i][j] + b1[i][0])));
    Matrix yhat = matmul(w2, A);
    double L = 0;
    Matrix dyhat(1, std::vector<double>(m));
    for (std::size_t j = 0; j < m; ++j) {
        yhat[0][j] += b2;
        L += (y[0][j] - yhat[0][j]) * (y[0][j] - yhat[0][j]) / m;
        dyhat[0][j] = 2.0 / m * (yhat[0][j] - y[0][j]);
    }
    // backward
    const Matrix dw2 = matmul(dyhat, transposed(A));
    double db2 = 0;
    for (double v : dyhat[0])
        db2 += v;
    Matrix dZ = matmul(transposed(w2), dyhat); // dA
    Matrix db1(hidden, std::vector<double>(1, 0.0));
    for (std::size_t i = 0; i < hidden; ++i)
        for (std::size_t j = 0; j < m; ++j) {
            dZ[i][j] *= A[i][j] * (1 - A[i][j]);
            db1[i][0] += dZ[i][j];
        }
    const Matrix dW1 = matmul(dZ, transposed(X));

    auto r = eval_cli({example("mlp.sd"), "train", "--set", "W1=" + text(W1), "--set",
                       "b1=" + text(b1), "--set", "w2=" + text(w2), "--set", "b2=0.1", "--set",
                       "X=" + text(X), "--set", "y=" + text(y)});
    CHECK(r.at("L").item() == near(L));
    check_matrix(r.at("dW1"), dW1);
    check_matrix(r.at("db1"), db1);
    check_matrix(r.at("dw2"), dw2);
    CHECK(r.at("db2").item() == near(db2));

    auto p = eval_cli({example("mlp.sd"), "predict", "--set", "W1=" + text(W1), "--set",
                       "b1=" + text(b1), "--set", "w2=" + text(w2), "--set", "b2=0.1", "--set",
                       "X=" + text(X)});
    check_matrix(p.at("yhat"), yhat);
}

TEST_CASE("every example parses, and gen accepts it") {
    TempDir dir;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(SYMDIFF_SOURCE_DIR) + "/examples")) {
        if (entry.path().extension() != ".sd")
            continue;
        INFO(entry.path());
        const Model m = load_model(entry.path().string());
        CHECK_FALSE(m.exports.empty());
        CHECK(m.source.starts_with("#")); // each opens with its explanation
        const CliResult r = run_cli(
            {"gen", entry.path().string(), "-o", dir.file(entry.path().stem().string() + ".hpp")});
        CHECK(r.err.empty());
        CHECK(r.code == 0);
    }
}

TEST_CASE("example rnn.sd: the loop's gradient against backpropagation through time by hand") {
    const Matrix X{{1, 0}, {0, 1}, {1, 1}, {-1, 0.5}};
    const Matrix W{{0.5, -0.2, 0.1}, {0.3, 0.4, -0.5}, {-0.1, 0.2, 0.6}};
    const Matrix U{{0.7, -0.3}, {0.2, 0.8}, {-0.6, 0.1}};
    const std::vector<double> b{0.1, -0.1, 0.05}, h0{0.2, -0.1, 0.3};
    const std::size_t T = 4, H = 3, D = 2;

    Matrix h{h0}; // h[t]: the state before step t, h[T] the last
    for (std::size_t t = 0; t < T; ++t) {
        std::vector<double> next(H);
        for (std::size_t i = 0; i < H; ++i) {
            double z = b[i];
            for (std::size_t j = 0; j < H; ++j)
                z += W[i][j] * h[t][j];
            for (std::size_t j = 0; j < D; ++j)
                z += U[i][j] * X[t][j];
            next[i] = std::tanh(z);
        }
        h.push_back(next);
    }
    double L = 0;
    for (double v : h[T])
        L += v * v / 2;
    Matrix dW(H, std::vector<double>(H, 0.0)), dU(H, std::vector<double>(D, 0.0)), dX(T, std::vector<double>(D, 0.0));
    std::vector<double> db(H, 0.0), a = h[T]; // a = dL/dh[t + 1]
    for (std::size_t t = T; t-- > 0;) {
        std::vector<double> dz(H), before(H, 0.0);
        for (std::size_t i = 0; i < H; ++i)
            dz[i] = a[i] * (1 - h[t + 1][i] * h[t + 1][i]);
        for (std::size_t i = 0; i < H; ++i) {
            db[i] += dz[i];
            for (std::size_t j = 0; j < H; ++j) {
                dW[i][j] += dz[i] * h[t][j];
                before[j] += W[i][j] * dz[i];
            }
            for (std::size_t j = 0; j < D; ++j) {
                dU[i][j] += dz[i] * X[t][j];
                dX[t][j] += U[i][j] * dz[i];
            }
        }
        a = before;
    }

    auto r = eval_cli({example("rnn.sd"), "train", "--set", "X=" + text(X), "--set", "h0=" + text(h0),
                       "--set", "W=" + text(W), "--set", "U=" + text(U), "--set", "b=" + text(b)});
    CHECK(r.at("L").item() == near(L));
    check_matrix(r.at("dW"), dW);
    check_matrix(r.at("dU"), dU);
    check_matrix(r.at("dX"), dX);
    for (std::size_t i = 0; i < H; ++i) {
        CHECK(r.at("db")[i] == near(db[i]));
        CHECK(r.at("dh0")[i] == near(a[i]));
    }
    auto s = eval_cli({example("rnn.sd"), "states", "--set", "X=" + text(X), "--set", "h0=" + text(h0),
                       "--set", "W=" + text(W), "--set", "U=" + text(U), "--set", "b=" + text(b)});
    check_matrix(s.at("hs"), Matrix(h.begin() + 1, h.end()));
}

TEST_CASE("example rk4.sd: fifty Runge-Kutta steps and their gradient against a hand-written integrator") {
    const std::vector<double> x{0.5, -0.3, 0.8, 0.2}, y0{1, 0, 0.5, -1};
    const double dt = 0.02;
    auto solve = [&](const std::vector<double>& rates) {
        auto f = [&](const std::vector<double>& y) {
            std::vector<double> d(4);
            for (std::size_t i = 0; i < 4; ++i)
                d[i] = rates[i] * (i == 0 ? 1.0 : y[i - 1]);
            return d;
        };
        auto plus = [](std::vector<double> y, double s, const std::vector<double>& k) {
            for (std::size_t i = 0; i < y.size(); ++i)
                y[i] += s * k[i];
            return y;
        };
        std::vector<double> y = y0;
        for (int s = 0; s < 50; ++s) {
            const auto k1 = f(y), k2 = f(plus(y, 0.5 * dt, k1)), k3 = f(plus(y, 0.5 * dt, k2)),
                       k4 = f(plus(y, dt, k3));
            for (std::size_t i = 0; i < 4; ++i)
                y[i] = y[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        return y;
    };
    const std::vector<double> yT = solve(x);
    auto r = eval_cli({example("rk4.sd"), "solve", "--set", "x=" + text(x), "--set", "y0=" + text(y0)});
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(r.at("yT")[i] == near(yT[i]));
    // d yT[3] / d x_i by central differences of the hand-written integrator
    for (std::size_t i = 0; i < 4; ++i) {
        const double h = 1e-6;
        std::vector<double> up = x, down = x;
        up[i] += h;
        down[i] -= h;
        CHECK(r.at("dx")[i] == Approx((solve(up)[3] - solve(down)[3]) / (2 * h)).margin(1e-8));
    }
}
