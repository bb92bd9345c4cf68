#!/usr/bin/env bash
# bench/listpack.sh — what Redis's hash-max-listpack-entries does to a
# store's memory, import and planning (BENCHMARKS section 16).
#
#   bench/listpack.sh [--members N] [--bin DIR] [--repeat R] ENTRIES...
#
# For each ENTRIES value ("default" for the server's own, 512 in Redis 7.0),
# R times, alternating: a private redis-server (persistence off) started with
# --hash-max-listpack-entries ENTRIES, `huitou import` of N members in 4
# stores (bench_gen_members --seed 1, generated once), the used_memory it
# grew by a member, then `bench_plan --layout sheets` of 中秋 (2027-09-15).
# A big store's per-day index hashes (bd:<MM-DD>, exp:<date>, cbd:, ...) hold
# ~570 members at 1,000,000 members: past 512 entries Redis turns a hash
# from a listpack (~12 bytes an entry) into a hashtable (~50).
# DIR holds the programs (default build/bin; times depend on the build, bytes
# do not).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
members=1000000 bin=build/bin repeat=1 values=()
while [ $# -gt 0 ]; do
  case "$1" in
    --members) members=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    -*) echo "usage: bench/listpack.sh [--members N] [--bin DIR] [--repeat R] ENTRIES..." >&2; exit 2 ;;
    *) values+=("$1"); shift ;;
  esac
done
[ ${#values[@]} -gt 0 ] || values=(default 2048)
work=$(mktemp -d /tmp/huitou-listpack-XXXXXX)
port=""
cleanup() {
  [ -n "$port" ] && redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/bench_gen_members" --members "$members" --stores 4 --seed 1 --today 2027-09-15 \
  --out "$work/members.csv" >/dev/null
echo "bench/listpack.sh: $members members in 4 stores, programs in $bin, commit $(git rev-parse --short HEAD)"
echo "machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$repeat"); do
  for v in "${values[@]}"; do
    port=$(free_port)
    mkdir -p "$work/$port"
    extra=()
    [ "$v" != default ] && extra=(--hash-max-listpack-entries "$v")
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/$port" \
      --daemonize yes --logfile "$work/$port/redis.log" "${extra[@]}"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    url="redis://127.0.0.1:$port/0"
    { bench_config "$url" festivals; bench_four_stores; } >"$work/bench.toml"
    entries=$(redis-cli -p "$port" config get hash-max-listpack-entries | tail -1)
    before=$(redis-cli -p "$port" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
    t0=$(date +%s.%N)
    "$bin/huitou" --config "$work/bench.toml" --log-level warn import "$work/members.csv" >/dev/null
    t1=$(date +%s.%N)
    after=$(redis-cli -p "$port" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
    plan=$("$bin/bench_plan" --config "$work/bench.toml" --redis "$url" --day 2027-09-15 --repeat 1 \
      --layout sheets | sed -n 's/.*members read (\([0-9]*\)\/s).*/\1/p')
    awk -v r="$run" -v e="$entries" -v a="$t0" -v b="$t1" -v n="$members" -v m=$((after - before)) -v p="$plan" \
      'BEGIN { printf "run %d, hash-max-listpack-entries %s: import %.0f members/s, %.0f bytes a member; planning 中秋 %s members/s\n",
               r, e, n / (b - a), m / n, p }'
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    port=""
  done
done
