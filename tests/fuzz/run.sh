#!/bin/sh
# The fuzz section of CI (called at the end of tests/run-all.sh, after the Release build in
# build/): the libFuzzer target fuzz_parse, built with clang in build-fuzz, runs for
# FUZZ_SECONDS (60) with a fixed seed on a temporary copy of the committed corpus; then the
# differential fuzzer checks FUZZ_MODELS (300) random models, emitted code compiled by clang.
# Any finding fails the script; libFuzzer's input is kept in build-fuzz/findings/.
set -eu
cd "$(dirname "$0")/../.."
jobs=$(nproc 2>/dev/null || echo 2)
seconds=${FUZZ_SECONDS:-60}
models=${FUZZ_MODELS:-300}

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DSYMDIFF_FUZZ=ON
cmake --build build-fuzz -j "$jobs" --target fuzz_parse

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" build-fuzz/findings
cp tests/fuzz/corpus/* tests/fuzz/regressions/* "$work/corpus/"
echo "fuzz_parse: ${seconds} s from $(ls "$work/corpus" | wc -l) seed inputs"
build-fuzz/tests/fuzz/fuzz_parse "$work/corpus" -dict=tests/fuzz/sd.dict -seed=20240601 \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build-fuzz/findings/ -print_final_stats=1 2>"$work/fuzz.log" || {
    tail -n 60 "$work/fuzz.log"
    echo "fuzz_parse found a problem: see build-fuzz/findings/ (add it to tests/fuzz/regressions)"
    exit 1
}
grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)" "$work/fuzz.log"

echo "differential fuzzer: ${models} random models, emitted code compiled by clang++"
SYMDIFF_FUZZ_MODELS="$models" SYMDIFF_FUZZ_SEED=1 SYMDIFF_FUZZ_BATCH=100 SYMDIFF_FUZZ_CXX=clang++ \
    build/tests/fuzz/fuzz_tests "fuzz: random models agree in every mode"
