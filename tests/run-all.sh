#!/bin/sh
# Builds symdiff and runs every test: the Release suite (unit tests, conformance,
# generated-code checks), then the whole suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer. This is exactly what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
./tests/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSYMDIFF_SANITIZE=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow
echo "all tests passed"
