#!/usr/bin/env python3
"""Smoke test for the mail test servers started by start.sh (stdlib only).

    bash scripts/mailtest/start.sh && python3 scripts/mailtest/verify.py

Reads MAILTEST_* from the environment, else from $MAILTEST_DIR/env.sh (default dir
/tmp/consultpack-mailtest). Must run as root (it drops files into Maildirs and runs
doveadm). Prints one line per check and 'N passed, M failed'; exits 1 on any failure.
"""
import base64
import glob
import imaplib
import json
import mailbox
import os
import re
import smtplib
import ssl
import subprocess
import sys
import time
import uuid
from email import policy
from email.message import EmailMessage


def load_env():
    d = os.environ.get("MAILTEST_DIR", "/tmp/consultpack-mailtest")
    env = {}
    try:
        with open(os.path.join(d, "env.sh")) as f:
            for line in f:
                m = re.match(r"\s*export\s+(MAILTEST_\w+)=(\S*)", line)
                if m:
                    env[m.group(1)] = m.group(2)
    except FileNotFoundError:
        pass
    env.update({k: v for k, v in os.environ.items() if k.startswith("MAILTEST_")})
    return env


E = load_env()
try:
    DIR = E["MAILTEST_DIR"]
    CA = E["MAILTEST_CA_CERT"]
    SMTP_PORT, SMTPS_PORT = int(E["MAILTEST_SMTP_PORT"]), int(E["MAILTEST_SMTPS_PORT"])
    IMAP_PORT, IMAPS_PORT = int(E["MAILTEST_IMAP_PORT"]), int(E["MAILTEST_IMAPS_PORT"])
    ROOT, SPOOL = E["MAILTEST_MAILDIR_ROOT"], E["MAILTEST_SPOOL"]
except KeyError as e:
    sys.exit("verify.py: %s not set and no env.sh found; run start.sh first" % e)
DOVECOT_CONF = E.get("MAILTEST_DOVECOT_CONF", os.path.join(DIR, "run", "dovecot.conf"))
PW = "testpass"
WRONG_PW = "wrong-" + uuid.uuid4().hex[:8]
CTX = ssl.create_default_context(cafile=CA)
SYSTEM_CTX = ssl.create_default_context()          # system CA store only: must NOT trust us
BLOB = os.urandom(300 * 1024)

R_TEMPFAIL = (451, b"4.3.0 Temporary local problem, try again later")
R_CLOSING = (421, b"4.3.2 Service shutting down, closing transmission channel")
R_TOOLARGE = (552, b"5.3.4 Message size exceeds fixed maximum message size")
R_REJECT = (550, b"5.1.1 User unknown")

results = []


def check(name):
    def deco(fn):
        t = time.time()
        try:
            fn()
            results.append(True)
            print("ok    %-74s %5.0f ms" % (name, (time.time() - t) * 1000), flush=True)
        except Exception as e:  # noqa: BLE001
            results.append(False)
            print("FAIL  %-74s %r" % (name, e), flush=True)
        return fn
    return deco


# ---------------------------------------------------------------------------- helpers
def fresh_user(prefix="v"):
    return "%s%s" % (prefix, uuid.uuid4().hex[:10])


def make_msg(to, subject, attachment=None):
    m = EmailMessage()
    m["From"] = "Consultpack Test <cli@example.com>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = "<%s@verify.example.com>" % uuid.uuid4().hex
    m["Date"] = "Mon, 30 Nov 2026 12:00:00 +0000"
    m.set_content("Body of %s.\n.leading dot line (dot-stuffed on the wire)\n" % subject)
    if attachment is not None:
        m.add_attachment(attachment, maintype="application", subtype="octet-stream",
                         filename="blob.bin")
    return m, m.as_bytes(policy=policy.SMTP)      # CRLF line ends, as sent over SMTP


def smtp_starttls(user="testuser", host="localhost"):
    s = smtplib.SMTP(host, SMTP_PORT, timeout=10)
    s.starttls(context=CTX)
    s.login(user, PW)
    return s


