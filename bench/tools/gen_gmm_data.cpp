// Writes a GMM instance in ADBench's file format (FORMATS.md 1.1) for sizes ADBench's
// data folder lacks (the benchmark's D = 10, K = 25, N = 1000). Distributions as in
// ADBench's gmm-data-gen.py: alphas ~ N(0, 1), means ~ U(0, 1), icf ~ N(0, 1),
// x ~ N(0, 1), gamma = 1, m = 0; numbers printed "%f " like ADBench's files.
// Usage: gen_gmm_data D K N SEED OUT
#include "bench/common/rng.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: gen_gmm_data D K N SEED OUT\n");
        return 2;
    }
    const int D = std::atoi(argv[1]), K = std::atoi(argv[2]), N = std::atoi(argv[3]);
    bench::Rng rng(std::strtoull(argv[4], nullptr, 10));
    const std::string tmp = std::string(argv[5]) + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f || D < 1 || K < 1 || N < 1) {
        std::fprintf(stderr, "gen_gmm_data: cannot write %s\n", tmp.c_str());
        return 1;
    }
    std::fprintf(f, "%d %d %d\n", D, K, N);
    for (int k = 0; k < K; ++k)
        std::fprintf(f, "%f\n", rng.normal());
    for (int k = 0; k < K; ++k) {
        for (int j = 0; j < D; ++j)
            std::fprintf(f, "%f ", rng.uniform());
        std::fprintf(f, "\n");
    }
    for (int k = 0; k < K; ++k) {
        for (int j = 0; j < D * (D + 1) / 2; ++j)
            std::fprintf(f, "%f ", rng.normal());
        std::fprintf(f, "\n");
    }
    for (int i = 0; i < N; ++i) {
        for (int j = 0; j < D; ++j)
            std::fprintf(f, "%f ", rng.normal());
        std::fprintf(f, "\n");
    }
    std::fprintf(f, "%f %d\n", 1.0, 0);
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), argv[5]) != 0) {
        std::fprintf(stderr, "gen_gmm_data: cannot write %s\n", argv[5]);
        return 1;
    }
    return 0;
}
