#!/usr/bin/env bash
# ./demo.sh — one simulated day of huitou, on the embedded defaults.
#
# Installs what is missing, builds, starts a private redis-server on a free
# port in a temporary folder, imports the demo members (demo/members.csv) and
# their past visits (demo/visits.csv), and runs huitou-scheduler, huitou-sms
# and huitou-wechat as separate processes on one simulated clock: the demo
# day passes in about 30 seconds. At 08:00 a point-of-sale system reports a
# visit over HTTP, which ends that member's absence (her win-back reminder,
# held back today by the 中秋 greeting's cooldown, will not come); at 14:00 a
# member says yes to SMS at the counter and gets his welcome. The day
# before, 狮城优选 announces new LEGO sets to the members tagged 乐高 (huitou
# announce): 黄志明 gets it beside his 中秋 greeting; 童乐玩具's staff get
# their day's care list (members to phone, not to message). It previews
# the day first (huitou preview), then prints the messages that went out (at
# most one a member, spread over the send window), a summary and the win-back
# stats and the effect report (messaged vs held out), and stops everything it started. Messages go to outbox files (the outbox provider),
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
free_port() {
  for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return; fi
  done
  echo "demo: no free port found" >&2
  exit 1
}
port=$(free_port)
admin_port=$(free_port)

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
        --set "endpoints.results=ipc://$work/results.ipc" --set "endpoints.visits=ipc://$work/visits.ipc"
        --set "admin.listen=127.0.0.1:$admin_port"
        # 狮城优选 allows two messages a day in the demo, so its announcement
        # goes beside the 中秋 greeting (with one a day the greeting keeps the slot).
        --set "stores.sg-online.policy.max_per_day=2"
        # 童乐玩具's staff phone their best customers (the care list, 回访;
        # off by default): docs/policy.md "The staff's care list".
        # Monthly here (3 a year by default), so a day a week on shows calls.
        --set "stores.toyland.care.enabled=true" --set "stores.toyland.care.calls_per_year=12")

# What a POS does (with curl: curl -H 'Content-Type: application/json' -d "$1"
# http://127.0.0.1:$admin_port/api/visits); bash alone here, so the demo needs no curl.
post_visit() {
  local body=$1
  exec 3<>"/dev/tcp/127.0.0.1/$admin_port"
  printf 'POST /api/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$(printf %s "$body" | wc -c)" "$body" >&3
  sed -n '1p;$p' <&3 | tr -d '\r' | awk '{ print "   " $0 }'
  exec 3>&-
}

echo "== huitou demo: $day, on a private Redis (port $port) in $work"
echo
echo "-- importing demo/members.csv"
"$bin/huitou" "${common[@]}" import demo/members.csv
echo "-- importing demo/visits.csv (past visits; each member's cycle is learned from them)"
"$bin/huitou" "${common[@]}" --now "${day}T00:00:00+08:00" import-visits demo/visits.csv
echo "-- the day before, 狮城优选 announces new LEGO sets to the members tagged 乐高 (huitou announce)"
"$bin/huitou" "${common[@]}" --now "$(date -d "$day - 1 day" +%F)T18:00:00+08:00" announce create \
  --store sg-online --tags 乐高 --template new_arrivals --date "$day" --id lego-new --by demo | sed 's/^/   /'
"$bin/huitou" "${common[@]}" --now "$(date -d "$day - 1 day" +%F)T18:00:00+08:00" announce preview \
  --store sg-online --id lego-new | sed 's/^/   /'
echo
echo "-- what $day will send at 童乐玩具, and why the others get nothing (huitou preview: reads only)"
"$bin/huitou" "${common[@]}" --now "${day}T00:00:00+08:00" preview --date "$day" --store toyland | sed 's/^/   /'

