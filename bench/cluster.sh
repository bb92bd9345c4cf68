#!/usr/bin/env bash
# bench/cluster.sh — what a Redis Cluster spreads and what it does not:
# keys, memory and Redis commands per node, and the balance across nodes.
#
#   bench/cluster.sh [--members N] [--stores K] [--bin DIR] [--send S] [--dispatch J]
#                    [--rate-limit C] [--rate-workers R] [--workers W] [--port P]
#                    [--day YYYY-MM-DD] [--families] [--shards N] [--reshard N]
#
# Starts 3 redis-server masters with --cluster-enabled yes on loopback
# (ports P, P+1, P+2, default 21000; no replicas: a replica holds its
# master's keys again and serves no commands here; persistence off), joins
# them with `redis-cli --cluster create`, generates N members in K stores
# (bench_gen_members --seed 1; store 1 the biggest, as in bench/run.sh; no
# visit histories), and then, taking a snapshot of every node after each
# phase:
#   import    huitou import of the members
#   plan      bench_plan --layout sheets --keep-jobs on --day (default
#             2027-09-15, 中秋: a festival that greets every member who
#             agreed, the most expensive day), every store
#   send      (--send S) the festival's planned jobs of store S sent for
#             real: huitou-scheduler --once at 13:00 that day, with a config
#             of S alone, and W huitou-sms workers (null provider); Redis
#             memory a job sent is what a sent job keeps until
#             job_retention_days
#   dispatch  (J > 0) for each store, bench_dispatch --store S --jobs J
#             --layout sheets with W huitou-sms workers (null provider):
#             its own J jobs, their members written first; it deletes the
#             store's planned jobs before it starts
#   ratelimit (C > 0) bench_rate_limit --workers R (default 4) --rate 200
#             --burst 10 --jobs C on the cluster: R worker processes sharing one provider
#             account's rate, whose key (hu:rate:{<account>}) is one slot
# With --shards N (2..3), every store is split over N shards before the
# import (docs/architecture.md, "A store over K shards": the record
# hu:{S}:shards written into the empty store, as the tests do), and each
# shard's slot, still empty, is given to a master of its own: a store's
# members and jobs spread over N masters.
# With --reshard N (2..3) instead, the stores are imported and planned as
# one shard each, then split by the real migration:
#   reshard   each new shard's slot given to a master of its own (empty
#             yet), then `huitou reshard --store S --shards N` with the
#             config saying `shards = N`, store after store: its steps
#             timed (the drain waits the lease + 2 map periods, 40 s, by
#             design), the nodes' used_memory before, at its peak (both
#             layouts live during the copy) and after the clean
# and the send/dispatch phases then run on the new layout.
# Prints per node: the stores (or store shards) whose slot it holds, keys (DBSIZE),
# used_memory (bytes, and bytes a member of the run), Redis CPU seconds
# (/proc, user + system) and commands by name (INFO commandstats delta of
# each phase, and the server time a command: a script's time includes the
# commands it runs), with the balance max/mean across the nodes. With
# --families, also each node's memory by key family after the last phase
# (MEMORY USAGE of every key, SAMPLES 0: slow at a million keys). Writes the
# report to bench/results/<UTC time>-cluster.md.
#
# DIR holds the programs (default build-bench/bin, as bench/run.sh builds
# them). Counts, bytes and balances do not depend on how the programs were
# built; times do (an AddressSanitizer build is several times slower).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

members=1000000 stores=4 bin=build-bench/bin send="" dispatch=0 ratelimit=0 rate_workers=4 families=0 workers=2 port=21000 day=2027-09-15 shards=1 reshard=1
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --members) members=$2; shift 2 ;;
    --stores) stores=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --send) send=$2; shift 2 ;;
    --dispatch) dispatch=$2; shift 2 ;;
    --rate-limit) ratelimit=$2; shift 2 ;;
    --rate-workers) rate_workers=$2; shift 2 ;;
    --families) families=1; shift ;;
    --workers) workers=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --day) day=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --reshard) reshard=$2; shift 2 ;;
    *) echo "usage: bench/cluster.sh [--members N] [--stores K] [--bin DIR] [--send S] [--dispatch J] [--rate-limit C] [--rate-workers R] [--workers W] [--port P] [--day D] [--families] [--shards N | --reshard N]" >&2
       exit 2 ;;
  esac
