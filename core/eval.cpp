// Interpreter over node ids: mark what the roots need, evaluate upward, free early.
// A seed loop evaluates its body once per basis direction of its seed, a fold once per
// step; the nodes of a body (those depending on the loop's placeholders) are skipped by
// the enclosing pass.
#include "core/eval.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <map>

namespace symdiff {

Bindings::Bindings(const Graph& g) : g_(&g), serial_(g.serial()), values_(g.inputs().size()) {}

void Bindings::set(std::string_view name, Tensor value) {
    const auto k = g_->find_input(name);
    if (!k)
        throw Error("unknown input '" + std::string(name) + "'");
    set(*k, std::move(value));
}

void Bindings::set(const Expr& input, Tensor value) {
    if (input.is_literal() || input.graph().serial() != serial_)
        throw Error("Bindings::set: the input is not a node of the bindings' graph");
    if (input.node().op != Op::Input)
        throw Error(std::string("Bindings::set: the node is a '") + std::string(name(input.node().op)) +
                    "' node, not an input");
    set(input.node().input_index(), std::move(value));
}

void Bindings::set(int input, Tensor value) {
    if (input < 0 || static_cast<std::size_t>(input) >= g_->inputs().size())
        throw Error("Bindings::set: input index " + std::to_string(input) +
                    " is out of range (the graph has " + std::to_string(g_->inputs().size()) +
                    " inputs)");
    if (values_.size() < g_->inputs().size()) // inputs declared after these bindings were made
        values_.resize(g_->inputs().size());
    const InputInfo& in = g_->inputs()[static_cast<std::size_t>(input)];
    if (value.shape() != in.shape) {
        if (value.size() != static_cast<std::size_t>(in.shape.size()))
            throw Error("input '" + in.name + "' has shape " + in.shape.str() + ", got a value of shape " +
                        value.shape().str());
        value = Tensor(in.shape, std::vector<double>(value.data().begin(), value.data().end()));
    }
    values_[static_cast<std::size_t>(input)] = std::move(value);
}

const Tensor* Bindings::get(int input) const {
    if (input < 0 || static_cast<std::size_t>(input) >= values_.size())
        return nullptr;
    const auto& v = values_[static_cast<std::size_t>(input)];
    return v ? &*v : nullptr;
}

namespace {

using SeedMask = LoopSet;

class Interpreter {
  public:
    Interpreter(const Graph& g, std::span<const NodeId> roots, const Bindings& inputs)
        : g_(g), inputs_(inputs), roots_(roots.begin(), roots.end()) {}

    std::vector<Tensor> run() {
        if (roots_.empty())
            return {};
        const NodeId hi = *std::max_element(roots_.begin(), roots_.end());
        value_.resize(hi + 1);
        mark_needed(hi);
        std::vector<NodeId> needed;
        for (NodeId id = 0; id <= hi; ++id)
            if (last_use_[id])
                needed.push_back(id);
        seeds_ = free_seeds(g_, needed);
        find_last_uses(hi);
        std::vector<NodeId> top;
        for (NodeId id = 0; id <= hi; ++id)
            if (last_use_[id] && seeds_[id].none())
                top.push_back(id);
        evaluate_all(top, true);
        std::vector<Tensor> out;
        out.reserve(roots_.size());
        for (NodeId r : roots_)
            out.push_back(*value_[r]);
        return out;
    }

  private:
    // last_use_[id]: the largest id that reads id, hi + 1 for a root, 0 if unneeded
    // (no node reads id 0, so 0 is free to mean "not needed").
    void mark_needed(NodeId hi) {
        last_use_.assign(hi + 1, 0);
        for (NodeId r : roots_)
            last_use_[r] = hi + 1;
        for (NodeId id = hi + 1; id-- > 0;)
            if (last_use_[id])
                for (NodeId a : g_[id].operands())
                    last_use_[a] = std::max(last_use_[a], id);
    }

