// The expression graph: an append-only arena of immutable nodes.
// Invariants (docs/architecture.md):
//  1. nodes are made only by `make`, `input` and `constant`, which check shapes;
//  2. operands have smaller ids than the node, so id order is a topological order;
//  3. structurally equal nodes share one id (hash-consing = free CSE); constants are
//     interned by bit pattern;
//  4. construction applies only O(1) folds that are exact in IEEE arithmetic: constant
//     operands are evaluated, and shape no-ops (broadcast/sum/reshape to the same shape)
//     vanish. Algebra (x + 0, x * 1, ...) belongs to rewrite/.
#pragma once

#include "core/index_plan.hpp"
#include "core/node.hpp"
#include "core/ops_fwd.hpp"
#include "core/shape.hpp"

#include <array>
#include <bit>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace symdiff {

struct InputInfo {
    std::string name;
    Shape shape;
    NodeId node;
};

class Graph {
  public:
    Graph();
    Graph(const Graph&) = delete; // Expr handles point into a graph; it does not move
    Graph& operator=(const Graph&) = delete;

    // Declares an input; its node. Throws Error if `name` is already an input or cannot
    // name a parameter of generated code. (The C++ API's input(g, name, shape) returns
    // an Expr; this returns the id, which is not a number: see Expr.)
    NodeId add_input(std::string_view name, const Shape& shape);
    // A constant tensor of `shape` whose elements all equal `value`.
    NodeId constant(double value, const Shape& shape = {});
    // A fresh seed of `shape`: a distinct placeholder each call (see ops::SeedLoop).
    NodeId seed(const Shape& shape);
    // A fresh carry of `shape`: the placeholder of a new loop (see ops::Fold), whose
    // seed_id() is the loop's id; its elements are elem nodes with that id.
    NodeId carry(const Shape& shape);
    // The carry named by `key`: the same node for the same key and shape. A derivative's
    // loop names its carry by what it derives (the loop, the cotangent), so deriving the
    // same thing twice builds the same nodes, and hash-consing makes them one loop.
    NodeId carry(const Shape& shape, std::uint64_t key);
    // The node op(args), made or found. `target` is the result shape of the ops that
    // need one (broadcast, sum_to, logsumexp_to, reshape, embed). Throws Error when
    // operand shapes do not fit the op.
    NodeId make(Op op, std::span<const NodeId> args, const Payload& payload = {},
                const Shape& target = {});
    NodeId make(Op op, std::initializer_list<NodeId> args, const Payload& payload = {},
                const Shape& target = {}) {
        return make(op, std::span<const NodeId>(args.begin(), args.size()), payload, target);
    }

    const Node& operator[](NodeId id) const {
        if (id >= full_chunk) // after the doubling chunks, chunks of 2^16
            return chunks_[small_chunks + (id >> chunk_bits) - 1][id & (full_chunk - 1)];
        const int c = std::bit_width(id >> first_chunk_bits); // 0 for the first chunk
        return chunks_[static_cast<std::size_t>(c)][c == 0 ? id : id - (NodeId{1} << (first_chunk_bits + c - 1))];
    }
    NodeId size() const { return size_; }
    // Throws Error unless `id` is a node of this graph: the check where ids come in from a
    // caller (`where` names the function, as messages show it).
    void check_node(NodeId id, std::string_view where) const;
    // Unique among the graphs of a process: what bindings and tapes are matched by.
    std::uint64_t serial() const { return serial_; }

    const std::vector<InputInfo>& inputs() const { return inputs_; }
    std::optional<int> find_input(std::string_view name) const;

    // A graph of the inputs of `g` (all, in order) and the nodes `roots` reach, made
    // alike and in the same order; map[old id] is the new id (no_node if dropped). For a
    // caller done with the rest: after simplification most of an arena is dead (the
    // graph is append-only), and a large model's dead nodes are hundreds of megabytes.
    static std::unique_ptr<Graph> compact(const Graph& g, std::span<const NodeId> roots,
                                          std::vector<NodeId>& map);

    bool is_const(NodeId id, double value) const;
    // The shapes of a node's operands (the first `arity` entries are meaningful).
    std::array<Shape, 3> operand_shapes(const Node& n) const;
    std::size_t memory_bytes() const; // arena (whole chunks), intern table and specs

  private:
    NodeId placeholder(Op op, const Shape& shape, std::int32_t id); // a seed or a carry
    std::optional<NodeId> fold(const Node& n);
    NodeId intern(const Node& n);
    void grow_table();

    // The arena: chunks of nodes that never move, so growing it copies nothing and never
    // holds two copies (a doubling vector peaks at twice its size while growing). The
    // first chunk holds 2^8 nodes and each next one doubles the arena, up to chunks of
    // 2^16: a small graph (a rule's instance, a test's) costs kilobytes, not the 2.6 MB of
    // a full chunk, which the sanitizers' allocator made a rule test take ten minutes.
    static constexpr unsigned first_chunk_bits = 8, chunk_bits = 16;
    static constexpr NodeId full_chunk = NodeId{1} << chunk_bits;
    static constexpr std::size_t small_chunks = chunk_bits - first_chunk_bits + 1; // 2^8 .. 2^15
    static NodeId chunk_capacity(NodeId first_id); // of the chunk that starts at first_id
    std::vector<std::vector<Node>> chunks_; // each reserved to its full capacity
    NodeId size_ = 0;
    std::deque<SliceSpec> slices_; // the specs slice and loop nodes point to (stable)
    std::deque<LoopSpec> loops_;
    // The intern table: open addressing with linear probing, at most 3/4 full. A slot
    // holds the id and 32 more bits of the node's hash, so a probe reads a node only on a
    // likely match (each node read is a cache miss on a large graph).
    struct Slot {
        NodeId id = no_node; // no_node: empty
        std::uint32_t tag = 0;
    };
    std::vector<Slot> table_;
    std::vector<InputInfo> inputs_;
    std::int32_t seeds_ = 0;                                  // placeholder ids given out
    std::unordered_map<std::uint64_t, std::int32_t> named_carries_; // carry(shape, key)
    std::uint64_t serial_;
};

// The index plan of a view or reduce node (core/index_plan.hpp).
IndexPlan index_plan(const Graph& g, const Node& n);

std::size_t hash_node(const Node& n);
bool same_node(const Node& a, const Node& b);

} // namespace symdiff
