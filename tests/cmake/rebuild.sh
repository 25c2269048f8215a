#!/bin/sh
# Edit and rebuild, with one generator: the consumer against a private copy of the
# installed package. Changing the model regenerates the header (once for its two
# programs) and the programs compute the new function; a build with nothing changed
# runs no generation step (and no compiler); a newer symdiff program regenerates; an
# edit of a C++ file does not.
# Usage: rebuild.sh "Ninja"|"Unix Makefiles"
. "$(dirname "$0")/common.sh"
generator=$1
fresh_work
cp -R "$SYMDIFF_TEST_PREFIX" prefix # touched below; the shared one stays as it is
copy_consumer src
configure build src "$generator" -DCMAKE_PREFIX_PATH="$SYMDIFF_TEST_WORK/prefix"
header=build/symdiff_generated/model.hpp
generating='Generating symdiff_generated/model.hpp from model.sd'

# generations LOG: the number of times LOG shows model.hpp being generated.
generations() { grep -c -- "$generating" "$1" || true; }
# quiet LOG: the build in LOG ran no step at all.
quiet() {
    lacks "$1" 'Generating' "a build with nothing changed must not generate"
    lacks "$1" 'Building CXX|Linking CXX' "a build with nothing changed must not compile"
    if [ "$generator" = Ninja ]; then
        shows "$1" 'ninja: no work to do' "a build with nothing changed"
        # and Ninja agrees, asked why it would run anything
        must explain.log "$CMAKE" --build build -- -n -d explain
        lacks explain.log 'model\.hpp' "ninja -d explain names the header"
    fi
}

note "first build"
must build1.log "$CMAKE" --build build
[ "$(generations build1.log)" = 1 ] || fail "model.hpp generated $(generations build1.log) times (build1.log)"
must run1.log build/app
shows run1.log '^fn\(3\): f = 9, df = 6$' "app before the edit"
cp "$header" header.before

note "nothing changed"
must build2.log "$CMAKE" --build build
quiet build2.log

note "the model changes"
later_than "$header"
sed 's/^f = x \^ 2$/f = x ^ 3/' src/model.sd >src/model.sd.new
mv src/model.sd.new src/model.sd
grep -q '^f = x \^ 3$' src/model.sd || fail "could not edit the model"
must build3.log "$CMAKE" --build build
[ "$(generations build3.log)" = 1 ] || fail "model.hpp generated $(generations build3.log) times after the edit (build3.log)"
if cmp -s header.before "$header"; then
    fail "the header did not change with the model"
fi
must run3.log build/app
shows run3.log '^fn\(3\): f = 27, df = 27$' "app sees the new function"
must run3b.log build/app_again
shows run3b.log '^fn\(3\): f = 27, df = 27$' "app_again sees the new function"

note "nothing changed again"
must build4.log "$CMAKE" --build build
quiet build4.log

note "a C++ file changes, the model does not"
later_than "$header"
touch src/main.cpp
must build5.log "$CMAKE" --build build
lacks build5.log 'Generating' "editing main.cpp must not regenerate"
shows build5.log 'Building CXX object .*main\.cpp' "main.cpp is recompiled"

note "the symdiff program changes (reinstalled)"
later_than "$header"
touch prefix/bin/symdiff
must build6.log "$CMAKE" --build build
[ "$(generations build6.log)" = 1 ] || fail "a newer program must regenerate model.hpp once (build6.log)"
shows build6.log 'Generating gen/my-shapes.hpp' "a newer program regenerates every header"
must build7.log "$CMAKE" --build build
quiet build7.log
note "$generator: regenerated exactly when the model or the program changed"
