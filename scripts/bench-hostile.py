#!/usr/bin/env python3
"""The attacks of issue 25 (the second hardening round), each run once against a consultpack
binary under /usr/bin/time -v: exit code, wall time, peak memory and the first line that says
what happened. Run it on two builds to compare them:

    cargo build && python3 scripts/bench-hostile.py target/debug/consultpack

Each attack gets a fresh copy of examples/demo-case in a temporary folder; the hostile IMAP
servers are small scripted servers in threads of this script, on 127.0.0.1. An attack that
runs longer than --timeout seconds is killed (and shows as such). Every attack runs under an
address-space limit (--memory-gb, 4 by default), so that a build without the fixes fails there
rather than taking the machine's memory: one such build read an endless IMAP line into 22 GB in
a minute.
"""

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-case"
TODAY = "2026-11-27"


def case(tmp: Path, name: str) -> Path:
    path = tmp / name
    shutil.copytree(DEMO, path, symlinks=True)
    return path


def append_records(path: Path, names, date="2021-10-02"):
    with open(path / "case.toml", "a", encoding="utf-8") as f:
        for name in names:
            f.write(
                f'\n[[record]]\nfile = "other/{name}"\nkind = "other"\ndate = {date}\ntitle = "{name}"\n'
            )


MEMORY = 4 << 30


def run(binary, args, cwd, env=None, timeout=60):
    """Runs the binary under /usr/bin/time -v; returns (rc, seconds, peak KB, stdout, stderr)."""
    environment = {"PATH": os.environ["PATH"], "HOME": str(cwd), "CONSULTPACK_TODAY": TODAY}
    environment.update(env or {})

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    command = ["/usr/bin/time", "-v", binary, *args]
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        killed = False
    except subprocess.TimeoutExpired:
        # Kill consultpack, not /usr/bin/time, so that time still reports its peak memory.
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        for child in children.read_text().split() if children.exists() else []:
            os.kill(int(child), 9)
        try:
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            out, err = process.communicate()
        killed = True
    seconds = time.monotonic() - start
    err = err.decode("utf-8", "replace")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    status = re.search(r"Exit status: (\d+)", err)
    signal = re.search(r"Command terminated by signal (\d+)", err)
    if killed:
        rc = f"killed at {timeout} s"
    elif signal:
        rc = f"signal {signal.group(1)}"
    else:
        rc = status.group(1) if status else "?"
    # What the program said, without /usr/bin/time's report.
    said = err.split("\tCommand being timed")[0]
    said = "\n".join(l for l in said.splitlines() if not l.startswith("Command exited"))
    return rc, seconds, int(peak.group(1)) if peak else 0, out.decode("utf-8", "replace"), said


def first(text, *patterns):
    """The first line of `text` matching one of `patterns` (or the first error line)."""
    lines = text.splitlines()
    for pattern in patterns:
        for line in lines:
            if re.search(pattern, line):
                return line.strip()[:200]
    for line in lines:
        if line.startswith(("error", "thread", "memory allocation")):
            return line.strip()[:200]
    return "(nothing said about it)"


# ---------------------------------------------------------------- a scripted IMAP server


class Imap:
    """One scripted IMAP server: `mode` chooses the misbehaviour."""

    def __init__(self, mode, messages=(), uid_next=None):
        self.mode = mode
        self.messages = list(messages)  # (uid, raw bytes)
        self.uid_next = uid_next or (max([u for u, _ in self.messages] or [0]) + 1)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.listener.accept()
            threading.Thread(target=self.converse, args=(conn,), daemon=True).start()

    def endless(self, conn, start, chunk=b"a" * 65536, pause=0.0):
        try:
            conn.sendall(start)
            while True:
                conn.sendall(chunk)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass

    def converse(self, conn):
        log = []
        self.sessions.append(log)
        conn.sendall(b"* OK scripted\r\n")
        reader = conn.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return
            line = line.decode("latin-1").rstrip("\r\n")
            log.append(line)
            tag, _, command = line.partition(" ")
            upper = command.upper()
            if upper.startswith("LOGIN"):
                if self.mode == "silent":
                    reader.read(1)
                    return
                if self.mode == "drip":
                    return self.endless(conn, b"", b"*", pause=10)
                conn.sendall(f"{tag} OK logged in\r\n".encode())
            elif upper.startswith(("EXAMINE", "SELECT")):
                conn.sendall(
                    f"* {len(self.messages)} EXISTS\r\n* OK [UIDVALIDITY 7]\r\n* OK [UIDNEXT {self.uid_next}]\r\n{tag} OK [READ-ONLY] done\r\n".encode()
                )
            elif "FETCH" in upper:
                if self.mode == "endless-line":
                    return self.endless(conn, b"* 1 FETCH (UID 1 BODY[HEADER] ")
                if self.mode == "huge-literal":
                    return self.endless(conn, b"* 1 FETCH (UID 1 BODY[HEADER] {999999999}\r\n")
                uid_fetch = upper.startswith("UID ")
                what = upper.split(" ", 2 + uid_fetch)
                numbers, query = what[1 + uid_fetch], what[2 + uid_fetch]
                out = b""
                top = max([u for u, _ in self.messages] or [0]) if uid_fetch else len(self.messages)
                for seq, (uid, raw) in enumerate(self.messages, 1):
                    if in_set(numbers, uid if uid_fetch else seq, top):
                        out += fetch_line(seq, uid, raw, query)
                conn.sendall(out + f"{tag} OK done\r\n".encode())
            elif upper.startswith("LOGOUT"):
                conn.sendall(f"* BYE\r\n{tag} OK done\r\n".encode())
                return
            else:
                conn.sendall(f"{tag} OK done\r\n".encode())


