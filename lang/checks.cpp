// Dependency checks of an export, by reachability over node ids.
#include "lang/checks.hpp"

#include "core/error.hpp"
#include "core/traverse.hpp"

#include <algorithm>

namespace symdiff {

void check_export(const Graph& g, const Function& f, const ExportSite& site) {
    auto is_param = [&](NodeId id) {
        return std::find(f.params.begin(), f.params.end(), id) != f.params.end();
    };
    auto input_name = [&](NodeId id) {
        return g.inputs()[static_cast<std::size_t>(g[id].input_index())].name;
    };
    for (std::size_t r = 0; r < f.results.size(); ++r) {
        const NodeId root = f.results[r].node;
        for (NodeId id : reachable(g, std::span<const NodeId>(&root, 1)))
            if (g[id].op == Op::Input && !is_param(id))
                throw Error("result '" + f.results[r].name + "' depends on input '" +
                                input_name(id) + "', which is not a parameter of '" + f.name + "'",
                            site.results[r]);
    }
}

} // namespace symdiff