done
if [ "$shards" -gt 3 ] || [ "$reshard" -gt 3 ]; then
  echo "bench/cluster.sh: --shards and --reshard are 2 or 3 (3 masters)" >&2; exit 2
fi
if [ "$shards" -gt 1 ] && [ "$reshard" -gt 1 ]; then
  echo "bench/cluster.sh: --shards (split before the import) or --reshard (after it), not both" >&2; exit 2
fi
bin=$(cd "$bin" && pwd)
ports=("$port" $((port + 1)) $((port + 2)))
for p in "${ports[@]}"; do
  if redis-cli -p "$p" ping >/dev/null 2>&1 || redis-cli -p $((p + 10000)) ping >/dev/null 2>&1; then
    echo "bench/cluster.sh: port $p (or its bus port $((p + 10000))) is taken; use --port" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/huitou-cluster-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for p in "${ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- the cluster ------------------------------------------------------------
for p in "${ports[@]}"; do
  mkdir -p "$work/$p"
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/$p" \
    --cluster-enabled yes --cluster-config-file "$work/$p/nodes.conf" --cluster-node-timeout 5000 \
    --daemonize yes --logfile "$work/$p/redis.log" --pidfile "$work/$p/redis.pid"
done
for p in "${ports[@]}"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-yes >"$work/create.log" 2>&1 \
  || { cat "$work/create.log" >&2; exit 1; }
for p in "${ports[@]}"; do
  for _ in $(seq 100); do
    redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' && break
    sleep 0.1
  done
done
redis_pids=()
for p in "${ports[@]}"; do redis_pids+=("$(cat "$work/$p/redis.pid")"); done
url="redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"

# --- stores split over shards (--shards) -------------------------------------
# The hash tags of store S: S itself, or S.N.0 ... S.N.(N-1).
tags_of() {  # $1: store
  if [ "$shards" -le 1 ]; then echo "$1"; return; fi
  for i in $(seq 0 $((shards - 1))); do echo "$1.$shards.$i"; done
}
node_id_of() {  # $1: port → its node id
  redis-cli -p "$1" cluster myid
}
master_of_slot() {  # $1: slot [$2: the node asked] → the port of the master holding it
  redis-cli -p "${2:-${ports[0]}}" cluster nodes | awk -v slot="$1" '{
    split($2, a, "[:@]")
    for (i = 9; i <= NF; i++) {
      n = split($i, r, "-"); lo = r[1]; hi = (n == 2 ? r[2] : r[1])
      if (slot + 0 >= lo + 0 && slot + 0 <= hi + 0) print a[2]
    } }'
}
# Shard i of store S on master i: its slot is empty yet, so giving it away
# is one CLUSTER SETSLOT ... NODE on every master; then wait until every
# master's map agrees.
spread_shards() {
  local s i tag slot target id p ok
  for s in $(seq "$stores"); do
    i=0
    for tag in $(tags_of "bench$s"); do
      slot=$(redis-cli -p "${ports[0]}" cluster keyslot "hu:{$tag}:x")
      target=${ports[$i]}
      if [ "$(master_of_slot "$slot")" != "$target" ]; then
        id=$(node_id_of "$target")
        redis-cli -p "$target" cluster setslot "$slot" node "$id" >/dev/null
        for p in "${ports[@]}"; do
          [ "$p" = "$target" ] || redis-cli -p "$p" cluster setslot "$slot" node "$id" >/dev/null
        done
      fi
      i=$((i + 1))
    done
  done
  for _ in $(seq 50); do
    ok=1
    for s in $(seq "$stores"); do
      i=0
      for tag in $(tags_of "bench$s"); do
        slot=$(redis-cli -p "${ports[0]}" cluster keyslot "hu:{$tag}:x")
        for p in "${ports[@]}"; do
          [ "$(master_of_slot "$slot" "$p")" = "${ports[$i]}" ] || ok=0
        done
        i=$((i + 1))
      done
    done
    [ "$ok" = 1 ] && return 0
    sleep 0.1
  done
}
if [ "$shards" -gt 1 ]; then
  for s in $(seq "$stores"); do
    redis-cli -c -p "${ports[0]}" hset "hu:{bench$s}:shards" k "$shards" hash 1 >/dev/null
    redis-cli -c -p "${ports[0]}" set "hu:{bench$s}:jobs:v" 2 >/dev/null
  done
  spread_shards
