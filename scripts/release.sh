#!/usr/bin/env bash
# The archives a family downloads, one per target, in dist/:
#
#   consultpack-x86_64-pc-windows-gnu.zip        consultpack.exe
#   consultpack-x86_64-unknown-linux-gnu.tar.xz  consultpack
#   consultpack-aarch64-apple-darwin.tar.xz      consultpack (built on a Mac)
#   consultpack-x86_64-apple-darwin.tar.xz       consultpack (built on a Mac)
#
# each holding, in a folder of the archive's name: the program, README.md (English),
# README.zh-CN.md (Chinese), consultpack.1 (the manual page) and completions/ (bash, zsh, fish,
# PowerShell, elvish), plus SHA256SUMS of the archives.
#
#   scripts/release.sh                  the targets this machine can build: on Linux the Linux
#                                       and Windows (mingw-w64) ones, on a Mac both Mac ones
#   scripts/release.sh TARGET…          those targets
#   PROFILE=dev scripts/release.sh …    a quick check of the packaging with a debug build
#
# Windows from Linux needs what scripts/windows-smoke.sh installs (gcc-mingw-w64-x86-64 and the
# Rust target); the Mac targets need a Mac (the `ring` crate compiles C with Apple's SDK).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=${PROFILE:-release}
DIST=$ROOT/dist

if [ $# -gt 0 ]; then
  targets=("$@")
elif [ "$(uname -s)" = Darwin ]; then
  targets=(aarch64-apple-darwin x86_64-apple-darwin)
else
  targets=(x86_64-unknown-linux-gnu x86_64-pc-windows-gnu)
fi

profile_dir() { [ "$PROFILE" = dev ] && echo debug || echo "$PROFILE"; }

# The manual page and completions come from a build that runs here (they are the same text on
# every system).
cargo build --locked --profile "$PROFILE" --bin consultpack
HOST_BIN=$ROOT/target/$(profile_dir)/consultpack

mkdir -p "$DIST"
for target in "${targets[@]}"; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  cargo build --locked --profile "$PROFILE" --target "$target" --bin consultpack
  exe=consultpack
  [[ $target == *windows* ]] && exe=consultpack.exe
  name=consultpack-$target
  stage=$DIST/$name
  rm -rf "$stage"
  mkdir -p "$stage/completions"
  cp "target/$target/$(profile_dir)/$exe" "$stage/"
  cp README.md README.zh-CN.md "$stage/"
  "$HOST_BIN" --ui en man >"$stage/consultpack.1"
  "$HOST_BIN" --ui en completions bash >"$stage/completions/consultpack.bash"
  "$HOST_BIN" --ui en completions zsh >"$stage/completions/_consultpack"
  "$HOST_BIN" --ui en completions fish >"$stage/completions/consultpack.fish"
  "$HOST_BIN" --ui en completions powershell >"$stage/completions/consultpack.ps1"
  "$HOST_BIN" --ui en completions elvish >"$stage/completions/consultpack.elv"
  rm -f "$DIST/$name.zip" "$DIST/$name.tar.xz"
  if [[ $target == *windows* ]]; then
    # A zip, which Windows opens without other programs; written by Python's zipfile so that no
    # zip program is needed here either.
    (cd "$DIST" && python3 -c 'import os, sys, zipfile
name = sys.argv[1]
with zipfile.ZipFile(name + ".zip", "w", zipfile.ZIP_DEFLATED) as z:
    for folder, _, files in os.walk(name):
        for f in sorted(files):
            z.write(os.path.join(folder, f))' "$name")
  else
    tar -C "$DIST" -cJf "$DIST/$name.tar.xz" "$name"
  fi
  rm -rf "$stage"
done
# Every archive in dist/ (those made here and any copied in from a Mac), or a clear failure: an
# empty SHA256SUMS would tell the family nothing could be checked.
(
  cd "$DIST"
  shopt -s nullglob
  archives=(consultpack-*.zip consultpack-*.tar.xz)
  if [ ${#archives[@]} -eq 0 ]; then
    echo "release.sh: no archive in $DIST to list in SHA256SUMS" >&2
    exit 1
  fi
  sha256sum "${archives[@]}" >SHA256SUMS
)
ls -l "$DIST"