    // A value read inside a loop body must survive until the loop has finished, and a
    // loop nested in another's body runs when the outermost one does: until then.
    void find_last_uses(NodeId hi) {
        std::vector<NodeId> loops;
        for (NodeId id = 0; id <= hi; ++id)
            if (runs_body(info(g_[id].op).kind) && last_use_[id]) {
                body_[id] = body_of(id);
                loops.push_back(id);
            }
        std::map<NodeId, NodeId> runs_until; // loop -> the end of the outermost loop around it
        for (auto it = loops.rbegin(); it != loops.rend(); ++it) { // outer loops have larger ids
            const NodeId end = runs_until.count(*it) ? runs_until[*it] : *it;
            for (NodeId b : body_[*it]) {
                if (runs_body(info(g_[b].op).kind))
                    runs_until[b] = std::max(runs_until.count(b) ? runs_until[b] : b, end);
                for (NodeId a : g_[b].operands())
                    last_use_[a] = std::max(last_use_[a], end);
            }
        }
    }

    // The nodes of loop `id`'s body: what its body root reaches through nodes that
    // depend on its seed, in increasing id order.
    std::vector<NodeId> body_of(NodeId id) const {
        const Node& loop = g_[id];
        const SeedMask bit = seeds_[loop.args[1]];
        std::vector<std::uint8_t> in(id, 0);
        in[loop.args[0]] = (seeds_[loop.args[0]] & bit).any();
        std::vector<NodeId> body;
        for (NodeId b = id; b-- > 0;) {
            if (!in[b])
                continue;
            body.push_back(b);
            for (NodeId a : g_[b].operands())
                if ((seeds_[a] & bit).any())
                    in[a] = 1;
        }
        std::reverse(body.begin(), body.end());
        return body;
    }

    void evaluate_all(std::span<const NodeId> ids, bool free_early) {
        for (NodeId id : ids) {
            if ((seeds_[id] & ~bound_).any())
                continue; // the body of a loop nested inside: that loop evaluates it
            evaluate(id);
            if (free_early)
                for (NodeId a : g_[id].operands())
                    if (last_use_[a] == id)
                        value_[a].reset();
        }
    }

    void evaluate(NodeId id) {
        const Node& n = g_[id];
        switch (info(n.op).kind) {
        case OpKind::leaf:
            if (n.op == Op::Input) {
                const Tensor* t = inputs_.get(n.input_index());
                if (!t)
                    throw Error("input '" + g_.inputs()[static_cast<std::size_t>(n.input_index())].name +
                                "' has no value");
                value_[id] = *t;
            } else if (n.op == Op::Const) {
                value_[id] = Tensor::filled(n.shape, n.value());
            } // a Seed or a Carry is set by its loop
            return;
        case OpKind::loop:
            value_[id] = run_loop(id);
            return;
        case OpKind::fold:
            value_[id] = run_fold(id);
            return;
        case OpKind::element: {
            const Tensor& xs = *value_[n.args[0]];
            const auto row = static_cast<std::size_t>(n.shape.size());
            const auto t = static_cast<std::size_t>(step_.at(n.seed_id()));
            if (t * row >= xs.size())
                throw Error("internal error: a loop element reads row " + std::to_string(t) + " of shape " +
                            xs.shape().str());
            value_[id] = Tensor(n.shape, std::vector<double>(xs.data().begin() + static_cast<std::ptrdiff_t>(t * row),
                                                             xs.data().begin() + static_cast<std::ptrdiff_t>((t + 1) * row)));
            return;
        }
        default: {
            std::array<const Tensor*, 3> args{};
            for (std::size_t k = 0; k < n.arity; ++k)
                args[k] = &*value_[n.args[k]];
            value_[id] = apply(n.op, std::span<const Tensor* const>(args.data(), n.arity), n.payload(), n.shape);
        }
        }
    }

