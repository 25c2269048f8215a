// Runs emitted C++ as users run it: the header of some Functions plus a generated driver,
// compiled by the system compiler into a shared library in a fresh temporary folder,
// loaded with dlopen and called through one entry point. No compiler, or a toolchain that
// cannot build and load a trivial library, makes the build "unavailable" (a note); a
// working compiler rejecting the emitted code is a failure of the emitter.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"
#include "core/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symdiff {

// The system C++ compiler: $CXX when it names an executable (a path, or a name on PATH),
// else the first of c++, g++, clang++ on PATH. `note` (if given) receives why $CXX was
// passed over, when it was.
std::optional<std::string> find_cxx_compiler(std::string* note = nullptr);

struct NativeBuildOptions {
    std::optional<std::string> compiler;  // default: find_cxx_compiler()
    std::string flags = "-std=c++17 -O2"; // besides -fPIC -shared -fvisibility=hidden
};

// A loaded library of emitted functions; unloaded, and its folder removed, on destruction.
class NativeModule {
  public:
    using CallFn = void (*)(std::size_t, const double* const*, double* const*, double*);
    NativeModule(std::filesystem::path dir, void* handle, CallFn entry, std::size_t count,
                 std::size_t (*work_sizes)(std::size_t));
    ~NativeModule();
    NativeModule(const NativeModule&) = delete;
    NativeModule& operator=(const NativeModule&) = delete;

    std::size_t function_count() const { return count_; }
    // FN_work_size of function `fn` (in the order given to build_native), in doubles.
    std::size_t work_size(std::size_t fn) const;
    // The allocation-free overload of function `fn`: in[i] is parameter i, out[j] result j
    // (contiguous row-major doubles), `work` holds work_size(fn) doubles (may be null when
    // that is 0).
    void call(std::size_t fn, const double* const* in, double* const* out, double* work) const;

  private:
    std::filesystem::path dir_;
    void* handle_;
    CallFn call_;
    std::size_t count_;
    std::size_t (*work_size_)(std::size_t);
};

// One call of function `fn` of a module with its buffers ready: the parameters of `f` (the
// function as given to build_native) read from `point` (a value per input of `g`, which
// must outlive this), the results into out() (NaN until run), a work array of the
// module's size. run() allocates nothing, so it can be timed.
class NativeCall {
  public:
    NativeCall(const NativeModule& module, std::size_t fn, const Graph& g, const Function& f,
               const std::vector<Tensor>& point);
    void run() { module_->call(fn_, in_.data(), out_ptrs_.data(), work_.data()); }
    // Result k as contiguous row-major doubles.
    const std::vector<double>& out(std::size_t k) const { return out_[k]; }

  private:
    const NativeModule* module_;
    std::size_t fn_;
    std::vector<const double*> in_;
    std::vector<std::vector<double>> out_;
    std::vector<double*> out_ptrs_;
    std::vector<double> work_;
};

struct NativeBuild {
    enum class Status : std::uint8_t {
        ok,
        no_compiler,    // none found
        unavailable,    // the toolchain cannot build or load a trivial shared library
        emit_failed,    // the emitter refused the functions (its message in `note`)
        compile_failed, // a working compiler rejected the emitted code (its output in `note`)
    };
    Status status = Status::no_compiler;
    std::string compiler;
    std::string note; // why, when not ok (first line: a summary)
    std::unique_ptr<NativeModule> module;
    double compile_seconds = 0.0;
    std::size_t header_bytes = 0;

    // Statuses that say nothing about the emitted code, only about this machine.
    bool skipped() const { return status == Status::no_compiler || status == Status::unavailable; }
};

// Emits `functions` of `g` (already simplified, as `gen` would) to one header, compiles it
// with a driver, and loads the result. Never throws for the failures listed in Status.
NativeBuild build_native(const Graph& g, std::span<const Function> functions,
                         const NativeBuildOptions& options = {});

} // namespace symdiff
