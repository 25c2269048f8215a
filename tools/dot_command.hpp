// `symdiff dot`: what the picture of one export shows. The command table (tools/cli.cpp)
// parses the arguments, loads the model and binds the --set values; this decides which
// nodes are original and which were made by differentiation, which scalar the gradients
// are of, and hands the rest to core/dot. docs/pictures.md explains the result.
#pragma once

#include "core/eval.hpp"
#include "lang/model.hpp"

#include <string>

namespace symdiff::cli {

// The DOT text of export `f` of `m`. With `values` (every parameter bound), edges carry
// forward values and nodes gradients of the export's primal output: the function of its
// first derivative result whose function is scalar (grad, diff, hessian), else its first
// scalar result. `simplify` draws the simplified graph instead of the one differentiation
// built. Throws Error located at the export when values are given and there is no scalar
// to take gradients of; appends nodes to m's graph.
std::string dot_picture(Model& m, const Function& f, const Bindings* values, bool simplify);

} // namespace symdiff::cli