def smtp_tls(user="testuser"):
    s = smtplib.SMTP_SSL("localhost", SMTPS_PORT, context=CTX, timeout=10)
    s.login(user, PW)
    return s


def send(s, rcpts, raw, sender="cli@example.com"):
    """One transaction; returns the DATA reply (code, text)."""
    code, resp = s.mail(sender)
    assert code == 250, (code, resp)
    for r in rcpts:
        code, resp = s.rcpt(r)
        assert code in (250, 251), (r, code, resp)
    return s.data(raw)


def spool_entries(rcpt):
    out = []
    for p in sorted(glob.glob(os.path.join(SPOOL, "*.json"))):
        with open(p) as f:
            meta = json.load(f)
        if rcpt.lower() in (r.lower() for r in meta["rcpt_tos"]):
            out.append(meta)
    return out


def maildir_count(user):
    md = os.path.join(ROOT, user)
    return sum(len(os.listdir(os.path.join(md, d))) for d in ("new", "cur")
               if os.path.isdir(os.path.join(md, d)))


def imap_starttls(user):
    c = imaplib.IMAP4("localhost", IMAP_PORT, timeout=10)
    c.starttls(ssl_context=CTX)
    c.login(user, PW)
    return c


def imaps(user):
    c = imaplib.IMAP4_SSL("localhost", IMAPS_PORT, ssl_context=CTX, timeout=10)
    c.login(user, PW)
    return c


def fetch_by_msgid(c, msgid, mailbox_name="INBOX"):
    typ, _ = c.select(mailbox_name)
    assert typ == "OK"
    typ, data = c.search(None, "HEADER", "Message-ID", msgid)
    nums = data[0].split()
    assert len(nums) == 1, "expected 1 message with %s, found %r" % (msgid, nums)
    typ, d = c.fetch(nums[0], "(BODY.PEEK[])")
    return d[0][1]


def select_uidvalidity(user):
    """A fresh IMAP session: SELECT INBOX -> (UIDVALIDITY, [UIDs])."""
    c = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
    c.login(user, PW)
    typ, _ = c.select("INBOX")
    uv = int(c.untagged_responses["UIDVALIDITY"][0])
    typ, d = c.uid("SEARCH", None, "ALL")
    c.logout()
    return uv, [int(x) for x in d[0].split()]


def drop_into_maildir(user, msg):
    """What a test does to simulate a reply: Python's mailbox.Maildir writes tmp/ then
    renames into new/. Directories a test creates itself must belong to 65534."""
    md = os.path.join(ROOT, user)
    box = mailbox.Maildir(md, create=True)
    for p in (md, *(os.path.join(md, d) for d in ("cur", "new", "tmp"))):
        os.chown(p, 65534, 65534)
    return box.add(msg)


# ---------------------------------------------------------------------------- TLS
@check("SMTP 2525: EHLO SIZE 52428800 + STARTTLS, no AUTH before TLS")
def _():
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=10) as s:
        s.ehlo()
        assert s.esmtp_features.get("size") == "52428800", s.esmtp_features
        assert "starttls" in s.esmtp_features and "auth" not in s.esmtp_features, s.esmtp_features


@check("SMTP 2525: STARTTLS verifies against ca.pem (name localhost and IP)")
def _():
    for host in ("localhost", "127.0.0.1"):
        with smtplib.SMTP(host, SMTP_PORT, timeout=10) as s:
            s.starttls(context=CTX)
            s.ehlo()
            assert set(s.esmtp_features["auth"].split()) >= {"PLAIN", "LOGIN"}, s.esmtp_features
            assert s.esmtp_features.get("size") == "52428800"


@check("SMTP 2525: STARTTLS fails with the system CA store")
def _():
    with smtplib.SMTP("localhost", SMTP_PORT, timeout=10) as s:
        try:
            s.starttls(context=SYSTEM_CTX)
        except ssl.SSLCertVerificationError:
            return
    raise AssertionError("the private cert was trusted by the system CA store")


