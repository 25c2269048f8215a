// Benchmark case 3: two-layer network, F = 64 inputs, H = 32 hidden, m = 256 samples,
// mean squared error and its gradient by W1, b1, w2, b2.
// Results: [L, dW1 (32 x 64), db1 (32), dw2 (32), db2]; parameters packed the same way.
#include "bench/common/adolc_modes.hpp"
#include "bench/common/harness.hpp"
#include "bench/common/rng.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/mlp.hpp"

#include "mlp.hpp"

namespace {

constexpr std::size_t F = 64, H = 32, m = 256;
constexpr std::size_t nW1 = H * F, n_params = H * F + H + H + 1;

struct Params { // views into the packed parameter vector
    const double *W1, *b1, *w2, *b2;
    explicit Params(const double* t) : W1(t), b1(t + nW1), w2(t + nW1 + H), b2(t + nW1 + 2 * H) {}
};

[[gnu::noinline]] void emitted_f(const double* t, const double* X, const double* y, double* out,
                                 double* work) {
    const Params p(t);
    mlp::mlp_f(p.W1, p.b1, p.w2, p.b2, X, y, out, work);
}
[[gnu::noinline]] void emitted_d(const double* t, const double* X, const double* y, double* out,
                                 double* work) {
    const Params p(t);
    mlp::mlp_grad(p.W1, p.b1, p.w2, p.b2, X, y, out, out + 1, out + 1 + nW1, out + 1 + nW1 + H,
                  out + 1 + nW1 + 2 * H, work);
}
[[gnu::noinline]] void hand_f(const double* t, const double* X, const double* y, double* out,
                              double* scratch) {
    const Params p(t);
    out[0] = hand::mlp_f(p.W1, p.b1, p.w2, *p.b2, X, y, F, H, m, {scratch, scratch + H * m});
}
[[gnu::noinline]] void hand_d(const double* t, const double* X, const double* y, double* out,
                              double* scratch) {
    const Params p(t);
    out[0] = hand::mlp_grad(p.W1, p.b1, p.w2, *p.b2, X, y, F, H, m, {scratch, scratch + H * m},
                            out + 1, out + 1 + nW1, out + 1 + nW1 + H, out + 1 + nW1 + 2 * H);
}

void setup(bench::Case& c, bench::Buffers& buf) {
    using bench::Kind;
    bench::Rng rng(5);
    const auto& X = buf.copy(rng.uniform_vector(F * m, -1.0, 1.0));
    const auto& y = buf.copy(rng.uniform_vector(m, -1.0, 1.0));
    auto& theta = buf.make(n_params);
    for (std::size_t i = 0; i < n_params; ++i)
        theta[i] = i < nW1 ? rng.uniform(-0.125, 0.125) : rng.uniform(-0.2, 0.2);
    const double *tp = theta.data(), *Xp = X.data(), *yp = y.data();
    {
        auto& out = buf.make(1);
        auto& work = buf.make(mlp::mlp_f_work_size + 1);
        c.add(bench::simple_mode("emitted_f", Kind::objective, out,
                                 [=, &out, &work] { emitted_f(tp, Xp, yp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(n_params + 1);
        auto& work = buf.make(mlp::mlp_grad_work_size + 1);
        c.add(bench::simple_mode("emitted_deriv", Kind::derivative, out,
                                 [=, &out, &work] { emitted_d(tp, Xp, yp, out.data(), work.data()); }));
    }
    auto& scratch = buf.make(H * m + m);
    double* sp = scratch.data();
    {
        auto& out = buf.make(1);
        c.add(bench::simple_mode("hand_f", Kind::objective, out,
                                 [=, &out] { hand_f(tp, Xp, yp, out.data(), sp); }));
    }
    {
        auto& out = buf.make(n_params + 1);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out,
                                 [=, &out] { hand_d(tp, Xp, yp, out.data(), sp); }));
        hand_d(tp, Xp, yp, out.data(), sp);
        bench::check_by_differences(
            c.name(), theta,
            [=](const std::vector<double>& v) {
                const Params p(v.data());
                return std::vector<double>{hand::mlp(p.W1, p.b1, p.w2, *p.b2, Xp, yp, F, H, m)};
            },
            [&out](std::size_t, std::size_t j) { return out[j + 1]; });
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/mlp.sd",
                                            "mlp_f", "mlp_grad");
    const std::span<const double> t(theta);
    sm.set("W1", t.first(nW1));
    sm.set("b1", t.subspan(nW1, H));
    sm.set("w2", t.subspan(nW1 + H, H));
    sm.set("b2", t.subspan(nW1 + 2 * H, 1));
    sm.set("X", X);
    sm.set("y", y);
    c.add(sm.interpreter_mode());
    c.add(sm.tape_mode());
#ifdef SYMDIFF_BENCH_HAVE_ADOLC
    c.add(bench::adolc::gradient_mode(
        theta,
        [=](const adouble* a, adouble* f) {
            f[0] = hand::mlp(a, a + nW1, a + nW1 + H, a[nW1 + 2 * H], Xp, yp, F, H, m);
        },
        c.name()));
#endif
}

} // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, {{"mlp", setup}}); }