fi

config=$work/bench.toml
{
  bench_config "$url" festivals
  for s in $(seq "$stores"); do printf '[stores.bench%d]\nname = "压测店%d"\n' "$s" "$s"; done
} >"$config"

# --- the report ---------------------------------------------------------------
mkdir -p bench/results
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
report=bench/results/$stamp-cluster.md
out() { echo "$@" | tee -a "$report"; }
block() { tee -a "$report"; }

out "# bench/cluster.sh $args — $stamp"
out ""
out "- command: \`bench/cluster.sh $args\` (members $members, stores $stores, day $day, send ${send:-none}, dispatch $dispatch jobs a store, rate limit $ratelimit calls by $rate_workers workers, workers $workers, programs in $bin)"
out "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' (with uncommitted changes)')"
out "- machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
out "- redis: $(redis-server --version | cut -d' ' -f3-4), 3 masters (ports ${ports[*]}), no replicas, persistence off (save \"\", appendonly no)"
out "- load before: $(cut -d' ' -f1-3 /proc/loadavg)"
out ""

# One snapshot of every node: keys, used_memory, CPU ticks, commandstats.
tick=$(getconf CLK_TCK)
snapshot() {  # $1: the phase's name
  local f=$work/snap-$1.txt i
  : >"$f"
  for i in 0 1 2; do
    local p=${ports[$i]}
    {
      echo "node $p keys $(redis-cli -p "$p" dbsize)"
      echo "node $p used_memory $(redis-cli -p "$p" info memory | tr -d '\r' | sed -n 's/^used_memory://p')"
      echo "node $p used_memory_peak $(redis-cli -p "$p" info memory | tr -d '\r' | sed -n 's/^used_memory_peak://p')"
      echo "node $p cpu_ticks $(awk '{ print $14 + $15 }' "/proc/${redis_pids[$i]}/stat")"
      redis-cli -p "$p" info commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2 \3/p' | sed "s/^/node $p cmd /"
    } >>"$f"
  done
}
secs() { date +%s.%N; }
phases=()
times=()
phase() {  # $1: name; the rest: the command. Returns the command's status.
  local name=$1; shift
  local t0 t1 rc=0
  t0=$(secs)
  "$@" || rc=$?
  t1=$(secs)
  snapshot "$name"
  phases+=("$name")
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
  return "$rc"
}

