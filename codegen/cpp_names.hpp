// Which names generated code may use as written: C++ identifiers that are not keywords,
// not reserved by the standard, not `std`, and not ending in '_' (the emitter's own).
#pragma once

#include <string_view>

namespace symdiff::codegen {

bool is_cpp_keyword(std::string_view name);
// Throws Error("<what> 'name' ...") explaining why the name cannot be emitted.
void require_emittable_name(std::string_view name, std::string_view what);

} // namespace symdiff::codegen
