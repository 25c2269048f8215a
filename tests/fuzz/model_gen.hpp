// A seeded generator of random well-typed model files (*.sd text), for the differential
// fuzzer: inputs of random shapes, definitions built from every construct of the language
// (NumPy broadcasting, reductions, matmul, indexing, slices, stack, concat, nested grad and
// jvp, functions of the model called with any arguments or run by fold and scan), a scalar objective, and exports whose results are derivatives of every kind. Ops
// with a restricted domain get their operand squashed into it, so values stay finite.
#pragma once

#include <cstdint>
#include <string>

namespace symdiff::fuzz {

struct ModelGenOptions {
    int max_inputs = 3;      // 1..max_inputs inputs
    int max_definitions = 3; // 0..max_definitions named values before the objective
    int depth = 3;           // expression nesting (operators and calls)
    int max_rank = 2;        // of inputs; intermediates may have one more axis
    int max_dim = 3;         // of every dimension
    bool kinks = true;       // ops whose entry has a kink (relu, abs, max, min, sign), where
    bool derivatives_inside = true; // grad / jvp / diff inside definitions (second order)
    bool functions = true;   // def functions (one expression or a block), called anywhere
    bool loops = true;       // fold and scan of those functions (by a count or over a tensor)
    bool layout = true;      // random spacing, comments, ';', CRLF and line continuations
};

// The text of a model that parses. Its exports are named e0, e1, ...; every export
// returns the objective `f` (or the value it differentiates) and derivatives of it.
// Same seed, same text.
std::string random_model(std::uint64_t seed, const ModelGenOptions& options = {});

} // namespace symdiff::fuzz
