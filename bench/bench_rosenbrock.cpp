// Benchmark cases 1 and 5: extended Rosenbrock gradient (n = 1000, n = 100000) and its
// dense Hessian (n = 100). Modes: emitted code (objective export, derivative export),
// hand-written, interpreter, tape, ADOL-C; all checked against the hand-written code.
#include "bench/common/adolc_modes.hpp"
#include "bench/common/harness.hpp"
#include "bench/common/rng.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/rosenbrock.hpp"

#include "rosenbrock_1000.hpp"
#include "rosenbrock_100000.hpp"
#include "rosenbrock_hessian_100.hpp"

namespace {

using bench::Kind;

// Each timed function is out of line, as a caller in another translation unit sees it.
[[gnu::noinline]] void e1000_f(const double* x, double* out, double* w) {
    rosenbrock_1000::rosen_f(x, out, w);
}
[[gnu::noinline]] void e1000_d(const double* x, double* out, double* w) {
    rosenbrock_1000::rosen_grad(x, out, out + 1, w);
}
[[gnu::noinline]] void e100000_f(const double* x, double* out, double* w) {
    rosenbrock_100000::rosen_f(x, out, w);
}
[[gnu::noinline]] void e100000_d(const double* x, double* out, double* w) {
    rosenbrock_100000::rosen_grad(x, out, out + 1, w);
}
[[gnu::noinline]] void eh_f(const double* x, double* out, double* w) {
    rosenbrock_hessian_100::rosen_f(x, out, w);
}
[[gnu::noinline]] void eh_d(const double* x, double* out, double* w) {
    rosenbrock_hessian_100::rosen_hess(x, out, w);
}
template <std::size_t N> [[gnu::noinline]] void hand_f(const double* x, double* out) {
    out[0] = hand::rosenbrock(x, N);
}
template <std::size_t N> [[gnu::noinline]] void hand_g(const double* x, double* out) {
    out[0] = hand::rosenbrock_grad(x, out + 1, N);
}
template <std::size_t N> [[gnu::noinline]] void hand_h(const double* x, double* out) {
    hand::rosenbrock_hessian(x, out, N);
}

using Fn = void (*)(const double*, double*, double*);
using HandFn = void (*)(const double*, double*);

// One case: `hessian` selects the Hessian layout (n x n results) over [f, gradient].
void add_case(bench::Case& c, bench::Buffers& buf, std::size_t n, const char* model,
              const char* deriv_export, bool hessian, Fn ef, std::size_t ef_work, Fn ed,
              std::size_t ed_work, HandFn hf, HandFn hd, std::uint64_t seed) {
    bench::Rng rng(seed);
    const std::vector<double>& x = buf.copy(rng.uniform_vector(n, -2.0, 2.0));
    const std::size_t nd = hessian ? n * n : n + 1;
    const double* xp = x.data();
    {
        auto& out = buf.make(1);
        auto& work = buf.make(std::max<std::size_t>(ef_work, 1));
        c.add(bench::simple_mode("emitted_f", Kind::objective, out,
                                 [=, &out, &work] { ef(xp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(nd);
        auto& work = buf.make(std::max<std::size_t>(ed_work, 1));
        c.add(bench::simple_mode("emitted_deriv", Kind::derivative, out,
                                 [=, &out, &work] { ed(xp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(1);
        c.add(bench::simple_mode("hand_f", Kind::objective, out, [=, &out] { hf(xp, out.data()); }));
    }
    {
        auto& out = buf.make(nd);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out,
                                 [=, &out] { hd(xp, out.data()); }));
        // Guard on the reference itself: its derivative against central differences.
        if (hessian) {
            bench::check_by_differences(
                c.name(), x,
                [n](const std::vector<double>& v) {
                    std::vector<double> g(n);
                    hand::rosenbrock_grad(v.data(), g.data(), n);
                    return g;
                },
                [&out, n, hd, xp](std::size_t i, std::size_t j) {
                    hd(xp, out.data());
                    return out[i * n + j];
                });
        } else {
            hd(xp, out.data());
            bench::check_by_differences(
                c.name(), x,
                [n](const std::vector<double>& v) {
                    return std::vector<double>{hand::rosenbrock(v.data(), n)};
                },
                [&out](std::size_t, std::size_t j) { return out[j + 1]; });
        }
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/" + model,
                                            "rosen_f", deriv_export);
    sm.set("x", x);
    c.add(sm.interpreter_mode());
    c.add(sm.tape_mode());
#ifdef SYMDIFF_BENCH_HAVE_ADOLC
    auto f = [n](const adouble* ax, adouble* ay) { ay[0] = hand::rosenbrock(ax, n); };
    c.add(hessian ? bench::adolc::hessian_mode(x, f, c.name())
                  : bench::adolc::gradient_mode(x, f, c.name()));
#endif
}

} // namespace

int main(int argc, char** argv) {
    using bench::Buffers, bench::Case;
    return bench::run_main(
        argc, argv,
        {{"rosenbrock_1000",
          [](Case& c, Buffers& b) {
              add_case(c, b, 1000, "rosenbrock_1000.sd", "rosen_grad", false, e1000_f,
                       rosenbrock_1000::rosen_f_work_size, e1000_d,
                       rosenbrock_1000::rosen_grad_work_size, hand_f<1000>, hand_g<1000>, 1);
          }},
         {"rosenbrock_100000",
          [](Case& c, Buffers& b) {
              add_case(c, b, 100000, "rosenbrock_100000.sd", "rosen_grad", false, e100000_f,
                       rosenbrock_100000::rosen_f_work_size, e100000_d,
                       rosenbrock_100000::rosen_grad_work_size, hand_f<100000>,
                       hand_g<100000>, 2);
          }},
         {"rosenbrock_hessian_100", [](Case& c, Buffers& b) {
              add_case(c, b, 100, "rosenbrock_hessian_100.sd", "rosen_hess", true, eh_f,
                       rosenbrock_hessian_100::rosen_f_work_size, eh_d,
                       rosenbrock_hessian_100::rosen_hess_work_size, hand_f<100>, hand_h<100>,
                       3);
          }}});
}
