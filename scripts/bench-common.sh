# Shared by the build benchmarks (sourced, not run): the binaries to compare (the arguments left
# after the caller's own, else a release build of this checkout), a scratch folder removed at exit,
# and `measure`, which times one command with GNU time.
bins=()
for bin in "$@"; do bins+=("$(realpath "$bin")"); done
if [ ${#bins[@]} -eq 0 ]; then
  cargo build --release --quiet
  bins=("$PWD/target/release/consultpack")
fi
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # FILE COMMAND... : appends "wall cpu peak_kb" to FILE
  local file=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || {
    cat "$work/err.txt"; exit 1; }
  read -r wall user sys kb <"$work/time.txt"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" 'BEGIN {print w, u + s, k}' >>"$file"
}
