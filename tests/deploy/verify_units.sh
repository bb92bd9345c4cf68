#!/usr/bin/env bash
# Checks deploy/systemd/*.service with `systemd-analyze verify`, with the
# ExecStart paths pointed at the freshly built binaries. Any complaint fails.
# Usage: verify_units.sh <source dir> <bin dir>
set -euo pipefail
src=$1 bin=$2
# A missing systemd-analyze fails: ./test.sh installs it (tools/install-deps.sh test).
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is not installed (package systemd; tools/install-deps.sh test installs it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
units=()
for unit in "$src"/deploy/systemd/*.service; do
  name=$(basename "$unit")
  sed "s|/usr/local/bin/|$bin/|" "$unit" >"$work/$name"
  # A template unit is verified through an instance of it.
  if [[ $name == *@.service ]]; then mv "$work/$name" "$work/${name/@/@1}"; name=${name/@/@1}; fi
  units+=("$work/$name")
done
out=$(systemd-analyze verify "${units[@]}" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "verified: ${units[*]##*/}"
