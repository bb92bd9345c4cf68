#!/usr/bin/env bash
# Checks deploy/systemd/*.service with `systemd-analyze verify`, with the
# ExecStart paths pointed at the freshly built binaries. Any complaint fails.
# Usage: verify_units.sh <source dir> <bin dir>
set -euo pipefail
src=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed; skipping"; exit 0; }
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
