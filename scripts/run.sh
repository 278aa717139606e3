#!/usr/bin/env bash
# One command: install what is missing, build, run the daemon on the demo
# config (no network needed). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh release
exec build/newsmon run -c "${1:-examples/demo.yaml}"
