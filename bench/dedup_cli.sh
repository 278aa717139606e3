#!/usr/bin/env bash
# Times `newsmon dedup` over N synthetic JSON lines (default 100,000).
# usage: bench/dedup_cli.sh BUILD_DIR [N]
set -euo pipefail
build=${1:-build-bench}
count=${2:-100000}
corpus=$(mktemp --suffix=.jsonl)
out=$(mktemp --suffix=.jsonl)
trap 'rm -f "$corpus" "$out"' EXIT
"$build/bench/dedup_corpus" "$count" > "$corpus"
echo "input: $count lines, $(du -m "$corpus" | cut -f1) MB"
for mode in copies stories; do
  start=$(date +%s.%N)
  "$build/newsmon" dedup --mode "$mode" < "$corpus" > "$out"
  end=$(date +%s.%N)
  dups=$(grep -c '"duplicate_of":"' "$out" || true)
  echo "newsmon dedup --mode $mode: $(echo "$end - $start" | bc) s, $(wc -l < "$out") decisions, $dups duplicates"
done
