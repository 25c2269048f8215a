// Random models for the zoo: a pinned seed gives a chain of random ops over small
// tensors of random shapes, with functions `values`, `grads` (by every input) and `hvp`.
#pragma once

#include "tests/codegen/zoo.hpp"

#include <cstdint>
#include <string>

namespace symdiff::test {

Model random_model(const std::string& name, std::uint64_t seed, int steps = 30);

} // namespace symdiff::test
