#!/bin/sh
# Usage: expect_disagreement.sh PROGRAM MODEL.sd RESULT
# Runs `PROGRAM check MODEL.sd` (a symdiff with a corrupted derivative, see
# symdiff_corrupted.cpp) and passes when it exits 1 and its table names RESULT
# (EXPORT.NAME) among the results that disagree.
out=$("$1" check "$2")
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 1 ]; then
    echo "FAIL: expected exit status 1, got $status"
    exit 1
fi
if ! printf '%s\n' "$out" | grep -q "results DISAGREE:.* $3\( \|\$\)"; then
    echo "FAIL: the table does not name $3 among the results that disagree"
    exit 1
fi
echo "ok: check exits 1 and names $3"