# Which node holds each store's slot (CLUSTER NODES: port, then slot ranges).
placement() {
  local s tag slot node line
  for s in $(seq "$stores"); do
    for tag in $(tags_of "bench$s"); do
      slot=$(redis-cli -p "${ports[0]}" cluster keyslot "hu:{$tag}:x")
      node=$(master_of_slot "$slot")
      line="store $tag slot $slot node $node keys $(redis-cli -p "$node" cluster countkeysinslot "$slot")"
      # A shard's members: its member hashes, counted (the CSV names stores only).
      [ "$shards" -gt 1 ] &&
        line="$line members $(redis-cli -p "$node" --scan --pattern "hu:{$tag}:m:*" | wc -l)"
      echo "$line"
    done
  done
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
"$bin/bench_gen_members" --members "$members" --stores "$stores" --seed 1 --today "$day" \
  --out "$work/members.csv" | block
out ""
snapshot start

phase import "$bin/huitou" --config "$config" --log-level warn import "$work/members.csv" \
  >"$work/import.out"
out "import: $(tr '\n' ' ' <"$work/import.out")"

phase plan "$bin/bench_plan" --config "$config" --redis "$url" --day "$day" --repeat 1 \
  --layout sheets --keep-jobs >"$work/plan.out"
# bench_plan's own command count and memory are one master's (INFO goes to one node): not used.
out "plan: $(grep -v 'Redis commands\|Redis memory' "$work/plan.out" | tr '\n' ' ')"
jobs_planned=$(sed -n 's/.* \([0-9]*\) jobs created.*/\1/p' "$work/plan.out" | head -1)

if [ "$reshard" -gt 1 ]; then
  placement >"$work/stores-before.txt"
  shards=$reshard
  spread_shards
  # The config says what is meant (`shards = N`); `huitou reshard` does it.
  awk -v n="$reshard" '{ print } /^\[stores\./ { print "shards = " n }' "$config" >"$work/reshard.toml"
  config=$work/reshard.toml
  run_reshard() {
    local s
    for s in $(seq "$stores"); do
      # Each line the command prints, with the seconds since it started.
      local t0=$EPOCHREALTIME
      "$bin/huitou" --config "$config" --log-level warn reshard --store "bench$s" --shards "$reshard" 2>&1 |
        while IFS= read -r line; do
          awk -v s="bench$s" -v a="$t0" -v b="$EPOCHREALTIME" -v l="$line" \
            'BEGIN { printf "%s %7.1f s  %s\n", s, b - a, l }'
        done >>"$work/reshard.out"
      [ "${PIPESTATUS[0]}" = 0 ] || return 1
    done
  }
  reshard_rc=0
  phase reshard run_reshard || reshard_rc=$?
  out "reshard (exited $reshard_rc), each line with the seconds since its run began:"
  out ""
  sed 's/^/    /' "$work/reshard.out" | block
  out ""
fi

start_workers() {
  [ ${#pids[@]} -gt 0 ] && return 0
  for _ in $(seq "$workers"); do
    "$bin/huitou-sms" --config "$config" --log-level warn >>"$work/workers.log" 2>&1 &
    pids+=($!)
  done
}
jobs_sent=0
if [ -n "$send" ]; then
  start_workers
  # The same config with store $send alone: --once plans and sends it only.
  awk '/^\[stores\./ { exit } { print }' "$config" >"$work/send.toml"
  awk -v s="[stores.$send]" '$0 == s { on = 1; print; next } /^\[/ { on = 0 } on' "$config" >>"$work/send.toml"
  # At 13:00, after the 120 minutes the day is spread over from send_time
  # (10:00): every job of the day is due. --once plans the day first
  # (again: idempotent, nothing new, but it reads the store's members once
  # more; bench_plan does not mark a day planned), then sends.
  send_rc=0
  phase send "$bin/huitou-scheduler" --config "$work/send.toml" --log-level warn --once \
    --now "${day}T13:00:00+08:00" >"$work/send.out" 2>&1 || send_rc=$?
  "$bin/huitou" --config "$work/send.toml" --log-level warn jobs --json >"$work/send-jobs.json"
  jobs_sent=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], {}).get("sent", 0))' \
    "$work/send-jobs.json" "$send")
  out "send: huitou-scheduler --once for $send exited $send_rc; jobs of $send by state: $(tr -d '\n ' <"$work/send-jobs.json" | cut -c1-400)"
fi

if [ "$dispatch" -gt 0 ]; then
  start_workers
  run_dispatch() {
    local s
    for s in $(seq "$stores"); do
      "$bin/bench_dispatch" --config "$config" --redis "$url" --store "bench$s" --jobs "$dispatch" \
        --layout sheets --settle 2 | grep -v '^Redis commands' | sed "s/^/dispatch bench$s: /" >>"$work/dispatch.out"
    done
  }
  phase dispatch run_dispatch
  block <"$work/dispatch.out"
fi

if [ "$ratelimit" -gt 0 ]; then
  rl_rc=0
  phase ratelimit "$bin/bench_rate_limit" --workers "$rate_workers" --rate 200 --burst 10 --jobs "$ratelimit" \
    --redis "$url" >"$work/ratelimit.out" 2>&1 || rl_rc=$?
  out "rate limit (bench_rate_limit exited $rl_rc):"
  sed 's/^/  /' "$work/ratelimit.out" | block
fi
out ""

# --- the tables -------------------------------------------------------------------
placement >"$work/stores.txt"
members_per_store=$(python3 - "$work/members.csv" <<'PY'
import csv, sys, collections
c = collections.Counter()
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    for row in csv.DictReader(f):
        c[row['store']] += 1
print(' '.join(f'{k}={v}' for k, v in sorted(c.items())))
PY
)

python3 - "$work" "$members" "$tick" "${jobs_planned:-0}" "$dispatch" "$stores" "$members_per_store" "$jobs_sent" "${send:-none}" "$ratelimit" \
  "${phases[*]}" "${times[*]}" "${ports[*]}" <<'PY' | block
