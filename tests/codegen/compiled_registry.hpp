// The table through which tests call every generated zoo function generically. The
// adapter that fills it (zoo_adapter.cpp, written by zoo_gen at build time) is compiled
// as C++17 together with the generated headers; this header is C++17 as well. Names,
// sizes, shapes and work sizes are copied from each function's constexpr metadata.
#pragma once

#include <cstddef>

namespace symdiff::test {

struct CompiledShape {
    const std::size_t* dims; // FN_info::NAME_shape.data()
    std::size_t rank;
};

struct CompiledFunction {
    const char* model;     // the zoo model (and namespace of the generated code)
    const char* function;  // as given to the emitter
    const char* info_name; // FN_info::name
    std::size_t inputs;
    std::size_t outputs;
    const char* const* input_names; // FN_info::inputs
    const char* const* output_names;
    const std::size_t* input_sizes; // FN_info::input_sizes
    const std::size_t* output_sizes;
    const CompiledShape* input_shapes;
    const CompiledShape* output_shapes;
    std::size_t work_size;      // FN_work_size
    std::size_t info_work_size; // FN_info::work_size
    // The allocating overload and the `work` overload: in[i] is parameter i, out[j] result j.
    void (*call)(const double* const* in, double* const* out);
    void (*call_work)(const double* const* in, double* const* out, double* work);
};

extern const CompiledFunction compiled_functions[];
extern const std::size_t compiled_function_count;

// Zoo models whose emitted header did not compile (left out of the table above), with
// the compiler's messages; the array ends with {nullptr, nullptr}.
struct UncompiledModel {
    const char* model;
    const char* compiler_output;
};
extern const UncompiledModel uncompiled_models[];
extern const std::size_t uncompiled_model_count;

} // namespace symdiff::test