# One clock for all three processes: $day 00:00 Beijing time, running a whole
# day in $seconds seconds, anchored at the same real instant (the CLI's
# consent at 14:00 below reads the same clock).
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
"$bin/huitou-scheduler" "${common[@]}" --until "$until_time" >"$work/scheduler.log" 2>&1 &
scheduler=$!
pids+=("$scheduler")
# 08:00 on the simulated clock: 赵敏 (T0008) walks into 童乐玩具; her overdue win-back
# reminder waits behind today's 中秋 greeting (cooldown), and now will not come at all.
sleep "$(awk -v a="$anchor" -v s="$seconds" -v n="$(date +%s%3N)" 'BEGIN { w = (a + s * 8 / 24 * 1000 - n) / 1000; print (w > 0 ? w : 0) }')"
echo "   08:00 the POS reports a visit: POST /api/visits {\"store\":\"toyland\",\"member_id\":\"T0008\"}"
post_visit '{"store":"toyland","member_id":"T0008","amount":"36.00","visit_id":"TOY-0915-01"}' || true
# 14:00: at the counter, 刘洋 (T0007) says yes to SMS once more; he was never welcomed,
# so his welcome goes within minutes (docs/policy.md "Welcome at the counter"), besides
# his 中秋 greeting: a welcome is outside the caps.
sleep "$(awk -v a="$anchor" -v s="$seconds" -v n="$(date +%s%3N)" 'BEGIN { w = (a + s * 14 / 24 * 1000 - n) / 1000; print (w > 0 ? w : 0) }')"
echo "   14:00 at the counter: huitou consent T0007 --store toyland --channel sms --opt-in"
"$bin/huitou" "${common[@]}" consent T0007 --store toyland --channel sms --opt-in \
  --note "staff wang at the counter" | sed -n '1s/^/   /p' || true
if ! wait "$scheduler"; then
  echo "demo: the scheduler failed:" >&2
  cat "$work/scheduler.log" >&2
  exit 1
fi
unset 'pids[-1]'
grep -E "occasions|win-back|expired|error" "$work/scheduler.log" | sed 's/^[^]]*] /   /' || true
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
# The delivery policy, checked on what went out: one message a member a day,
# spread over the window rather than all at its first second. A welcome is
# outside the caps (docs/policy.md), so it is not counted here.
cat outbox/*.jsonl 2>/dev/null | grep -v '"kind":"welcome"' | grep -o '"member_id":"[^"]*"' \
  | sort | uniq -c | sort -rn | head -1 \
  | awk '{ print "   most messages to one member today (besides a welcome): " $1 }' || true
cat outbox/*.jsonl 2>/dev/null | grep -o '"sent_at":"[^"]*"' | cut -d'"' -f4 | cut -c12-16 | sort \
  | awk 'NR == 1 { first = $0 } { last = $0; n[$0]++ } END { if (NR) print "   sent between " first " and " last ", in " length(n) " different minutes" }' || true
echo
echo "-- win-back: members by state (huitou stats)"
HUITOU_NOW="${day}T23:59:00+08:00" "$bin/huitou" "${common[@]}" stats | sed 's/^/   /'
echo
echo "-- value segments at 童乐玩具, computed from the visits that night (huitou segments)"
HUITOU_NOW="${day}T23:59:00+08:00" "$bin/huitou" "${common[@]}" segments --store toyland | sed 's/^/   /'
echo
# Nobody is phoned on a day she gets a message, nor within quiet_days (7)
# after one: on 中秋 the list is empty. A week on, the list the scheduler
# builds that night (built here ahead of time) has them.
next_day=$(date -d "$day + 8 days" +%F)
echo "-- the staff's care list (回访) at 童乐玩具: calls, not messages (huitou care)"
HUITOU_NOW="${day}T23:59:00+08:00" "$bin/huitou" "${common[@]}" care --store toyland --date "$day" \
  | sed 's/^/   /' || true
HUITOU_NOW="${next_day}T00:05:00+08:00" "$bin/huitou" "${common[@]}" care --store toyland \
  --date "$next_day" --build | sed 's/^/   /' || true
echo
echo "-- did it work? messaged vs held out (huitou report; a day is far too little data: docs/effect.md)"
HUITOU_NOW="${day}T23:59:00+08:00" "$bin/huitou" "${common[@]}" report --store toyland --from "$day" --to "$day" | sed 's/^/   /'

# On a terminal, the shop's console on the demo's data until Enter (a demo
# owner account with a fresh password; the scheduler's clock stays at 23:30
# of the demo day, after the send windows, so nothing more is sent). Without
# a terminal (CI, scripts) the demo ends here.
if [ -t 0 ] && [ -t 1 ]; then
  password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$password" | "$bin/huitou" "${common[@]}" user add demo --role owner --all >/dev/null
  HUITOU_NOW="${day}T23:30:00+08:00" "$bin/huitou-scheduler" "${common[@]}" >"$work/console.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$admin_port") 2>/dev/null && break
    sleep 0.1
  done
  echo
  echo "-- the shop's console (docs/console.md): http://127.0.0.1:$admin_port/"
  echo "   user demo, password $password — it shows $day as of 23:30; press Enter to stop"
  read -r _
fi
