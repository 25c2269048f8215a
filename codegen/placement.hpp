// Placement, the second pass of lowering: for each instance of a schedule, whether it
// gets a buffer of its own or is fused into the kernels that read it, and which buffer.
//
// Decided consumers first (ids downward): an instance is fused ("inlined") when it is
// element-wise, read once per element, in the scope of its reader, and the fused
// expression stays shallow; views and reshapes are always index arithmetic; the rest
// (reductions, guarded views, scalars, results, anything read twice) get buffers. Work
// done around a loop is stored there and loaded inside, never redone per direction.
#pragma once

#include "codegen/lower.hpp"
#include "codegen/schedule.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace symdiff::codegen {

enum class Place : std::uint8_t { buffer, inlined, constant, seed };

struct Placement {
    std::vector<Place> place;   // per instance
    std::vector<int> buffer;    // per instance: the buffer holding its value, or -1
    std::vector<Buffer> buffers; // inputs, outputs, work and locals (offsets not yet set)
    std::vector<std::uint8_t> single_term; // per instance: a sum of one term (single_term_map)
    // exp(v - broadcast(logsumexp_to(v))), the softmax of a logsumexp's derivative, is
    // stored by the logsumexp's kernel (Kernel::side), which computes those exps anyway.
    std::vector<int> softmax_of; // per logsumexp instance: the softmax instance it stores, or -1
    std::vector<int> lse_of;     // per softmax instance: the logsumexp storing it, or -1
    std::vector<std::pair<int, int>> copies; // (instance, output buffer): results copied there
    std::vector<int> carry; // per fold instance: the buffer of its carry, else -1
};

Placement place(const Graph& g, const Function& fn, const Schedule& s);

// A sum whose summed axes all have extent 1 (a column times a row, (m,1) @ (1,n)): each
// element is one product or one copy, element-wise in all but name, so it may be fused
// like one. Its inverse map: output index -> loop index (summed axes at 0).
std::optional<AffineMap> single_term_map(const Graph& g, const Node& n);

// The instance whose elements instance i holds in the same row-major order (through
// reshapes).
int flat_source(const Graph& g, const Schedule& s, int i);

} // namespace symdiff::codegen