import sys, collections
work, members, tick, planned, dispatch, stores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
per_store = dict(kv.split('=') for kv in sys.argv[7].split())
jobs_sent, send_store, calls = int(sys.argv[8]), sys.argv[9], int(sys.argv[10])
phases, times, ports = sys.argv[11].split(), sys.argv[12].split(), sys.argv[13].split()

def load(name):
    d = collections.defaultdict(dict)
    for line in open(f'{work}/snap-{name}.txt'):
        f = line.split()
        if f[2] == 'cmd':
            d[f[1]].setdefault('cmd', {})[f[3]] = int(f[4])
            d[f[1]].setdefault('usec', {})[f[3]] = int(f[5])
        else:
            d[f[1]][f[2]] = int(f[3])
    return d

snaps = {'start': load('start')}
for p in phases:
    snaps[p] = load(p)
stores_at = collections.defaultdict(list)
members_at = collections.Counter()
stores_n = collections.Counter()
def read_placement(path):
    at, n_at, count = collections.defaultdict(list), collections.Counter(), collections.Counter()
    for line in open(path):
        f = line.split()
        m = int(f[9]) if len(f) > 9 else int(per_store.get(f[1], 0))  # a shard: its counted members
        at[f[5]].append(f'{f[1]}: {m:,} members, slot {f[3]}, {int(f[7]):,} keys in the slot')
        n_at[f[5]] += m
        count[f[5]] += 1
    return at, n_at, count

import os
stores_at, members_at, stores_n = read_placement(f'{work}/stores.txt')
# After --reshard: the import and the planning ran on the layout before it.
resharded = os.path.exists(f'{work}/stores-before.txt')
if resharded:
    before_at, members_before, _ = read_placement(f'{work}/stores-before.txt')
    print('## Stores and nodes before the reshard\n')
    print('| node | members | stores (members, slot, keys in the slot before the reshard) |')
    print('|---|---|---|')
    for p in ports:
        print(f'| {p} | {members_before[p]:,} | {"; ".join(before_at[p]) or "none"} |')
    print()

def bal(vals):
    vals = list(vals)
    mean = sum(vals) / len(vals)
    return f'{max(vals) / mean:.2f}' if mean else '—'

def per(x, n, fmt='{:.0f}'):
    return fmt.format(x / n) if n else '—'

print('## Stores and nodes' + (' after the reshard' if resharded else '') + '\n')
print('| node | members | stores (members, slot, keys in the slot after the last phase) |')
print('|---|---|---|')
for p in ports:
    print(f'| {p} | {members_at[p]:,} | {"; ".join(stores_at[p]) or "none"} |')
print(f'| max/mean | {bal(members_at[p] for p in ports)} | |')

last = snaps[phases[-1]] if phases else snaps['start']
after_plan = snaps.get('plan', last)
after_import = snaps.get('import', last)
# A planned job is one record written by HSETNX (day sheets): count them per node.
def cmd_delta(a, b, p, name):
    return b[p].get('cmd', {}).get(name, 0) - a[p].get('cmd', {}).get(name, 0)
jobs_at = {p: cmd_delta(after_import, after_plan, p, 'hsetnx') for p in ports}
print('\n## Keys and memory per node\n')
print('used_memory grown since the empty cluster (import) and over the planning of the festival '
      '(plan); a member here = the members of the stores on that node; jobs here = the records '
      'the planning wrote on that node (its HSETNX calls).\n')
print('| node | keys after import | after plan | used_memory grown by import | bytes a member here | jobs here | grown by plan | bytes a job here |')
print('|---|---|---|---|---|---|---|---|')
rows = []
for p in ports:
    s, i, pl = snaps['start'][p], after_import[p], after_plan[p]
    gi = i['used_memory'] - s['used_memory']
    gp = pl['used_memory'] - i['used_memory']
    rows.append((i['keys'], pl['keys'], gi, jobs_at[p], gp))
    print(f'| {p} | {i["keys"]:,} | {pl["keys"]:,} | {gi:,} | {per(gi, (members_before if resharded else members_at)[p])} | {jobs_at[p]:,} | {gp:,} | {per(gp, jobs_at[p])} |')