@check("SMTPS 2465: implicit TLS verifies against ca.pem, SIZE + AUTH offered")
def _():
    for host in ("localhost", "127.0.0.1"):
        with smtplib.SMTP_SSL(host, SMTPS_PORT, context=CTX, timeout=10) as s:
            s.ehlo()
            assert s.esmtp_features.get("size") == "52428800", s.esmtp_features
            assert set(s.esmtp_features["auth"].split()) >= {"PLAIN", "LOGIN"}, s.esmtp_features


@check("SMTPS 2465: implicit TLS fails with the system CA store")
def _():
    try:
        smtplib.SMTP_SSL("localhost", SMTPS_PORT, context=SYSTEM_CTX, timeout=10).quit()
    except ssl.SSLCertVerificationError:
        return
    raise AssertionError("the private cert was trusted by the system CA store")


@check("IMAP 1143 STARTTLS / IMAPS 1993 verify against ca.pem, fail with system CAs")
def _():
    imap_starttls("testuser").logout()
    imaps("testuser").logout()
    c = imaplib.IMAP4("localhost", IMAP_PORT, timeout=10)
    try:
        c.starttls(ssl_context=SYSTEM_CTX)
        raise AssertionError("IMAP STARTTLS trusted by system CAs")
    except ssl.SSLCertVerificationError:
        pass
    try:
        imaplib.IMAP4_SSL("localhost", IMAPS_PORT, ssl_context=SYSTEM_CTX, timeout=10)
        raise AssertionError("IMAPS trusted by system CAs")
    except ssl.SSLCertVerificationError:
        pass


# ---------------------------------------------------------------------------- AUTH
@check("SMTP AUTH: refused before STARTTLS (538), required for MAIL FROM (530)")
def _():
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=10) as s:
        s.ehlo()
        code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0testuser\0" + PW.encode()).decode())
        assert code == 538, code
        code, _ = s.mail("cli@example.com")
        assert code == 530, code
    with smtplib.SMTP("localhost", SMTP_PORT, timeout=10) as s:
        s.starttls(context=CTX)
        s.ehlo()
        code, _ = s.mail("cli@example.com")
        assert code == 530, code
    with smtplib.SMTP_SSL("localhost", SMTPS_PORT, context=CTX, timeout=10) as s:
        s.ehlo()
        code, _ = s.mail("cli@example.com")
        assert code == 530, code


@check("SMTP AUTH PLAIN and LOGIN: any user + testpass ok, wrong password 535 fast")
def _():
    for connect in (lambda: smtplib.SMTP("localhost", SMTP_PORT, timeout=10),
                    lambda: smtplib.SMTP_SSL("localhost", SMTPS_PORT, context=CTX, timeout=10)):
        for mech in ("PLAIN", "LOGIN"):
            for user, pw, want in (("testuser", PW, 235), (fresh_user(), PW, 235),
                                   ("testuser", WRONG_PW, 535)):
                with connect() as s:
                    if isinstance(s, smtplib.SMTP) and not isinstance(s, smtplib.SMTP_SSL):
                        s.starttls(context=CTX)
                    s.ehlo()
                    s.user, s.password = user, pw
                    t = time.time()
                    try:
                        code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower()))
                    except smtplib.SMTPAuthenticationError as e:
                        code = e.smtp_code
                    assert code == want, (mech, user, code)
                    assert time.time() - t < 1.0, "AUTH took %.1f s" % (time.time() - t)


@check("IMAP: wrong password fails fast, the next login is not penalised")
def _():
    c = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
    t = time.time()
    try:
        c.login("testuser", WRONG_PW)
        raise AssertionError("wrong password accepted")
    except imaplib.IMAP4.error as e:
        assert "AUTHENTICATIONFAILED" in str(e), e
    failed = time.time() - t
    t = time.time()
    imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=10).login("testuser", PW)
    ok = time.time() - t
    assert failed < 1.5 and ok < 0.5, "wrong pw %.2f s, next login %.2f s" % (failed, ok)


