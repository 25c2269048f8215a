// The interpreter: evaluates any part of a graph on numbers, node by node in id order,
// keeping each intermediate only until its last use. This is what `symdiff eval` runs
// and the reference the emitted code is tested against.
#pragma once

#include "core/graph.hpp"
#include "core/tensor.hpp"

#include <optional>
#include <span>
#include <vector>

namespace symdiff {

// Values of a graph's inputs, by input index (Graph::inputs()).
class Bindings {
  public:
    explicit Bindings(const Graph& g);
    void set(std::string_view name, Tensor value); // throws Error on unknown name or shape
    void set(int input, Tensor value);
    const Tensor* get(int input) const;

  private:
    const Graph* g_;
    std::vector<std::optional<Tensor>> values_;
};

// Values of `roots`. Throws Error naming an input that is needed but not bound.
std::vector<Tensor> evaluate(const Graph& g, std::span<const NodeId> roots, const Bindings& inputs);

} // namespace symdiff
