#!/bin/sh
# A model error fails the consumer's build, with one generator: the build log shows the
# located message (model.sd:LINE:COL: error: ...) and the source line; no header (and
# no temporary file) is left behind on a first build, and the previous header stays
# byte-identical on a later one. Fixing the model makes the build pass again.
# Usage: broken_model.sh "Ninja"|"Unix Makefiles"
. "$(dirname "$0")/common.sh"
generator=$1
fresh_work
copy_consumer src
good=$(cat src/model.sd)
# 'y' is not defined: line 3, column 13 of the model.
printf '# broken\ninput x\nf = x ^ 2 * y\nexport fn(x) -> f, df = grad(f, x)\n' >src/model.sd
configure build src "$generator" -DCMAKE_PREFIX_PATH="$SYMDIFF_TEST_PREFIX" -DCONSUMER_FULL=OFF
gen_dir=build/symdiff_generated

note "first build of a broken model"
if logged build1.log "$CMAKE" --build build; then
    fail "the build succeeded with a broken model"
fi
shows build1.log "/src/model\.sd:3:13: error: 'y' is not defined\$" "the located error"
shows build1.log '^f = x \^ 2 \* y$' "the source line under the message"
[ ! -e "$gen_dir/model.hpp" ] || fail "a header was left behind by the failed step"
[ -z "$(ls -A "$gen_dir")" ] || fail "files were left in $gen_dir: $(ls -A "$gen_dir")"

note "the model is fixed"
printf '%s\n' "$good" >src/model.sd
must build2.log "$CMAKE" --build build
must run2.log build/app
shows run2.log '^fn\(3\): f = 9, df = 6$' "app after the fix"
cp "$gen_dir/model.hpp" header.good

note "the model breaks again"
later_than "$gen_dir/model.hpp"
printf '# broken\ninput x\nf = x ^ 2 * y\nexport fn(x) -> f, df = grad(f, x)\n' >src/model.sd
if logged build3.log "$CMAKE" --build build; then
    fail "the build succeeded with a broken model"
fi
shows build3.log "/src/model\.sd:3:13: error: 'y' is not defined\$" "the located error"
cmp -s header.good "$gen_dir/model.hpp" || fail "the failed step changed the previous header"
[ "$(ls -A "$gen_dir")" = model.hpp ] || fail "files were left in $gen_dir: $(ls -A "$gen_dir")"
note "broken again: the build fails, and fails again until the model is fixed"
if logged build4.log "$CMAKE" --build build; then
    fail "a second build after the failure succeeded with the model still broken"
fi
shows build4.log "model\.sd:3:13: error:" "the error again"
note "$generator: a broken model stops the build with its located message"
