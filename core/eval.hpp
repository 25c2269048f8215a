// The interpreter: evaluates any part of a graph on numbers, node by node in id order,
// keeping each intermediate only until its last use. This is what `symdiff eval` runs
// and the reference the emitted code is tested against.
#pragma once

#include "core/expr.hpp"
#include "core/graph.hpp"
#include "core/tensor.hpp"

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace symdiff {

// Values of a graph's inputs, by input index (Graph::inputs()).
class Bindings {
  public:
    explicit Bindings(const Graph& g);
    void set(std::string_view name, Tensor value); // throws Error on unknown name or shape
    void set(int input, Tensor value);                // the input's position in g.inputs()
    void set(const Expr& input, Tensor value);         // an input node of g
    template <std::unsigned_integral I> void set(I, Tensor) = delete; // a NodeId: use an Expr
    const Tensor* get(int input) const;
    std::uint64_t graph_serial() const { return serial_; }

  private:
    const Graph* g_;
    std::uint64_t serial_;
    std::vector<std::optional<Tensor>> values_;
};

// Values of `roots`. Throws Error naming an input that is needed but not bound, for a
// root that is not a node of g, and for bindings made for another graph.
std::vector<Tensor> evaluate(const Graph& g, std::span<const NodeId> roots, const Bindings& inputs);
// The same for handles: a literal evaluates to itself.
std::vector<Tensor> evaluate(std::span<const Expr> roots, const Bindings& inputs);

} // namespace symdiff
