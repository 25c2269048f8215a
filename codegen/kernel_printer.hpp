// Prints one lowered kernel as C++ loops. This is where loop structure is chosen:
//  - the innermost loop is the axis along which most memory accesses are contiguous,
//    so matrix products run i-k-j and vectorise (a kept innermost axis of a sum means
//    accumulating into the zeroed output, a reduced one accumulating in a register);
//  - every value is computed at the outermost loop level it depends on (compilers will
//    not hoist std::exp and friends out of loops themselves: they may set errno);
//  - values read more than once are named `const double` temporaries, the rest nest.
#pragma once

#include "codegen/lower.hpp"
#include "codegen/writer.hpp"

#include <string>
#include <vector>

namespace symdiff::codegen {

class KernelPrinter {
  public:
    // names[b] is how buffer b is spelled (a pointer, or a local for Kind::local);
    // temporaries are numbered from `next_temp`, which is advanced, so that names stay
    // unique across all kernels of a function.
    KernelPrinter(Writer& w, const std::vector<Buffer>& buffers, const std::vector<std::string>& names,
                  int& next_temp)
        : w_(w), buffers_(buffers), names_(names), next_temp_(next_temp) {}

    void print(const Kernel& k);
    // Two kernels in one loop nest, when fusable(sum, each): the loop of `sum`, a sum
    // into a scalar, also runs `each` (an objective's sum and its gradient's element-wise
    // kernel read their inputs once, not twice).
    void print_fused(const Kernel& sum, const Kernel& each);

  private:
    struct Pass;
    // k with its loop of `axis` over [from, to) (axis -1: every loop over its extent).
    void print(const Kernel& k, int axis, std::int64_t from, std::int64_t to);
    void emit_level(Pass& p, int level);
    void open_loops(Pass& p, std::size_t from, std::size_t to, bool values = true);
    void open_for(const std::string& var, const std::string& from, const std::string& to);
    void open_lanes(int axis, const std::string& from, const std::string& to);
    std::string access(const Access& a) const;
    std::string index(const Access& a) const;

    Writer& w_;
    const std::vector<Buffer>& buffers_;
    const std::vector<std::string>& names_;
    int& next_temp_;
};

// True if `sum` (a sum over one loop into a scalar) and the kernel after it, `each`
// (an unguarded assignment whose outermost loop is that loop), can share the loop:
// `each` does not read the sum, and writes nowhere `sum` reads.
bool fusable(const Kernel& sum, const Kernel& each, const std::vector<Buffer>& buffers);

// "i0_ * 3 + i1_ - 2": the flat index base + sum_j step[j] * i{j}_.
std::string index_text(const Access& a);
std::string loop_var(int axis);

} // namespace symdiff::codegen
