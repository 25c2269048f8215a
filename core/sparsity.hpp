// Structural sparsity of a Jacobian loop's body: which seed elements each element of the
// body can depend on. Each element carries the interval hull of the seed indices it
// reads (a conservative superset), propagated through the op table's index plans. A
// banded Jacobian (|i - j| <= b) is then computed by 2b + 1 compressed sweeps instead of
// one per direction; the bands recover exactly because within a band no two columns of
// one colour meet (the colouring j mod (2b + 1) is optimal for a band).
#pragma once

#include "core/graph.hpp"

#include <optional>

namespace symdiff {

// The half-bandwidth b of d body / d seed, when body and seed are vectors: every body
// element i depends only on seed elements j with |i - j| <= b. Nullopt when the
// structure is wider, when body or seed is not a vector, or when the analysis would be
// too costly (it gives up rather than slow down graph construction).
std::optional<int> jacobian_band(const Graph& g, NodeId body, NodeId seed);

} // namespace symdiff
