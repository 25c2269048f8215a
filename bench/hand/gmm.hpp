// Hand-written ADBench GMM objective and gradient (FORMATS.md 1.1) in the benchmark's
// layout: q[K][D] = log diag(Q_k), L[K][D][D] with L[k][j][i] = Q_k[j][i] for i < j
// (the rest ignored, gradient 0). The gradient is one pass over the points, components
// inner, as ADBench's manual derivative: Q_k (x_i - mu_k) per (i, k), then after the
// log-sum-exp over k its adjoint through the same triangle.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace hand {

inline constexpr double adbench_pi = 3.14159265359; // ADBench's PI macro (defs.h)

// log Gamma_p(a) = p (p - 1) / 4 log(PI) + sum_{j=1..p} lgamma(a + (1 - j) / 2)
inline double log_gamma_distrib(double a, int p) {
    double r = 0.25 * p * (p - 1) * std::log(adbench_pi);
    for (int j = 1; j <= p; ++j)
        r += std::lgamma(a + 0.5 * (1 - j));
    return r;
}

// The constant part of F: -(N D / 2) log(2 PI) - K C (FORMATS.md 1.1).
inline double gmm_constant(int D, int K, int N, double gamma, int m) {
    const int nw = D + m + 1;
    const double C = nw * D * (std::log(gamma) - 0.5 * std::log(2.0)) - log_gamma_distrib(0.5 * nw, D);
    return -0.5 * N * D * std::log(2.0 * adbench_pi) - K * C;
}

template <int D, int K, int N, class T>
T gmm(const T* alphas, const T* means, const T* q, const T* L, const double* x, double gamma,
      int m) {
    using std::exp, std::fmax, std::log;
    T sumq[K], expq[K * D];
    for (int k = 0; k < K; ++k) {
        sumq[k] = 0.0;
        for (int j = 0; j < D; ++j) {
            sumq[k] += q[k * D + j];
            expq[k * D + j] = exp(q[k * D + j]);
        }
    }
    T F = 0.0;
    for (int i = 0; i < N; ++i) {
        T beta[K];
        for (int k = 0; k < K; ++k) {
            T xc[D], sq = 0.0;
            for (int j = 0; j < D; ++j)
                xc[j] = x[i * D + j] - means[k * D + j];
            for (int j = 0; j < D; ++j) {
                T v = expq[k * D + j] * xc[j];
                for (int l = 0; l < j; ++l)
                    v += L[(k * D + j) * D + l] * xc[l];
                sq += v * v;
            }
            beta[k] = alphas[k] + sumq[k] - 0.5 * sq;
        }
        T mx = beta[0];
        for (int k = 1; k < K; ++k)
            mx = fmax(mx, beta[k]);
        T s = 0.0;
        for (int k = 0; k < K; ++k)
            s += exp(beta[k] - mx);
        F += mx + log(s);
    }
    T amx = alphas[0];
    for (int k = 1; k < K; ++k)
        amx = fmax(amx, alphas[k]);
    T as = 0.0;
    for (int k = 0; k < K; ++k)
        as += exp(alphas[k] - amx);
    F -= static_cast<double>(N) * (amx + log(as));
    T prior = 0.0;
    for (int k = 0; k < K; ++k) {
        for (int j = 0; j < D; ++j) {
            prior += 0.5 * gamma * gamma * expq[k * D + j] * expq[k * D + j];
            for (int l = 0; l < j; ++l)
                prior += 0.5 * gamma * gamma * L[(k * D + j) * D + l] * L[(k * D + j) * D + l];
        }
        prior -= static_cast<double>(m) * sumq[k];
    }
    return F + prior + gmm_constant(D, K, N, gamma, m);
}

