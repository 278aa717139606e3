#!/usr/bin/env bash
# The whole pipeline, as users run it: `newsmon once` over N feeds (30 items,
# ~56 KB each) from a loopback nginx — fetch, parse, normalize, dedup, outbox —
# cold (empty state: every item is decided) and warm (every feed answers 304).
#   scripts/build.sh release && bench/once_bench.sh [PORT]
# Prints wall time, CPU time and peak RSS per run (GNU time).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PORT=${1:-18091}
NEWSMON=${NEWSMON:-$ROOT/build/newsmon}
export BENCH_CACHE=${BENCH_CACHE:-$ROOT/build/bench-cache}
# shellcheck source=corpus.sh
source "$HERE/corpus.sh"

config_for() {  # feeds state-dir -> config path
  local config=$BENCH_CACHE/once-$1.yaml
  {
    printf 'state_dir: %s\nlog_level: warn\nfirst_poll: seed\n' "$2"
    printf 'fetch: {concurrency: 64, per_host: 64}\nfeeds:\n'
    for ((i = 0; i < $1; i++)); do
      printf '  - {name: feed-%05d, url: "http://127.0.0.1:%s/feed-%05d.xml"}\n' "$i" "$PORT" "$i"
    done
    printf 'alerts:\n  - {type: log}\n'
  } >"$config"
  echo "$config"
}

once() {  # label config
  /usr/bin/time -f "$1 wall_s=%e cpu_s=%U+%S peak_rss_kb=%M" "$NEWSMON" once -c "$2" 2>&1 |
    grep -E "^(feeds=|$1 )"
}

for n in 1000 5000; do
  state=$BENCH_CACHE/once-state-$n
  rm -rf "$state"
  config=$(config_for "$n" "$state")
  serve start "$n"
  once "cold-$n" "$config"
  once "warm-$n" "$config"
  serve stop "$n"
done
