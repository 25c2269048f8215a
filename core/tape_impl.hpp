// The tape's insides, shared by its files: the recorded steps and plans (Tape::Impl),
// the probes' findings about rules, slot planning, and the numeric helpers of the sweeps.
// tape_plan.cpp records and plans, tape.cpp runs the sweeps, tape_probe.cpp probes rules.
#pragma once

#include "core/ops.hpp"
#include "core/tape.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace symdiff {
namespace tape_detail {

// Bits naming what a local rule reads: operand k is bit k, the op's own result bit 3.
inline constexpr unsigned result_bit = 3;
constexpr std::uint8_t bit(unsigned k) { return static_cast<std::uint8_t>(1u << k); }
inline constexpr std::int32_t none = -1;

// What an element-wise op's partials read, per operand, and which are constant zero
// (bits: operand k is bit k, the op's own result result_bit), found by running the op
// table's rules on probes (tape_probe.cpp).
struct PartialFacts {
    std::array<std::uint8_t, 3> reads{};
    std::uint8_t zero = 0; // bit k: the partial by operand k is the constant 0
};
PartialFacts partial_facts(Op op);
// What a structural op's vjp rule for operand k reads (bits 0-2 operands, bit 3 result).
std::uint8_t vjp_reads(Op op, unsigned k, std::span<const Shape> operands, const Shape& result,
                       const Payload& payload);

// ---------------------------------------------------------------------------------
// Buffer planning: slots are tensors of one fixed shape; a released slot is handed to
// the next tensor of that shape, so buffers are reused by liveness.

struct ShapeHash {
    std::size_t operator()(const Shape& s) const { return hash_value(s); }
};

class SlotPool {
  public:
    std::int32_t acquire(const Shape& s) {
        auto it = free_.find(s);
        if (it != free_.end() && !it->second.empty()) {
            const std::int32_t slot = it->second.back();
            it->second.pop_back();
            return slot;
        }
        return fresh(s);
    }
    std::int32_t fresh(const Shape& s) {
        shapes_.push_back(s);
        return static_cast<std::int32_t>(shapes_.size() - 1);
    }
    void release(std::int32_t slot) {
        free_[shapes_[static_cast<std::size_t>(slot)]].push_back(slot);
    }
    // One zero tensor per slot.
    std::vector<Tensor> make() const {
        std::vector<Tensor> t;
        t.reserve(shapes_.size());
        for (const Shape& s : shapes_)
            t.emplace_back(s);
        return t;
    }

  private:
    std::vector<Shape> shapes_;
    std::unordered_map<Shape, std::vector<std::int32_t>, ShapeHash> free_;
};

// A view without guards (slice, broadcast, transpose, diag_part), flattened: loop index
// -> flat offsets into its result and its operand (core/index_plan.hpp's linearisation);
// the tape evaluates it by one gather loop, planned once, instead of `apply`.
struct ViewPlan {
    Shape domain;
    std::array<LinearMap, 2> at; // the result, the operand
};

std::optional<ViewPlan> view_plan_of(Op op, const Shape& result, const Payload& payload,
                                     const Shape& operand);

// Calls f(result offset, operand offset) for every loop index, in row-major order.
template <class F> void for_each_offset(const ViewPlan& p, F&& f) {
    for_each_index(p.domain, p.at, [&](const std::array<std::int64_t, 2>& off, const LoopIndex&) {
        f(static_cast<std::size_t>(off[0]), static_cast<std::size_t>(off[1]));
    });
}

inline double* ptr(Tensor& t) { return t.data().data(); }
inline const double* ptr(const Tensor& t) { return t.data().data(); }

inline void add_into(Tensor& a, const Tensor& c) {
    double* p = ptr(a);
    const double* q = ptr(c);
    for (std::size_t i = 0; i < a.size(); ++i)
        p[i] += q[i];
}

inline void copy_into(Tensor& a, const Tensor& c) { std::copy(c.data().begin(), c.data().end(), ptr(a)); }

// A rule's result must come back in the shape its buffer was planned for.
inline void check_rule_shape(const Tensor& c, const Shape& want, std::string_view op) {
    if (c.shape() != want)
        throw Error("internal error: a derivative rule of " + std::string(op) + " returned shape " +
                    c.shape().str() + ", expected " + want.str());
}

// The partials of element-wise op E at element i of its inputs (x0, x1, x2, f).
template <class E>
std::array<double, E::arity> partials_at(const std::array<const double*, 4>& in, std::size_t i) {
    if constexpr (E::arity == 1)
        return E::template partials<double>(in[0][i], in[3][i]);
    else if constexpr (E::arity == 2)
        return E::template partials<double>(in[0][i], in[1][i], in[3][i]);
    else
        return E::template partials<double>(in[0][i], in[1][i], in[2][i], in[3][i]);
}

template <class E> void eval_into(std::span<const Tensor* const> a, Tensor& out) {
    double* o = ptr(out);
    const std::size_t n = out.size();
    if constexpr (E::arity == 1) {
        const double* x = ptr(*a[0]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i]);
    } else if constexpr (E::arity == 2) {
        const double *x = ptr(*a[0]), *y = ptr(*a[1]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i], y[i]);
    } else {
        const double *x = ptr(*a[0]), *y = ptr(*a[1]), *z = ptr(*a[2]);
        for (std::size_t i = 0; i < n; ++i)
            o[i] = E::eval(x[i], y[i], z[i]);
    }
}

} // namespace tape_detail

