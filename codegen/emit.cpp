// TEMPORARY scaffolding until the emitter lands.
#include "codegen/emit.hpp"

#include "core/error.hpp"

namespace symdiff::codegen {

std::string emit_header(const Graph&, std::span<const Function>, const EmitOptions&) {
    throw Error("the C++ emitter is not available yet");
}

} // namespace symdiff::codegen
