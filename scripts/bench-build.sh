#!/usr/bin/env bash
# Benchmark (not a test): `consultpack build` of 10 e-mail contacts over a generated ~100 MB
# record set (phone photos and scanned PDFs), split into parts that fit 20 MB, beside one
# `zip -r -q` of the same records, in the same run. Prints wall time and peak memory of each.
#   scripts/bench-build.sh [MEGABYTES]   # needs: pip install pillow img2pdf numpy; GNU time, zip
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-100}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/make-bench-records.py "$work/case" "$megabytes"
export CONSULTPACK_TODAY=2026-11-27
bin=$PWD/target/release/consultpack
cat "$work/case/records"/bench/* >/dev/null   # the same warm page cache for both

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || {
    cat "$work/err.txt"; exit 1; }
  read -r seconds kb <"$work/time.txt"
  printf '%-34s %7.2f s  %7d KB peak\n' "$label" "$seconds" "$kb"
}

for run in 1 2 3; do
  rm -rf "$work/case/out" "$work/records.zip"
  measure "zip -r -q records/ (run $run)" zip -r -q "$work/records.zip" "$work/case/records"
  measure "build 10 e-mail contacts (run $run)" "$bin" build --case "$work/case" --split
done
echo "bundles: $(find "$work/case/out" -name '*.zip' | wc -l) zips, $(du -sh "$work/case/out" | cut -f1) in out/"