    Tensor run_loop(NodeId id) {
        const Node loop = g_[id];
        const LoopSpec& spec = loop.loop();
        const NodeId body = loop.args[0], seed = loop.args[1];
        const Shape body_shape = g_[body].shape, seed_shape = g_[seed].shape;
        const auto seeds = static_cast<std::size_t>(seed_shape.size());
        const auto width = static_cast<std::size_t>(body_shape.size());
        const auto colours = static_cast<std::size_t>(spec.colours);
        // Element [i of the body, j of the seed] of the result.
        auto at = [&](std::size_t i, std::size_t j) {
            return spec.seed_axes_last ? i * seeds + j : j * width + i;
        };
        Tensor out(loop.shape);
        const SeedMask outer = bound_;
        bound_ |= seeds_[seed];
        for (std::size_t k = 0; k < (colours ? colours : seeds); ++k) {
            Tensor e(seed_shape); // a basis direction, or every direction of colour k
            for (std::size_t j = k; j < seeds; j += colours ? colours : seeds)
                e[j] = 1.0;
            value_[seed] = std::move(e);
            evaluate_all(body_[id], false);
            const Tensor& v = *value_[body];
            if (!colours) {
                for (std::size_t i = 0; i < width; ++i)
                    out[at(i, k)] = v[i];
                continue;
            }
            // Column j of colour k is v inside its band (no other column of the colour
            // reaches there), zero outside.
            const auto band = static_cast<std::size_t>(spec.band);
            for (std::size_t j = k; j < seeds; j += colours)
                for (std::size_t i = j > band ? j - band : 0; i < width && i <= j + band; ++i)
                    out[at(i, j)] = v[i];
        }
        bound_ = outer;
        return out;
    }

    // c = init, then c = body(c) per step; elements read row t of their sequence.
    Tensor run_fold(NodeId id) {
        const Node loop = g_[id];
        const FoldSpec spec = loop.fold();
        const NodeId body = loop.args[0], carry = loop.args[1];
        const int loop_id = g_[carry].seed_id();
        const auto row = static_cast<std::size_t>(g_[carry].shape.size());
        Tensor c = *value_[loop.args[2]];
        Tensor out = spec.mode == FoldMode::last ? Tensor() : Tensor(loop.shape);
        auto store = [&](std::int32_t t, const Tensor& v) {
            std::copy(v.data().begin(), v.data().end(), out.data().begin() + static_cast<std::ptrdiff_t>(t * row));
        };
        const SeedMask outer = bound_;
        bound_ |= seeds_[carry];
        for (std::int32_t k = 0; k < spec.count; ++k) {
            const std::int32_t t = spec.reverse ? spec.count - 1 - k : k;
            step_[loop_id] = t;
            if (spec.mode == FoldMode::before)
                store(t, c);
            value_[carry] = std::move(c);
            evaluate_all(body_[id], false);
            c = *value_[body];
            if (spec.mode == FoldMode::after)
                store(t, c);
        }
        bound_ = outer;
        step_.erase(loop_id);
        return spec.mode == FoldMode::last ? c : out;
    }

    const Graph& g_;
    const Bindings& inputs_;
    std::vector<NodeId> roots_;
    std::vector<std::optional<Tensor>> value_;
    std::vector<NodeId> last_use_;
    std::vector<SeedMask> seeds_; // by id: the seeds no loop around it binds (free_seeds)
    SeedMask bound_;              // seeds the loops being run have bound
    std::map<NodeId, std::vector<NodeId>> body_; // loop id -> its body
    std::map<int, std::int32_t> step_;           // a running fold's loop id -> its step t
};

} // namespace

std::vector<Tensor> evaluate(const Graph& g, std::span<const NodeId> roots, const Bindings& inputs) {
    if (inputs.graph_serial() != g.serial())
        throw Error("evaluate: the bindings were made for another graph");
    for (const NodeId id : roots)
        g.check_node(id, "evaluate");
    return Interpreter(g, roots, inputs).run();
}

std::vector<Tensor> evaluate(std::span<const Expr> roots, const Bindings& inputs) {
    std::vector<Tensor> out(roots.size());
    std::vector<NodeId> nodes;
    const Graph* g = nullptr;
    for (const Expr& r : roots) {
        if (r.is_literal())
            continue;
        if (g && &r.graph() != g)
            throw Error("evaluate: the expressions belong to different graphs");
        g = &r.graph();
        nodes.push_back(r.id());
    }
    std::vector<Tensor> values = g ? evaluate(*g, nodes, inputs) : std::vector<Tensor>{};
    for (std::size_t i = 0, k = 0; i < roots.size(); ++i)
        out[i] = roots[i].is_literal() ? Tensor(roots[i].literal()) : std::move(values[k++]);
    return out;
}

} // namespace symdiff