// ---------------------------------------------------------------------------------

struct Tape::Impl {
    // One recorded node.
    struct Step {
        Op op{};
        OpKind kind{};
        std::uint8_t arity = 0;
        bool depends = false;   // the node is a variable or reads one
        bool variable = false;  // the node is one of the variables
        std::uint8_t flow = 0;  // reverse: bit k - operand k receives a contribution
        std::uint8_t first = 0; // reverse: bit k - ... and it is that operand's first
        std::uint8_t reads = 0; // reverse: bits 0-2 operand values, bit 3 the result
        std::uint8_t zero = 0;  // element-wise: bit k - the partial by operand k is 0
        std::uint8_t tflow = 0; // forward mode: bit k - operand k's tangent contributes
        std::array<std::int32_t, 3> arg{tape_detail::none, tape_detail::none, tape_detail::none}; // operand steps
        std::int32_t input = tape_detail::none;                         // Input: index in the graph
        std::int32_t view_plan = tape_detail::none; // a view without guards: index in `view_plans`
        bool scatter = false;          // reverse: scatter back along the view plan
        std::int32_t payload = tape_detail::none;   // index in `payloads` (structural ops and constants)
        Shape shape;
    };

    // Where a sweep keeps each step's tensors.
    struct Plan {
        std::vector<std::int32_t> value; // slot of each value; tape_detail::none: read from the bindings
        std::vector<std::int32_t> deriv; // slot of each adjoint / tangent; tape_detail::none: zero
        std::vector<Tensor> slots;
        std::vector<const Tensor*> at; // during a run: where each value is
        std::size_t buffer_bytes() const {
            std::size_t b = 0;
            for (const Tensor& t : slots)
                b += t.size() * sizeof(double);
            return b;
        }
        std::size_t table_bytes() const {
            return (value.capacity() + deriv.capacity()) * sizeof(std::int32_t) +
                   slots.capacity() * sizeof(Tensor) + at.capacity() * sizeof(const Tensor*);
        }
    };

    struct Variable {
        std::int32_t step = tape_detail::none; // tape_detail::none: y does not reach it
        Shape shape;
        std::string name;
    };

    std::vector<Step> steps;
    std::vector<Payload> payloads; // constants' values, slices' windows
    std::vector<Variable> vars;
    std::vector<std::string> input_names; // by graph input index
    std::vector<std::int32_t> reverse;    // steps the reverse sweep visits, in that order
    // For the reverse rule of each step: the slot given as x0, x1, x2 and f. Inputs the
    // rule does not read get a stand-in of the right shape (the step's own adjoint, an
    // operand's adjoint, or a zero placeholder), so values need not be kept for shape.
    std::vector<std::array<std::int32_t, 4>> rule_in;
    // Views without guards, flattened: forward gathers along the plan; the reverse sweep
    // of those that read fewer elements than their operand has (slice, diag_part) scatters
    // the adjoint back along it - the transpose of the gather, the same numbers as their
    // vjp rule's dense result, but O(window) instead of O(operand) per use, so indexing n
    // elements one by one costs O(n), not O(n^2).
    std::vector<tape_detail::ViewPlan> view_plans;
    Plan rev;                // forward() and backward(); variable i's result is slot i
    std::optional<Plan> fwd; // jvp(), planned at its first call
    std::size_t kept_bytes = 0;
    bool forwarded = false;
    std::array<Tensor, 3> lent;                  // operands lent to a rule (see lend)
    std::array<std::optional<Tensor>, 3> lent_t; // tangents lent to a rule
    Tensor zero_tangent;                         // jvp result when y has no tangent
    Tensor one = Tensor::scalar(1.0);            // backward()'s seed
    std::uint64_t graph_serial = 0;              // the recorded graph's (Graph::serial)

    Impl(const Graph& g, NodeId y, std::span<const NodeId> xs);
    std::int32_t out() const { return static_cast<std::int32_t>(steps.size()) - 1; }
    const Payload& payload_of(const Step& st) const {
        return payloads[static_cast<std::size_t>(st.payload)];
    }
    std::vector<std::int32_t> last_forward_use() const;
    void plan_reverse();
    void plan_forward_mode();
    void allocate(Plan& p, const tape_detail::SlotPool& pool) const;
    void eval_step(std::size_t s, Plan& p, const Bindings& b);
    void check_bindings(const Bindings& b) const; // made for the recorded graph
    void reverse_step(std::size_t s);
    void tangent_step(std::size_t s);
    template <class E, class Rule>
    Tensor with_lent_operands(const Step& st, const std::array<Tensor*, 3>& owned,
                              const std::array<const Tensor*, 3>& view, Rule&& rule);
    std::string variable_label(std::size_t i) const {
        return vars[i].name.empty() ? "variable " + std::to_string(i + 1)
                                    : "variable '" + vars[i].name + "'";
    }
};


} // namespace symdiff
