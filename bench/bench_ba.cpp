// Benchmark case 6: ADBench BA, the residual of one observation (2 reprojection + 1
// weight error) and its dense 3 x 15 Jacobian by p = (camera 11, point 3, weight 1),
// data from ADBench's ba1_n49_m7776_p31843.txt (every observation of an ADBench BA
// file is this one; FORMATS.md 1.2).
#include "bench/common/adbench_io.hpp"
#include "bench/common/adolc_modes.hpp"
#include "bench/common/harness.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/ba.hpp"

#include "ba.hpp"

namespace {

using bench::Kind;

[[gnu::noinline]] void emitted_f(const double* p, const double* feat, double* out, double* w) {
    ba::ba_res(p, feat, out, w);
}
[[gnu::noinline]] void emitted_d(const double* p, const double* feat, double* out, double* w) {
    ba::ba_jac(p, feat, out, w);
}
[[gnu::noinline]] void hand_f(const double* p, const double* feat, double* out) {
    hand::ba_residual(p, feat, out);
}
[[gnu::noinline]] void hand_d(const double* p, const double* feat, double* out) {
    double res[3];
    hand::ba_jacobian(p, feat, res, out);
    benchmark::DoNotOptimize(res);
}

void setup(bench::Case& c, bench::Buffers& buf) {
    const bench::BaInstance b =
        bench::read_ba(std::string(SYMDIFF_BENCH_ADBENCH) + "/ba/ba1_n49_m7776_p31843.txt");
    auto& p = buf.make(15);
    std::copy(b.cam, b.cam + 11, p.begin());
    std::copy(b.X, b.X + 3, p.begin() + 11);
    p[14] = b.w;
    const auto& feat = buf.copy(std::span<const double>(b.feat, 2));
    const double *pp = p.data(), *fp = feat.data();
    {
        auto& out = buf.make(3);
        auto& work = buf.make(ba::ba_res_work_size + 1);
        c.add(bench::simple_mode("emitted_f", Kind::objective, out,
                                 [=, &out, &work] { emitted_f(pp, fp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(45);
        auto& work = buf.make(ba::ba_jac_work_size + 1);
        c.add(bench::simple_mode("emitted_deriv", Kind::derivative, out,
                                 [=, &out, &work] { emitted_d(pp, fp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(3);
        c.add(bench::simple_mode("hand_f", Kind::objective, out,
                                 [=, &out] { hand_f(pp, fp, out.data()); }));
    }
    {
        auto& out = buf.make(45);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out,
                                 [=, &out] { hand_d(pp, fp, out.data()); }));
        hand_d(pp, fp, out.data());
        bench::check_by_differences(
            c.name(), p,
            [=](const std::vector<double>& v) {
                std::vector<double> r(3);
                hand::ba_residual(v.data(), fp, r.data());
                return r;
            },
            [&out](std::size_t i, std::size_t j) { return out[i * 15 + j]; });
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/ba.sd",
                                            "ba_res", "ba_jac");
    sm.set("p", p);
    sm.set("feat", feat);
    c.add(sm.interpreter_mode());
    c.add(sm.tape_mode());
#ifdef SYMDIFF_BENCH_HAVE_ADOLC
    c.add(bench::adolc::jacobian_mode(
        p, 3, [=](const adouble* a, adouble* r) { hand::ba_residual(a, fp, r); }, c.name()));
#endif
}

} // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, {{"ba", setup}}); }
