// Interpreter over node ids: mark what the roots need, evaluate upward, free early.
#include "core/eval.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>

namespace symdiff {

Bindings::Bindings(const Graph& g) : g_(&g), values_(g.inputs().size()) {}

void Bindings::set(std::string_view name, Tensor value) {
    const auto k = g_->find_input(name);
    if (!k)
        throw Error("unknown input '" + std::string(name) + "'");
    set(*k, std::move(value));
}

void Bindings::set(int input, Tensor value) {
    if (input < 0 || static_cast<std::size_t>(input) >= g_->inputs().size())
        throw Error("internal error: input index " + std::to_string(input) + " is out of range");
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

std::vector<Tensor> evaluate(const Graph& g, std::span<const NodeId> roots, const Bindings& inputs) {
    if (roots.empty())
        return {};
    const NodeId hi = *std::max_element(roots.begin(), roots.end());
    // last_use[id]: the largest id that reads id, hi + 1 for a root, 0 if unneeded
    // (no node reads id 0, so 0 is free to mean "not needed").
    std::vector<NodeId> last_use(hi + 1, 0);
    for (NodeId r : roots)
        last_use[r] = hi + 1;
    for (NodeId id = hi + 1; id-- > 0;)
        if (last_use[id])
            for (NodeId a : g[id].operands())
                last_use[a] = std::max(last_use[a], id);

    std::vector<std::optional<Tensor>> value(hi + 1);
    for (NodeId id = 0; id <= hi; ++id) {
        if (!last_use[id])
            continue;
        const Node& n = g[id];
        if (n.op == Op::Input) {
            const Tensor* t = inputs.get(n.input_index());
            if (!t)
                throw Error("input '" + g.inputs()[static_cast<std::size_t>(n.input_index())].name +
                            "' has no value");
            value[id] = *t;
        } else if (n.op == Op::Const) {
            value[id] = Tensor(n.shape, n.value());
        } else {
            std::array<const Tensor*, 3> args{};
            for (std::size_t k = 0; k < n.arity; ++k)
                args[k] = &*value[n.args[k]];
            value[id] = apply(n.op, std::span<const Tensor* const>(args.data(), n.arity), n.payload, n.shape);
            for (NodeId a : n.operands())
                if (last_use[a] == id)
                    value[a].reset();
        }
    }
    std::vector<Tensor> out;
    out.reserve(roots.size());
    for (NodeId r : roots)
        out.push_back(*value[r]);
    return out;
}

} // namespace symdiff
