#!/usr/bin/env bash
# bench/run.sh — every benchmark of docs/BENCHMARKS.md, one command.
#
#   bench/run.sh [--quick] [--members N] [--jobs N] [--repeat R] [--only LIST] [--no-build]
#
# Builds a Release tree (build-bench/), installs BullMQ from npm into the
# ignored bench/.work/node_modules, generates members and visits
# (bench_gen_members, seed 1), starts a private redis-server on a free port
# with persistence off, and runs, R times each:
#   import    huitou import of N members: members/s, and Redis memory per member
#   plan      bench_plan on a birthday day and on festivals, jobs as hashes and
#             as day-sheet records: time, members/s, Redis commands, Redis
#             memory a job, and the share of raw pipelined HGETALL
#   visits    huitou import-visits: visits/s, and memory with the histories
#   dispatch  bench_dispatch (huitou-sms workers, null provider), jobs as hashes
#             and as day-sheet records, and BullMQ
#             (bench/bullmq/dispatch.cjs) on the same Redis, same jobs count
#   ratelimit bench_rate_limit and bench/bullmq/rate_limit.cjs: 4 workers, 200/s
#   console   bench_console: the console's member search and member page on
#             store bench1 (N/4 members), with the visits imported: median,
#             p99 and max of each probe (bench/console.cpp)
#   api       bench_api: members upserted over HTTP (huitou-scheduler's admin
#             server), one PUT a member and members:batch of 1,000, next to
#             huitou import of the same members (at most 100,000; single
#             PUTs at most 20,000)
# Writes the raw results, with the machine and the command, to
# bench/results/<UTC time>[-quick].md, and prints them. --only import,plan
# runs a subset (import always runs first when plan or visits are asked for).
# --quick: 20,000 members, 20,000 jobs, one run each: a smoke test in a minute or two.
# --no-build: run the programs already in build-bench/ as they are (to measure
# a build of an earlier commit with this script); the report says so.
# The stores send all day (send_windows 00:00-24:00), so that the dispatch
# numbers do not depend on the hour the bench runs at.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
root=$(pwd)

members=1000000 jobs=200000 repeat=3 quick=0 build=1 only="import,plan,visits,console,dispatch,ratelimit,api"
dispatch_workers=${DISPATCH_WORKERS:-2}
bullmq_concurrency=${BULLMQ_CONCURRENCY:-1,10,50,100,200}
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 members=20000 jobs=20000 repeat=1 ;;
    --members) members=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --only) only=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: bench/run.sh [--quick] [--members N] [--jobs N] [--repeat R] [--only LIST] [--no-build]" >&2
       exit 2 ;;
  esac
  shift
done
wants() { [[ ",$only," == *",$1,"* ]]; }

# --- what it needs --------------------------------------------------------
tools/install-deps.sh all >&2
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get install -y nodejs npm >&2 || sudo apt-get install -y nodejs npm >&2
fi
work=bench/.work
mkdir -p "$work" bench/results
if [ ! -d "$work/node_modules/bullmq" ]; then
  (cd "$work" && npm install --no-audit --no-fund --prefix . bullmq@6.7.0 ioredis@5.11.1 >&2)
fi
export NODE_PATH="$root/$work/node_modules"

if [ $build = 1 ]; then
  cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHUITOU_TESTS=ON >/dev/null
  ninja -C build-bench huitou huitou-sms huitou-scheduler bench_gen_members bench_plan \
    bench_dispatch bench_rate_limit bench_api bench_console >&2
fi
bin=build-bench/bin

# --- the private Redis ----------------------------------------------------
run=$root/$work/run
rm -rf "$run" && mkdir -p "$run"
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$run" \
  --logfile "$run/redis.log" --daemonize no &
