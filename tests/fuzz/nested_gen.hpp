// A seeded generator of models whose results are derivatives of derivatives, for the
// differential fuzzer: Jacobians, Hessians and jvps of expressions that hold Jacobians and
// Hessians (transpose(J) @ J, H @ q, sum(J ^ 2), a manipulability sqrt(det(J J^T)), ...),
// up to third order, named once and shared by several exports, each export returning outer
// derivatives together with the inner ones they are built from. The general generator
// (model_gen) nests only grad and jvp; emitted code went wrong on this class (issue 12).
#pragma once

#include <cstdint>
#include <string>

namespace symdiff::fuzz {

struct NestedGenOptions {
    int max_dim = 4;         // the variable has 1..max_dim elements, so has an inner vector
    int max_order = 3;       // of any value: grad and jvp add one, jacobian one, hessian two
    int max_definitions = 5; // derivative values named at the top level (at least 2)
    int max_exports = 4;     // at least 2
    int max_elements = 64;   // of any derivative value (ranks stay at most 4)
    // Jacobian loops nested in one another, at most the emitter's max_loop_depth
    // (codegen/lower.hpp, 4; it was 2 before issue 12's fix, where three nested jacobians
    // were refused: "nests jacobian loops more than 2 deep").
    int max_loop_depth = 4;
    // grad and hessian of values that hold a jacobian or hessian, such as hessian(sum(J ^ 2),
    // q) or the gradient of sqrt(det(J J^T)), and jacobians with fewer rows than columns of
    // them: reverse mode through a Jacobian loop, which the type checker refused before
    // issue 12's fix ("reverse-mode derivatives of a jacobian or hessian are not available").
    bool reverse_through_jacobian = false;
};

// A model and what it covers, counted while it was written.
struct NestedModel {
    std::string text; // parses; exports e0, e1, ...; same seed, same text
    int exports = 0;
    int results = 0;
    int third_order = 0;     // results of derivative order 3
    int with_inner = 0;      // exports returning a derivative and a higher one built on it
    int shared = 0;          // exports two of whose results read one more derivative value
    int reverse_through = 0; // grad or hessian of a value holding a jacobian or hessian
};

NestedModel random_nested_model(std::uint64_t seed, const NestedGenOptions& options = {});

} // namespace symdiff::fuzz