// F and its gradient by alphas, means, q and L (each output written in full).
template <int D, int K, int N>
double gmm_grad(const double* alphas, const double* means, const double* q, const double* L,
                const double* x, double gamma, int m, double* dalphas, double* dmeans,
                double* dq, double* dL) {
    std::array<double, K> sumq, resp_total{}, e;
    std::array<double, K * D> expq, dexpq{}, xc, Qxc;
    for (int k = 0; k < K; ++k) {
        double s = 0.0;
        for (int j = 0; j < D; ++j) {
            s += q[k * D + j];
            expq[k * D + j] = std::exp(q[k * D + j]);
        }
        sumq[k] = s;
    }
    for (int t = 0; t < K * D; ++t)
        dmeans[t] = 0.0;
    for (int t = 0; t < K * D * D; ++t)
        dL[t] = 0.0;
    double F = 0.0;
    for (int i = 0; i < N; ++i) {
        const double* xi = x + i * D;
        double mx = -INFINITY;
        for (int k = 0; k < K; ++k) {
            double* c = &xc[k * D];
            double* v = &Qxc[k * D];
            const double* Lk = L + k * D * D;
            double sq = 0.0;
            for (int j = 0; j < D; ++j)
                c[j] = xi[j] - means[k * D + j];
            for (int j = 0; j < D; ++j) {
                double s = expq[k * D + j] * c[j];
                for (int l = 0; l < j; ++l)
                    s += Lk[j * D + l] * c[l];
                v[j] = s;
                sq += s * s;
            }
            e[k] = alphas[k] + sumq[k] - 0.5 * sq;
            mx = std::fmax(mx, e[k]);
        }
        double se = 0.0;
        for (int k = 0; k < K; ++k) {
            e[k] = std::exp(e[k] - mx);
            se += e[k];
        }
        F += mx + std::log(se);
        const double inv = 1.0 / se;
        for (int k = 0; k < K; ++k) {
            const double r = e[k] * inv; // d lse_i / d beta_ik
            resp_total[k] += r;
            const double* c = &xc[k * D];
            const double* v = &Qxc[k * D];
            const double* Lk = L + k * D * D;
            double* dLk = dL + k * D * D;
            double dc[D];
            for (int j = 0; j < D; ++j) {
                const double g = -r * v[j]; // d/d Qxc_j
                dexpq[k * D + j] += g * c[j];
                dc[j] = expq[k * D + j] * g;
            }
            for (int j = 1; j < D; ++j) {
                const double g = -r * v[j];
                for (int l = 0; l < j; ++l) {
                    dLk[j * D + l] += g * c[l];
                    dc[l] += Lk[j * D + l] * g;
                }
            }
            for (int j = 0; j < D; ++j)
                dmeans[k * D + j] -= dc[j];
        }
    }
    // log-sum-exp of the alphas, the prior, and the constant.
    double amx = alphas[0];
    for (int k = 1; k < K; ++k)
        amx = std::fmax(amx, alphas[k]);
    double as = 0.0;
    for (int k = 0; k < K; ++k)
        as += std::exp(alphas[k] - amx);
    const double lse_a = amx + std::log(as);
    F -= N * lse_a;
    const double g2 = gamma * gamma;
    double prior = 0.0;
    for (int k = 0; k < K; ++k) {
        dalphas[k] = resp_total[k] - N * std::exp(alphas[k] - lse_a);
        for (int j = 0; j < D; ++j) {
            const double eq = expq[k * D + j];
            prior += 0.5 * g2 * eq * eq;
            dq[k * D + j] = resp_total[k] + dexpq[k * D + j] * eq + g2 * eq * eq - m;
            for (int l = 0; l < j; ++l) {
                const double lv = L[(k * D + j) * D + l];
                prior += 0.5 * g2 * lv * lv;
                dL[(k * D + j) * D + l] += g2 * lv;
            }
        }
        prior -= m * sumq[k];
    }
    return F + prior + gmm_constant(D, K, N, gamma, m);
}

// ADBench's reference gmm_objective, transcribed on packed icf; used only
// to check the layout mapping, never timed.
inline double gmm_adbench(int d, int k, int n, const double* alphas, const double* means,
                          const double* icf, const double* x, double gamma, int m) {
    const int icf_sz = d * (d + 1) / 2;
    auto lse = [](const double* v, int len) {
        double mx = v[0];
        for (int i = 1; i < len; ++i)
            mx = std::max(mx, v[i]);
        double s = 0.0;
        for (int i = 0; i < len; ++i)
            s += std::exp(v[i] - mx);
        return std::log(s) + mx;
    };
    std::vector<double> sum_qs(k), main_term(k), xcen(d), Qx(d);
    for (int ik = 0; ik < k; ++ik) {
        sum_qs[ik] = 0.0;
        for (int j = 0; j < d; ++j)
            sum_qs[ik] += icf[ik * icf_sz + j];
    }
    double slse = 0.0;
    for (int ix = 0; ix < n; ++ix) {
        for (int ik = 0; ik < k; ++ik) {
            for (int j = 0; j < d; ++j)
                xcen[j] = x[ix * d + j] - means[ik * d + j];
            const double* Qdiag = icf + ik * icf_sz;
            const double* Lk = Qdiag + d;
            for (int j = 0; j < d; ++j)
                Qx[j] = std::exp(Qdiag[j]) * xcen[j];
            int Lidx = 0;
            for (int i = 0; i < d; ++i)
                for (int j = i + 1; j < d; ++j)
                    Qx[j] += Lk[Lidx++] * xcen[i];
            double sq = 0.0;
            for (int j = 0; j < d; ++j)
                sq += Qx[j] * Qx[j];
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sq;
        }
        slse += lse(main_term.data(), k);
    }
    const double CONSTANT = -n * d * 0.5 * std::log(2 * adbench_pi);
    const double lse_alphas = lse(alphas, k);
    // log_wishart_prior
    const int nw = d + m + 1;
    const double C = nw * d * (std::log(gamma) - 0.5 * std::log(2.0)) - log_gamma_distrib(0.5 * nw, d);
    double prior = 0.0;
    for (int ik = 0; ik < k; ++ik) {
        double frob = 0.0;
        for (int j = 0; j < d; ++j)
            frob += std::exp(2.0 * icf[ik * icf_sz + j]);
        for (int j = d; j < icf_sz; ++j)
            frob += icf[ik * icf_sz + j] * icf[ik * icf_sz + j];
        prior += 0.5 * gamma * gamma * frob - m * sum_qs[ik];
    }
    prior -= k * C;
    return CONSTANT + slse - n * lse_alphas + prior;
}

} // namespace hand
