#!/bin/sh
# Same model, same bytes, whichever compiler built symdiff: runs `symdiff gen` of two
# builds (by default the g++ build in build/ and the clang++ build in build-clang/, as
# tests/run-all.sh leaves them) on every example and bench model, with and without
# --strict (one header holds every export of a model), and fails naming each model whose
# headers differ, with the first differing lines.
# Usage: cross_compiler_headers.sh [SYMDIFF_A SYMDIFF_B [MODEL.sd...]]
set -eu
cd "$(dirname "$0")/../.."
a=${1:-build/symdiff}
b=${2:-build-clang/symdiff}
[ $# -ge 2 ] && shift 2 || set --
[ $# -gt 0 ] || set -- $(find examples bench/models -name '*.sd' | LC_ALL=C sort)
for exe in "$a" "$b"; do
    [ -x "$exe" ] || { echo "cross_compiler_headers: no symdiff at $exe" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
headers=0
differ=0

# gen EXE MODEL OUT [--strict]: the header, or the test fails with symdiff's message.
gen() {
    _exe=$1 _model=$2 _out=$3
    shift 3
    "$_exe" gen "$_model" -o "$_out" "$@" >"$work/log" 2>&1 || {
        echo "FAIL: $_exe gen $_model${*:+ $*} failed:" >&2
        cat "$work/log" >&2
        exit 1
    }
}

for model in "$@"; do
    for strict in "" --strict; do
        gen "$a" "$model" "$work/a.hpp" $strict
        gen "$b" "$model" "$work/b.hpp" $strict
        headers=$((headers + 1))
        if ! cmp -s "$work/a.hpp" "$work/b.hpp"; then
            differ=$((differ + 1))
            echo "FAIL: $model${strict:+ $strict}: the headers of $a and $b differ:" >&2
            diff "$work/a.hpp" "$work/b.hpp" | head -n 12 >&2 || true
        fi
    done
done
echo "cross_compiler_headers: $headers headers, $differ differ ($(($(date +%s) - start)) s)"
[ "$differ" -eq 0 ]