def in_set(numbers, n, top):
    def value(s):
        return top if s == "*" else int(s)

    for part in numbers.split(","):
        a, _, b = part.partition(":")
        low, high = value(a), value(b or a)
        if min(low, high) <= n <= max(low, high):
            return True
    return False


def fetch_line(seq, uid, raw, query):
    out = f"* {seq} FETCH (UID {uid}".encode()
    header = raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    part = None
    if "BODY.PEEK[HEADER]" in query:
        part = (b"BODY[HEADER]", header)
    elif "BODY.PEEK[]" in query:
        part = (b"BODY[]", raw)
    if part:
        out += b" " + part[0] + f" {{{len(part[1])}}}\r\n".encode() + part[1]
    return out + b")\r\n"


def imap_case(tmp, name, server):
    path = case(tmp, name)
    (path / "consultpack.toml").write_text(
        '[sender]\nname = "Li"\nemail = "family@example.org"\n\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nusername = "family"\n'
        'password_env = "BENCH_PASSWORD"\n'
    )
    return path


PASSWORD = {"BENCH_PASSWORD": "bench-secret"}


def plain_message(uid, subject=b"Sale"):
    return (
        uid,
        b"From: shop@example.net\r\nTo: family@example.org\r\nSubject: "
        + subject
        + f"\r\nMessage-ID: <m{uid}@example.net>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n\r\nBuy now.\r\n".encode(),
    )


# ---------------------------------------------------------------- the attacks


def nested_dicom(depth):
    def element(out, number, vr, value):
        out += (2).to_bytes(2, "little") + number.to_bytes(2, "little") + vr
        if vr == b"OB":
            out += b"\0\0" + len(value).to_bytes(4, "little")
        else:
            out += len(value).to_bytes(2, "little")
        out += value

    meta = bytearray()
    element(meta, 1, b"OB", b"\0\1")
    element(meta, 2, b"UI", b"1.2.840.10008.5.1.4.1.1.7\0")
    element(meta, 3, b"UI", b"1.2.3.4\0")
    element(meta, 0x10, b"UI", b"1.2.840.10008.1.2.1\0")
    out = bytearray(128) + b"DICM"
    element(out, 0, b"UL", len(meta).to_bytes(4, "little"))
    out += meta
    out += (b"\x08\x00\x15\x11SQ\0\0\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff") * depth
    out += (b"\xfe\xff\x0d\xe0\0\0\0\0" + b"\xfe\xff\xdd\xe0\0\0\0\0") * depth
    out += b"\xe0\x7f\x10\x00OB\0\0\x04\0\0\0\0\0\0\0"
    return bytes(out)


