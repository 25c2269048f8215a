#!/bin/sh
# Builds symdiff and runs every test: the Release suite (unit tests, conformance,
# generated-code checks), the fuzz section (tests/fuzz/run.sh: a minute of libFuzzer on
# the parser and type checker, then 300 random models and 300 models of nested derivatives
# through every mode), a clang++ build of everything (g++ and clang++ warn differently;
# both must build it cleanly), whose symdiff must write the g++ build's headers byte for
# byte for every example and bench model (tests/cmake/cross_compiler_headers.sh, a few
# seconds), then the whole suite but the package tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer. This is exactly what CI runs (.ci/run). The fuzz section
# comes before the sanitizer run because it is the
# cheaper of the two (7 minutes on 2 cores, against 17 for the sanitizer build and suite)
# and needs only the Release build made just before: a failure shows sooner, and the
# longest section runs last.
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

section "fuzzing"
./tests/fuzz/run.sh

section "clang++ build of everything, warnings as errors"
cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++
cmake --build build-clang -j "$jobs"

section "headers written by the g++ and the clang++ builds"
./tests/cmake/cross_compiler_headers.sh build/symdiff build-clang/symdiff

section "AddressSanitizer and UndefinedBehaviorSanitizer build and suite"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSYMDIFF_SANITIZE=ON
cmake --build build-asan -j "$jobs"
# (without the package tests, cmake/*: they build consumer projects with CMake, which
# the Release suite has done, and add minutes without running more of symdiff's code)
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow -E '^cmake/'
section "done"
echo "all tests passed"
