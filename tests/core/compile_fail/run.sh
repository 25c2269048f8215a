#!/bin/sh
# Compiles each file here with the C++ compiler given: control.cpp must compile; every
# other file must fail, with the text its "// expect:" line names in the compiler's
# errors (so that it fails for the misuse it shows, not for another reason).
# Usage: run.sh CXX SOURCE_DIR
set -u
cxx=$1
src=$2
dir=$(dirname "$0")
failed=0
for f in "$dir"/*.cpp; do
    out=$("$cxx" -std=c++20 -fsyntax-only -I"$src" "$f" 2>&1)
    status=$?
    name=$(basename "$f")
    if grep -q '^// expect-success' "$f"; then
        [ $status -eq 0 ] || { echo "$name: must compile:"; echo "$out" | head -20; failed=1; }
        continue
    fi
    want=$(sed -n 's|^// expect: ||p' "$f")
    if [ $status -eq 0 ]; then
        echo "$name: compiled, but the API should refuse it"
        failed=1
    elif ! echo "$out" | grep -q "$want"; then
        echo "$name: failed to compile, but not with '$want':"
        echo "$out" | head -20
        failed=1
    else
        echo "$name: refused ($want)"
    fi
done
exit $failed
