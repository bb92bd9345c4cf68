# bench/common.sh — sourced by bench/run.sh, bench/cost.sh and
# bench/cluster.sh: what they share (a free port, the config every bench
# runs on), so that the three measure the same setup.

# A TCP port on 127.0.0.1 that is free now (the kernel's pick).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The config every bench shares, on standard output: Redis at $1, ZeroMQ on
# free loopback ports, no admin server, the null providers in bench mode,
# send windows all day; with $2 = festivals, the eight festivals for every
# store. The caller appends its stores.
bench_config() {
  cat <<CONFIG
[redis]
url = "$1"
[endpoints]
sms = "tcp://127.0.0.1:$(free_port)"
wechat = "tcp://127.0.0.1:$(free_port)"
results = "tcp://127.0.0.1:$(free_port)"
visits = ""
[admin]
listen = ""
[scheduler]
retry_delay_seconds = 1
[sms]
provider = "null"
bench = true
[wechat]
provider = "null"
bench = true
CONFIG
  if [ "${2:-}" = festivals ]; then
    cat <<'CONFIG'
[store_defaults]
festivals = ["spring_festival", "womens_day", "mothers_day", "childrens_day",
             "dragon_boat", "fathers_day", "mid_autumn", "double_ninth"]
CONFIG
  fi
  cat <<'CONFIG'
[store_defaults.policy]
send_windows = ["00:00-24:00"]
CONFIG
}

# The four stores bench/run.sh and bench/cost.sh measure (bench_gen_members
# spreads its members over them).
bench_four_stores() {
  cat <<'CONFIG'
[stores.bench1]
name = "童乐玩具"
[stores.bench2]
name = "贝贝母婴"
[stores.bench3]
name = "丽人美容"
[stores.bench4]
name = "欢唱KTV"
CONFIG
}