redis_pid=$!
worker_pids=()
cleanup() {
  for p in "${worker_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$redis_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" ping >/dev/null || { echo "redis-server did not start" >&2; exit 1; }
rcli() { redis-cli -p "$port" "$@"; }
url="redis://127.0.0.1:$port/0"

{ bench_config "$url" festivals; bench_four_stores; } >"$run/bench.toml"
config="$run/bench.toml"
today=2027-09-15  # 中秋节: the festival day; the generator's "today"

# --- the report -----------------------------------------------------------
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
suffix=""
[ $quick = 1 ] && suffix=-quick
report=bench/results/$stamp$suffix.md
out() { echo "$@" | tee -a "$report"; }
block() { tee -a "$report"; }
secs() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
used_memory() { rcli info memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r'; }

out "# bench/run.sh $args — $stamp"
out ""
out "- command: \`bench/run.sh $args\` (members $members, jobs $jobs, repeat $repeat, dispatch workers $dispatch_workers)"
out "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' (with uncommitted changes)')$([ $build = 1 ] || echo '; --no-build: the programs in build-bench/ as they were built before')"
out "- machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
out "- redis: $(redis-server --version | cut -d' ' -f3-4), persistence off (save \"\", appendonly no), $(rcli config get hash-max-listpack-entries | tr '\n' ' '), $(rcli config get hash-max-listpack-value | tr '\n' ' ')"
out "- node $(node --version), bullmq $(node -p 'require("bullmq/package.json").version'), ioredis $(node -p 'require("ioredis/package.json").version')"
out "- load before: $(cut -d' ' -f1-3 /proc/loadavg)"
out ""

"$bin/bench_gen_members" --members "$members" --stores 4 --seed 1 --today "$today" \
  --out "$run/members.csv" --visits "$run/visits.csv" --visit-share 0.3 | block

# --- 1. import and memory -------------------------------------------------
if wants import || wants plan || wants visits || wants console; then
  out ""
  out "## import: huitou import of $members members"
  for r in $(seq "$repeat"); do
    rcli flushall >/dev/null
    before=$(used_memory)
    t0=$(secs)
    "$bin/huitou" --config "$config" --log-level warn import "$run/members.csv" >"$run/import.out"
    t1=$(secs)
    after=$(used_memory)
    out "run $r: $(cat "$run/import.out" | tr -d '\n'); $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, $(rate "$members" "$t0" "$t1") members/s; memory $(( (after - before) / members )) bytes/member (used_memory $before → $after, $(rcli dbsize) keys)"
  done
  t0=$(secs)
  "$bin/huitou" --config "$config" --log-level warn import "$run/members.csv" >"$run/import.out"
  t1=$(secs)
  out "again, unchanged: $(cat "$run/import.out" | tr -d '\n'); $(rate "$members" "$t0" "$t1") members/s"
  members_memory=$(used_memory)
  out ""
  out "memory samples (MEMORY USAGE, bytes):"
  {
    for id in M0000001 M0000002 M0000003 M0000004 M0000005; do
      for s in bench1 bench2 bench3 bench4; do
        [ "$(rcli exists "hu:{$s}:m:$id")" = 1 ] && echo "- hu:{$s}:m:$id: $(rcli memory usage "hu:{$s}:m:$id" samples 0), $(rcli object encoding "hu:{$s}:m:$id"), $(rcli hlen "hu:{$s}:m:$id") fields"
      done
    done
    for k in "hu:{bench1}:bd:09-15" "hu:{bench1}:lbd:08-15" "hu:{bench1}:bd:none" "hu:{bench1}:cbd:06-01" "hu:{bench1}:exp:2027-10-01"; do
      echo "- $k: $(rcli memory usage "$k" samples 0) bytes, $(rcli hlen "$k") members, $(rcli object encoding "$k")"
    done
    echo "- index sets: $(rcli --scan --pattern 'hu:{*}:*bd:*' | wc -l) birthday indexes, $(rcli --scan --pattern 'hu:{*}:exp:*' | wc -l) expiry indexes"
  } | block
fi

# --- 2. planning ------------------------------------------------------------
if wants plan; then
  out ""
  out "## plan: bench_plan over $members members, 4 stores"
  for day in 2027-09-16 2027-09-15 2027-10-08; do
    out ""
    out "### $day ($("$bin/huitou" --config "$config" calendar convert "$day" | head -1))"
    # Both job layouts (issue 20): a hash a job, and records of day sheets.
    for layout in hashes sheets; do
      extra=()
      [ "$day" != 2027-09-16 ] && extra=(--baseline)
      # BENCH_PERF=<dir>: a whole-machine perf profile of 中秋's planning.
      profile=()
      if [ -n "${BENCH_PERF:-}" ] && [ "$day" = 2027-09-15 ]; then
        mkdir -p "$BENCH_PERF"
        profile=(perf record -a -g -q -o "$BENCH_PERF/plan-$layout.data" --)
      fi
      "${profile[@]}" "$bin/bench_plan" --config "$config" --redis "$url" --day "$day" \
        --repeat "$repeat" --layout "$layout" "${extra[@]}" | block
    done
  done
fi

# --- visits ---------------------------------------------------------------
if wants visits; then
  out ""
  visits=$(($(wc -l <"$run/visits.csv") - 1))
  out "## visits: huitou import-visits of $visits visits"
  before=$(used_memory)
  t0=$(secs)
  "$bin/huitou" --config "$config" --log-level warn --now "${today}T08:00:00+08:00" \
    import-visits "$run/visits.csv" >"$run/visits.out"
  t1=$(secs)
  after=$(used_memory)
  out "$(tr -d '\n' <"$run/visits.out"); $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, $(rate "$visits" "$t0" "$t1") visits/s"
  out "memory: members alone $(( members_memory / members )) bytes/member of used_memory; with visits $(( after / members )) bytes/member (+$(( (after - before) / members )) a member, $(( (after - before) / visits )) a visit)"
fi

# --- the console's member pages -------------------------------------------
if wants console; then
  out ""
  out "## console: member search and member page, store bench1"
  "$bin/bench_console" --config "$config" --redis "$url" --log-level warn \
    --now "${today}T12:00:00+08:00" --store bench1 --repeat 200 | sed 's/^/- /' | block
fi

# --- 3. dispatch ------------------------------------------------------------
if wants dispatch; then
  out ""
  out "## dispatch: $jobs jobs, huitou ($dispatch_workers huitou-sms workers, null provider) and BullMQ"
  # Both job layouts (issue 20): a hash a job ("run N"), and records of day
  # sheets ("sheets run N"), their words written at dispatch.
  for layout in hashes sheets; do
    label="run" suffix=""
    [ "$layout" = sheets ] && label="sheets run" suffix="-sheets"
    for r in $(seq "$repeat"); do
      rcli flushall >/dev/null
      # The jobs' members (bench/dispatch.cpp names them D1000000...), with
      # SMS consent: claim_due checks consent and caps again at dispatch,
      # and without them every job ends cancelled (no_consent).
      awk -v n="$jobs" 'BEGIN { for (i = 0; i < n; i++)
        printf "HSET hu:{bench1}:m:D%d name bench phone +86138%d sms_optin 1 wechat_optin 0\r\n",
          1000000 + i, 10000000 + i }' | rcli --pipe >/dev/null
      worker_pids=()
      for w in $(seq "$dispatch_workers"); do
        "$bin/huitou-sms" --config "$config" --log-level warn &
        worker_pids+=($!)
      done
      # BENCH_PERF=<dir>: a whole-machine perf profile of the dispatch run
      # (perf report --sort comm,dso,sym -i <dir>/dispatch[-sheets]-<run>.data).
      profile=()
      if [ -n "${BENCH_PERF:-}" ]; then
        mkdir -p "$BENCH_PERF"
        profile=(perf record -a -g -q -o "$BENCH_PERF/dispatch$suffix-$r.data" --)
      fi
      "${profile[@]}" "$bin/bench_dispatch" --config "$config" --redis "$url" --jobs "$jobs" \
        --layout "$layout" | sed "s/^/$label $r: /" | block
      for p in "${worker_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
      worker_pids=()
    done
  done
  rcli flushall >/dev/null
  out ""
  node bench/bullmq/dispatch.cjs --port "$port" --jobs "$jobs" --concurrency "$bullmq_concurrency" \
    | tee "$run/bullmq.out" | block
  best=$(sed -n 's/^bullmq best: .*"concurrency":\([0-9]*\).*/\1/p' "$run/bullmq.out")
  for r in $(seq 2 "$repeat"); do
    rcli flushall >/dev/null
    node bench/bullmq/dispatch.cjs --port "$port" --jobs "$jobs" --concurrency "$best" \
      | grep -v '^bullmq best' | sed "s/^/again: /" | block
  done
fi

# --- 4. rate limit ------------------------------------------------------------
if wants ratelimit; then
  out ""
  out "## rate limit: 4 workers sharing 200/s, huitou (burst 10) and BullMQ (max 200 per 1000 ms)"
  rl_jobs=3000
  [ $quick = 1 ] && rl_jobs=1000
  for r in $(seq "$repeat"); do
    rcli flushall >/dev/null
    out ""
    "$bin/bench_rate_limit" --workers 4 --rate 200 --burst 10 --jobs "$rl_jobs" --redis "$url" | block || true
    rcli flushall >/dev/null
    node bench/bullmq/rate_limit.cjs --port "$port" --workers 4 --rate 200 --jobs "$rl_jobs" | block
  done
fi

# --- 5. members over HTTP ------------------------------------------------------
if wants api; then
  api_members=$(( members < 100000 ? members : 100000 ))
  single_members=$(( api_members < 20000 ? api_members : 20000 ))
  out ""
  out "## api: members upserted over HTTP, next to huitou import ($api_members members; single PUTs $single_members)"
  head -n $((api_members + 1)) "$run/members.csv" >"$run/api-members.csv"
  api_port=$(free_port)
  for r in $(seq "$repeat"); do
    rcli flushall >/dev/null
    t0=$(secs)
    "$bin/huitou" --config "$config" --log-level warn import "$run/api-members.csv" >"$run/import.out"
    t1=$(secs)
    out ""
    out "run $r: huitou import: $api_members members, $(rate "$api_members" "$t0" "$t1") members/s"
    rcli flushall >/dev/null
    # The scheduler as it runs in a shop: planning on, its admin server with a token.
    HUITOU_ADMIN_TOKEN=bench-token "$bin/huitou-scheduler" --config "$config" --log-level warn \
      --now 2027-09-16T08:00:00+08:00 --set "admin.listen=127.0.0.1:$api_port" \
      >"$run/scheduler.log" 2>&1 &
    scheduler_pid=$!
    worker_pids+=("$scheduler_pid")
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done
    for c in 1 4 8; do
      rcli flushall >/dev/null
      "$bin/bench_api" --members-file "$run/api-members.csv" --port "$api_port" --token bench-token \
        --mode batch --connections "$c" | sed 's/^/- /' | block
    done
    for c in 1 4; do
      rcli flushall >/dev/null
      "$bin/bench_api" --members-file "$run/api-members.csv" --port "$api_port" --token bench-token \
        --mode single --connections "$c" --limit "$single_members" | sed 's/^/- /' | block
    done
    kill "$scheduler_pid"; wait "$scheduler_pid" 2>/dev/null || true
  done
fi

out ""
out "- load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "written to $report" >&2
