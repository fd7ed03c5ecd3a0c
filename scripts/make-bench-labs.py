#!/usr/bin/env python3
"""Copies a case (the demo unless SOURCE is given) to DEST and adds N synthetic [[lab]] sets
(one a day from 2010), for benchmarking how `check` and `criteria` scale with case.toml.
    scripts/make-bench-labs.py DEST [N=4000] [SOURCE]"""
import datetime
import shutil
import sys
from pathlib import Path

dest = Path(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
source = (
    Path(sys.argv[3])
    if len(sys.argv) > 3
    else Path(__file__).resolve().parent.parent / "examples" / "demo-case"
)
shutil.copytree(source, dest)
case = (dest / "case.toml").read_text()
start = datetime.date(2010, 1, 1)
blocks = []
for n in range(count):
    day = start + datetime.timedelta(days=n)
    blocks.append(
        f"""[[lab]]
date = {day.isoformat()}
bilirubin = {{ value = {15 + n % 7}.{n % 10}, unit = "µmol/L", range = "3.4-20.5" }}
albumin = {{ value = {35 + n % 5}, unit = "g/L" }}
inr = 1.{10 + n % 9}
creatinine = {{ value = {70 + n % 11}, unit = "µmol/L" }}
sodium = {{ value = {136 + n % 4}, unit = "mmol/L" }}
afp = {{ value = {5 + n % 20}, unit = "ng/mL" }}

"""
    )
at = case.index("[[assessment]]")
(dest / "case.toml").write_text(case[:at] + "".join(blocks) + case[at:])
