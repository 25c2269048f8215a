#!/bin/sh
# Installs the Debian packages symdiff needs for building and testing, if missing.
# Safe to run repeatedly; uses sudo only when not already root.
set -eu
packages="cmake ninja-build make g++ clang libclang-rt-14-dev libboost-dev libboost-graph-dev catch2
          libbenchmark-dev libadolc-dev graphviz python3"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
