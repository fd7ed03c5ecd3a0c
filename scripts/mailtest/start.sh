#!/usr/bin/env bash
# start.sh - install (apt, only what is missing) and start consultpack's real mail test
# servers on 127.0.0.1. Needs root (Debian 12; no systemd needed). See README.md.
#
#   SMTP  smtpd.py (aiosmtpd)  :2525 STARTTLS offered, :2465 implicit TLS; AUTH required
#   IMAP  Dovecot              :1143 STARTTLS offered, :1993 implicit TLS
#   any user name + password "testpass"; mail to <user>[+tag]@<any domain> lands in the
#   Maildir $MAILTEST_DIR/mail/<user>/ that Dovecot serves.
#
# State: MAILTEST_DIR (default /tmp/consultpack-mailtest), wiped and recreated on every
# start (a previous instance there is stopped first). Writes $MAILTEST_DIR/env.sh.
# Stop with stop.sh (same MAILTEST_DIR).
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${MAILTEST_DIR:-/tmp/consultpack-mailtest}
SMTP_PORT=${MAILTEST_SMTP_PORT:-2525}
SMTPS_PORT=${MAILTEST_SMTPS_PORT:-2465}
IMAP_PORT=${MAILTEST_IMAP_PORT:-1143}
IMAPS_PORT=${MAILTEST_IMAPS_PORT:-1993}
PASSWORD=testpass
MARKER=.consultpack-mailtest            # only a directory holding this file is ever wiped

