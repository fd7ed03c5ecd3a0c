#!/usr/bin/python3
"""consultpack's SMTP test server (aiosmtpd), started by start.sh.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd is installed for it, not for a
pyenv python3 on PATH). Listens on 127.0.0.1 only:

  --smtp-port  (2525): plain SMTP, STARTTLS offered; AUTH only after STARTTLS
  --smtps-port (2465): implicit TLS (SMTPS)
  AUTH PLAIN / LOGIN is required before MAIL FROM. Any user name is accepted with
  the password --password (testpass). EHLO advertises SIZE 52428800.

Every accepted message is delivered synchronously (before the 250 reply):
  * DIR/spool/NNNNNN.eml  exact bytes received (after dot-unstuffing, CRLF line ends),
    then DIR/spool/NNNNNN.json (envelope); the .json is always written after the .eml.
  * DIR/mail/<local part before '+', lower-cased>/new/<unique>  (Maildir served by
    Dovecot; same bytes with LF line ends; files and new directories owned by 65534).

A tag in a recipient's local part (user+TAG@any.domain) simulates failures:
  +reject      RCPT TO -> 550 5.1.1 User unknown
  +closing     RCPT TO -> 421 4.3.2 Service shutting down, closing transmission channel,
               then the server closes the connection
  +tempfail    end of DATA -> 451 4.3.0 Temporary local problem, try again later (always)
  +tempfailN   (N = 0-9) the first N DATA attempts for that exact address get the 451,
               later ones are delivered (counted in memory, per address, case-insensitive)
  +toolarge    end of DATA -> 552 5.3.4 Message size exceeds fixed maximum message size
  +dropdata    after the whole body (up to the final ".") was received the connection is
               dropped without any reply (no TLS close_notify, as if the process died)
When several recipients of one message carry DATA tags, the first that applies wins in
the order dropdata, toolarge, tempfail, tempfailN. Failed messages are not delivered
and not spooled (only logged). Unknown tags are ignored (normal delivery).

Logs go to stderr (start.sh sends them to DIR/log/smtpd.log). Passwords are never logged.
"""
import argparse
import asyncio
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # aiosmtpd 1.4 deprecation / "AUTH without TLS" warnings
# aiosmtpd logs every command line at INFO (AUTH masked, but AUTH LOGIN continuation
# lines only at DEBUG); keep it quiet, we log what matters ourselves.
logging.getLogger("mail.log").setLevel(logging.ERROR)

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword  # noqa: E402

MAX_SIZE = 52428800
MAIL_UID = MAIL_GID = 65534  # nobody:nogroup; Dovecot refuses to run mail processes as root

R_TEMPFAIL = "451 4.3.0 Temporary local problem, try again later"
R_CLOSING = "421 4.3.2 Service shutting down, closing transmission channel"
R_TOOLARGE = "552 5.3.4 Message size exceeds fixed maximum message size"
R_REJECT = "550 5.1.1 User unknown"
R_BADADDR = "553 5.1.3 Bad recipient address syntax"

LOCAL_RE = re.compile(r"^[a-z0-9_-][a-z0-9._-]*$")
TEMPFAIL_N_RE = re.compile(r"^tempfail([0-9])$")

log = logging.getLogger("smtpd")


def split_rcpt(address):
    """'U1+TempFail2@Example.org' -> ('u1', 'tempfail2'); tag '' if none."""
    local = address.rsplit("@", 1)[0].lower()
    user, _, tag = local.partition("+")
    return user, tag


class Authenticator:
    def __init__(self, password):
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        ok = bool(user) and auth_data.password == self.password
        log.info("AUTH %s user=%r %s port=%s", mechanism, user, "ok" if ok else "FAILED",
                 server.listen_port)
        if ok:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)


