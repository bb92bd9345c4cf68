#!/usr/bin/env bash
# Runs deploy/redis/redis.conf for real: a redis-server started from it (on a
# free port in a temporary folder, the password filled in) must keep an AOF,
# refuse the default user and huitou's user the dangerous commands, and still
# let huitou import members, plan a day and deliver it with that ACL user.
# Usage: redis_conf_test.sh <source dir> <bin dir>
set -euo pipefail
src=$1 bin=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "== $f"; tail -20 "$f"; done >&2; exit 1; }

. "$(dirname "$0")/free_port.sh"
port=$(free_port)
password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
sed -e "s/CHANGE-ME/$password/" "$src/deploy/redis/redis.conf" >"$work/redis.conf"
redis-server "$work/redis.conf" --port "$port" --dir "$work" --supervised no \
  --logfile "$work/redis.log" &
pids+=($!)
cli=(redis-cli --no-auth-warning -p "$port")
for _ in $(seq 1 100); do
  [ "$("${cli[@]}" --user huitou --pass "$password" ping 2>/dev/null)" = PONG ] && break
  sleep 0.1
done
[ "$("${cli[@]}" --user huitou --pass "$password" ping)" = PONG ] || fail "redis-server did not start"

# The default user is off; huitou's user may not flush or reconfigure.
"${cli[@]}" ping 2>&1 | grep -q "NOAUTH\|WRONGPASS\|NOPERM\|disabled" || fail "the default user is not off"
"${cli[@]}" --user huitou --pass "$password" flushall 2>&1 | grep -q NOPERM || fail "FLUSHALL allowed"
"${cli[@]}" --user huitou --pass "$password" config get maxmemory 2>&1 | grep -q NOPERM || fail "CONFIG allowed"
"${cli[@]}" --user huitou --pass "$password" set other:key 1 2>&1 | grep -q NOPERM \
  || fail "a key outside hu:* allowed"
[ -d "$work/appendonlydir" ] || fail "no AOF directory: appendonly is not on"

# The whole path with the ACL user: import, plan, dispatch, results.
export HUITOU_REDIS_URL="redis://huitou:$password@127.0.0.1:$port/0"
common=(--set "endpoints.sms=ipc://$work/sms.ipc" --set "endpoints.wechat=ipc://$work/wechat.ipc"
        --set "endpoints.results=ipc://$work/results.ipc" --set "endpoints.visits=ipc://$work/visits.ipc"
        --set "admin.listen=")
cd "$work"
"$bin/huitou" "${common[@]}" import "$src/demo/members.csv" >"$work/import.log" 2>&1 || fail "import"
# Plan the day before its window opens, then send everything due by 20:00
# (the policy spreads the day's messages over the window; the workers check
# the window too, so they share the scheduler's clock).
"$bin/huitou-scheduler" "${common[@]}" --once --now 2027-09-15T08:00:00+08:00 \
  >"$work/scheduler.log" 2>&1 || fail "scheduler --once (planning)"
export HUITOU_NOW=2027-09-15T20:00:00+08:00
"$bin/huitou-sms" "${common[@]}" >"$work/sms.log" 2>&1 &
pids+=($!)
"$bin/huitou-wechat" "${common[@]}" >"$work/wechat.log" 2>&1 &
pids+=($!)
"$bin/huitou-scheduler" "${common[@]}" --once \
  >>"$work/scheduler.log" 2>&1 || fail "scheduler --once (sending)"
sent=$(cat "$work"/outbox/*.jsonl 2>/dev/null | wc -l)
[ "$sent" -gt 0 ] || fail "nothing went out"
grep -q "NOPERM" "$work"/*.log && fail "a command was refused by the ACL"
echo "redis.conf: AOF on, default user off, dangerous commands refused; $sent messages delivered as user huitou"
