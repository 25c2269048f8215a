// Benchmark case: a GradBench-style ODE (bench/models/ode.sd; n = 1000, 10 RK4 steps),
// the last element and its gradient by x. The model's fold is one loop in the emitted
// code, its gradient a reverse loop over the kept states. Modes: emitted code, the
// hand-written reverse sweep (bench/hand/ode.hpp), the interpreter; the tape does not
// record loops yet.
#include "bench/common/harness.hpp"
#include "bench/common/rng.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/ode.hpp"

#include "ode.hpp"

namespace {

using bench::Kind;

constexpr std::size_t n = 1000;

[[gnu::noinline]] void emitted_f(const double* x, double* out, double* w) { ode::ode_f(x, out, w); }
[[gnu::noinline]] void emitted_g(const double* x, double* out, double* w) { ode::ode_grad(x, out, out + 1, w); }
[[gnu::noinline]] void hand_f(hand::Ode& o, const double* x, double* out) { out[0] = o.solve(x); }
[[gnu::noinline]] void hand_g(hand::Ode& o, const double* x, double* out) { out[0] = o.gradient(x, out + 1); }

void setup(bench::Case& c, bench::Buffers& buf) {
    bench::Rng rng(14);
    const std::vector<double>& x = buf.copy(rng.uniform_vector(n, -1.0, 1.0));
    const double* xp = x.data();
    auto& ode = buf.own<hand::Ode>(n);
    {
        auto& out = buf.make(1);
        auto& work = buf.make(std::max<std::size_t>(ode::ode_f_work_size, 1));
        c.add(bench::simple_mode("emitted_f", Kind::objective, out, [=, &out, &work] { emitted_f(xp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(n + 1);
        auto& work = buf.make(std::max<std::size_t>(ode::ode_grad_work_size, 1));
        c.add(bench::simple_mode("emitted_deriv", Kind::derivative, out,
                                 [=, &out, &work] { emitted_g(xp, out.data(), work.data()); }));
    }
    {
        auto& out = buf.make(1);
        c.add(bench::simple_mode("hand_f", Kind::objective, out, [=, &out, &ode] { hand_f(ode, xp, out.data()); }));
    }
    {
        auto& out = buf.make(n + 1);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out, [=, &out, &ode] { hand_g(ode, xp, out.data()); }));
        hand_g(ode, xp, out.data()); // the reference against differences of itself
        bench::check_by_differences(
            c.name(), x, [&ode](const std::vector<double>& v) { return std::vector<double>{ode.solve(v.data())}; },
            [&out](std::size_t, std::size_t j) { return out[j + 1]; });
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/ode.sd", "ode_f", "ode_grad");
    sm.set("x", x);
    c.add(sm.interpreter_mode());
}

} // namespace

int main(int argc, char** argv) { return bench::run_main(argc, argv, {{"ode_n1000_s10", setup}}); }
