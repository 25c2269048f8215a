// The node record of the expression graph, and its payloads.
// Invariants: nodes are immutable once made; operands have smaller ids than the node;
// payload equality is bitwise for constants (0.0 and -0.0 are different nodes).
#pragma once

#include "core/ops_fwd.hpp"
#include "core/shape.hpp"

#include <boost/variant2/variant.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>

namespace symdiff {

using NodeId = std::uint32_t;
inline constexpr NodeId no_node = std::numeric_limits<NodeId>::max();

// Which part of a tensor an index expression selects. For each axis k of the indexed
// tensor: the half-open range [start[k], stop[k]); if bit k of `drop` is set, the axis
// was indexed by an integer and is removed from the result.
struct SliceSpec {
    std::array<std::int32_t, Shape::max_rank> start{};
    std::array<std::int32_t, Shape::max_rank> stop{};
    std::uint8_t drop = 0;

    bool dropped(int axis) const { return (drop >> axis) & 1u; }
    // The shape selected from a tensor of shape `source`.
    Shape result_shape(const Shape& source) const;
    friend bool operator==(const SliceSpec&, const SliceSpec&) = default;
};

struct InputRef {
    std::int32_t index = 0; // position in Graph::inputs()
    friend bool operator==(const InputRef&, const InputRef&) = default;
};

// A seed: the placeholder a Jacobian loop binds to one basis direction per iteration.
struct SeedRef {
    std::int32_t id = 0; // unique within a graph
    friend bool operator==(const SeedRef&, const SeedRef&) = default;
};

// How a Jacobian loop lays out its result: the seed's axes first (rows of a reverse-mode
// Jacobian: one vjp per output element) or last (columns: one jvp per input element).
// A banded Jacobian (|i - j| <= band) runs `colours` = 2 band + 1 compressed directions:
// iteration k seeds every element j with j mod colours == k, and the result keeps only
// the band (core/sparsity.hpp). colours == 0: one basis direction per iteration.
struct LoopSpec {
    bool seed_axes_last = false;
    std::int32_t colours = 0;
    std::int32_t band = 0;
    friend bool operator==(const LoopSpec&, const LoopSpec&) = default;
};

// What a loop of the model (ops::Fold: fold and scan) gives back: its last carry, every
// carry after a step (scan), or every carry before a step (what a reverse sweep keeps).
enum class FoldMode : std::uint8_t { last, after, before };

// A fold's count and order. Its carry and elements are placeholders the loop binds
// (ops::Carry, ops::Elem), named by the carry's loop id; a reverse loop runs t = count-1
// down to 0, and a scan stores step t's carry at row t whichever way it runs.
struct FoldSpec {
    std::int32_t count = 0;
    FoldMode mode = FoldMode::last;
    bool reverse = false;
    // A reverse rule's forward scan: row t is step t's carry after it, then the values of
    // step t that the reverse loop reads (core/fold_rules.cpp), kept so as not to recompute them.
    bool keeps_steps = false;
    friend bool operator==(const FoldSpec&, const FoldSpec&) = default;
};

// What a node carries besides op, shape and operands: the value of a constant, the
// input it stands for, the window of a slice, a seed's or a loop's identity, a Jacobian
// loop's layout, a fold's count and order.
using Payload = boost::variant2::variant<boost::variant2::monostate, double, InputRef, SliceSpec,
                                         SeedRef, LoopSpec, FoldSpec>;

bool same_payload(const Payload& a, const Payload& b); // constants compared bitwise
std::size_t hash_payload(const Payload& p);

// 40 bytes: a graph holds millions (the node is most of gen's memory). The payload is
// kept in 8 bytes: a constant's bits, an input's or a seed's index, a fold's spec, or, for the rare
// slice and loop payloads, a pointer to the spec, which the node's graph stores.
struct Node {
    Op op{};
    std::uint8_t arity = 0;
    std::uint8_t payload_kind = 0; // payload().index()
    Shape shape;
    std::array<NodeId, 3> args{no_node, no_node, no_node};
    std::array<std::uint32_t, 2> payload_bits{}; // see set_payload

    std::span<const NodeId> operands() const { return {args.data(), arity}; }
    bool is_const() const { return op == Op::Const; }
    // The value of a constant node (a splat: every element equals it).
    double value() const {
        check(1);
        return std::bit_cast<double>(payload_bits);
    }
    int input_index() const {
        check(2);
        return static_cast<std::int32_t>(payload_bits[0]);
    }
    const SliceSpec& slice() const {
        check(3);
        return *pointee<SliceSpec>();
    }
    int seed_id() const {
        check(4);
        return static_cast<std::int32_t>(payload_bits[0]);
    }
    const LoopSpec& loop() const {
        check(5);
        return *pointee<LoopSpec>();
    }
    FoldSpec fold() const {
        check(6);
        return {static_cast<std::int32_t>(payload_bits[0]), static_cast<FoldMode>(payload_bits[1] & 0xff),
                (payload_bits[1] & 0x100u) != 0, (payload_bits[1] & 0x200u) != 0};
    }
    // The payload as a value.
    Payload payload() const;
    // Stores p; a slice or loop spec is pointed to, not copied, so p must outlive the
    // node (the graph re-points a node it keeps to its own copy of the spec).
    void set_payload(const Payload& p);
    // Re-points a slice or loop payload at an equal spec (the graph's own copy).
    template <class T> void point_at(const T& spec) {
        const T* p = &spec;
        std::memcpy(payload_bits.data(), &p, sizeof p);
    }

  private:
    // The payload_kind an accessor needs: anything else is an Error naming both.
    void check(std::uint8_t kind) const {
        if (payload_kind != kind)
            wrong_payload(kind);
    }
    [[noreturn]] void wrong_payload(std::uint8_t wanted) const;
    template <class T> const T* pointee() const {
        const T* p = nullptr;
        std::memcpy(&p, payload_bits.data(), sizeof p);
        return p;
    }
};
static_assert(sizeof(void*) <= sizeof(Node::payload_bits));

} // namespace symdiff
