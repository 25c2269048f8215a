#!/bin/sh
# The fuzz section of CI (called by tests/run-all.sh after the Release build and suite in
# build/ and the sanitized clang++ build): the libFuzzer target fuzz_parse, built with clang
# (and ASan and UBSan) in FUZZ_BUILD (build-fuzz; run-all.sh passes build-asan), runs for
# FUZZ_SECONDS (60) with a fixed seed on a temporary copy of the committed corpus; then the
# differential fuzzer checks FUZZ_MODELS (200) random models, emitted code compiled by clang
# (about 30 s of CPU), then FUZZ_NESTED_MODELS (200) models of nested derivatives
# (tests/fuzz/nested_gen: jacobians and jvps of hessians and jacobians, up to third order;
# about 55 s of CPU, 80 s on a busy machine). Any finding fails the script; libFuzzer's
# input is kept in build-fuzz/findings/.
# SYMDIFF_BUILD (build) and FUZZ_BUILD (build-fuzz) name other build folders; FUZZ_BUILD
# must be configured with -DSYMDIFF_FUZZ=ON if it exists.
set -eu
cd "$(dirname "$0")/../.."
jobs=$(nproc 2>/dev/null || echo 2)
seconds=${FUZZ_SECONDS:-60}
models=${FUZZ_MODELS:-200}
nested=${FUZZ_NESTED_MODELS:-200}
build=${SYMDIFF_BUILD:-build}
fuzz=${FUZZ_BUILD:-build-fuzz}
start=$(date +%s)

# A build folder that exists is used as it is (tests/run-all.sh passes its sanitized
# clang++ build, configured with -DSYMDIFF_FUZZ=ON).
[ -f "$fuzz/CMakeCache.txt" ] || cmake -S . -B "$fuzz" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DSYMDIFF_FUZZ=ON
cmake --build "$fuzz" -j "$jobs" --target fuzz_parse
echo "fuzz_parse built in $(($(date +%s) - start)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$fuzz/findings"
cp tests/fuzz/corpus/* tests/fuzz/regressions/* tests/fuzz/nested_regressions/* "$work/corpus/"
echo "fuzz_parse: ${seconds} s from $(ls "$work/corpus" | wc -l) seed inputs"
SYMDIFF_FUZZ_DICT="$work/sd.dict" "$build/tests/fuzz/fuzz_tests" "[.dictionary]" >/dev/null
"$fuzz/tests/fuzz/fuzz_parse" "$work/corpus" -dict="$work/sd.dict" -seed=20240601 \
    -max_total_time="$seconds" -max_len=4096 -timeout=30 -rss_limit_mb=2048 \
    -artifact_prefix="$fuzz/findings/" -print_final_stats=1 2>"$work/fuzz.log" || {
    tail -n 60 "$work/fuzz.log"
    echo "fuzz_parse found a problem: see $fuzz/findings/ (add it to tests/fuzz/regressions)"
    exit 1
}
grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)" "$work/fuzz.log"

echo "differential fuzzer: ${models} random models, emitted code compiled by clang++"
SYMDIFF_FUZZ_MODELS="$models" SYMDIFF_FUZZ_SEED=1 SYMDIFF_FUZZ_BATCH=100 SYMDIFF_FUZZ_CXX=clang++ \
    "$build/tests/fuzz/fuzz_tests" "fuzz: random models agree in every mode"
echo "differential fuzzer: ${nested} nested-derivative models, emitted code compiled by clang++"
SYMDIFF_FUZZ_NESTED_MODELS="$nested" SYMDIFF_FUZZ_SEED=1 SYMDIFF_FUZZ_BATCH=100 \
    SYMDIFF_FUZZ_CXX=clang++ \
    "$build/tests/fuzz/fuzz_tests" "fuzz: random nested-derivative models agree in every mode"
echo "fuzz section: $(($(date +%s) - start)) s"
