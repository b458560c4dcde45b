#!/bin/sh
# Runs every benchmark program built under BUILD_DIR/bench and prints their figures.
set -eu
dir="${1:-build}/bench"
for b in "$dir"/*_bench "$dir"/*_eval; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done
