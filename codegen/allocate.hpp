// Work-array layout, the last pass of lowering: every work buffer gets an offset, and two
// buffers share doubles only when their lifetimes do not overlap.
//
// A lifetime is the span of steps, in execution order, from a buffer's first access to
// its last. A loop repeats its steps, so a buffer accessed both inside a loop and outside
// it (read by every direction, or filled by every direction and read after) lives through
// the whole loop, at every depth of nesting; a buffer accessed only inside one iteration
// lives only there, and another may reuse its doubles in the next step.
#pragma once

#include "codegen/lower.hpp"

namespace symdiff::codegen {

// Sets Buffer::offset of every work buffer and Program::work_size.
void allocate_work(Program& prog);

} // namespace symdiff::codegen
