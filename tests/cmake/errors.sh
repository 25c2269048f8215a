#!/bin/sh
# symdiff_generate's argument checks: every mistake in errors/CMakeLists.txt stops the
# configuration with a message that names it; the valid calls (`ok*`) configure.
. "$(dirname "$0")/common.sh"
fresh_work
configure build "$here/errors" Ninja -DCMAKE_PREFIX_PATH="$SYMDIFF_TEST_PREFIX" -DCASE=ok

for ok in ok_namespace ok_alias_shared; do
    must "$ok.log" "$CMAKE" -S "$here/errors" -B build -DCASE="$ok"
done
# ok_alias_shared: one generation step, which both programs wait for
shows build/build.ninja 'symdiff_generate_app' "the alias was resolved to its target"
[ "$(grep -c '^build [^:]*model\.hpp' build/build.ninja)" = 1 ] ||
    fail "the model shared by two programs must have one build step (build/build.ninja)"

failures=0
while IFS='|' read -r case message; do
    [ -n "$case" ] || continue
    if logged "$case.log" "$CMAKE" -S "$here/errors" -B build -DCASE="$case" 2>/dev/null; then
        echo "FAIL: case $case configured, but it must stop with: $message" >&2
        failures=$((failures + 1))
    elif ! tr -s '\n ' '  ' <"$case.log" | grep -Eq -- "$message"; then
        cat "$case.log" >&2
        echo "FAIL: case $case: no message matching '$message' (output above)" >&2
        failures=$((failures + 1))
    else
        echo "ok: $case"
    fi
done <<'CASES'
no_args|the first argument must be the target
no_target|the first argument must be the target
not_a_target|'nope' is not a target; create it with +add_executable\(\) or add_library\(\)
imported|'imported_lib' is an imported target
no_models|no models given
empty_models|MODELS needs a value
empty_namespace|NAMESPACE needs a value
not_sd|'main.cpp' is not a model file
misspelt_keyword|'NAMSPACE' is not a model file.*misspelt keyword
missing_file|model 'absent.sd' not found
bad_stem|namespace 'my-model' \(the file name\), but 'my-model' is not a C\+\+ +identifier.*NAMESPACE
keyword_stem|but 'class' is a C\+\+ keyword
keyword_stem_sibling|symdiff_generate\(app_b\): .* but 'class' is a C\+\+ keyword
bad_namespace|cannot use NAMESPACE '2x': '2x' is not a C\+\+ identifier
reserved_namespace|cannot use NAMESPACE 'std': 'std' is reserved
bad_checkpoint|CHECKPOINT takes the steps per segment \(a whole number; 0 keeps every carry\) or sqrt, got '-3'
same_header_other_options|'model.sd' would write .*/model.hpp, which is already generated from .*options '--strict'.*OUTPUT_DIR
same_stem|two models named 'model.sd'
same_header|'sub/model.sd' would write .*/model.hpp, which is already generated from .*/errors/model.sd.*OUTPUT_DIR
CASES
[ "$failures" = 0 ] || fail "$failures cases did not stop with their message"
