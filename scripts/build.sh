#!/usr/bin/env bash
# Configures and builds one flavour: release (build/) or asan (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DNEWSMON_SANITIZE=ON) ;;
  bench) dir=build-bench; args=(-DCMAKE_BUILD_TYPE=Release -DNEWSMON_BUILD_BENCH=ON) ;;
  *) echo "usage: scripts/build.sh [release|asan|bench]" >&2; exit 2 ;;
esac
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
cmake --build "$dir" -j "$(nproc)"
