// Writes the scale-test model: N element-wise ops on vectors x[W], y[W] in a random
// chain (each statement one node: a unary op of the previous value, or a binary op of
// it and a random value among the last 64, x, y or a literal), then a sum and its
// gradient by x and y. Seeded, so the same N gives the same file.
// Usage: gen_chain N OUT.sd [--width W] [--seed S]
#include "bench/common/rng.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: gen_chain N OUT.sd [--width W] [--seed S]\n");
        return 2;
    }
    const long n = std::atol(argv[1]);
    int width = 8;
    unsigned long long seed = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--width")
            width = std::atoi(argv[i + 1]);
        else if (a == "--seed")
            seed = std::strtoull(argv[i + 1], nullptr, 10);
    }
    std::FILE* f = std::fopen(argv[2], "w");
    if (!f || n < 1 || width < 1) {
        std::fprintf(stderr, "gen_chain: cannot write %s\n", argv[2]);
        return 1;
    }
    bench::Rng rng(seed);
    std::fprintf(f, "# scale test: %ld element-wise ops on x[%d], y[%d] (gen_chain, seed %llu)\n",
                 n, width, width, seed);
    std::fprintf(f, "input x[%d], y[%d]\n", width, width);
    const char* unary[] = {"sin", "cos", "tanh", "sigmoid"};
    const char* binary[] = {"+", "-", "*"};
    auto operand = [&](long i) -> std::string {
        const double r = rng.uniform();
        if (i == 0 || r < 0.1)
            return "x";
        if (r < 0.2)
            return "y";
        if (r < 0.3) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3f", rng.uniform(0.5, 1.5));
            return buf;
        }
        const long back = 1 + static_cast<long>(rng.bits() % 64);
        return "t" + std::to_string(i - back < 0 ? 0 : i - back);
    };
    for (long i = 0; i < n; ++i) {
        const std::string prev = i == 0 ? "y" : "t" + std::to_string(i - 1);
        if (rng.uniform() < 0.3)
            std::fprintf(f, "t%ld = %s(%s)\n", i, unary[rng.bits() % 4], prev.c_str());
        else
            std::fprintf(f, "t%ld = %s %s %s\n", i, prev.c_str(), binary[rng.bits() % 3],
                         operand(i).c_str());
    }
    std::fprintf(f, "f = sum(t%ld)\n", n - 1);
    std::fprintf(f, "export chain_grad(x, y) -> f, dx = grad(f, x), dy = grad(f, y)\n");
    return std::fclose(f) == 0 ? 0 : 1;
}
