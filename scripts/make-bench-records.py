#!/usr/bin/env python3
"""Make a synthetic case with about 100 MB of records for scripts/bench-build.sh (not committed).

    scripts/make-bench-records.py TARGET_DIR [MEGABYTES]

TARGET_DIR gets a copy of examples/demo-case whose records/ also holds phone-photo JPEGs (noisy,
4000x3000, as a phone takes them; they barely compress) and scanned-report PDFs (one noisy grey
page image each), every one described by a sidecar, plus a contacts.toml with ten e-mail contacts.
Needs: pip install pillow img2pdf numpy
"""
import io
import os
import shutil
import sys

import img2pdf
import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def noisy(width, height, mode, seed, quality):
    rng = np.random.default_rng(seed)
    base = np.linspace(180, 240, width, dtype=np.float32)[None, :].repeat(height, axis=0)
    noise = rng.normal(0, 18, size=(height, width)).astype(np.float32)
    grey = np.clip(base + noise, 0, 255).astype(np.uint8)
    if mode == "RGB":
        img = Image.fromarray(np.stack([grey, np.roll(grey, 7, 1), np.roll(grey, 13, 0)], axis=2), "RGB")
    else:
        img = Image.fromarray(grey, "L")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def main():
    target = sys.argv[1]
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(os.path.join(ROOT, "examples", "demo-case"), target)
    bench = os.path.join(target, "records", "bench")
    os.makedirs(bench)
    total, n = 0, 0
    while total < megabytes * 1_000_000:
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        date = f"2021-{month:02d}-{day:02d}"
        if n % 3 == 2:
            name = f"scan-{n:03d}.pdf"
            data = img2pdf.convert(noisy(1240, 1754, "L", n, 85))
            kind = "imaging"
        else:
            name = f"photo-{n:03d}.jpg"
            data = noisy(4000, 3000, "RGB", n, 88)
            kind = "lab"
        with open(os.path.join(bench, name), "wb") as f:
            f.write(data)
        with open(os.path.join(bench, name + ".toml"), "w") as f:
            f.write(f'kind = "{kind}"\ndate = {date}\ntitle = "Bench record {n}"\n')
        total += len(data)
        n += 1
    with open(os.path.join(target, "contacts.toml"), "w") as f:
        for i in range(10):
            f.write(
                f'[[contact]]\nid = "bench-{i}"\ninstitution = {{ zh = "测试医院 {i}", en = "Bench Hospital {i}" }}\n'
                f'language = "{"zh" if i % 2 else "en"}"\nchannel = "email"\nemail = "bench{i}@example.org"\n\n'
            )
        for shipped in ["zhongshan-liver", "zju-first-liver", "ehbh-liver", "fuscc-liver", "huashan-liver",
                        "pku-cancer-liver", "uwmc-liver", "fred-hutch-liver", "virginia-mason-liver"]:
            f.write(f'[[contact]]\nid = "{shipped}"\nactive = false\n\n')
    print(f"{n} records, {total / 1e6:.1f} MB in {bench}")


if __name__ == "__main__":
    main()
