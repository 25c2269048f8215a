// Whole-export checks that need the finished graph: every result depends only on the
// export's parameters. A parameter that no result uses is allowed (the signature is the
// user's; emitted code marks it [[maybe_unused]]). Graph walks are loops over ids, never
// recursion.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"

#include <span>
#include <vector>

namespace symdiff {

// Where the parts of an export are written.
struct ExportSite {
    std::vector<SourceLoc> results; // one per result
};

// Throws a located Error for the first result that reads an input missing from the
// parameters.
void check_export(const Graph& g, const Function& f, const ExportSite& site);

} // namespace symdiff
