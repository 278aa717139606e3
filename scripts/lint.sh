#!/usr/bin/env bash
# clang-format check (or --fix) and clang-tidy over the project's sources,
# using build/compile_commands.json from scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
mapfile -t sources < <(git ls-files '*.cpp' | grep -v '^tests/fuzz/')
clang-tidy -p build --quiet "${sources[@]}"
