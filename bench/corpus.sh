# Sourced by the poll and once benchmarks: the shared corpus and nginx set-up.
# Expects HERE (bench/), PORT and BENCH_CACHE; generates the 1,000- and
# 5,000-feed corpora once and stops nginx on exit.
mkdir -p "$BENCH_CACHE"
for n in 1000 5000; do
  corpus=$BENCH_CACHE/corpus-$n
  [[ -f $corpus/manifest.json ]] || python3 "$HERE/make_corpus.py" -n "$n" -o "$corpus" >/dev/null
done

serve() { "$HERE/serve.sh" "$1" "$BENCH_CACHE/corpus-$2" "$PORT" >/dev/null; }
trap 'serve stop 1000 2>/dev/null || true; serve stop 5000 2>/dev/null || true' EXIT