tot = [sum(r[k] for r in rows) for k in range(5)]
print(f'| all | {tot[0]:,} | {tot[1]:,} | {tot[2]:,} | {per(tot[2], members)} | {tot[3]:,} | {tot[4]:,} | {per(tot[4], tot[3])} |')
print(f'| max/mean | {bal(r[0] for r in rows)} | {bal(r[1] for r in rows)} | {bal(r[2] for r in rows)} | | {bal(r[3] for r in rows)} | {bal(r[4] for r in rows)} | |')
print(f'\nbench_plan: {planned:,} jobs created on the festival day.')
if 'send' in snaps:
    node = [l.split()[5] for l in open(f'{work}/stores.txt') if l.split()[1] == send_store]
    grown = {p: snaps['send'][p]['used_memory'] - after_plan[p]['used_memory'] for p in ports}
    print(f'\nsend: {jobs_sent:,} jobs of {send_store} (on {node[0]}) sent; used_memory grown over the sending, by node: ' +
          ', '.join(f'{p} {grown[p]:,}' for p in ports) +
          (f'; on {node[0]}: {grown[node[0]] / jobs_sent:.0f} bytes a job sent' if jobs_sent else ''))

if 'reshard' in snaps:
    b, r = after_plan, snaps['reshard']
    print('\n## The reshard\'s memory per node\n')
    print('used_memory after the planning (the old layout), its peak since the node started (the '
          'copy holds both layouts), and after the reshard (the old layout cleaned); keys likewise.\n')
    print('| node | members after | keys before | keys after | used_memory before | peak | after | after, bytes a member here |')
    print('|---|---|---|---|---|---|---|---|')
    for p in ports:
        print(f'| {p} | {members_at[p]:,} | {b[p]["keys"]:,} | {r[p]["keys"]:,} | {b[p]["used_memory"]:,} | '
              f'{r[p]["used_memory_peak"]:,} | {r[p]["used_memory"]:,} | {per(r[p]["used_memory"] - snaps["start"][p]["used_memory"], members_at[p])} |')
    print(f'| all | {members:,} | {sum(b[p]["keys"] for p in ports):,} | {sum(r[p]["keys"] for p in ports):,} | '
          f'{sum(b[p]["used_memory"] for p in ports):,} | | {sum(r[p]["used_memory"] for p in ports):,} | |')
    print(f'| max/mean | {bal(members_at[p] for p in ports)} | | {bal(r[p]["keys"] for p in ports)} | | | '
          f'{bal(r[p]["used_memory"] for p in ports)} | |')

prev = 'start'
for ph, t in zip(phases, times):
    a, b = snaps[prev], snaps[ph]
    if ph == 'dispatch':
        unit, total_n, here = 'job', dispatch * stores, {p: dispatch * stores_n[p] for p in ports}
    elif ph == 'ratelimit':
        # Its own store (bench) and the account's key: no store of ours.
        unit, total_n, here = 'call', calls, {p: calls for p in ports}
    elif ph == 'send':
        node = [l.split()[5] for l in open(f'{work}/stores.txt') if l.split()[1] == send_store]
        unit, total_n, here = 'job', jobs_sent, {p: (jobs_sent if [p] == node else 0) for p in ports}
    else:
        unit, total_n, here = 'member', members, dict(members_at)
    print(f'\n## Phase {ph}: {t} s wall (not a speed: see the programs\' build)\n')
    deltas = {}
    usecs = {}
    names = set()
    for p in ports:
        d = {k: v - a[p].get('cmd', {}).get(k, 0) for k, v in b[p].get('cmd', {}).items()}
        d = {k: v for k, v in d.items() if v > 0 and k not in ('info', 'dbsize')}
        deltas[p] = d
        usecs[p] = {k: v - a[p].get('usec', {}).get(k, 0) for k, v in b[p].get('usec', {}).items()}
        names |= set(d)
    cpu = {p: (b[p]['cpu_ticks'] - a[p]['cpu_ticks']) / tick for p in ports}
    total = {p: sum(deltas[p].values()) for p in ports}
    n = total_n or 1
    print(f'| | ' + ' | '.join(ports) + ' | all | max/mean | µs a command |')
    print('|---|' + '---|' * (len(ports) + 3))
    if ph == 'ratelimit':
        print(f'| provider calls (a node\'s commands below are divided by all of them) | ' +
              ' | '.join(f'{calls:,}' for p in ports) + f' | {calls:,} | |')
    else:
        print(f'| {unit}s here | ' + ' | '.join(f'{here.get(p, 0):,}' for p in ports) +
              f' | {total_n:,} | {bal(here.get(p, 0) for p in ports)} |')
    print(f'| Redis CPU s | ' + ' | '.join(f'{cpu[p]:.2f}' for p in ports) +
          f' | {sum(cpu.values()):.2f} | {bal(cpu.values())} |')
    print(f'| commands | ' + ' | '.join(f'{total[p]:,}' for p in ports) +
          f' | {sum(total.values()):,} | {bal(total.values())} |')
    print(f'| commands a {unit} here | ' + ' | '.join(per(total[p], here.get(p, 0), '{:.2f}') for p in ports) +
          f' | {sum(total.values()) / n:.2f} | |')
    print(f'| Redis CPU µs a {unit} here | ' + ' | '.join(per(cpu[p] * 1e6, here.get(p, 0), '{:.1f}') for p in ports) +
          f' | {sum(cpu.values()) / n * 1e6:.1f} | |')
    for k in sorted(names, key=lambda k: -sum(deltas[p].get(k, 0) for p in ports)):
        vals = [deltas[p].get(k, 0) for p in ports]
        if sum(vals) / n < 0.001:
            continue
        us = sum(usecs[p].get(k, 0) for p in ports)
        print(f'| {k} | ' + ' | '.join(f'{v:,}' for v in vals) + f' | {sum(vals):,} ({sum(vals) / n:.3f} a {unit}) | {bal(vals)} | {us / sum(vals):.2f} |')
    prev = ph
