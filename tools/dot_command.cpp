// The picture of one export: its primal roots (what counts as the original function), the
// scalar its gradients are of, optional simplification of everything drawn at once, and
// a title naming the export and the point it is evaluated at.
#include "tools/dot_command.hpp"

#include "core/cpp_names.hpp"
#include "core/dot.hpp"
#include "rewrite/simplify.hpp"

#include <algorithm>
#include <sstream>

namespace symdiff::cli {
namespace {

// The scalar the gradients are of: the function of the first derivative result whose
// function is scalar, else of the first such derivative inside a result, else the first
// scalar result.
std::optional<NodeId> gradient_root(const Graph& g, const Function& f,
                                    const std::vector<std::optional<DerivativeSpec>>& specs,
                                    const std::vector<std::vector<DerivativeCall>>& calls) {
    for (const auto& spec : specs)
        if (spec && g[spec->function].shape.is_scalar())
            return spec->function;
    for (const auto& inside : calls)
        for (const DerivativeCall& c : inside)
            if (g[c.spec.function].shape.is_scalar())
                return c.spec.function;
    for (const Function::Result& r : f.results)
        if (g[r.node].shape.is_scalar())
            return r.node;
    return std::nullopt;
}

// "neuron(w, x)", and " at w = [2, -3, -3], x = [-1, -2]" when values are given.
std::string title(const Graph& g, const Function& f, const Bindings* values, int max_listed) {
    std::string params, point;
    for (NodeId p : f.params) {
        const std::string& name = g.inputs()[static_cast<std::size_t>(g[p].input_index())].name;
        params += (params.empty() ? "" : ", ") + name;
        if (const Tensor* t = values ? values->get(g[p].input_index()) : nullptr)
            point += (point.empty() ? " at " : ", ") + name + " = " + dot_value(*t, max_listed);
    }
    return f.name + "(" + params + ")" + point;
}

} // namespace

std::string dot_picture(Model& m, const Function& f, const Bindings* values, bool simplify) {
    Graph& g = *m.graph;
    const auto e = static_cast<std::size_t>(&f - m.exports.data());
    const auto& specs = m.result_specs.at(e);
    const auto& calls = m.derivative_calls.at(e);

    DotOptions o;
    o.title = title(g, f, values, o.max_listed);
    o.results = f.results;
    // The original functions: the plain results, and what each derivative call
    // differentiates unless that is a derivative call itself (grad(grad(f, x), x) draws
    // f as the forward pass, both gradients as made by differentiation).
    std::vector<NodeId> call_nodes;
    for (const auto& inside : calls)
        for (const DerivativeCall& c : inside)
            call_nodes.push_back(c.node);
    const auto is_call = [&](NodeId id) {
        return std::find(call_nodes.begin(), call_nodes.end(), id) != call_nodes.end();
    };
    for (std::size_t r = 0; r < f.results.size(); ++r) {
        if (calls[r].empty())
            o.primal.push_back(f.results[r].node);
        for (const DerivativeCall& c : calls[r])
            for (NodeId id : {c.spec.function, c.spec.tangent})
                if (id != no_node && !is_call(id))
                    o.primal.push_back(id);
    }
    o.derivatives = call_nodes;
    if (values) {
        const std::optional<NodeId> of = gradient_root(g, f, specs, calls);
        if (!of)
            throw Error("export " + in_quotes(f.name) +
                            " has no scalar result, so there is nothing to take gradients of "
                            "(draw it without values, or export a scalar such as a sum)",
                        f.loc);
        o.gradient_of = *of;
    }

    if (simplify) { // all at once, so the parts share their simplified subexpressions
        std::vector<NodeId> all = o.primal;
        all.insert(all.end(), o.derivatives.begin(), o.derivatives.end());
        for (const Function::Result& r : o.results)
            all.push_back(r.node);
        if (values)
            all.push_back(o.gradient_of);
        const std::vector<NodeId> simple = rewrite::simplify(g, all);
        auto next = simple.begin();
        for (NodeId& p : o.primal)
            p = *next++;
        for (NodeId& d : o.derivatives)
            d = *next++;
        for (Function::Result& r : o.results)
            r.node = *next++;
        if (values)
            o.gradient_of = *next;
    }

    if (values) {
        std::vector<NodeId> drawn = o.primal;
        for (const Function::Result& r : o.results)
            drawn.push_back(r.node);
        DotNumbers numbers = dot_numbers(g, drawn, o.gradient_of, *values);
        o.values = std::move(numbers.values);
        o.gradients = std::move(numbers.gradients);
    }
    std::ostringstream text;
    write_dot(text, g, o.primal, o);
    return std::move(text).str();
}

} // namespace symdiff::cli
