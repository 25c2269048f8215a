// A seeded generator of well-typed random expressions over a few inputs (scalars x, y;
// vectors a, b of 3 and p of 2; matrix M of 2x3), biased towards what the rules look
// for: special constants, negations, log/exp/sigmoid pairs, powers, where masks,
// broadcasts, sums and matrix products. The same seed gives the same expression.
#pragma once

#include "core/expr.hpp"

#include <cstdint>
#include <random>
#include <vector>

namespace symdiff::rewrite::testing {

class RandomExprs {
  public:
    RandomExprs(Graph& g, std::uint64_t seed);

    // An expression of `shape` ([], [2], [3], [2,3] or [3,2]) about `depth` levels deep.
    Expr make(const Shape& shape, int depth);
    // The declared inputs, for differentiation.
    const std::vector<Expr>& inputs() const { return inputs_; }

  private:
    Expr leaf(const Shape& shape);
    Expr bait(const Shape& shape, int depth); // shapes the rules look for
    Expr structural(const Shape& shape, int depth);
    double constant();
    int below(int n);

    Graph& g_;
    std::mt19937_64 rng_;
    std::vector<Expr> inputs_;
};

} // namespace symdiff::rewrite::testing
