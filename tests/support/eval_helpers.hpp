// Test helpers to evaluate Exprs with the interpreter and to print graphs in failure
// messages. A `Values` holds one tensor per graph input, in Graph::inputs() order, so a
// finite-difference loop can perturb one input and re-evaluate.
// `listing` prints the nodes a root reaches, one per line, in id order (no recursion).
#pragma once

#include "core/eval.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "tests/support/random.hpp"
#include "tests/support/tensor_compare.hpp"

#include <initializer_list>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace symdiff::test {

using Values = std::vector<Tensor>; // by input index

// "x3" from ("x", 3). (Spelled out because g++ 12 warns falsely about "x" + std::string.)
inline std::string indexed(std::string_view stem, std::size_t k) {
    std::string name(stem);
    name += std::to_string(k);
    return name;
}

inline Bindings bind(const Graph& g, const Values& values) {
    Bindings b(g);
    for (std::size_t k = 0; k < values.size(); ++k)
        b.set(static_cast<int>(k), values[k]);
    return b;
}

inline std::vector<Tensor> eval_all(const Graph& g, std::span<const Expr> roots,
                                    const Values& values) {
    std::vector<NodeId> ids;
    for (const Expr& r : roots)
        ids.push_back(r.id());
    return evaluate(g, ids, bind(g, values));
}

inline Tensor eval(const Expr& root, const Values& values) {
    return eval_all(root.graph(), std::span<const Expr>(&root, 1), values)[0];
}

// Evaluates with inputs given by name: eval(f, {{"x", 2.0}, {"y", tensor({2}, {1, 2})}}).
inline Tensor eval(const Expr& root, std::initializer_list<std::pair<std::string, Tensor>> named) {
    Bindings b(root.graph());
    for (const auto& [name, value] : named)
        b.set(name, value);
    const NodeId id = root.id();
    return evaluate(root.graph(), std::span<const NodeId>(&id, 1), b)[0];
}

// A slice or embed window: [lo, hi) per leading axis (the rest are 0:0, unused), and the
// axes in the `drop` bit mask dropped: window({{1, 2}, {0, 4}}, 0b01) is row 1 of a 3x4.
inline SliceSpec window(std::initializer_list<std::pair<int, int>> ranges, std::uint8_t drop = 0) {
    SliceSpec s;
    std::size_t k = 0;
    for (const auto& [lo, hi] : ranges) {
        s.start[k] = lo;
        s.stop[k] = hi;
        ++k;
    }
    s.drop = drop;
    return s;
}

// Random values for every input of g, uniform in [lo, hi).
inline Values random_values(const Graph& g, Rng& rng, double lo = -1.0, double hi = 1.0) {
    Values v;
    for (const InputInfo& in : g.inputs())
        v.push_back(random_tensor(rng, in.shape, lo, hi));
    return v;
}

// One line per node reachable from `roots`: "%7 = mul %3 %5 : [2,3]".
inline std::string listing(const Graph& g, std::span<const NodeId> roots) {
    std::ostringstream os;
    os.precision(17);
    for (NodeId id : reachable(g, roots)) {
        const Node& n = g[id];
        os << "%" << id << " = " << name(n.op);
        if (n.op == Op::Input)
            os << " " << g.inputs()[static_cast<std::size_t>(n.input_index())].name;
        else if (n.op == Op::Const)
            os << " " << n.value();
        for (NodeId a : n.operands())
            os << " %" << a;
        if (const Payload p = n.payload(); const auto* s = boost::variant2::get_if<SliceSpec>(&p)) {
            os << " window";
            for (int k = 0; k < Shape::max_rank; ++k)
                os << " " << s->start[static_cast<std::size_t>(k)] << ":"
                   << s->stop[static_cast<std::size_t>(k)] << (s->dropped(k) ? "!" : "");
        }
        os << " : " << n.shape.str() << "\n";
    }
    return os.str();
}

inline std::string listing(const Expr& root) {
    const NodeId id = root.id();
    return listing(root.graph(), std::span<const NodeId>(&id, 1));
}

} // namespace symdiff::test
