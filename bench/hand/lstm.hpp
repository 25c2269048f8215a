// Hand-written reference of ADBench's LSTM (FORMATS.md 1.4: diagonal weights): the loss,
// and its gradient by main_params and extra_params by a reverse sweep written out, the
// forward pass keeping what the sweep reads (per step and layer: the input, the state
// before, the four gates and tanh of the new cell; per step the softmax of the output).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace hand {

struct Lstm {
    std::size_t l, c, b;
    std::vector<double> kept, h, cell, x, dh, dc, dx, dy;

    Lstm(std::size_t layers, std::size_t chars, std::size_t bits)
        : l(layers), c(chars), b(bits), kept((chars - 1) * (8 * layers + 1) * bits), h(layers * bits),
          cell(layers * bits), x(bits), dh(layers * bits), dc(layers * bits), dx(bits), dy(bits) {}

    static double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

    // Per step t: layer L's [x, h_prev, c_prev, f, i, o, g, tanh(c_new)] then the softmax p.
    double* at(std::size_t t, std::size_t L) { return &kept[(t * (8 * l + 1) + 8 * L) * b]; }
    double* softmax(std::size_t t) { return &kept[(t * (8 * l + 1) + 8 * l) * b]; }

    double loss(const double* main, const double* extra, const double* state, const double* seq) {
        for (std::size_t L = 0; L < l; ++L)
            for (std::size_t j = 0; j < b; ++j) {
                h[L * b + j] = state[L * 2 * b + j];
                cell[L * b + j] = state[L * 2 * b + b + j];
            }
        double total = 0;
        for (std::size_t t = 0; t + 1 < c; ++t) {
            for (std::size_t j = 0; j < b; ++j)
                x[j] = seq[t * b + j] * extra[j];
            for (std::size_t L = 0; L < l; ++L) {
                const double* p = main + L * 8 * b;
                double* k = at(t, L);
                for (std::size_t j = 0; j < b; ++j) {
                    const double hp = h[L * b + j], cp = cell[L * b + j], xj = x[j];
                    const double f = sigmoid(xj * p[j] + p[4 * b + j]);
                    const double i = sigmoid(hp * p[b + j] + p[5 * b + j]);
                    const double o = sigmoid(xj * p[2 * b + j] + p[6 * b + j]);
                    const double g = std::tanh(hp * p[3 * b + j] + p[7 * b + j]);
                    const double cn = cp * f + i * g, tc = std::tanh(cn);
                    k[j] = xj, k[b + j] = hp, k[2 * b + j] = cp, k[3 * b + j] = f;
                    k[4 * b + j] = i, k[5 * b + j] = o, k[6 * b + j] = g, k[7 * b + j] = tc;
                    cell[L * b + j] = cn;
                    h[L * b + j] = o * tc;
                    x[j] = o * tc; // the next layer's input
                }
            }
            double sum = 0;
            double* p = softmax(t);
            for (std::size_t j = 0; j < b; ++j) {
                const double y = x[j] * extra[b + j] + extra[2 * b + j];
                p[j] = std::exp(y);
                sum += p[j];
                dy[j] = y; // (kept for the total below)
            }
            const double lse = std::log(sum + 2);
            for (std::size_t j = 0; j < b; ++j) {
                total += seq[(t + 1) * b + j] * (dy[j] - lse);
                p[j] /= sum + 2;
            }
        }
        return -total / static_cast<double>((c - 1) * b);
    }

    // The loss, and its gradient into dmain (l x 8b) and dextra (3 x b).
    double gradient(const double* main, const double* extra, const double* state, const double* seq,
                    double* dmain, double* dextra) {
        const double value = loss(main, extra, state, seq);
        std::fill(dmain, dmain + l * 8 * b, 0.0);
        std::fill(dextra, dextra + 3 * b, 0.0);
        std::fill(dh.begin(), dh.end(), 0.0);
        std::fill(dc.begin(), dc.end(), 0.0);
        const double s = -1.0 / static_cast<double>((c - 1) * b); // d loss / d total
        for (std::size_t t = c - 1; t-- > 0;) {
            const double* nxt = seq + (t + 1) * b;
            const double* p = softmax(t);
            double count = 0;
            for (std::size_t j = 0; j < b; ++j)
                count += nxt[j];
            const double* top = at(t, l - 1);
            for (std::size_t j = 0; j < b; ++j) {
                const double d = s * (nxt[j] - count * p[j]);
                const double hl = top[5 * b + j] * top[7 * b + j];
                dextra[b + j] += d * hl;
                dextra[2 * b + j] += d;
                dx[j] = d * extra[b + j]; // d loss / d h of the last layer, from the output
            }
            for (std::size_t L = l; L-- > 0;) {
                const double* pm = main + L * 8 * b;
                double* dp = dmain + L * 8 * b;
                const double* k = at(t, L);
                for (std::size_t j = 0; j < b; ++j) {
                    const double xj = k[j], hp = k[b + j], cp = k[2 * b + j], f = k[3 * b + j];
                    const double i = k[4 * b + j], o = k[5 * b + j], g = k[6 * b + j], tc = k[7 * b + j];
                    const double dhj = dh[L * b + j] + dx[j];
                    const double dcn = dc[L * b + j] + dhj * o * (1 - tc * tc);
                    const double dzf = dcn * cp * f * (1 - f);
                    const double dzi = dcn * g * i * (1 - i);
                    const double dzo = dhj * tc * o * (1 - o);
                    const double dzg = dcn * i * (1 - g * g);
                    dp[j] += dzf * xj, dp[4 * b + j] += dzf;
                    dp[b + j] += dzi * hp, dp[5 * b + j] += dzi;
                    dp[2 * b + j] += dzo * xj, dp[6 * b + j] += dzo;
                    dp[3 * b + j] += dzg * hp, dp[7 * b + j] += dzg;
                    dh[L * b + j] = dzi * pm[b + j] + dzg * pm[3 * b + j]; // to the step before
                    dc[L * b + j] = dcn * f;
                    dx[j] = dzf * pm[j] + dzo * pm[2 * b + j]; // to the layer below
                }
            }
            for (std::size_t j = 0; j < b; ++j) // layer 0's input: seq[t] .* in_weight
                dextra[j] += dx[j] * seq[t * b + j];
        }
        return value;
    }
};

} // namespace hand
