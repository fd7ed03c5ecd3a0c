#!/usr/bin/env bash
# The macOS code paths, type-checked and linted on this Linux machine (CI runs it from .ci/run):
#
#   cargo clippy --target x86_64-apple-darwin  --all-targets -- -D warnings
#   cargo clippy --target aarch64-apple-darwin --all-targets -- -D warnings
#
# This compiles consultpack's own code (every `#[cfg(target_os = "macos")]` / `#[cfg(unix)]`
# path, the tests included) against the `libc` crate's macOS bindings, and every dependency.
# Nothing is linked or run: that needs a Mac.
#
# The one C dependency, `ring` (TLS), compiles C and assembly for the target. Without Apple's SDK
# this uses clang (installed here if missing) with `--target=<triple> -ffreestanding
# -nostdlibinc` and four stand-in headers written to target/macos-check-include/: ring's C needs
# only memcpy/memset declarations and TARGET_OS_OSX from the SDK; clang brings stdint.h, stddef.h
# and the rest. The objects are checked by the compiler, never linked into a program.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
step() { printf '[macos-check %3ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }

if ! command -v clang >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  step "installing clang"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends clang >/dev/null
fi

INC=$PWD/target/macos-check-include
mkdir -p "$INC"
write() { [ -f "$INC/$1" ] && [ "$(cat "$INC/$1")" = "$2" ] || printf '%s\n' "$2" >"$INC/$1"; }
write TargetConditionals.h '#pragma once
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0'
write string.h '#pragma once
#include <stddef.h>
void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);'
write stdlib.h '#pragma once
#include <stddef.h>
void abort(void);'
write assert.h '#pragma once
#define assert(x) ((void)0)'

# The targets to check: the arguments, else both kinds of Mac. CI checks one (our `cfg`s differ by
# system, not by architecture; the second costs about 6 minutes cold).
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-apple-darwin x86_64-apple-darwin)
for target in "${targets[@]}"; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  var=${target//-/_}
  step "clippy --target $target --all-targets"
  env "CC_$var=clang" \
    "CFLAGS_$var=--target=$target -ffreestanding -nostdlibinc -isystem $INC" \
    cargo clippy --locked --target "$target" --all-targets -- -D warnings
done
step "done"
