# Sourced by the package tests of this folder: their settings (from CTest, see
# CMakeLists.txt) and small helpers. Each test works in its own folder $SYMDIFF_TEST_WORK,
# which it empties first, and prints every log it checks when it fails.
set -eu
: "${SYMDIFF_SOURCE_DIR:?}" "${SYMDIFF_TEST_PREFIX:?}" "${SYMDIFF_TEST_WORK:?}"
: "${CMAKE:=cmake}" "${CXX:=c++}"
here=$SYMDIFF_SOURCE_DIR/tests/cmake

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
note() { printf -- '--- %s\n' "$*"; }

# fresh_work: an empty $SYMDIFF_TEST_WORK to work in.
fresh_work() {
    rm -rf "$SYMDIFF_TEST_WORK"
    mkdir -p "$SYMDIFF_TEST_WORK"
    cd "$SYMDIFF_TEST_WORK"
}

# logged LOG CMD...: runs CMD with its output in LOG; prints LOG if CMD fails.
logged() {
    _log=$1
    shift
    if "$@" >"$_log" 2>&1; then
        return 0
    else
        _status=$?
        printf '%s\n' "--- $* (exit $_status):" >&2
        cat "$_log" >&2
        return $_status
    fi
}

# must LOG CMD...: as logged, and the test fails if CMD does.
must() {
    _log=$1
    shift
    logged "$_log" "$@" || fail "'$*' failed (its output is above)"
}

# shows LOG PATTERN WHAT: fails unless LOG has a line matching PATTERN (grep -E).
shows() {
    grep -Eq -- "$2" "$1" || {
        cat "$1" >&2
        fail "$3: no line matching '$2' in $1 (shown above)"
    }
}

# lacks LOG PATTERN WHAT: fails if LOG has a line matching PATTERN.
lacks() {
    if grep -Eq -- "$2" "$1"; then
        cat "$1" >&2
        fail "$3: '$2' found in $1 (shown above)"
    fi
}

# configure BUILD SOURCE GENERATOR [ARGS...]: a consumer build tree with our compiler,
# of build type $build_type (default Release).
configure() {
    _build=$1 _source=$2 _generator=$3
    shift 3
    must "$_build.configure.log" "$CMAKE" -S "$_source" -B "$_build" -G "$_generator" \
        -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE="${build_type:-Release}" "$@"
}

# later_than FILE: waits until a new file's timestamp would be later than FILE's.
later_than() {
    _probe=$SYMDIFF_TEST_WORK/.clock
    while :; do
        touch "$_probe"
        [ "$_probe" -nt "$1" ] && break
        sleep 0.1
    done
}

# The consumer project (consumer/), copied so that tests may edit its model.
copy_consumer() {
    rm -rf "$1"
    cp -R "$here/consumer" "$1"
}