PY

# The keys outside every store's slot, by family (first 20).
out ""
out "## Keys that belong to no store (after the last phase)"
out ""
for p in "${ports[@]}"; do
  redis-cli -p "$p" --scan | { grep -v '^hu:{bench[0-9.]*}' || true; } | sed 's/[0-9]\{3,\}/N/g' |
    sort | uniq -c | sort -rn | head -20 | sed "s/^ */- $p: /" >"$work/other-$p.txt"
  if [ -s "$work/other-$p.txt" ]; then block <"$work/other-$p.txt"; else out "- $p: none"; fi
done

# Memory by key family: hu:{S}:<family>[:<sub>]:..., ids and dates folded.
if [ "$families" = 1 ]; then
  out ""
  out "## Memory by key family, per node (MEMORY USAGE ... SAMPLES 0, after the last phase)"
  out ""
  for p in "${ports[@]}"; do
    redis-cli -p "$p" --scan >"$work/keys-$p.txt"
    sed 's/"/\\"/g; s/.*/MEMORY USAGE "&" SAMPLES 0/' "$work/keys-$p.txt" | redis-cli -p "$p" >"$work/sizes-$p.txt"
  done
  python3 - "$work" "${ports[*]}" <<'FAM' | block
import collections, re, sys
work, ports = sys.argv[1], sys.argv[2].split()
def family(key):
    parts = re.sub(r'^hu:\{[^}]*\}', 'hu:{S}', key).split(':')
    fam = parts[:3]
    # Two-level families: fx:touch, fx:sent, sheets by day, jobs by kind.
    if len(parts) > 3 and parts[2] in ('fx', 'job', 'sheet', 'sheets', 'holdout', 'days', 'open'):
        fam.append(parts[3])
    return re.sub(r'[0-9]{2,}', 'N', ':'.join(fam))
print('| node | family | keys | bytes | share of the node |')
print('|---|---|---|---|---|')
for p in ports:
    keys = open(f'{work}/keys-{p}.txt', encoding='utf-8', errors='replace').read().splitlines()
    sizes = open(f'{work}/sizes-{p}.txt').read().split()
    total = collections.Counter()
    count = collections.Counter()
    for k, v in zip(keys, sizes):
        if v.isdigit():
            total[family(k)] += int(v)
            count[family(k)] += 1
    all_bytes = sum(total.values()) or 1
    for fam, b in total.most_common(15):
        print(f'| {p} | `{fam}` | {count[fam]:,} | {b:,} | {100 * b / all_bytes:.1f} % |')
    print(f'| {p} | all ({len(keys):,} keys) | {sum(count.values()):,} | {sum(total.values()):,} | |')
FAM
fi
out ""
out "- load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "written to $report" >&2
