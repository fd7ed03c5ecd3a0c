#!/usr/bin/env bash
# Benchmark (not a test): the demo's summary, zh and en, without and with records, one process
# per render, release build; then `check` and `criteria --json` on a case with 4,000 lab sets.
# Prints wall time and user+sys CPU (hyperfine), peak memory (GNU time) and file sizes.
# Given another consultpack binary (an earlier build), measures both, paired in one run; an
# earlier build may not read today's demo, so BENCH_CASE can name the case folder to use.
#   scripts/bench-summary.sh [BASELINE_BINARY]   # needs hyperfine and GNU time
#   BENCH_CASE=old-checkout/examples/demo-case scripts/bench-summary.sh old/consultpack
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case=${BENCH_CASE:-examples/demo-case}
cp -r "$case" "$work/case"
python3 scripts/make-bench-labs.py "$work/labs" 4000 "$case"
export CONSULTPACK_TODAY=2026-11-27
bins=("$PWD/target/release/consultpack")
if [ $# -gt 0 ]; then bins+=("$(realpath "$1")"); fi

measure() { # NAME COMMAND...
  local name=$1; shift
  hyperfine --warmup 2 --runs 10 -N --style basic --export-json "$work/h.json" "$*" >/dev/null 2>&1
  local line
  line=$(python3 -c "import json;r=json.load(open('$work/h.json'))['results'][0];print('%7.1f ms  user+sys %6.1f ms' % (r['median']*1000,(r['user']+r['system'])*1000))")
  /usr/bin/time -f "%M" "$@" >/dev/null 2>"$work/time.txt" || true
  printf '  %-24s %s  peak %6s KB\n' "$name" "$line" "$(tail -1 "$work/time.txt")"
}

for bin in "${bins[@]}"; do
  echo "$bin"
  for variant in "zh --no-records" "en --no-records" "zh" "en"; do
    set -- $variant
    lang=$1; shift
    out="$work/${lang}${1:+-summary-only}.pdf"
    measure "summary $lang ${*:-with records}" "$bin" summary --case "$work/case" --lang "$lang" "$@" -o "$out"
    echo "    size $(stat -c %s "$out") bytes"
  done
  measure "check, 4000 lab sets" "$bin" check --case "$work/labs"
  measure "criteria, 4000 lab sets" "$bin" criteria --json --case "$work/labs"
done
