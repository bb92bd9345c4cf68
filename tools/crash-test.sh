#!/usr/bin/env bash
# tools/crash-test.sh — issue 7's crash test at full size: a day of 20,000
# jobs to the outbox provider while a worker is SIGKILLed every few seconds,
# the scheduler is killed twice and redis-server (AOF everysec) is restarted
# once. Builds what it needs (build/, RelWithDebInfo) and prints the report;
# exit 0 when every job ended, each sent job is in the outbox once, the
# counts add up and nothing was lost (failed 0, expired 0, unknown <= worker
# kills). Extra arguments go to the harness, e.g. --jobs 50000 --keep /tmp/crash.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build huitou_crash_harness huitou huitou-scheduler huitou-sms >/dev/null
exec build/bin/huitou_crash_harness --jobs 20000 --workers 4 --rate 100 --kill-every 4 \
  --scheduler-kills 2 --redis-restarts 1 --timeout 900 "$@"
