#!/bin/sh
# Builds symdiff and runs every test. This is exactly what CI runs (.ci/run):
#  1. the g++ Release build and suite (unit tests, conformance, generated-code checks);
#  2. a clang++ build of everything with AddressSanitizer and UndefinedBehaviorSanitizer
#     and warnings as errors (g++ and clang++ warn differently; both must build it
#     cleanly), which also holds the libFuzzer target (-DSYMDIFF_FUZZ=ON);
#  3. the headers the two builds' symdiff write, byte for byte, for every example and
#     bench model (tests/cmake/cross_compiler_headers.sh, a few seconds);
#  4. the fuzz section (tests/fuzz/run.sh: a minute of libFuzzer on the parser and type
#     checker, then random models and models of nested derivatives through every mode);
#  5. the whole suite but the package tests again, sanitized.
# One sanitized clang++ build serves steps 2-5 (libraries at -O1, test programs at -O0):
# a separate clang++ build, a g++ sanitizer build at -O1 (g++ compiles a sanitized test
# file at -O1 six times slower than at -O0, clang++ three and a half) and a separate
# fuzzer build took CI past 30 minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
./tests/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)
section() { echo "== $1 ($(($(date +%s) - start)) s since the start)"; }

section "Release build and suite"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

section "clang++ build of everything, sanitized, warnings as errors"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    -DSYMDIFF_SANITIZE=ON -DSYMDIFF_FUZZ=ON
cmake --build build-asan -j "$jobs"

section "headers written by the g++ and the clang++ builds"
./tests/cmake/cross_compiler_headers.sh build/symdiff build-asan/symdiff

section "fuzzing"
FUZZ_BUILD=build-asan ./tests/fuzz/run.sh

section "the suite under AddressSanitizer and UndefinedBehaviorSanitizer"
# Without the package tests (cmake/*: they build consumer projects with CMake, which the
# Release suite has done), and without three tests of time limits at scale (a 10^6-term
# line, derivatives refused for growing geometrically: 140 s of the sanitized suite's
# 290, timing what the Release suite times, on code the smaller tests run sanitized).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow \
    -E '^cmake/|a 10\^6-term line through the command line|grow(s)? (the graph )?geometrically'
section "done"
echo "all tests passed"
