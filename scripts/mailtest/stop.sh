#!/usr/bin/env bash
# stop.sh [--no-reap-wait] - stop the mail test servers that start.sh started in MAILTEST_DIR
# (default /tmp/consultpack-mailtest). Only PIDs from that directory's pid files are
# signalled, and only after /proc/PID/cmdline shows they are really ours. Waits until
# they are gone. Never fails when nothing runs. Keeps MAILTEST_DIR (logs) for post-mortem.
set -uo pipefail
DIR=${MAILTEST_DIR:-/tmp/consultpack-mailtest}
[[ $DIR == /* ]] || { echo "[mailtest] MAILTEST_DIR must be absolute" >&2; exit 0; }
DIR=$(realpath -m -- "$DIR")
log() { printf '[mailtest] %s\n' "$*" >&2; }

# running PID: the process exists and is not a zombie. (Daemons are re-parented to
# PID 1, which on this kind of machine reaps zombies only every ~2 s; a zombie holds
# no ports and no files any more, so it counts as stopped.)
running() {
  local st
  [[ $1 =~ ^[0-9]+$ ]] && read -r st 2>/dev/null < "/proc/$1/stat" || return 1
  st=${st##*) }                                  # drop "PID (comm) "
  [[ ${st%% *} != [ZX] ]]
}
# cmdline_has PID STRING...: PID running and its command line contains every STRING
cmdline_has() {
  local pid=$1 cmd; shift
  running "$pid" || return 1
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  for s in "$@"; do [[ $cmd == *"$s"* ]] || return 1; done
}
read_pid() { [ -f "$1" ] && tr -dc '0-9' < "$1"; }

# signal every process of ours first (they shut down in parallel), then wait
pids=()
names=()
try_stop() { # PIDFILE NAME CMDLINE-STRINGS...
  local file=$1 name=$2 pid; shift 2
  pid=$(read_pid "$file") || true
  if [ -n "$pid" ] && cmdline_has "$pid" "$@"; then
    kill -TERM "$pid" 2>/dev/null && { pids+=("$pid"); names+=("$name"); }
  elif [ -n "$pid" ] && running "$pid"; then
    log "pid $pid from $file is not our $name; left alone"
  fi
  rm -f "$file"
}
try_stop "$DIR/run/smtpd.pid" smtpd.py "smtpd.py" "--dir $DIR "
try_stop "$DIR/run/dovecot/master.pid" dovecot "dovecot" "-c $DIR/run/dovecot.conf"

for i in "${!pids[@]}"; do
  pid=${pids[$i]}
  for _ in $(seq 1 200); do                      # up to 10 s
    running "$pid" || break
    sleep 0.05
  done
  if running "$pid"; then
    log "${names[$i]} ($pid) still running after 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
  fi
  log "${names[$i]} ($pid) stopped"
done
# Wait (at most 3 s) until PID 1 has reaped them too, so that `pgrep dovecot` right after
# this script shows nothing. start.sh skips this (--no-reap-wait): ports are free already.
if [ "${1:-}" != --no-reap-wait ]; then
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 60); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
  done
fi
exit 0
