// A function to generate or evaluate: named parameters (input nodes of the graph) and
// named results (any nodes). The model language's `export` makes one; C++ API users
// make them directly. Codegen, the CLI and the tape all take Functions.
#pragma once

#include "core/error.hpp"
#include "core/node.hpp"

#include <string>
#include <vector>

namespace symdiff {

struct Function {
    struct Result {
        std::string name;
        NodeId node = no_node;
    };
    std::string name;
    std::vector<NodeId> params; // Input nodes, in signature order
    std::vector<Result> results;
    SourceLoc loc;              // where the model declared it, if it came from one
};

} // namespace symdiff
