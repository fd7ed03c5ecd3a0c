#!/usr/bin/env bash
# Benchmark (not a test): `consultpack status` on a demo case whose ledger holds N events
# (default 1000: builds, sends, replies and marks for every demo contact, in shuffled order with
# duplicates, as merged copies look). Target: under 50 ms. Needs hyperfine (apt-get install hyperfine).
#   scripts/bench-status.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/demo-case "$work/case"
mkdir -p "$work/case/.consultpack"
python3 - "$events" "$work/case/.consultpack/ledger.jsonl" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
contacts = ["zhongshan-liver", "dr-demo-seattle", "ehbh-liver", "uwmc-liver", "fuscc-liver", "zju-first-liver"]
lines, i = [], 0
while len(lines) < n:
    c = contacts[i % len(contacts)]; t = f"2026-{1 + i // 600 % 11:02d}-{1 + i // 24 % 28:02d}T{i % 24:02d}:00:00Z"
    kind = i // len(contacts) % 4
    if kind == 0:
        e = {"at": t, "event": "built", "contact": c, "pack": "email", "date": "2026-01-01", "packet_sha256": f"p{i}", "files": 4, "bytes": 1}
    elif kind == 1:
        e = {"at": t, "event": "sending", "contact": c, "message_id": f"m{i}@x", "packet_sha256": f"p{i}", "part": 1, "of": 1, "to": ["a@b.org"], "subject": "s", "bytes": 1}
    elif kind == 2:
        e = {"at": t, "event": "sent", "contact": c, "message_id": f"m{i - len(contacts)}@x", "reply": "250 ok"}
    else:
        e = {"at": t, "event": "reply", "contact": c, "kind": "reply", "message_id": f"r{i}@h", "from": "dr@h.cn", "subject": "re", "date": t, "matched_by": "thread"}
    lines.append(json.dumps(e)); i += 1
random.seed(1); random.shuffle(lines); lines += lines[: n // 10]
open(path, "w").write("\n".join(lines) + "\n")
PY
echo "$(wc -l <"$work/case/.consultpack/ledger.jsonl") ledger lines"
export CONSULTPACK_TODAY=2026-11-27
hyperfine --warmup 3 --runs 30 -N --style basic "target/release/consultpack status --json --case $work/case" 2>/dev/null | grep -E "Time|Range"
