#!/usr/bin/env python3
"""Runs `newsmon dedup` over the dedup-dev set and checks pairwise quality.

usage: score_dedup_dev.py NEWSMON DATA_DIR
Stories mode must reach pair precision >= 0.95 and recall >= 0.85 (7-day
window, as the set's README measures its reference points); copies mode is
reported, not checked: the set holds no copies.
"""
import json
import os
import subprocess
import sys
import tempfile


def run(newsmon, data, mode):
    with open(f"{data}/articles.jsonl", "rb") as articles:
        out = subprocess.run([newsmon, "dedup", "--mode", mode, "--window", "7d"], stdin=articles,
                             capture_output=True, check=True).stdout
    lines = out.decode().splitlines()
    for line in lines:
        rec = json.loads(line)
        assert set(rec) == {"id", "duplicate_of", "story", "score"}, rec
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write(out.decode())
        pred = f.name
    scored = subprocess.run([sys.executable, f"{data}/evaluate.py", f"{data}/gold.jsonl", pred, "--json"],
                            capture_output=True, check=True).stdout
    os.unlink(pred)
    return json.loads(scored)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    newsmon, data = argv[1], argv[2]
    ok = True
    for mode in ("stories", "copies"):
        m = run(newsmon, data, mode)
        p, r, f = m["pair_precision"], m["pair_recall"], m["pair_f1"]
        print(f"{mode}: pairwise P {p} R {r} F1 {f} (predicted pairs {m['pred_pairs']}, "
              f"correct {m['true_pairs']}, gold {m['gold_pairs']})")
        if mode == "stories" and not (p is not None and p >= 0.95 and r >= 0.85):
            print("FAIL: stories mode needs P >= 0.95 and R >= 0.85", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
