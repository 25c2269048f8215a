// Loop order and combination mode of a kernel (loop_plan.hpp).
#include "codegen/loop_plan.hpp"

#include <algorithm>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// How well axis j suits the innermost loop: contiguous accesses count 2, accesses that
// do not move count 1 (they are hoisted or kept in registers), strided ones 0.
int contiguity(const Kernel& k, int j) {
    auto points = [j](const Access& a) {
        const std::int64_t s = a.step[u(j)];
        return s == 0 ? 1 : (s == 1 || s == -1) ? 2 : 0;
    };
    int score = points(k.out);
    for (const Value& v : k.body)
        if (v.kind == Value::Kind::load)
            score += points(v.at);
    return score;
}

} // namespace

LoopPlan plan_loops(const Kernel& k) {
    LoopPlan p;
    std::vector<int> kept, reduced;
    for (int j = 0; j < k.domain.rank(); ++j)
        if (k.domain[j] > 1)
            (reduced_axis(k, j) ? reduced : kept).push_back(j);
    // The innermost kept axis: the most contiguous one (the last on ties).
    auto best_last = [&](std::vector<int>& axes) {
        if (axes.size() < 2)
            return;
        std::size_t best = axes.size() - 1;
        for (std::size_t i = 0; i < axes.size(); ++i)
            if (contiguity(k, axes[i]) > contiguity(k, axes[best]))
                best = i;
        std::rotate(axes.begin() + static_cast<std::ptrdiff_t>(best),
                    axes.begin() + static_cast<std::ptrdiff_t>(best) + 1, axes.end());
    };
    best_last(kept);
    best_last(reduced);
    p.kept = kept.size();
    p.loops = kept;
    p.loops.insert(p.loops.end(), reduced.begin(), reduced.end());
    switch (k.combine) {
    case Combine::assign:
        p.mode = Mode::assign;
        break;
    case Combine::logsumexp:
        p.mode = Mode::logsumexp;
        break;
    case Combine::max:
    case Combine::min:
    case Combine::prod:
        p.mode = reduced.empty() ? Mode::assign : Mode::fold; // one term: the term itself
        break;
    case Combine::sum:
        p.mode = reduced.empty() ? Mode::assign : Mode::reduce_in_register; // a sum of one term
        if (reduced.empty())
            break;
        // Accumulating into memory pays when a kept axis is more contiguous than the
        // best reduced one (matrix products: i-k-j instead of i-j-k).
        if (!kept.empty() && !reduced.empty() && k.guards.empty() &&
            contiguity(k, kept.back()) > contiguity(k, reduced.back())) {
            p.mode = Mode::reduce_in_memory;
            p.loops.erase(p.loops.begin() + static_cast<std::ptrdiff_t>(p.kept) - 1);
            p.loops.push_back(kept.back());
            p.kept = 0; // no register accumulator: every loop is "inside"
        }
        break;
    }
    return p;
}

} // namespace symdiff::codegen
