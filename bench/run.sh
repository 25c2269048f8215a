#!/bin/sh
# Builds a Release tree with -O3 -march=native in build-bench/, runs every benchmark
# case (one process per case, Google Benchmark repetitions, medians), the header and
# scale measurements, and prints one table, also written to bench/results.md.
# Environment: REPS (repetitions, default 9), MIN_TIME (seconds per repetition, 0.2),
# CASES (space-separated subset), SCALE=0 (skip the scale test), SCALE_TIMEOUT (seconds
# per scale run, 300), JOBS (2).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build-bench"
reps=${REPS:-9}
min_time=${MIN_TIME:-0.2}
jobs=${JOBS:-2}

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS="-march=native" -DSYMDIFF_BUILD_TESTS=OFF -DSYMDIFF_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs"

out="$build/bench/results"
mkdir -p "$out"
rm -f "$out"/*.json
bin="$build/bench"
# The programs run in $out: ADOL-C reads ./.adolcrc there (its tapes stay in memory only
# up to its buffer sizes; larger tapes go to files).
cd "$out"
printf '"OBUFSIZE" "16777216"\n"LBUFSIZE" "16777216"\n"VBUFSIZE" "16777216"\n' > .adolcrc

programs="bench_rosenbrock bench_logreg bench_mlp bench_gmm bench_ba bench_ode bench_lstm"
for prog in $programs; do
    for case in $(cd "$bin" && "./$prog" --list); do
        if [ -n "${CASES:-}" ] && ! echo " $CASES " | grep -q " $case "; then
            continue
        fi
        echo "== $case (load $(cut -d' ' -f1-3 /proc/loadavg))"
        if ! "$bin/$prog" --case="$case" --benchmark_repetitions="$reps" \
            --benchmark_min_time="$min_time" --benchmark_enable_random_interleaving=true \
            --benchmark_out="$out/$case.json" --benchmark_out_format=json \
            --benchmark_display_aggregates_only=true >"$out/$case.log" 2>&1; then
            cat "$out/$case.log"
            echo "run.sh: $case failed (a failed check times nothing)" >&2
            exit 1
        fi
        grep '^check\|_median\|warning' "$out/$case.log" || true
        echo "{\"case\": \"$case\", \"loadavg_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" \
            > "$out/$case.load"
    done
done

rm -f "$out/scale.json"
if [ "${SCALE:-1}" != 0 ]; then
    python3 "$src/bench/scale/run_scale.py" --build "$build" --out "$out/scale.json" \
        --timeout "${SCALE_TIMEOUT:-300}"
fi
python3 "$src/bench/report.py" --build "$build" --results "$out" --markdown "$src/bench/results.md"
