// The C++ emitter: writes one self-contained header (the calling convention of README.md, "Calling the generated code") for a set of
// functions of a graph. It prints what `lower` planned and does not optimise: the
// graph should already be simplified.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"

#include <ostream>
#include <span>
#include <string>

namespace symdiff::codegen {

struct EmitOptions {
    std::string ns;          // namespace of the generated code (a C++ identifier)
    std::string source_name; // shown in the header's opening comment, e.g. "neuron.sd"
};

// Throws Error for names that cannot be emitted (collisions, C++ keywords).
std::string emit_header(const Graph& g, std::span<const Function> functions, const EmitOptions& options);
// The same header written to `out` as it is printed (names are checked before anything
// is written; a later Error leaves `out` with part of the header).
void emit_header(const Graph& g, std::span<const Function> functions, const EmitOptions& options,
                 std::ostream& out);

} // namespace symdiff::codegen
