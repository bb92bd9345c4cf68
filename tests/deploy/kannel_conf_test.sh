#!/usr/bin/env bash
# Runs deploy/kannel/kannel.conf for real: bearerbox and smsbox from Debian's
# kannel start from it (ports, log and spool paths moved into a temporary
# folder, the SMSC pointed at a closed loopback port), and the sendsms
# interface accepts huitou's account and queues a Chinese message for the
# SMSC. Fails when kannel is not installed: ./test.sh installs it
# (tools/install-deps.sh test), so a missing one is a broken machine, not a pass.
# Usage: kannel_conf_test.sh <source dir>
set -euo pipefail
src=$1
[ -x /usr/sbin/bearerbox ] || { echo "FAIL: kannel is not installed (/usr/sbin/bearerbox; tools/install-deps.sh test installs it)" >&2; exit 1; }
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

admin=$(free_port) box=$(free_port) sendsms=$(free_port) smsc=$(free_port)
sed -e "s/^admin-port = 13000/admin-port = $admin/" \
    -e "s/^smsbox-port = 13001/smsbox-port = $box/" -e "s/^bearerbox-port = 13001/bearerbox-port = $box/" \
    -e "s/^sendsms-port = 13013/sendsms-port = $sendsms/" \
    -e "s/^host = .*/host = 127.0.0.1/" -e "s/^port = 2775/port = $smsc/" \
    -e "s|/var/log/kannel|$work|g" -e "s|/var/spool/kannel|$work|g" \
    "$src/deploy/kannel/kannel.conf" >"$work/kannel.conf"
# Each port is the free one picked (not "starts with 130": a free port may be 130xx).
for pair in "admin-port=$admin" "smsbox-port=$box" "bearerbox-port=$box" "sendsms-port=$sendsms"; do
  key=${pair%%=*} port=${pair#*=}
  grep -q "^$key = " "$work/kannel.conf" || continue
  grep -qx "$key = $port" "$work/kannel.conf" || fail "$key was not moved to the free port $port"
done

# The get-url carries the callback secret huitou-sms checks (key=), on loopback.
grep -q '^get-url = "http://127\.0\.0\.1:13080/kannel/mo?key=CHANGE-ME-CALLBACK&from=%p&to=%P&text=%a"$' \
  "$work/kannel.conf" || fail "the get-url does not carry key=CHANGE-ME-CALLBACK on loopback"

/usr/sbin/bearerbox -v 1 "$work/kannel.conf" >"$work/bearerbox.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$admin/" && break; sleep 0.1; done
/usr/sbin/smsbox -v 1 "$work/kannel.conf" >"$work/smsbox.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$sendsms/" && break; sleep 0.1; done

status=$(curl -s -o "$work/answer.txt" -w '%{http_code}' -G "http://127.0.0.1:$sendsms/cgi-bin/sendsms" \
  --data-urlencode username=huitou --data-urlencode password=CHANGE-ME-SENDSMS \
  --data-urlencode to=13800138000 --data-urlencode "text=【童趣玩具】王女士，生日快乐！" \
  --data-urlencode charset=UTF-8 --data-urlencode coding=2)
case "$status" in
  202|200) ;;
  *) fail "sendsms answered $status: $(cat "$work/answer.txt")" ;;
esac
wrong=$(curl -s -o /dev/null -w '%{http_code}' -G "http://127.0.0.1:$sendsms/cgi-bin/sendsms" \
  --data-urlencode username=huitou --data-urlencode password=wrong --data-urlencode to=13800138000 \
  --data-urlencode text=x)
[ "$wrong" = 403 ] || fail "a wrong sendsms password was answered $wrong, not 403"
echo "kannel.conf: bearerbox and smsbox started; sendsms answered $status ($(cat "$work/answer.txt")); a wrong password 403"