def pdf(objects):
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for i, body in enumerate(objects):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for o in offsets:
        out += f"{o:010} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def attacks(binary, tmp, timeout):
    rows = []

    def row(point, attack, result, message, note=""):
        rc, seconds, peak, _, _ = result
        rows.append((point, attack, rc, f"{seconds:.2f} s", f"{peak / 1024:.0f} MB", message, note))

    # 1. build --out over a folder of the family's.
    path = case(tmp, "p1")
    (path / "mine" / "zhongshan-liver").mkdir(parents=True)
    (path / "mine" / "zhongshan-liver" / "keep.txt").write_text("the family's notes")
    r = run(binary, ["build", "--out", "mine", "--contact", "zhongshan-liver"], path, timeout=timeout)
    kept = (path / "mine" / "zhongshan-liver" / "keep.txt").exists()
    row(1, "`build --out mine` over mine/zhongshan-liver/keep.txt", r,
        first(r[4], "will not"), "keep.txt " + ("kept" if kept else "DELETED"))

    # 2. The ledger a link out of the case.
    path = case(tmp, "p2")
    victim = tmp / "victim.txt"
    victim.write_text("someone else's file\n")
    (path / ".consultpack").mkdir()
    (path / ".consultpack" / "ledger.jsonl").symlink_to(victim)
    r = run(binary, ["build", "--contact", "zhongshan-liver"], path, timeout=timeout)
    grown = victim.stat().st_size - len("someone else's file\n")
    row(2, "`.consultpack/ledger.jsonl` a link outside, then `build`", r, first(r[4], "is a link"),
        f"{grown} bytes appended outside")

    # 3. DICOM nested 20,000 deep.
    path = case(tmp, "p3")
    (path / "records/imaging/2021-10-15_mri-dicom/S9I1.dcm").write_bytes(nested_dicom(20000))
    r = run(binary, ["check"], path, timeout=timeout)
    row(3, "DICOM with 20,000 nested sequences (720 KB), `check`", r, first(r[4], "S9I1", "overflow"))

    # 4. password_command that never ends.
    path = case(tmp, "p4")
    (path / "consultpack.toml").write_text(
        '[sender]\nname = "Li"\nemail = "family@example.org"\n\n[imap]\nhost = "127.0.0.1"\nport = 9\n'
        'security = "none"\nusername = "family"\npassword_command = ["sh", "-c", "cat /dev/zero"]\n'
    )
    r = run(binary, ["sync"], path, timeout=timeout)
    row(4, "`password_command = cat /dev/zero`, `sync`", r, first(r[4], "password", "memory"))

    # 5. Hostile IMAP servers.
    for mode, attack in [
        ("endless-line", "a FETCH response line without end"),
        ("huge-literal", "a literal `{999999999}`, then bytes without end"),
    ]:
        server = Imap(mode, [plain_message(1)])
        path = imap_case(tmp, f"p5-{mode}", server)
        r = run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
        row(5, attack, r, first(r[4], "IMAP", "memory"))
    server = Imap("normal", [plain_message(7)], uid_next=4294967295)
    path = imap_case(tmp, "p5-uidnext", server)
    r = run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
    fetches = sum(1 for c in (server.sessions[0] if server.sessions else []) if "FETCH" in c.upper())
    row(5, "UIDNEXT 4294967295, one message", r, first(r[3] + r[4], "sync:", "error"),
        f"{fetches} FETCH requests")
    server = Imap("drip", [plain_message(1)])
    path = imap_case(tmp, "p5-drip", server)
    r = run(binary, ["sync"], path, env={**PASSWORD, "CONSULTPACK_IMAP_DEADLINE_MS": "30000"},
            timeout=timeout)
    row(5, "one byte every 10 s after LOGIN (deadline set to 30 s)", r, first(r[4], "IMAP"))
    server = Imap("silent", [])
    path = imap_case(tmp, "p5-silent", server)
    r = run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
    row(5, "no answer to LOGIN (default idle time)", r, first(r[4], "IMAP"))

    # 6. UID 4294967295, synced twice.
    server = Imap("normal", [plain_message(5), plain_message(4294967295)], uid_next=4294967295)
    path = imap_case(tmp, "p6", server)
    run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
    r = run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
    again = sum(1 for c in (server.sessions[1] if len(server.sessions) > 1 else []) if "BODY.PEEK" in c.upper())
    row(6, "UID 4294967295, second `sync`", r, first(r[3] + r[4], "sync:", "panicked", "error"),
        f"{again} messages fetched again")

    # 7. A raw GBK subject.
    subject = "回复：肝癌会诊资料已收到".encode("gbk")
    reply = (
        3,
        b"From: Dr Li <liver-consult@example.org>\r\nTo: family@example.org\r\nSubject: "
        + subject
        + b"\r\nMessage-ID: <gbk@zs.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0800\r\n"
        + b"Content-Type: text/plain; charset=GBK\r\n\r\n"
        + "请尽快来院。\r\n".encode("gbk"),
    )
    server = Imap("normal", [reply])
    path = imap_case(tmp, "p7", server)
    run(binary, ["mark", "zhongshan-liver", "sent", "--note", "by hand"], path, timeout=timeout)
    r = run(binary, ["sync"], path, env=PASSWORD, timeout=timeout)
    recorded = ""
    ledger = path / ".consultpack" / "ledger.jsonl"
    for line in ledger.read_text(encoding="utf-8").splitlines() if ledger.exists() else []:
        event = json.loads(line)
        if event.get("event") == "reply":
            recorded = event["subject"]
    row(7, "a reply with a raw GBK subject", r, first(r[3], "sync:"), f"recorded subject: {recorded}")

    # 8. Huge ledger fields (a ledger written before the limits).
    path = case(tmp, "p8")
    (path / ".consultpack").mkdir()
    reply = {"at": "2026-11-28T10:00:00Z", "event": "reply", "contact": "zhongshan-liver",
             "kind": "reply", "message_id": "big@zs.example", "from": "dr@zs.example",
             "subject": "回" * 3_500_000, "date": "2026-11-28T09:00:00Z", "matched_by": "sender"}
    (path / ".consultpack/ledger.jsonl").write_text(json.dumps(reply, ensure_ascii=False) + "\n")
    r = run(binary, ["status"], path, timeout=timeout)
    row(8, "a reply with a 10 MB subject in the ledger, `status`", r, f"{len(r[3])} bytes of table")
    mark = {"at": "2026-11-29T10:00:00Z", "event": "mark", "contact": "zhongshan-liver",
            "state": "replied", "note": "约" * 7_000_000, "date": "2026-11-29"}
    (path / ".consultpack/ledger.jsonl").write_text(json.dumps(mark, ensure_ascii=False) + "\n")
    r = run(binary, ["status"], path, timeout=timeout)
    row(8, "a 20 MB mark note in the ledger, `status`", r, f"{len(r[3])} bytes of table")
    r = run(binary, ["opinions", "-o", "o.pdf"], path, timeout=timeout)
    size = (path / "o.pdf").stat().st_size if (path / "o.pdf").exists() else 0
    row(8, "the same, `opinions`", r, first(r[4], "^error", "panicked", "memory") if r[0] != "0" else "",
        f"o.pdf {size} bytes")

    # 9. A picture claiming 30,000 × 30,000 pixels.
    path = case(tmp, "p9")
    data = zlib.compress(b"\0" * 100000)
    image = (b"<< /Type /XObject /Subtype /Image /Width 30000 /Height 30000 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    content = b"q 500 0 0 700 50 50 cm /Im1 Do Q"
    (path / "records/other/huge-image.pdf").write_bytes(pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        image,
    ]))
    append_records(path, ["huge-image.pdf"])
    r = run(binary, ["build", "--contact", "ehbh-liver"], path, timeout=timeout)
    row(9, "a PDF page with a 30000 × 30000 picture, platform `build`", r,
        first(r[4], "huge-image") or "(no word about it)")

    # 10. A referenced link out of the case and a pipe.
    path = case(tmp, "p10")
    (tmp / "elsewhere.pdf").write_bytes(b"%PDF-1.4\n")
    (path / "records/other/linked.pdf").symlink_to(tmp / "elsewhere.pdf")
    os.mkfifo(path / "records/other/pipe.pdf")
    append_records(path, ["linked.pdf", "pipe.pdf"])
    r = run(binary, ["check"], path, timeout=timeout)
    errors = [l for l in r[4].splitlines() if l.startswith("error:")]
    row(10, "[[record]] a link out of the case, and one a pipe, `check`", r,
        errors[0][:200] if errors else "", f"{len(errors)} error lines: " + " | ".join(e[7:60] for e in errors[1:]))

    # 11. 5,000 files nothing refers to.
    path = case(tmp, "p11")
    bulk = path / "records/other/bulk"
    bulk.mkdir()
    for i in range(5000):
        (bulk / f"f{i:04}.txt").write_bytes(b"x")
    r = run(binary, ["check"], path, timeout=timeout)
    counted = re.search(r"(\d+) warning\(s\)", r[3] + r[4])
    row(11, "5,000 tiny files not referenced, `check`", r, first(r[4], "not referenced"),
        f"{counted.group(1) if counted else '?'} warning(s)")

    # 12. mark --date 0000-01-01.
    path = case(tmp, "p12")
    r = run(binary, ["mark", "zhongshan-liver", "replied", "--note", "x", "--date", "0000-01-01"],
            path, timeout=timeout)
    row(12, "`mark --date 0000-01-01`", r, first(r[4], "--date", "marked"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before an attack is killed")
    parser.add_argument("--memory-gb", type=int, default=4, help="address space each attack may use")
    args = parser.parse_args()
    global MEMORY
    MEMORY = args.memory_gb << 30
    binary = str(Path(args.binary).resolve())
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        rows = attacks(binary, Path(tmp), args.timeout)
    print("| point | attack | rc | time | peak memory | message | note |")
    print("|---|---|---|---|---|---|---|")
    for point, attack, rc, seconds, peak, message, note in rows:
        message = message.replace("|", "\\|")
        print(f"| {point} | {attack} | {rc} | {seconds} | {peak} | {message} | {note} |")


if __name__ == "__main__":
    sys.exit(main())
