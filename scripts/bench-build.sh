#!/usr/bin/env bash
# Benchmark (not a test): `consultpack build` of 10 e-mail contacts over a generated ~100 MB
# record set (phone photos and scanned PDFs), split into parts that fit 20 MB, beside one
# `zip -r -q` of the same records, in the same run. Prints wall time, user+sys CPU and peak
# memory of each (the median of RUNS runs, 3), and the build's time as a share of zip's.
# Given consultpack binaries (an earlier build), measures each in turn within every round.
#   scripts/bench-build.sh [MEGABYTES [BINARY...]]   # needs: pip install pillow img2pdf numpy;
#                                                    # GNU time, zip
#   RUNS=5 scripts/bench-build.sh 100 /tmp/consultpack-before target/release/consultpack
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-100}
shift || true
source scripts/bench-common.sh "$@"
python3 scripts/make-bench-records.py "$work/case" "$megabytes"
export CONSULTPACK_TODAY=2026-11-27
cat "$work/case/records"/bench/* >/dev/null   # the same warm page cache for all

for run in $(seq "$runs"); do
  rm -f "$work/records.zip"
  measure "$work/zip" zip -r -q "$work/records.zip" "$work/case/records"
  for i in "${!bins[@]}"; do
    rm -rf "$work/case/out" "$work/case/.consultpack"
    measure "$work/$i" "${bins[$i]}" build --case "$work/case" --split
  done
done

median() { # FILE COLUMN
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
line() { # LABEL FILE
  printf '  %-34s %6.2f s wall  %6.2f s CPU  %7d KB peak\n' "$1" \
    "$(median "$2" 1)" "$(median "$2" 2)" "$(median "$2" 3)"
}
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)  (median of $runs runs)"
echo "records: $(du -sm "$work/case/records" | cut -f1) MB"
line "zip -r -q records/" "$work/zip"
for i in "${!bins[@]}"; do
  echo "${bins[$i]}"
  line "build 10 e-mail contacts" "$work/$i"
  awk -v b="$(median "$work/$i" 1)" -v z="$(median "$work/zip" 1)" \
    -v bc="$(median "$work/$i" 2)" -v zc="$(median "$work/zip" 2)" \
    'BEGIN {printf "  build / zip: %.2fx wall, %.2fx CPU\n", b / z, bc / zc}'
done
echo "bundles: $(find "$work/case/out" -name '*.zip' | wc -l) zips, $(du -sh "$work/case/out" | cut -f1) in out/"
