#!/bin/sh
# What regeneration adds to an incremental build (Ninja): for the minimal consumer and
# for examples/train_mlp, builds after a touched C++ file (compile and link) and after a
# touched model (symdiff gen, then the same compile and link), N rounds each; prints the
# medians, their difference, and the median of the generation step itself from
# .ninja_log. Fails if a round did not do exactly what it should (so the figures are of
# the right builds).
# Usage: regen_cost.sh [ROUNDS]
. "$(dirname "$0")/common.sh"
rounds=${1:-5}
fresh_work

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME SOURCE MODEL CPP [CMAKE ARGS...]: MODEL and CPP are files of SOURCE.
measure() {
    name=$1 source=$2 model=$3 cpp=$4
    shift 4
    configure "$name" "$source" Ninja -DCMAKE_PREFIX_PATH="$SYMDIFF_TEST_PREFIX" "$@"
    must "$name.0.log" "$CMAKE" --build "$name"
    stem=$(basename "$model" .sd)
    header=$name/symdiff_generated/$stem.hpp
    : >"$name.cpp.ms"
    : >"$name.model.ms"
    : >"$name.gen.ms"
    i=1
    while [ "$i" -le "$rounds" ]; do
        later_than "$header"
        touch "$source/$cpp"
        t0=$(now_ms)
        must "$name.cpp$i.log" "$CMAKE" --build "$name"
        t1=$(now_ms)
        lacks "$name.cpp$i.log" 'Generating' "$name, round $i: a touched $cpp must not regenerate"
        shows "$name.cpp$i.log" 'Building CXX object' "$name, round $i: $cpp is recompiled"
        echo $((t1 - t0)) >>"$name.cpp.ms"

        later_than "$header"
        touch "$source/$model"
        t0=$(now_ms)
        must "$name.model$i.log" "$CMAKE" --build "$name"
        t1=$(now_ms)
        shows "$name.model$i.log" "Generating symdiff_generated/$stem.hpp" \
            "$name, round $i: a touched model regenerates"
        shows "$name.model$i.log" 'Building CXX object' "$name, round $i: and $cpp is recompiled"
        echo $((t1 - t0)) >>"$name.model.ms"
        # .ninja_log: start, end (ms since the build began), mtime, output, hash
        awk -F '\t' -v h="symdiff_generated/$stem.hpp" 'index($4, h) { d = $2 - $1 } END { print d }' \
            "$name/.ninja_log" >>"$name.gen.ms"
        i=$((i + 1))
    done
    cpp_ms=$(median <"$name.cpp.ms")
    model_ms=$(median <"$name.model.ms")
    printf '%s, incremental build, median of %d rounds:\n' "$name" "$rounds"
    printf '  %s touched: %s ms (%s)\n' "$cpp" "$cpp_ms" "$(tr '\n' ' ' <"$name.cpp.ms")"
    printf '  %s touched: %s ms (%s)\n' "$model" "$model_ms" "$(tr '\n' ' ' <"$name.model.ms")"
    printf '  regeneration adds %s ms; the symdiff gen step takes %s ms (%s)\n' \
        "$(awk -v a="$model_ms" -v b="$cpp_ms" 'BEGIN { print a - b }')" \
        "$(median <"$name.gen.ms")" "$(tr '\n' ' ' <"$name.gen.ms")"
}

copy_consumer consumer-src
measure consumer "$SYMDIFF_TEST_WORK/consumer-src" model.sd main.cpp -DCONSUMER_FULL=OFF
rm -rf train_mlp-src
cp -R "$SYMDIFF_SOURCE_DIR/examples/train_mlp" train_mlp-src
measure train_mlp "$SYMDIFF_TEST_WORK/train_mlp-src" two_layer.sd main.cpp
