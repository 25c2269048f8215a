#!/bin/sh
# Fixture of the package tests: installs the built tree to a staging folder, then moves
# it to $SYMDIFF_TEST_PREFIX, so every consumer test also shows the package relocatable.
# Checks the layout, that nothing installed names the staging folder, and the program.
# Usage: install.sh BUILD_DIR
. "$(dirname "$0")/common.sh"
build=$1
fresh_work
staging=$SYMDIFF_TEST_WORK/staging
must install.log "$CMAKE" --install "$build" --prefix "$staging"
rm -rf "$SYMDIFF_TEST_PREFIX"
mv "$staging" "$SYMDIFF_TEST_PREFIX"
p=$SYMDIFF_TEST_PREFIX

for f in bin/symdiff include/symdiff/core/expr.hpp include/symdiff/core/differentiate.hpp \
    include/symdiff/rewrite/simplify.hpp include/symdiff/codegen/emit.hpp \
    lib/cmake/symdiff/symdiffConfig.cmake lib/cmake/symdiff/symdiffConfigVersion.cmake \
    lib/cmake/symdiff/symdiffTargets.cmake lib/cmake/symdiff/SymdiffGenerate.cmake; do
    [ -f "$p/$f" ] || fail "not installed: $f"
done
for lib in core rewrite codegen; do
    ls "$p"/lib*/libsymdiff_$lib.a >/dev/null 2>&1 || fail "not installed: libsymdiff_$lib.a"
done
# Every header of the libraries, and no test or tool header.
for folder in core rewrite codegen; do
    for h in "$SYMDIFF_SOURCE_DIR/$folder"/*.hpp; do
        [ -f "$p/include/symdiff/$folder/$(basename "$h")" ] || fail "not installed: $h"
    done
done
[ ! -e "$p/include/symdiff/tools" ] || fail "tools/ headers are private but were installed"

if grep -rl -- "$staging" "$p" >staging-refs.txt; then
    cat staging-refs.txt >&2
    fail "installed files name the folder they were installed to (not relocatable)"
fi
if grep -rl -e symdiff_options -e "$SYMDIFF_SOURCE_DIR" "$p/lib/cmake" >leaks.txt; then
    cat leaks.txt >&2
    fail "the installed package names symdiff_options or the source tree"
fi

must version.log "$p/bin/symdiff" --version
shows version.log '^symdiff [0-9]+\.[0-9]+\.[0-9]+$' "the installed program"
note "installed to $p"
