// ADOL-C modes (optional: compiled when CMake found ADOL-C and defined
// SYMDIFF_BENCH_HAVE_ADOLC). The objective is the hand-written template instantiated
// with adouble, recorded once on a tape; each timed call is one ADOL-C driver call:
// gradient() (zos_forward + fos_reverse), hessian() or jacobian().
#pragma once

#ifdef SYMDIFF_BENCH_HAVE_ADOLC

#include "bench/common/harness.hpp"

#include <adolc/adolc.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace bench::adolc {

// A fresh tape tag per recording.
inline short next_tag() {
    static short tag = 0;
    return ++tag;
}

// Warns when a tape does not fit ADOL-C's in-memory buffers (it then lives in files;
// run.sh writes a .adolcrc with large buffers into the working directory). ADOL-C's
// location store only grows within a process, and its drivers allocate per location
// (hessian(): max lives x n x 2 doubles per call), so each case runs in its own process
// (--case); a tape with far more live locations than operations is reported too.
inline void warn_if_on_disk(short tag, const std::string& what) {
    std::size_t stats[STAT_SIZE];
    tapestats(tag, stats);
    if (stats[NUM_MAX_LIVES] > 4 * stats[NUM_OPERATIONS] + 1024)
        std::fprintf(stderr, "warning: ADOL-C tape of %s has %zu live locations for %zu "
                             "operations (tapes recorded before it in this process); run "
                             "one case per process (--case)\n",
                     what.c_str(), stats[NUM_MAX_LIVES], stats[NUM_OPERATIONS]);
    if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS])
        std::fprintf(stderr, "warning: ADOL-C tape of %s is stored in files (%zu operations); "
                             "put a .adolcrc with larger buffers in the working directory\n",
                     what.c_str(), stats[NUM_OPERATIONS]);
}

// Records y = f(x) (m outputs) at x0: f(const adouble* x, adouble* y).
template <class F> short record(std::span<const double> x0, int m, F&& f, const std::string& what) {
    const short tag = next_tag();
    trace_on(tag, 1);
    std::vector<adouble> ax(x0.size()), ay(static_cast<std::size_t>(m));
    for (std::size_t i = 0; i < x0.size(); ++i)
        ax[i] <<= x0[i];
    f(ax.data(), ay.data());
    std::vector<double> y(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i)
        ay[static_cast<std::size_t>(i)] >>= y[static_cast<std::size_t>(i)];
    trace_off();
    warn_if_on_disk(tag, what);
    return tag;
}

// Gradient of a scalar objective; results() gives [f, gradient] (f from an untimed
// zos_forward of the same tape).
template <class F> Mode gradient_mode(std::vector<double> x0, F&& f, const std::string& what) {
    const short tag = record(x0, 1, std::forward<F>(f), what);
    auto x = std::make_shared<std::vector<double>>(std::move(x0));
    auto g = std::make_shared<std::vector<double>>(x->size());
    const int n = static_cast<int>(x->size());
    return Mode{"adolc", Kind::derivative, [=] { ::gradient(tag, n, x->data(), g->data()); },
                [=] {
                    double y = 0.0;
                    ::function(tag, 1, n, x->data(), &y);
                    std::vector<double> r{y};
                    r.insert(r.end(), g->begin(), g->end());
                    return r;
                }};
}

// Dense Hessian: ADOL-C's hessian() fills the lower triangle; the timed call mirrors it
// into a full row-major matrix.
template <class F> Mode hessian_mode(std::vector<double> x0, F&& f, const std::string& what) {
    const short tag = record(x0, 1, std::forward<F>(f), what);
    const int n = static_cast<int>(x0.size());
    auto x = std::make_shared<std::vector<double>>(std::move(x0));
    auto h = std::shared_ptr<double*>(myalloc2(n, n), [](double** p) { myfree2(p); });
    auto out = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n) * n);
    return Mode{"adolc", Kind::derivative,
                [=] {
                    ::hessian(tag, n, x->data(), h.get());
                    double* o = out->data();
                    for (int i = 0; i < n; ++i)
                        for (int j = 0; j <= i; ++j)
                            o[i * n + j] = o[j * n + i] = h.get()[i][j];
                },
                [=] { return *out; }};
}

// Dense m x n Jacobian, row-major.
template <class F>
Mode jacobian_mode(std::vector<double> x0, int m, F&& f, const std::string& what) {
    const short tag = record(x0, m, std::forward<F>(f), what);
    const int n = static_cast<int>(x0.size());
    auto x = std::make_shared<std::vector<double>>(std::move(x0));
    auto j = std::shared_ptr<double*>(myalloc2(m, n), [](double** p) { myfree2(p); });
    return Mode{"adolc", Kind::derivative, [=] { ::jacobian(tag, m, n, x->data(), j.get()); },
                [=] {
                    std::vector<double> r;
                    for (int i = 0; i < m; ++i)
                        r.insert(r.end(), j.get()[i], j.get()[i] + n);
                    return r;
                }};
}

} // namespace bench::adolc

#endif
