#!/usr/bin/env bash
# ./demo.sh — one simulated day of huitou, on the embedded defaults.
#
# Installs what is missing, builds, starts a private redis-server on a free
# port in a temporary folder, imports the demo members (demo/members.csv),
# and runs huitou-scheduler, huitou-sms and huitou-wechat as separate
# processes on one simulated clock: the demo day passes in about 30 seconds.
# Then it prints the messages that went out and a summary, and stops
# everything it started. Messages go to outbox files (the outbox provider),
# never to a phone.
#
#   HUITOU_DEMO_DAY=2027-09-15 ./demo.sh     # which day to simulate
#   HUITOU_DEMO_SECONDS=30 ./demo.sh         # how long the simulated day takes
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

day="${HUITOU_DEMO_DAY:-2027-09-15}"
seconds="${HUITOU_DEMO_SECONDS:-30}"

tools/install-deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)" --target huitou huitou-scheduler huitou-sms huitou-wechat
bin="$root/build/bin"

work=$(mktemp -d /tmp/huitou-demo-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free port: one nothing answers on.
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "demo: no free port found" >&2; exit 1; }

redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no \
  --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

export HUITOU_REDIS_URL="redis://127.0.0.1:$port/0"
# ZeroMQ over Unix sockets in the demo folder: no ports to collide with.
common=(--set "endpoints.sms=ipc://$work/sms.ipc" --set "endpoints.wechat=ipc://$work/wechat.ipc"
        --set "endpoints.results=ipc://$work/results.ipc")

echo "== huitou demo: $day, on a private Redis (port $port) in $work"
echo
echo "-- importing demo/members.csv"
"$bin/huitou" "${common[@]}" import demo/members.csv
echo

# One clock for all three processes: $day 00:00 Beijing time, running a whole
# day in $seconds seconds, anchored at the same real instant.
rate=$((86400 / seconds))
anchor=$(date +%s%3N)
export HUITOU_NOW="${day}T00:00:00+08:00" HUITOU_CLOCK_RATE="$rate" HUITOU_CLOCK_ANCHOR="$anchor"
until_time="$(date -d "$day + 1 day" +%F)T00:00:00+08:00"

cd "$work"
"$bin/huitou-sms" "${common[@]}" >"$work/sms.log" 2>&1 &
pids+=($!)
"$bin/huitou-wechat" "${common[@]}" >"$work/wechat.log" 2>&1 &
pids+=($!)
echo "-- running the scheduler and both workers through $day (about $seconds s)"
if ! "$bin/huitou-scheduler" "${common[@]}" --until "$until_time" >"$work/scheduler.log" 2>&1; then
  echo "demo: the scheduler failed:" >&2
  cat "$work/scheduler.log" >&2
  exit 1
fi
grep -E "occasions|expired|error" "$work/scheduler.log" | sed 's/^[^]]*] /   /' || true
for pid in "${pids[@]:1}"; do kill -TERM "$pid"; done
for pid in "${pids[@]:1}"; do wait "$pid" || true; done
pids=("${pids[0]}")
echo

echo "-- messages that went out (outbox provider: $work/outbox/)"
"$bin/huitou" outbox outbox/sms.jsonl outbox/wechat.jsonl || echo "   (none)"
echo
echo "-- summary: jobs per store and state"
unset HUITOU_NOW HUITOU_CLOCK_RATE HUITOU_CLOCK_ANCHOR
"$bin/huitou" "${common[@]}" jobs
sms=$(wc -l <outbox/sms.jsonl 2>/dev/null || echo 0)
wechat=$(wc -l <outbox/wechat.jsonl 2>/dev/null || echo 0)
echo "   $sms SMS and $wechat WeChat messages; members without consent or channel were skipped (see above)"
