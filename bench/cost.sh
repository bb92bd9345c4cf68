#!/bin/bash
# bench/cost.sh — where one dispatched job's or one imported member's time
# goes: CPU seconds of each process divided by the jobs (members), and the
# Redis commands and their server time from INFO commandstats; with --slowlog,
# every command's time from SLOWLOG (threshold 0) summed by script and key
# family (bench/slowlog_costs.py). CPU time, unlike a rate, hardly moves when
# another process shares the cores, so these numbers can be taken on a busy
# machine; the rates they print cannot.
#
#   bench/cost.sh dispatch [--layout hashes|sheets] [--jobs N] [--workers N] [--bin DIR] [--slowlog]
#   bench/cost.sh import [--members N] [--bin DIR] [--slowlog]
#
# DIR holds the Release programs (default build-bench/bin, as bench/run.sh
# builds them). Each run starts its own redis-server (persistence off) on a
# free port and removes it after.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
what=${1:?dispatch or import}; shift
bin=build-bench/bin layout=sheets jobs=100000 workers=2 members=200000 slowlog=0
while [ $# -gt 0 ]; do
  case $1 in
    --layout) layout=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --slowlog) slowlog=1; shift ;;
    *) echo "bench/cost.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/huitou-cost-XXXXXX)
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize yes --logfile "$work/redis.log"
rcli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 50); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rcli shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
redis_pid=$(rcli info server | tr -d '\r' | sed -n 's/^process_id://p')
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system, in clock ticks
tick=$(getconf CLK_TCK)
url="redis://127.0.0.1:$port"
{ bench_config "$url"; bench_four_stores; } >"$work/bench.toml"
start_slowlog() {
  [ "$slowlog" = 1 ] || return 0
  rcli config set slowlog-log-slower-than 0 >/dev/null
  rcli config set slowlog-max-len 10000000 >/dev/null
}
commandstats() {  # $1: the count to divide by, $2: its name
  rcli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_//p' |
    awk -F'[:=,]' -v n="$1" -v per="$2" '$3 / n >= 0.01 {
      printf "  %-14s %6.2f calls a %s, %7.2f µs a %s\n", $1, $3 / n, per, $5 / n, per }' |
    sort -t, -k2 -nr
}

if [ "$what" = dispatch ]; then
  # The jobs' members, with SMS consent (as bench/run.sh writes them).
  awk -v n="$jobs" 'BEGIN { for (i = 0; i < n; i++)
    printf "HSET hu:{bench1}:m:D%d name bench phone +86138%d sms_optin 1 wechat_optin 0\r\n",
      1000000 + i, 10000000 + i }' | rcli --pipe >/dev/null
  for _ in $(seq "$workers"); do
    "$bin/huitou-sms" --config "$work/bench.toml" --log-level warn & pids+=($!)
  done
  rcli config resetstat >/dev/null
  start_slowlog
  r0=$(cpu_ticks "$redis_pid"); w0=0
  for p in "${pids[@]}"; do w0=$((w0 + $(cpu_ticks "$p"))); done
  /usr/bin/time -f "%U %S" -o "$work/scheduler.time" "$bin/bench_dispatch" \
    --config "$work/bench.toml" --redis "$url" --jobs "$jobs" --layout "$layout" | grep -v '^Redis commands'
  r1=$(cpu_ticks "$redis_pid"); w1=0
  for p in "${pids[@]}"; do w1=$((w1 + $(cpu_ticks "$p"))); done
  read -r su ss <"$work/scheduler.time"
  awk -v n="$jobs" -v r=$((r1 - r0)) -v w=$((w1 - w0)) -v t="$tick" -v su="$su" -v ss="$ss" 'BEGIN {
    printf "CPU a job: redis-server %.0f µs, %d workers %.0f µs, scheduler (bench_dispatch, job creation included) %.0f µs\n",
      r / t / n * 1e6, '"$workers"', w / t / n * 1e6, (su + ss) / n * 1e6 }'
  echo "Redis commands (INFO commandstats; a script's own commands counted too):"
  commandstats "$jobs" job
  if [ "$slowlog" = 1 ]; then python3 bench/slowlog_costs.py "$port" "$jobs" job; fi
elif [ "$what" = import ]; then
  "$bin/bench_gen_members" --members "$members" --stores 4 --seed 1 --today 2027-09-15 \
    --out "$work/members.csv" --visits "$work/visits.csv" --visit-share 0.3 >/dev/null
  rcli config resetstat >/dev/null
  start_slowlog
  before=$(rcli info memory | tr -d '\r' | sed -n 's/^used_memory://p')
  r0=$(cpu_ticks "$redis_pid")
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/client.time" "$bin/huitou" --config "$work/bench.toml" \
    --log-level warn import "$work/members.csv"
  t1=$(date +%s.%N)
  r1=$(cpu_ticks "$redis_pid")
  after=$(rcli info memory | tr -d '\r' | sed -n 's/^used_memory://p')
  read -r cu cs <"$work/client.time"
  awk -v n="$members" -v a="$t0" -v b="$t1" -v r=$((r1 - r0)) -v t="$tick" -v cu="$cu" -v cs="$cs" \
    -v m=$((after - before)) -v keys="$(rcli dbsize)" -v slow="$slowlog" 'BEGIN {
    printf "%.2f s, %.0f members/s; CPU a member: redis-server %.1f µs, huitou import %.1f µs; ",
      b - a, n / (b - a), r / t / n * 1e6, (cu + cs) / n * 1e6
    # The slow log itself takes memory: no bytes a member with it.
    if (slow == 1) printf "%d keys\n", keys; else printf "%.0f bytes a member, %d keys\n", m / n, keys }'
  echo "Redis commands (INFO commandstats):"
  commandstats "$members" member
  if [ "$slowlog" = 1 ]; then python3 bench/slowlog_costs.py "$port" "$members" member; fi
else
  echo "bench/cost.sh: dispatch or import, not $what" >&2; exit 2
fi
