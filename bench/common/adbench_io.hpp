// Readers of ADBench input files (FORMATS.md: GMM 1.1, BA 1.2, LSTM 1.4), and the mapping of
// GMM's packed icf to the benchmark layout: q[k][j] = icf[k][j], and for
// idx over (i < j, column by column) L[k][j][i] = icf[k][D + idx], zero elsewhere.
#pragma once

#include "bench/common/harness.hpp"

#include <fstream>
#include <string>
#include <vector>

namespace bench {

struct GmmInstance {
    int D = 0, K = 0, N = 0;
    std::vector<double> alphas, means, icf, x;
    double gamma = 0.0;
    int m = 0;
    // The benchmark layout.
    std::vector<double> q, L;
};

inline GmmInstance read_gmm(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        fail("cannot read GMM data " + path);
    GmmInstance g;
    in >> g.D >> g.K >> g.N;
    const int icf_sz = g.D * (g.D + 1) / 2;
    auto read = [&](std::vector<double>& v, std::size_t n) {
        v.resize(n);
        for (double& e : v)
            in >> e;
    };
    read(g.alphas, static_cast<std::size_t>(g.K));
    read(g.means, static_cast<std::size_t>(g.K * g.D));
    read(g.icf, static_cast<std::size_t>(g.K * icf_sz));
    read(g.x, static_cast<std::size_t>(g.N * g.D));
    in >> g.gamma >> g.m;
    if (!in)
        fail("malformed GMM data " + path);
    g.q.assign(static_cast<std::size_t>(g.K * g.D), 0.0);
    g.L.assign(static_cast<std::size_t>(g.K * g.D * g.D), 0.0);
    for (int k = 0; k < g.K; ++k) {
        const double* icf = &g.icf[static_cast<std::size_t>(k * icf_sz)];
        for (int j = 0; j < g.D; ++j)
            g.q[static_cast<std::size_t>(k * g.D + j)] = icf[j];
        int idx = 0;
        for (int i = 0; i < g.D; ++i)
            for (int j = i + 1; j < g.D; ++j)
                g.L[static_cast<std::size_t>((k * g.D + j) * g.D + i)] = icf[g.D + idx++];
    }
    return g;
}

struct BaInstance {
    int n = 0, m = 0, p = 0;
    double cam[11], X[3], w, feat[2];
};

inline BaInstance read_ba(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        fail("cannot read BA data " + path);
    BaInstance b;
    in >> b.n >> b.m >> b.p;
    for (double& c : b.cam)
        in >> c;
    for (double& c : b.X)
        in >> c;
    in >> b.w >> b.feat[0] >> b.feat[1];
    if (!in)
        fail("malformed BA data " + path);
    return b;
}

// LSTM: l layers, c characters of b bits; main_params [l][8b], extra_params [3][b],
// state [l][2b], sequence [c][b].
struct LstmInstance {
    std::size_t l = 0, c = 0, b = 0;
    std::vector<double> main, extra, state, seq;
};

inline LstmInstance read_lstm(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        fail("cannot read LSTM data " + path);
    LstmInstance d;
    in >> d.l >> d.c >> d.b;
    auto read = [&](std::vector<double>& v, std::size_t n) {
        v.resize(n);
        for (double& x : v)
            if (!(in >> x))
                fail("LSTM data " + path + " ends early");
    };
    read(d.main, 8 * d.l * d.b);
    read(d.extra, 3 * d.b);
    read(d.state, 2 * d.l * d.b);
    read(d.seq, d.c * d.b);
    return d;
}

} // namespace bench
