#!/usr/bin/env bash
# Benchmark (not a test): the demo's summary, zh and en, without and with records, one process
# per render, release build. Prints wall time (hyperfine), file size and peak memory.
#   scripts/bench-summary.sh            # needs hyperfine and GNU time (apt-get install hyperfine time)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/demo-case "$work/case"
export CONSULTPACK_TODAY=2026-11-27
bin=target/release/consultpack
for variant in "zh --no-records" "en --no-records" "zh" "en"; do
  set -- $variant
  lang=$1; shift
  out="$work/${lang}${1:+-summary-only}.pdf"
  cmd="$bin summary --case $work/case --lang $lang $* -o $out"
  hyperfine --warmup 2 --runs 10 -N --style basic "$cmd" 2>/dev/null | grep -E "Time \(mean"
  /usr/bin/time -f "  peak memory %M KB" $cmd >/dev/null 2>"$work/time.txt" || true
  tail -1 "$work/time.txt"
  echo "  size $(stat -c %s "$out") bytes  ($lang ${*:-with records})"
done
