// Whole-export checks that need the finished graph: every result depends only on the
// export's parameters, and every parameter is used (read by a result, or the variable
// of a derivative inside one). Graph walks are loops over ids, never recursion.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"

#include <span>
#include <vector>

namespace symdiff {

// Where the parts of an export are written, and what its results differentiate by.
struct ExportSite {
    std::vector<SourceLoc> params;               // one per parameter
    std::vector<SourceLoc> results;              // one per result
    std::vector<std::vector<NodeId>> result_wrt; // per result: derivative variables inside
};

// Throws a located Error for the first result that reads an input missing from the
// parameters, else for the first parameter that no result uses.
void check_export(const Graph& g, const Function& f, const ExportSite& site);

} // namespace symdiff
