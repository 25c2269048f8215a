// The picture of one export: its primal roots (what counts as the original function), the
// scalar its gradients are of, optional simplification of everything drawn at once, and
// a title naming the export and the point it is evaluated at.
#include "tools/dot_command.hpp"

#include "core/cpp_names.hpp"
#include "core/dot.hpp"
#include "rewrite/simplify.hpp"

#include <sstream>

namespace symdiff::cli {
namespace {

// The scalar the gradients are of: the function of the first derivative result whose
// function is scalar, else the first scalar result.
std::optional<NodeId> gradient_root(const Graph& g, const Function& f,
                                    const std::vector<std::optional<DerivativeSpec>>& specs) {
    for (const auto& spec : specs)
        if (spec && g[spec->function].shape.is_scalar())
            return spec->function;
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
    const auto& specs = m.result_specs.at(static_cast<std::size_t>(&f - m.exports.data()));

    DotOptions o;
    o.title = title(g, f, values, o.max_listed);
    o.results = f.results;
    o.primal = primal_roots(f, specs);
    if (values) {
        const std::optional<NodeId> of = gradient_root(g, f, specs);
        if (!of)
            throw Error("export " + in_quotes(f.name) +
                            " has no scalar result, so there is nothing to take gradients of "
                            "(draw it without values, or export a scalar such as a sum)",
                        f.loc);
        o.gradient_of = *of;
    }

    if (simplify) { // all at once, so the parts share their simplified subexpressions
        std::vector<NodeId> all = o.primal;
        for (const Function::Result& r : o.results)
            all.push_back(r.node);
        if (values)
            all.push_back(o.gradient_of);
        const std::vector<NodeId> simple = rewrite::simplify(g, all);
        auto next = simple.begin();
        for (NodeId& p : o.primal)
            p = *next++;
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
