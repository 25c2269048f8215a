// Helpers shared by the codegen tests: random inputs in each model's domains, the
// interpreter's values of a Function, the comparison rule for compiled vs interpreted
// values, and compile probes (a header compiled by the system compiler at test time,
// for emitter output that must not be part of the build because it may not compile).
#pragma once

#include "tests/codegen/zoo.hpp"

#include "core/tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace symdiff::test {

// One tensor per parameter of `fn`, drawn from the model's domains (seed pinned).
std::vector<Tensor> random_inputs(const Model& m, const Function& fn, std::uint64_t seed);

// The interpreter's value of every result of `fn` (the reference).
std::vector<Tensor> interpret(const Model& m, const Function& fn, const std::vector<Tensor>& in);

// |got - want| <= 1e-9 max(1, |want|); NaN matches only NaN, infinities only themselves.
bool close(double got, double want);
// Same bits, except that any NaN matches any NaN.
bool same_bits(double got, double want);

const Function& function_named(const Model& m, const std::string& name);

struct ProbeResult {
    bool compiled = false;
    std::string output; // the compiler's messages
};
// Writes `header` to the probe directory as <stem>.hpp and compiles it on its own with
// the contract's flags (plus `extra_flags`), as -fsyntax-only.
ProbeResult compile_probe(const std::string& stem, const std::string& header,
                          const std::string& extra_flags = "");
bool have_probe_compiler();

} // namespace symdiff::test
