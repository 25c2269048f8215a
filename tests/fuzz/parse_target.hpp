// What any byte string must do to the model pipeline, shared by the libFuzzer target
// (fuzz_parse.cpp) and the regression replay in the test suite: parse_model returns a
// Model or throws a located symdiff::Error, and a model that parses goes through the steps
// a user's model reaches (simplify, lower and emit, interpret, tape) under a size budget,
// where only a symdiff::Error may escape and never one that calls itself internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace symdiff::fuzz {

struct ParseBudget {
    std::size_t simplify_nodes = 20000; // larger graphs are parsed and checked only
    std::size_t evaluate_nodes = 5000;  // larger graphs are not interpreted or taped
    std::int64_t elements = 4096;       // nor graphs with a larger tensor
};

// A description of the broken promise, or nullopt when the pipeline behaved.
std::optional<std::string> check_model_bytes(std::string_view bytes, const ParseBudget& budget = {});

} // namespace symdiff::fuzz
