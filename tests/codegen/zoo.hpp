// The emitter's model zoo: named models built with the C++ API, each owning its graph
// and the Functions to generate from it, with the input domains its values make sense
// in. Every build of a model makes a fresh graph, so determinism can be tested by
// building twice. The zoo covers every op and structural primitive of the language (docs/language.md).
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff::test {

// Where random values of one input are drawn from: uniform in [lo, hi], or uniform
// over the integers of [lo, hi] (so comparisons, max and min meet ties).
struct InputDomain {
    double lo = -2.0;
    double hi = 2.0;
    bool integers = false;
};

struct Model {
    std::string name; // a C++ identifier: the generated header's stem and namespace
    std::unique_ptr<Graph> graph = std::make_unique<Graph>();
    std::vector<Function> functions;
    std::map<std::string, InputDomain> domains; // by input name; missing means [-2, 2]

    InputDomain domain(const std::string& input) const;
};

struct ZooEntry {
    std::string_view name;
    Model (*build)();
};

// Every model of the zoo, in a fixed order.
const std::vector<ZooEntry>& zoo();
// A fresh build of the zoo model `name` (throws if there is none).
Model build_model(std::string_view name);

// A model whose tensors have n elements along their long axes, for the test that code
// size grows with the graph and not with tensor sizes (not part of the zoo).
Model build_scalable(std::int64_t n);

// The models whose headers are checked in under tests/codegen/golden/. Their builders
// make one node per statement: C++ leaves the order in which the operands of `a + b`
// are evaluated unspecified, so a graph built as `f(x) + g(x)` numbers its nodes
// differently under g++ and clang++, and so would its header.
const std::vector<std::string_view>& golden_models();

// Functions of a zoo model in the order they are emitted.
std::string emit_model(const Model& m);

} // namespace symdiff::test