log() { printf '[mailtest] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }
T0=$(now_ms)

# ------------------------------------------------------------------ 0. sanity
[ "$(id -u)" = 0 ] || die "run as root (apt installs, Dovecot, chown to 65534)"
[[ $DIR == /* ]] || die "MAILTEST_DIR must be an absolute path (got '$DIR')"
DIR=$(realpath -m -- "$DIR")
case "$DIR" in
  /|/tmp|/var|/var/tmp|/root|/home|/usr|/usr/*|/etc|/etc/*|/opt|/srv|/work|/bin|/sbin|/lib|/lib64|/boot|/dev|/dev/*|/proc|/proc/*|/sys|/sys/*|/run|"${HOME:-/root}")
    die "refusing MAILTEST_DIR=$DIR";;
esac
[[ $DIR == /*/* ]] || die "refusing MAILTEST_DIR=$DIR (use a directory at least two levels deep)"
if [ -e "$DIR" ] && [ ! -e "$DIR/$MARKER" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  die "$DIR exists, is not empty and was not made by this script; refusing to wipe it"
fi

# ------------------------------------------------------------------ 1. previous instance
if [ -e "$DIR/run/smtpd.pid" ] || [ -e "$DIR/run/dovecot/master.pid" ]; then
  log "stopping the previous instance in $DIR"
  MAILTEST_DIR="$DIR" bash "$HERE/stop.sh" --no-reap-wait
fi
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$SMTP_PORT" "$SMTPS_PORT" "$IMAP_PORT" "$IMAPS_PORT"; do
  port_busy "$p" && die "127.0.0.1:$p is already in use (another mail test instance? see its stop script)"
done

rm -rf "$DIR"
mkdir -p "$DIR"/{certs,mail,spool,log,run/dovecot,run/dovecot-state}
touch "$DIR/$MARKER"
chmod 755 "$DIR" "$DIR/run"

# ------------------------------------------------------------------ 2. packages
need=()
while read -r pkg status; do
  [ "$status" = installed ] || need+=("$pkg")
done < <(for p in dovecot-imapd python3-aiosmtpd openssl; do
           printf '%s %s\n' "$p" "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
         done)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (apt; log in $DIR/log/apt.log)"
  T=$(now_ms)
  export DEBIAN_FRONTEND=noninteractive
  # keep the packages' maintainer scripts from starting a system-wide Dovecot on 143/993
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  rc=0
  { apt-get -o DPkg::Lock::Timeout=600 update &&
    apt-get -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "${need[@]}"
  } </dev/null >"$DIR/log/apt.log" 2>&1 || rc=$?
  [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || { tail -n 20 "$DIR/log/apt.log" >&2; die "apt-get failed"; }
  log "installed in $(( $(now_ms) - T )) ms"
fi

# ------------------------------------------------------------------ 3. TLS: CA + leaf
# A CA (CA:TRUE) signing a CA:FALSE leaf: rustls rejects a self-signed CA:TRUE end-entity.
(
  cd "$DIR/certs"
  EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${EC[@]}" -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=consultpack mailtest throw-away CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -new "${EC[@]}" -keyout server.key -out server.csr -subj "/CN=localhost"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 825 -extfile server.ext -out server.pem
  chmod 600 ca.key server.key
) >"$DIR/log/openssl.log" 2>&1 || { cat "$DIR/log/openssl.log" >&2; die "openssl failed"; }

# ------------------------------------------------------------------ 4. mailboxes
mkdir -p "$DIR/mail/testuser"/{cur,new,tmp}
chown -R 65534:65534 "$DIR/mail"
setpriv --reuid=65534 --regid=65534 --clear-groups test -w "$DIR/mail" ||
  die "user 65534 (nobody) cannot write $DIR/mail: a parent directory of MAILTEST_DIR is not world-searchable"

# ------------------------------------------------------------------ 5. Dovecot
CONF=$DIR/run/dovecot.conf
cat > "$CONF" <<EOF
# consultpack mail test instance (standalone: does not read /etc/dovecot)
instance_name = consultpack-mailtest
base_dir = $DIR/run/dovecot
state_dir = $DIR/run/dovecot-state
protocols = imap
listen = 127.0.0.1
log_path = $DIR/log/dovecot.log
auth_verbose = yes

ssl = yes
ssl_cert = <$DIR/certs/server.pem
ssl_key = <$DIR/certs/server.key
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# any user name, password "$PASSWORD"; "U1@Example.org" logs in as "u1"
auth_username_format = %Ln
passdb {
  driver = static
  args = password=$PASSWORD
}
# Dovecot refuses uid 0 for mail: everything runs as nobody:nogroup (65534)
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$DIR/mail/%n allow_all_users=yes
}
mail_location = maildir:$DIR/mail/%n
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
# fail a wrong password promptly and never penalise the next logins from 127.0.0.1
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol imap {
  mail_max_userip_connections = 200
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
EOF
dovecot -c "$CONF" </dev/null >>"$DIR/log/dovecot.out" 2>&1 ||
  { cat "$DIR/log/dovecot.out" "$DIR/log/dovecot.log" >&2 2>/dev/null; die "dovecot did not start"; }

# ------------------------------------------------------------------ 6. SMTP
setsid /usr/bin/python3 -u "$HERE/smtpd.py" --dir "$DIR" --host 127.0.0.1 \
  --smtp-port "$SMTP_PORT" --smtps-port "$SMTPS_PORT" --password "$PASSWORD" \
  </dev/null >>"$DIR/log/smtpd.log" 2>&1 &
SMTPD_PID=$!

# ------------------------------------------------------------------ 7. wait until every port answers
# SMTP: 220 greeting (through TLS on the SMTPS port); IMAP: greeting + a real LOGIN
# (proves Dovecot's auth works); IMAPS: TLS handshake + greeting. TLS verified with ca.pem.
if ! /usr/bin/python3 - "$DIR" "$SMTPD_PID" "$SMTP_PORT" "$SMTPS_PORT" "$IMAP_PORT" "$IMAPS_PORT" "$PASSWORD" \
     >>"$DIR/log/ready.log" 2>&1 <<'PY'
import os, socket, ssl, sys, time
d, pid, smtp, smtps, imap, imaps, pw = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:7]), sys.argv[7]
ctx = ssl.create_default_context(cafile=os.path.join(d, "certs", "ca.pem"))

def talk(port, tls, send=None, want=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        if tls:
            s = ctx.wrap_socket(s, server_hostname="localhost")
        f = s.makefile("rb")
        line = f.readline()
        if send:
            s.sendall(send)
            line = f.readline()
            while line.startswith(b"*"):
                line = f.readline()
        if not line.startswith(want):
            raise RuntimeError("port %d answered %r" % (port, line))
    finally:
        s.close()

checks = {
    smtp: lambda: talk(smtp, False, want=b"220 "),
    smtps: lambda: talk(smtps, True, want=b"220 "),
    imap: lambda: talk(imap, False, b'a LOGIN testuser "%s"\r\n' % pw.encode(), b"a OK"),
    imaps: lambda: talk(imaps, True, want=b"* OK"),
}
deadline = time.time() + 20
while checks:
    for port, fn in list(checks.items()):
        try:
            fn()
            print("port %d ready after %.2f s" % (port, 20 - (deadline - time.time())))
            del checks[port]
        except Exception as e:
            last = e
    if checks:
        if not os.path.exists("/proc/%d" % pid):
            sys.exit("smtpd.py (pid %d) died" % pid)
        if time.time() > deadline:
            sys.exit("not ready: ports %s (%r)" % (sorted(checks), last))
        time.sleep(0.05)
PY
then
  log "servers did not come up; logs:"
  tail -n 20 "$DIR"/log/ready.log "$DIR"/log/smtpd.log "$DIR"/log/dovecot.log >&2 2>/dev/null || true
  MAILTEST_DIR="$DIR" bash "$HERE/stop.sh" || true
  exit 1
fi

# ------------------------------------------------------------------ 8. env.sh
cat > "$DIR/env.sh" <<EOF
# written by scripts/mailtest/start.sh; source it before running the tests
export MAILTEST_DIR=$DIR
export MAILTEST_CA_CERT=$DIR/certs/ca.pem         # CA that signed the cert for localhost + 127.0.0.1
export MAILTEST_SMTP_PORT=$SMTP_PORT                      # SMTP, STARTTLS offered, AUTH only after STARTTLS
export MAILTEST_SMTPS_PORT=$SMTPS_PORT                     # SMTP, implicit TLS
export MAILTEST_IMAP_PORT=$IMAP_PORT                      # IMAP, STARTTLS offered (plain LOGIN allowed too)
export MAILTEST_IMAPS_PORT=$IMAPS_PORT                     # IMAP, implicit TLS
export MAILTEST_MAILDIR_ROOT=$DIR/mail            # <root>/<user>/{cur,new,tmp}, owned by 65534:65534
export MAILTEST_SPOOL=$DIR/spool                  # NNNNNN.eml (bytes received) + NNNNNN.json (envelope)
export MAILTEST_DOVECOT_CONF=$DIR/run/dovecot.conf # for doveadm -c (e.g. to change UIDVALIDITY)
export MAILTEST_USER=testuser                             # any other user name works too
export MAILTEST_PASSWORD=$PASSWORD                            # the password of every user
EOF

cat <<EOF
consultpack mail test servers ready in $(( $(now_ms) - T0 )) ms (state: $DIR)
  SMTP   127.0.0.1:$SMTP_PORT   STARTTLS offered, AUTH PLAIN/LOGIN after STARTTLS, required
  SMTPS  127.0.0.1:$SMTPS_PORT   implicit TLS, AUTH PLAIN/LOGIN required
  IMAP   127.0.0.1:$IMAP_PORT   STARTTLS offered (plain LOGIN allowed)
  IMAPS  127.0.0.1:$IMAPS_PORT   implicit TLS
  users: any name (e.g. testuser), password $PASSWORD; CA: $DIR/certs/ca.pem
  source $DIR/env.sh; stop with: MAILTEST_DIR=$DIR bash $HERE/stop.sh
EOF
