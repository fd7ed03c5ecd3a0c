#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (poppler-utils for
# checking PDFs, qpdf for outlines, unzip and 7-Zip for bundles), starts real SMTP and IMAP
# servers on 127.0.0.1 (scripts/mailtest/: aiosmtpd and Dovecot, installed with apt if missing),
# runs `cargo test`, and stops the servers again, whether the tests pass or not. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v qpdf >/dev/null || need+=(qpdf)
command -v unzip >/dev/null || need+=(unzip)
command -v 7z >/dev/null || need+=(p7zip-full)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

export MAILTEST_DIR=${MAILTEST_DIR:-/tmp/consultpack-mailtest}
trap 'bash scripts/mailtest/stop.sh >/dev/null 2>&1 || true' EXIT
bash scripts/mailtest/start.sh </dev/null
# shellcheck disable=SC1091
source "$MAILTEST_DIR/env.sh"

cargo test --locked "$@"
