#!/bin/sh
# The consumer project with symdiff built inside it from this source tree, by
# add_subdirectory or by FetchContent (SOURCE_DIR): symdiff::symdiff is then the program
# built there, symdiff_generate works the same, and the header is regenerated when that
# program is rebuilt (a newer file), and only then. FetchContent is configured, not built
# (its build is add_subdirectory's: see below).
# Usage: subproject.sh add_subdirectory|fetchcontent
. "$(dirname "$0")/common.sh"
via=$1
fresh_work
# Unoptimised (-O0, no -g): this checks how symdiff joins the build, and compiling it
# takes 40% less time so.
build_type=Debug
configure build "$here/consumer" Ninja -DSYMDIFF_VIA="$via" -DSYMDIFF_SOURCE="$SYMDIFF_SOURCE_DIR" \
    -DCMAKE_CXX_FLAGS_DEBUG=-O0
lacks build/CMakeCache.txt '^symdiff_DIR:PATH=/' "no installed symdiff may be used"
if [ "$via" = fetchcontent ]; then
    # FetchContent_MakeAvailable adds the fetched tree with add_subdirectory: once it is
    # configured, the build is add_subdirectory's, which that test builds and runs (two
    # builds of all of symdiff were a third of the Release suite's time). What is
    # FetchContent's own: the tree is populated and its targets and function are there.
    must targets.log "$CMAKE" --build build -- -t targets all
    shows targets.log '^symdiff: ' "the symdiff program is a target of the consumer's build"
    shows targets.log '^app: ' "the consumer's program, which symdiff_generate feeds"
    shows build/build.ninja 'symdiff_generated/model\.hpp' "symdiff_generate's rule"
    note "symdiff via FetchContent: fetched and configured (its build is add_subdirectory's)"
    exit 0
fi
must build.log "$CMAKE" --build build
shows build.log 'Linking CXX executable .*symdiff$' "symdiff is built in the consumer's tree"
[ "$(grep -c 'Generating symdiff_generated/model.hpp' build.log)" = 1 ] ||
    fail "model.hpp must be generated exactly once for its two programs (build.log)"
shows build.log 'Generating gen/my-shapes.hpp' "the shapes library's header"

must run.log build/app
shows run.log '^fn\(3\): f = 9, df = 6$' "app"
shows run.log '^circle: area\(1\) = 3\.141593$' "app through the shapes library"
must run2.log build/app_again
shows run2.log '^fn\(3\): f = 9, df = 6$' "app_again"
must run3.log build/api_user
shows run3.log '^d/dx x\^3 at 2 = 12$' "api_user (symdiff::core)"

must noop.log "$CMAKE" --build build
shows noop.log 'no work to do' "a second build with nothing changed"

# A rebuilt program (a newer file) regenerates the headers, once each.
program=$(find build -name symdiff -type f -perm -u+x | head -n 1)
[ -n "$program" ] || fail "no symdiff program in the consumer's build tree"
later_than build/symdiff_generated/model.hpp
touch "$program"
must rebuild.log "$CMAKE" --build build
[ "$(grep -c 'Generating symdiff_generated/model.hpp' rebuild.log)" = 1 ] ||
    fail "a newer symdiff program must regenerate model.hpp once (rebuild.log)"
shows rebuild.log 'Generating gen/my-shapes.hpp' "a newer symdiff program regenerates every header"
lacks rebuild.log 'Linking CXX executable .*symdiff$' "the program itself is up to date"
must noop2.log "$CMAKE" --build build
shows noop2.log 'no work to do' "after regeneration, nothing is left to do"
note "symdiff via $via: built, generated, regenerated when the program changed"