class Handler:
    def __init__(self, state_dir):
        self.spool = os.path.join(state_dir, "spool")
        self.maildir_root = os.path.join(state_dir, "mail")
        os.makedirs(self.spool, exist_ok=True)
        existing = [int(n.split(".")[0]) for n in os.listdir(self.spool)
                    if n.split(".")[0].isdigit()]
        self.seq = max(existing, default=0)
        self.deliveries = 0
        self.tempfail_counts = {}  # lower-cased address -> DATA attempts seen
        self.host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "localhost"

    # ---------------------------------------------------------------- RCPT
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        user, tag = split_rcpt(address)
        if not LOCAL_RE.match(user):
            log.info("RCPT %s -> %s", address, R_BADADDR)
            return R_BADADDR
        if tag == "reject":
            log.info("RCPT %s -> %s", address, R_REJECT)
            return R_REJECT
        if tag == "closing":
            log.info("RCPT %s -> %s (closing connection)", address, R_CLOSING)
            await server.push(R_CLOSING)
            await self._hang_up(server, abort=False)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def _hang_up(self, server, abort):
        """Close (FIN after flushing) or abort (no reply, no TLS close_notify) the
        connection, then end aiosmtpd's session task the way its QUIT does."""
        if server.transport is not None:
            if abort:
                server.transport.abort()
            else:
                server.transport.close()
        server._handler_coroutine.cancel()
        await asyncio.sleep(0)  # raises CancelledError here; aiosmtpd cleans up
        raise asyncio.CancelledError()

    # ---------------------------------------------------------------- DATA
    def _data_failure(self, rcpt_tos):
        tags = [(a.lower(), split_rcpt(a)[1]) for a in rcpt_tos]
        # count this DATA attempt for every +tempfailN address in it
        pending = False
        for addr, tag in tags:
            m = TEMPFAIL_N_RE.match(tag)
            if m:
                n = self.tempfail_counts.get(addr, 0) + 1
                self.tempfail_counts[addr] = n
                if n <= int(m.group(1)):
                    pending = True
        names = {t for _, t in tags}
        if "dropdata" in names:
            return "dropdata"
        if "toolarge" in names:
            return R_TOOLARGE
        if "tempfail" in names or pending:
            return R_TEMPFAIL
        return None

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        failure = self._data_failure(envelope.rcpt_tos)
        desc = "from=<%s> to=%s size=%d" % (envelope.mail_from, ",".join(envelope.rcpt_tos), len(raw))
        if failure == "dropdata":
            log.info("DATA %s -> dropping the connection without a reply", desc)
            await self._hang_up(server, abort=True)
        if failure:
            log.info("DATA %s -> %s", desc, failure)
            return failure

        self.seq += 1
        seq = "%06d" % self.seq
        eml = os.path.join(self.spool, seq + ".eml")
        with open(eml + ".tmp", "wb") as f:
            f.write(raw)
        os.rename(eml + ".tmp", eml)

        lf = raw.replace(b"\r\n", b"\n")
        delivered, users = {}, set()
        for rcpt in envelope.rcpt_tos:
            user = split_rcpt(rcpt)[0]
            if user not in users:  # one copy per mailbox
                users.add(user)
                delivered[rcpt] = self._maildir_deliver(user, lf)

        tls_obj = server.transport.get_extra_info("ssl_object") if server.transport else None
        meta = {
            "seq": seq,
            "eml": eml,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data if isinstance(session.auth_data, str) else None,
            "tls": tls_obj is not None,
            "tls_version": tls_obj.version() if tls_obj is not None else None,
            "port": server.listen_port,
            "helo": session.host_name,
            "size": len(raw),
            "maildir": delivered,
            "received_at": time.time(),
        }
        js = os.path.join(self.spool, seq + ".json")
        with open(js + ".tmp", "w") as f:
            json.dump(meta, f, indent=1)
        os.rename(js + ".tmp", js)
        log.info("DATA %s tls=%s auth=%s -> 250 queued as %s", desc, meta["tls"], meta["auth_user"], seq)
        return "250 2.0.0 OK queued as %s" % seq

    def _maildir_deliver(self, user, data):
        md = os.path.join(self.maildir_root, user)
        for sub in ("", "cur", "new", "tmp"):
            p = os.path.join(md, sub)
            try:
                os.mkdir(p, 0o700)
                os.chown(p, MAIL_UID, MAIL_GID)
            except FileExistsError:
                pass  # created earlier by us or by Dovecot
        self.deliveries += 1
        now = time.time()
        name = "%d.M%dP%dQ%d.%s" % (int(now), int(now % 1 * 1e6), os.getpid(),
                                   self.deliveries, self.host)
        tmp = os.path.join(md, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)
        os.chown(tmp, MAIL_UID, MAIL_GID)
        new = os.path.join(md, "new", name)
        os.rename(tmp, new)
        return new


class MailtestSMTP(SMTP):
    def __init__(self, *args, listen_port, **kwargs):
        super().__init__(*args, **kwargs)
        self.listen_port = listen_port


async def serve(a):
    state = a.dir
    handler = Handler(state)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(state, "certs", "server.pem"),
                        os.path.join(state, "certs", "server.key"))
    common = dict(
        hostname="localhost",             # never socket.getfqdn() (slow without DNS)
        ident="consultpack-mailtest ESMTP",
        authenticator=Authenticator(a.password),
        auth_required=True,               # MAIL FROM needs AUTH first
        data_size_limit=MAX_SIZE,         # EHLO: SIZE 52428800
        decode_data=False,
        timeout=120,
    )
    loop = asyncio.get_running_loop()
    servers = [
        # STARTTLS port: AUTH only after STARTTLS (aiosmtpd's auth_require_tls)
        await loop.create_server(
            lambda: MailtestSMTP(handler, tls_context=ctx, auth_require_tls=True,
                                 listen_port=a.smtp_port, **common),
            host=a.host, port=a.smtp_port, reuse_address=True),
        # implicit TLS: the whole session is TLS. aiosmtpd only knows about STARTTLS,
        # so auth_require_tls must be False here or it would refuse AUTH.
        await loop.create_server(
            lambda: MailtestSMTP(handler, auth_require_tls=False,
                                 listen_port=a.smtps_port, **common),
            host=a.host, port=a.smtps_port, ssl=ctx, reuse_address=True),
    ]
    with open(os.path.join(state, "run", "smtpd.pid.tmp"), "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(os.path.join(state, "run", "smtpd.pid.tmp"), os.path.join(state, "run", "smtpd.pid"))
    log.info("listening on %s:%d (STARTTLS) and %s:%d (implicit TLS), pid %d",
             a.host, a.smtp_port, a.host, a.smtps_port, os.getpid())

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    for s in servers:
        s.close()
    try:
        os.unlink(os.path.join(state, "run", "smtpd.pid"))
    except FileNotFoundError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="MAILTEST_DIR (certs/, spool/, mail/, run/)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--smtp-port", type=int, default=2525)
    ap.add_argument("--smtps-port", type=int, default=2465)
    ap.add_argument("--password", default="testpass", help="password accepted for every user")
    a = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s smtpd %(levelname)s %(message)s")
    asyncio.run(serve(a))


if __name__ == "__main__":
    main()
