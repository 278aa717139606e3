#!/usr/bin/env bash
# Poll benchmark: 1,000 feeds cold then warm, and 5,000 feeds cold, fetched
# through newsmon's scheduler/fetcher/HTTP client from a loopback nginx.
#   scripts/build.sh bench && bench/poll_bench.sh [PORT]
# Environment: PER_HOST / TOTAL (connection caps, default 64/64 like
# `curl --parallel-max 64`), BENCH_CACHE (scratch folder).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PORT=${1:-18090}
BIN=${BIN:-$ROOT/build-bench/bench/poll_bench}
export BENCH_CACHE=${BENCH_CACHE:-$ROOT/build-bench/bench-cache}
PER_HOST=${PER_HOST:-64}
TOTAL=${TOTAL:-64}
# shellcheck source=corpus.sh
source "$HERE/corpus.sh"

poll() {  # corpus-size label state-file
  "$BIN" --base "http://127.0.0.1:$PORT" --feeds "$1" --state "$3" --label "$2" \
    --per-host "$PER_HOST" --total "$TOTAL"
}

# The fetch floor for comparison: curl --parallel over the same URLs.
curl_floor() {  # corpus-size
  local config=$BENCH_CACHE/curl-$1.cfg
  for ((i = 0; i < $1; i++)); do
    printf 'url = "http://127.0.0.1:%s/feed-%05d.xml"\noutput = "/dev/null"\n' "$PORT" "$i"
  done >"$config"
  /usr/bin/time -f "curl-parallel-$1 wall_s=%e cpu_s=%U+%S peak_rss_kb=%M" \
    curl -s --compressed --parallel --parallel-max "$TOTAL" -K "$config" 2>&1 | grep curl-parallel
}

rm -f "$BENCH_CACHE"/state-*.db*
serve start 1000
curl_floor 1000
poll 1000 cold-1000 "$BENCH_CACHE/state-1000.db"
poll 1000 warm-1000 "$BENCH_CACHE/state-1000.db"
serve stop 1000
serve start 5000
curl_floor 5000
poll 5000 cold-5000 "$BENCH_CACHE/state-5000.db"
poll 5000 warm-5000 "$BENCH_CACHE/state-5000.db"
serve stop 5000