# ---------------------------------------------------------------------------- delivery
E2E = {}


@check("SMTP 2525 STARTTLS: 300 KB attachment to u1@example.org, spool byte-identical")
def _():
    msg, raw = make_msg("U One <u1@example.org>", "e2e " + uuid.uuid4().hex[:6], BLOB)
    with smtp_starttls("testuser") as s:
        code, resp = send(s, ["u1@example.org"], raw)
    assert code == 250, (code, resp)
    seq = re.search(rb"queued as (\d+)", resp).group(1).decode()
    js = os.path.join(SPOOL, seq + ".json")
    with open(js) as f:
        meta = json.load(f)
    with open(os.path.join(SPOOL, seq + ".eml"), "rb") as f:
        assert f.read() == raw, "spool .eml differs from the bytes sent"
    assert meta["mail_from"] == "cli@example.com" and meta["rcpt_tos"] == ["u1@example.org"], meta
    assert meta["auth_user"] == "testuser" and meta["tls"] is True and meta["size"] == len(raw), meta
    path = meta["maildir"]["u1@example.org"]
    st = os.stat(path)           # synchronous: in the Maildir before the 250 reply
    assert (st.st_uid, st.st_gid) == (65534, 65534), st
    with open(path, "rb") as f:
        assert f.read() == raw.replace(b"\r\n", b"\n")
    E2E.update(msgid=msg["Message-ID"], raw=raw)


@check("IMAP 1143 STARTTLS as u1: message byte-identical, attachment intact")
def _():
    c = imap_starttls("u1")
    body = fetch_by_msgid(c, E2E["msgid"])
    c.logout()
    assert body == E2E["raw"], "IMAP BODY[] differs from the bytes sent"


@check("IMAPS 1993 as u1: message byte-identical")
def _():
    c = imaps("u1")
    body = fetch_by_msgid(c, E2E["msgid"])
    c.logout()
    assert body == E2E["raw"]


@check("SMTPS 2465: delivered, .json says tls/port/auth_user, +unknowntag ignored")
def _():
    u = fresh_user()
    msg, raw = make_msg(u + "@example.net", "smtps")
    with smtp_tls(u) as s:
        code, resp = send(s, [u.upper() + "+sometag@Example.NET"], raw)
    assert code == 250, (code, resp)
    meta = spool_entries(u.upper() + "+sometag@Example.NET")
    assert len(meta) == 1 and meta[0]["tls"] and meta[0]["port"] == SMTPS_PORT, meta
    assert meta[0]["auth_user"] == u, meta
    c = imaps(u)
    assert fetch_by_msgid(c, msg["Message-ID"]) == raw
    c.logout()


# ---------------------------------------------------------------------------- failure tags
@check("+reject: RCPT 550 5.1.1 User unknown (other recipients still delivered)")
def _():
    u, v = fresh_user(), fresh_user()
    _, raw = make_msg(u + "@example.org", "reject")
    with smtp_starttls() as s:
        try:
            s.sendmail("cli@example.com", [u + "+reject@example.org"], raw)
            raise AssertionError("accepted")
        except smtplib.SMTPRecipientsRefused as e:
            assert e.recipients == {u + "+reject@example.org": R_REJECT}, e.recipients
        refused = s.sendmail("cli@example.com", [u + "+reject@example.org", v + "@example.org"], raw)
        assert refused == {u + "+reject@example.org": R_REJECT}, refused
    assert maildir_count(u) == 0 and maildir_count(v) == 1


