#!/usr/bin/env bash
# Benchmark (not a test): `consultpack build` of the demo case (all 10 contacts: e-mail, platform
# and portal), then the same build again with nothing changed ("up to date"), then one platform
# contact alone (--force). Prints wall time, user+sys CPU and peak memory (GNU time: the largest
# of the process and its page-rendering children) of each, the median of RUNS runs (3).
# Given other consultpack binaries (an earlier build), measures each of them the same way in
# the same run, one after the other per round, so that the figures share the machine's load.
#   scripts/bench-demo-build.sh [BINARY...]   # needs GNU time
#   RUNS=5 scripts/bench-demo-build.sh /tmp/consultpack-before target/release/consultpack
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh "$@"
export CONSULTPACK_TODAY=2026-11-27

for run in $(seq "$runs"); do
  for i in "${!bins[@]}"; do
    bin=${bins[$i]}
    case=$work/case-$i
    rm -rf "$case"
    cp -r examples/demo-case "$case"
    measure "$work/$i-first" "$bin" build --case "$case"
    measure "$work/$i-again" "$bin" build --case "$case"
    measure "$work/$i-one" "$bin" build --case "$case" --contact ehbh-liver --force
  done
done

median() { # FILE COLUMN
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)  (median of $runs runs)"
for i in "${!bins[@]}"; do
  echo "${bins[$i]}"
  for what in "first:build, all 10 contacts" "again:build again, nothing changed" \
    "one:one platform contact (--force)"; do
    key=${what%%:*}
    printf '  %-36s %6.2f s wall  %6.2f s CPU  %7d KB peak\n' "${what#*:}" \
      "$(median "$work/$i-$key" 1)" "$(median "$work/$i-$key" 2)" "$(median "$work/$i-$key" 3)"
  done
done
