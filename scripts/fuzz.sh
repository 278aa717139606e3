#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan (build-fuzz/) and runs
# the feed parser target over its seed corpus for SECONDS (default 600).
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
# New inputs go to build-fuzz/corpus (the committed seeds stay untouched);
# a crash leaves crash-* in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
dir=build-fuzz
if [[ ! -f $dir/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNEWSMON_BUILD_FUZZ=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
fi
cmake --build "$dir" -j "$(nproc)" --target feed_parser_fuzz
mkdir -p "$dir/corpus" "$dir/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec "$dir/tests/fuzz/feed_parser_fuzz" -max_total_time="$seconds" -max_len=16384 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
  "$@" "$dir/corpus" tests/fuzz/corpus