@check("+closing: RCPT 421 4.3.2 ..., then the server closes the connection")
def _():
    u = fresh_user()
    with smtp_starttls() as s:
        s.mail("cli@example.com")
        assert s.rcpt(u + "+closing@example.org") == R_CLOSING
        s.sock.settimeout(5)
        assert s.sock.recv(10) == b"", "connection still open"
        try:
            s.noop()
            raise AssertionError("NOOP answered after 421")
        except smtplib.SMTPServerDisconnected:
            pass
    with smtp_starttls() as s:    # sendmail() view: SMTPRecipientsRefused with the 421
        try:
            s.sendmail("cli@example.com", [u + "+closing@example.org"], b"Subject: x\r\n\r\nx\r\n")
            raise AssertionError("accepted")
        except smtplib.SMTPRecipientsRefused as e:
            assert e.recipients[u + "+closing@example.org"] == R_CLOSING, e.recipients
    assert maildir_count(u) == 0


@check("+tempfail: every DATA 451 4.3.0 ..., nothing delivered")
def _():
    u = fresh_user()
    _, raw = make_msg(u + "+tempfail@example.org", "tempfail")
    for _ in range(3):
        with smtp_starttls() as s:
            try:
                s.sendmail("cli@example.com", [u + "+tempfail@example.org"], raw)
                raise AssertionError("accepted")
            except smtplib.SMTPDataError as e:
                assert (e.smtp_code, e.smtp_error) == R_TEMPFAIL, e
    assert maildir_count(u) == 0 and spool_entries(u + "+tempfail@example.org") == []


@check("+tempfail2: DATA 451, 451, then 250 (count per address, across connections)")
def _():
    u = fresh_user()
    rcpt = u + "+tempfail2@example.org"
    msg, raw = make_msg(rcpt, "tempfail2")
    with smtp_starttls() as s:
        assert send(s, [rcpt], raw) == R_TEMPFAIL
        assert send(s, [rcpt], raw) == R_TEMPFAIL          # retry in the same session
    other = fresh_user() + "+tempfail2@example.org"        # a different address has its own count
    with smtp_tls() as s:
        assert send(s, [other], raw) == R_TEMPFAIL
        code, resp = send(s, [rcpt], raw)
        assert code == 250, (code, resp)
        assert send(s, [rcpt], raw)[0] == 250
    assert maildir_count(u) == 2 and len(spool_entries(rcpt)) == 2
    c = imap_starttls(u)
    c.select("INBOX")
    typ, d = c.search(None, "HEADER", "Message-ID", msg["Message-ID"])
    assert len(d[0].split()) == 2, d
    c.logout()


@check("+toolarge: DATA 552 5.3.4 ..., session still usable")
def _():
    u = fresh_user()
    _, raw = make_msg(u + "+toolarge@example.org", "toolarge", BLOB)
    with smtp_starttls() as s:
        try:
            s.sendmail("cli@example.com", [u + "+toolarge@example.org"], raw)
            raise AssertionError("accepted")
        except smtplib.SMTPDataError as e:
            assert (e.smtp_code, e.smtp_error) == R_TOOLARGE, e
        assert s.noop()[0] == 250
    assert maildir_count(u) == 0 and spool_entries(u + "+toolarge@example.org") == []


@check("+dropdata: body received, connection dropped without reply (2525 and 2465)")
def _():
    u = fresh_user()
    rcpt = u + "+dropdata@example.org"
    _, raw = make_msg(rcpt, "dropdata", BLOB)
    for connect in (smtp_starttls, smtp_tls):
        with connect() as s:
            t = time.time()
            try:
                s.sendmail("cli@example.com", [rcpt], raw)
                raise AssertionError("accepted")
            except smtplib.SMTPServerDisconnected:
                pass
            assert time.time() - t < 3, "took %.1f s" % (time.time() - t)
    assert maildir_count(u) == 0 and spool_entries(rcpt) == []
    with smtp_starttls() as s:                              # the server itself is fine
        assert s.noop()[0] == 250


