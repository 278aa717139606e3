#!/usr/bin/env bash
# One command: install what is missing, build, run every test — a Release
# build, then a Debug build under ASan/UBSan. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for flavour in release asan; do
  echo "== $flavour: build"
  scripts/build.sh "$flavour"
  dir=build; [[ $flavour == asan ]] && dir=build-asan
  echo "== $flavour: test"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
echo "== all tests passed"
