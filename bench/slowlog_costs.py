#!/usr/bin/env python3
# bench/slowlog_costs.py PORT COUNT UNIT — Redis's SLOWLOG (taken with
# slowlog-log-slower-than 0, so every command is in it) summed by what ran:
# a script by the names of its first keys (the store and ids taken out, so
# all calls of one script add up), a hash/zset command by its key family
# (m, nm, p4, bd, sheet, ...). SLOWLOG logs the commands a script runs as
# well as the script, so the script rows include their own commands' rows;
# logging every command also slows Redis (the totals are higher than
# INFO commandstats'). Used by bench/cost.sh --slowlog.
import collections
import re
import socket
import sys

port, count, unit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = socket.create_connection(("127.0.0.1", port))
stream = conn.makefile("rb")


def send(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    conn.sendall(out)


def read():
    line = stream.readline()[:-2]
    kind, rest = line[:1], line[1:]
    if kind in (b"+", b"-"):
        return rest.decode(errors="replace")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else stream.read(n + 2)[:-2].decode(errors="replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read() for _ in range(n)]
    raise RuntimeError("unexpected reply %r" % line)


def family(key):
    return re.sub(r"hu:\{[^}]*\}:", "", key).split(":")[0]


def name(args):
    command = args[0].lower()
    if command in ("evalsha", "eval"):
        nkeys = int(args[2])
        keys = [re.sub(r"[^:]*\d[^:]*", "#", re.sub(r"hu:\{[^}]*\}:", "", k))
                for k in args[3:3 + min(nkeys, 3)]]
        return "script [%s%s]" % (",".join(keys), ",…" if nkeys > 3 else "")
    if len(args) > 1 and command.startswith(("h", "z", "s")) and command not in ("scan", "script"):
        return "%s %s" % (command, family(args[1]))
    return command


send("SLOWLOG", "GET", "-1")
entries = read()
totals = collections.defaultdict(lambda: [0, 0])
for e in entries:
    t = totals[name(e[3])]
    t[0] += 1
    t[1] += e[2]
print("SLOWLOG, %d entries (a script's commands also in its own rows):" % len(entries))
for what, (calls, usec) in sorted(totals.items(), key=lambda kv: -kv[1][1])[:20]:
    if usec / count < 0.05:
        continue
    print("  %-50s %7.3f calls a %s, %7.2f µs a %s, %8.2f µs a call"
          % (what[:50], calls / count, unit, usec / count, unit, usec / calls))
