#!/bin/sh
# Builds (a copy of) one of examples/ out of tree against the installed package, as its
# README says, runs it and checks what it prints; the expected numbers are computed here
# (awk), independently of the example's own checks. train_mlp is then edited as its
# README suggests and rebuilt.
# Usage: example.sh train_mlp|cpp_api
. "$(dirname "$0")/common.sh"
name=$1
fresh_work
cp -R "$SYMDIFF_SOURCE_DIR/examples/$name" src # train_mlp edits its model below
configure build src Ninja -DCMAKE_PREFIX_PATH="$SYMDIFF_TEST_PREFIX"
shows build/CMakeCache.txt "^symdiff_DIR:PATH=$SYMDIFF_TEST_PREFIX/lib/cmake/symdiff\$" \
    "the example must use the installed package"
must build.log "$CMAKE" --build build

case $name in
train_mlp)
    shows build.log "Generating symdiff_generated/two_layer.hpp from two_layer.sd" \
        "the model is generated at build time"
    shows build/build.ninja "$SYMDIFF_TEST_PREFIX/bin/symdiff" "generation runs the installed program"
    must run.log build/train_mlp
    cat run.log
    # The loss lines: it must fall below a tenth of the first, and end where the
    # summary line says.
    awk '
        /^step +[0-9]+ +loss / { n++; if (n == 1) first = $4; last = $4 }
        /^initial loss / { summary_first = $3 + 0; summary_last = $6 + 0 }
        END {
            if (n < 3) { print "expected at least 3 loss lines, got " n; exit 1 }
            if (!(last < first / 10)) { print "loss " first " -> " last ": not below a tenth"; exit 1 }
            if (summary_first != first || summary_last != last) { print "summary disagrees"; exit 1 }
            printf "loss %s -> %s (%.1f%% of the initial)\n", first, last, 100 * last / first
        }' run.log >check.log || {
        cat check.log >&2
        fail "train_mlp did not learn"
    }
    cat check.log
    # Its README's suggestion: 12 hidden units. The header follows, and so does main.cpp.
    later_than build/symdiff_generated/two_layer.hpp
    sed 's/W1\[8, 2\], b1\[8, 1\], w2\[1, 8\]/W1[12, 2], b1[12, 1], w2[1, 12]/' \
        src/two_layer.sd >two_layer.sd
    mv two_layer.sd src/two_layer.sd
    grep -q 'W1\[12, 2\]' src/two_layer.sd || fail "could not edit the model as the README says"
    must rebuild.log "$CMAKE" --build build
    shows rebuild.log "Generating symdiff_generated/two_layer.hpp" "the edited model is regenerated"
    shows build/symdiff_generated/two_layer.hpp 'W1\[12, 2\]' "the header has 12 hidden units"
    must run12.log build/train_mlp
    shows run12.log '^OK: the loss fell below a tenth' "12 hidden units train too"
    tail -n 2 run12.log
    ;;
cpp_api)
    shows build.log "Emitting derivatives.hpp with cpp_api" "cpp_api emits at build time"
    must run.log build/cpp_api
    must run-emitted.log build/use_emitted
    cat run.log run-emitted.log
    # Closed forms at the point the program prints: Rosenbrock's f(x, y) and the
    # log-sum-exp of w. Every printed value must match to 1e-10 (relative).
    for log in run.log run-emitted.log; do
        awk '
            function near(a, b) { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; return d <= 1e-10 * (m > 1 ? m : 1) }
            function check(name, want) {
                if (!(name in got)) { print "missing: " name; bad = 1; return }
                if (!near(got[name], want)) { print name " = " got[name] ", expected " want; bad = 1 }
                checked++
            }
            / at x = / { split($0, a, /[=,]/); x = a[2] + 0; y = a[4] + 0 }
            / at w = / { split($0, a, /[][,]/); w0 = a[2] + 0; w1 = a[3] + 0; w2 = a[4] + 0 }
            $2 == "=" { got[$1] = $3 }
            END {
                r = y - x * x
                check("f", (1 - x)^2 + 100 * r^2)
                check("df/dx", -2 * (1 - x) - 400 * x * r)
                check("df/dy", 200 * r)
                check("d2f/dx2", 2 - 400 * y + 1200 * x * x)
                check("d2f/dxdy", -400 * x)
                check("d2f/dy2", 200)
                t = exp(w0) + exp(w1) + exp(w2)
                p[0] = exp(w0) / t; p[1] = exp(w1) / t; p[2] = exp(w2) / t
                check("s", log(t))
                for (i = 0; i < 3; i++) check("ds[" i "]", p[i])
                for (i = 0; i < 3; i++) for (j = 0; j < 3; j++)
                    check("H[" i "," j "]", (i == j ? p[i] : 0) - p[i] * p[j])
                if (bad) exit 1
                print checked " values agree with the closed forms"
            }' "$log" >check.log || {
            cat check.log >&2
            fail "$log: derivatives differ from the closed forms"
        }
        cat check.log
    done
    ;;
*) fail "unknown example $name" ;;
esac