# ---------------------------------------------------------------------------- IMAP side
@check("IMAP: fresh user has an empty INBOX + subscribed \\Sent; APPEND into Sent")
def _():
    u = fresh_user()
    c = imap_starttls(u)
    typ, d = c.select("INBOX")
    assert typ == "OK" and int(d[0]) == 0, d
    typ, lst = c.list()
    assert any(b"\\Sent" in l and l.rstrip(b'"').endswith(b"Sent") for l in lst), lst
    typ, lsub = c.lsub()
    assert any(l.rstrip(b'"').endswith(b"Sent") for l in lsub), lsub
    msg, raw = make_msg("someone@example.net", "sent copy")
    typ, d = c.append("Sent", "(\\Seen)", imaplib.Time2Internaldate(time.time()), raw)
    assert typ == "OK" and b"APPENDUID" in d[0], d
    assert fetch_by_msgid(c, msg["Message-ID"], "Sent") == raw
    typ, d = c.fetch("1", "(FLAGS)")
    assert b"\\Seen" in d[0], d
    c.logout()


@check("Maildir drop by root (tmp/ -> new/, dirs 65534) seen over IMAP")
def _():
    u = fresh_user()
    r = EmailMessage()
    r["From"] = "client@example.net"
    r["To"] = u + "@example.org"
    r["Subject"] = "Re: your report"
    r["Message-ID"] = "<reply-%s@example.net>" % uuid.uuid4().hex
    r["In-Reply-To"] = "<orig@example.com>"
    r.set_content("a reply\n")
    drop_into_maildir(u, r)                                 # Maildir did not exist yet
    c = imap_starttls(u)
    c.select("INBOX")
    typ, data = c.search(None, "HEADER", "In-Reply-To", "<orig@example.com>")
    assert len(data[0].split()) == 1, data
    typ, d = c.store(data[0], "+FLAGS", "\\Seen")            # Dovecot can rename root's file
    assert typ == "OK", d
    r2 = EmailMessage()
    r2["Subject"] = "second"
    r2["Message-ID"] = "<second-%s@example.net>" % uuid.uuid4().hex
    r2.set_content("x\n")
    drop_into_maildir(u, r2)                                # while the session is SELECTed
    c.noop()
    typ, d = c.search(None, "ALL")
    assert len(d[0].split()) == 2, d
    c.logout()


@check("UIDVALIDITY change: delete dovecot-uidlist + dovecot.index* (fresh SELECT)")
def _():
    u = fresh_user()
    for i in range(2):
        m = EmailMessage(); m["Subject"] = "m%d" % i; m.set_content("x\n")
        drop_into_maildir(u, m)
    uv1, uids1 = select_uidvalidity(u)
    md = os.path.join(ROOT, u)
    for p in [os.path.join(md, "dovecot-uidlist")] + glob.glob(os.path.join(md, "dovecot.index*")):
        os.unlink(p)
    uv2, uids2 = select_uidvalidity(u)
    assert uv2 != uv1 and len(uids2) == 2, (uv1, uids1, uv2, uids2)


@check("UIDVALIDITY change: doveadm mailbox update --uid-validity N (fresh SELECT)")
def _():
    u = fresh_user()
    m = EmailMessage(); m["Subject"] = "m"; m.set_content("x\n")
    drop_into_maildir(u, m)
    uv1, uids1 = select_uidvalidity(u)
    new = uv1 + 1000
    subprocess.run(["doveadm", "-c", DOVECOT_CONF, "mailbox", "update", "-u", u,
                    "--uid-validity", str(new), "INBOX"], check=True, capture_output=True)
    uv2, uids2 = select_uidvalidity(u)
    assert uv2 == new and uids2 == uids1, (uv1, uids1, uv2, uids2)


# ---------------------------------------------------------------------------- hygiene
@check("no password in $MAILTEST_DIR/log/*")
def _():
    needles = [PW.encode(), WRONG_PW.encode(), base64.b64encode(PW.encode()),
               base64.b64encode(WRONG_PW.encode()), base64.b64encode(b"\0testuser\0" + PW.encode())]
    for p in glob.glob(os.path.join(DIR, "log", "*")):
        with open(p, "rb") as f:
            data = f.read()
        for n in needles:
            assert n not in data, "%s contains %r" % (p, n)


print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
