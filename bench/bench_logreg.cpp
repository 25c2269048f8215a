// Benchmark case 2: logistic regression, d = 100 features, m = 1000 samples, mean
// negative log-likelihood and its gradient by w and b. Results: [L, dw (100), db].
#include "bench/common/adolc_modes.hpp"
#include "bench/common/harness.hpp"
#include "bench/common/rng.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/logreg.hpp"

#include "logreg.hpp"

namespace {

constexpr std::size_t m = 1000, d = 100;

[[gnu::noinline]] void emitted_f(const double* X, const double* y, const double* w, double* out,
                                 double* work) {
    logreg::logreg_f(X, y, w, w + d, out, work);
}
[[gnu::noinline]] void emitted_d(const double* X, const double* y, const double* w, double* out,
                                 double* work) {
    logreg::logreg_grad(X, y, w, w + d, out, out + 1, out + 1 + d, work);
}
[[gnu::noinline]] void hand_f(const double* X, const double* y, const double* w, double* out) {
    out[0] = hand::logreg_f(X, y, w, w[d], m, d);
}
[[gnu::noinline]] void hand_d(const double* X, const double* y, const double* w, double* out) {
    out[0] = hand::logreg_grad(X, y, w, w[d], m, d, out + 1, out + 1 + d);
}

void setup(bench::Case& c, bench::Buffers& buf) {
    using bench::Kind;
    bench::Rng rng(4);
    const auto& X = buf.copy(rng.uniform_vector(m * d, -1.0, 1.0));
    auto& y = buf.make(m);
    for (double& e : y)
        e = rng.uniform() < 0.5 ? 0.0 : 1.0;
    const auto& wb = buf.copy(rng.uniform_vector(d + 1, -0.2, 0.2)); // w, then b
    const double *Xp = X.data(), *yp = y.data(), *wp = wb.data();
    {
        auto& out = buf.make(1);
        auto& work = buf.make(logreg::logreg_f_work_size + 1);
        c.add(bench::simple_mode("emitted_f", Kind::objective, out,
                                 [=, &out, &work] { emitted_f(Xp, yp, wp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(d + 2);
        auto& work = buf.make(logreg::logreg_grad_work_size + 1);
        c.add(bench::simple_mode("emitted_deriv", Kind::derivative, out,
                                 [=, &out, &work] { emitted_d(Xp, yp, wp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(1);
        c.add(bench::simple_mode("hand_f", Kind::objective, out,
                                 [=, &out] { hand_f(Xp, yp, wp, out.data()); }));
    }
    {
        auto& out = buf.make(d + 2);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out,
                                 [=, &out] { hand_d(Xp, yp, wp, out.data()); }));
        hand_d(Xp, yp, wp, out.data());
        bench::check_by_differences(
            c.name(), wb,
            [=](const std::vector<double>& v) {
                return std::vector<double>{hand::logreg(Xp, yp, v.data(), v[d], m, d)};
            },
            [&out](std::size_t, std::size_t j) { return out[j + 1]; });
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/logreg.sd",
                                            "logreg_f", "logreg_grad");
    sm.set("X", X);
    sm.set("y", y);
    sm.set("w", std::span(wb).first(d));
    sm.set("b", std::span(wb).subspan(d));
    c.add(sm.interpreter_mode());
    c.add(sm.tape_mode());
#ifdef SYMDIFF_BENCH_HAVE_ADOLC
    c.add(bench::adolc::gradient_mode(
        wb,
        [=](const adouble* a, adouble* f) { f[0] = hand::logreg(Xp, yp, a, a[d], m, d); },
        c.name()));
#endif
}

} // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, {{"logreg", setup}}); }
