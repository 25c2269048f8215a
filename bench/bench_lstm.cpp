// Benchmark case: ADBench's LSTM (FORMATS.md 1.4), l = 2 and l = 4 layers, c = 1024
// characters (ADBench's lstm_l{2,4}_c1024.txt): the loss and its gradient by the
// parameters, packed [loss, main (l x 8b), extra (3 x b)]. The model is one fold over the
// characters (bench/models/lstm_l*.sd); the hand-written reference is bench/hand/lstm.hpp.
// emitted_deriv_sqrt is the gradient generated with --checkpoint sqrt (lstm_l*_sqrt.hpp:
// one carry kept per 32 characters, the rest recomputed).
#include "bench/common/adbench_io.hpp"
#include "bench/common/harness.hpp"
#include "bench/common/symdiff_modes.hpp"
#include "bench/hand/lstm.hpp"

#include "lstm_l2.hpp"
#include "lstm_l2_sqrt.hpp"
#include "lstm_l4.hpp"
#include "lstm_l4_sqrt.hpp"

namespace {

using bench::Kind;

using F = void (*)(const double*, const double*, const double*, const double*, double*, double*);
using D = void (*)(const double*, const double*, const double*, const double*, double*, double*, double*, double*);

[[gnu::noinline]] void l2_f(const double* m, const double* e, const double* s, const double* q, double* o, double* w) {
    lstm_l2::lstm_f(m, e, s, q, o, w);
}
[[gnu::noinline]] void l2_d(const double* m, const double* e, const double* s, const double* q, double* o, double* dm,
                            double* de, double* w) {
    lstm_l2::lstm_grad(m, e, s, q, o, dm, de, w);
}
[[gnu::noinline]] void l2_d_sqrt(const double* m, const double* e, const double* s, const double* q, double* o,
                                 double* dm, double* de, double* w) {
    lstm_l2_sqrt::lstm_grad(m, e, s, q, o, dm, de, w);
}
[[gnu::noinline]] void l4_d_sqrt(const double* m, const double* e, const double* s, const double* q, double* o,
                                 double* dm, double* de, double* w) {
    lstm_l4_sqrt::lstm_grad(m, e, s, q, o, dm, de, w);
}
[[gnu::noinline]] void l4_f(const double* m, const double* e, const double* s, const double* q, double* o, double* w) {
    lstm_l4::lstm_f(m, e, s, q, o, w);
}
[[gnu::noinline]] void l4_d(const double* m, const double* e, const double* s, const double* q, double* o, double* dm,
                            double* de, double* w) {
    lstm_l4::lstm_grad(m, e, s, q, o, dm, de, w);
}

// An emitted function and its work size.
template <class Fn> struct Emitted {
    Fn fn;
    std::size_t work;
};

void add_case(bench::Case& c, bench::Buffers& buf, std::size_t layers, const char* model, Emitted<F> ef,
              Emitted<D> ed, Emitted<D> ed_sqrt) {
    const bench::LstmInstance& d = buf.own<bench::LstmInstance>(bench::read_lstm(std::string(SYMDIFF_BENCH_ADBENCH) + "/lstm/lstm_l" +
                                                    std::to_string(layers) + "_c1024.txt"));
    auto& ref = buf.own<hand::Lstm>(d.l, d.c, d.b);
    const std::size_t nm = d.main.size(), n = 1 + nm + d.extra.size();
    const double *m = d.main.data(), *e = d.extra.data(), *s = d.state.data(), *q = d.seq.data();
    {
        auto& out = buf.make(1);
        auto& work = buf.make(std::max<std::size_t>(ef.work, 1));
        c.add(bench::simple_mode("emitted_f", Kind::objective, out, [=, &out, &work] { ef.fn(m, e, s, q, out.data(), work.data()); }));
    }
    for (const auto& named : {std::pair{"emitted_deriv", ed}, std::pair{"emitted_deriv_sqrt", ed_sqrt}}) {
        const char* name = named.first;
        const Emitted<D> grad = named.second;
        auto& out = buf.make(n);
        auto& work = buf.make(std::max<std::size_t>(grad.work, 1));
        c.add(bench::simple_mode(name, Kind::derivative, out, [=, &out, &work] {
            grad.fn(m, e, s, q, out.data(), out.data() + 1, out.data() + 1 + nm, work.data());
        }));
    }
    {
        auto& out = buf.make(1);
        c.add(bench::simple_mode("hand_f", Kind::objective, out, [=, &out, &ref] { out[0] = ref.loss(m, e, s, q); }));
    }
    {
        auto& out = buf.make(n);
        c.add(bench::simple_mode("hand_deriv", Kind::derivative, out, [=, &out, &ref] {
            out[0] = ref.gradient(m, e, s, q, out.data() + 1, out.data() + 1 + nm);
        }));
        out[0] = ref.gradient(m, e, s, q, out.data() + 1, out.data() + 1 + nm);
        std::vector<double> params = bench::concat({d.main, d.extra}); // the reference against its own differences
        bench::check_by_differences(
            c.name(), params,
            [&ref, &d, nm](const std::vector<double>& v) {
                return std::vector<double>{ref.loss(v.data(), v.data() + nm, d.state.data(), d.seq.data())};
            },
            [&out](std::size_t, std::size_t j) { return out[j + 1]; });
    }
    auto& sm = buf.own<bench::SymdiffModel>(std::string(SYMDIFF_BENCH_MODELS) + "/" + model, "lstm_f", "lstm_grad");
    sm.set("main", d.main);
    sm.set("extra", d.extra);
    sm.set("state", d.state);
    sm.set("seq", d.seq);
    c.add(sm.interpreter_mode());
}

} // namespace

int main(int argc, char** argv) {
    using bench::Buffers, bench::Case;
    return bench::run_main(argc, argv,
                           {{"lstm_l2_c1024",
                             [](Case& c, Buffers& b) {
                                 add_case(c, b, 2, "lstm_l2.sd", {l2_f, lstm_l2::lstm_f_work_size},
                                          {l2_d, lstm_l2::lstm_grad_work_size},
                                          {l2_d_sqrt, lstm_l2_sqrt::lstm_grad_work_size});
                             }},
                            {"lstm_l4_c1024", [](Case& c, Buffers& b) {
                                 add_case(c, b, 4, "lstm_l4.sd", {l4_f, lstm_l4::lstm_f_work_size},
                                          {l4_d, lstm_l4::lstm_grad_work_size},
                                          {l4_d_sqrt, lstm_l4_sqrt::lstm_grad_work_size});
                             }}});
}
