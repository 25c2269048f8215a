// The differential checker of the model fuzzer: one model text through every mode of
// symdiff - the symbolic derivative graph interpreted as built and after simplification,
// the tape (reverse and forward), central finite differences, and the emitted C++ compiled
// by the system compiler (queued, so one compiler run serves a batch of models) - and a
// finding for each pair that disagrees beyond its tolerance. Points where a mode's values
// are not finite, or finite differences are unreliable (kinks), are counted and skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace symdiff::fuzz {

struct DifferentialOptions {
    int points = 2;           // random evaluation points per export
    int grid_points = 1;      // more, on the grid {-1, -0.5, 0, 0.5, 1}: ties at kinks
                              // (max, min, relu, abs, where), compared without finite differences
    double value_bound = 1e6; // points with larger (or non-finite) results are skipped
    bool finite_differences = true;
    bool compiled = true;
    std::string cxx;          // the compiler for the emitted code
    std::string cxx_flags = "-std=c++17 -O1 -Wall -Wextra -Wpedantic -Werror";
    // For the checker's own test: added to every tape result, so the tape disagrees.
    double tape_offset = 0.0;
};

struct DifferentialStats {
    int models = 0, exports = 0, points = 0, skipped_points = 0;
    int simplified = 0; // results compared: simplified vs as built
    int tape = 0;       // derivative results compared with the tape (reverse or forward)
    int untaped = 0;    // derivatives of functions holding a Jacobian loop: not taped
    int forward = 0;    // symbolic forward mode (jvp along ones) vs reverse (grad)
    int fd_compared = 0, fd_skipped = 0; // finite-difference estimates
    int compiled = 0;   // results compared with the compiled emitted code
    int compiler_runs = 0;
    double compile_seconds = 0; // wall time of the compiler runs that build the driver
    double check_seconds = 0;   // and of those that only check headers that failed to build
};

struct Finding {
    std::uint64_t seed = 0;
    std::string model;  // the model text
    std::string what;   // which modes disagree, where, by how much
};

class DifferentialChecker {
  public:
    explicit DifferentialChecker(DifferentialOptions options);
    ~DifferentialChecker();
    DifferentialChecker(const DifferentialChecker&) = delete;
    DifferentialChecker& operator=(const DifferentialChecker&) = delete;

    // Checks every export of the model at options.points random points (seeded by
    // `seed`); the compiled comparison waits in the queue for run_compiled().
    void check(const std::string& model_text, std::uint64_t seed);
    // Emits, compiles and runs every queued model in one program, and compares.
    void run_compiled();

    const std::vector<Finding>& findings() const;
    const DifferentialStats& stats() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

// Checks the models make(seed) writes for seeds first .. first + count - 1, compiling
// them `batch` at a time; returns the seconds it took. A seed whose model cannot be
// written is skipped and named in `unwritten` ("seed N: why").
double check_seeds(DifferentialChecker& checker, std::uint64_t first, std::uint64_t count,
                   std::uint64_t batch, const std::function<std::string(std::uint64_t)>& make,
                   std::vector<std::string>& unwritten);

} // namespace symdiff::fuzz
