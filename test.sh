#!/usr/bin/env bash
# ./test.sh — installs what is missing, builds, and runs every test.
#
# The build is instrumented with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/); unit tests (label "unit") and integration tests against real
# redis-server processes and ZeroMQ sockets (label "integration") run through
# ctest. Extra arguments go to ctest, e.g. ./test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")"

tools/install-deps.sh all

build=build-asan
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUITOU_SANITIZE=ON \
  -DHUITOU_BENCH=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
(cd "$build" && ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@")

# Fuzz the parsers that read outside input (CSV, wire, templates, visits,
# JSON Lines members, the TOML config) with
# libFuzzer for a bounded time each, starting from the seeds in fuzz/seeds.
if [ $# -eq 0 ] && [ "${FUZZ_SECONDS:-30}" != 0 ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHUITOU_FUZZ=ON -DHUITOU_TESTS=OFF >/dev/null
  cmake --build build-fuzz --parallel "$(nproc)" \
    --target huitou_csv_reader_fuzz huitou_wire_fuzz huitou_template_fuzz huitou_visit_fuzz \
    huitou_member_jsonl_fuzz huitou_config_fuzz
  for target in csv_reader wire template visit member_jsonl config; do
    corpus=$(mktemp -d)
    echo "fuzzing $target for ${FUZZ_SECONDS:-30} s"
    # A sanitizer report (UBSan halts) fails the run even when libFuzzer
    # wrote no crash file: the fuzzer's exit status says so.
    status=0
    out=$(build-fuzz/bin/huitou_${target}_fuzz -max_total_time="${FUZZ_SECONDS:-30}" \
      -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" "fuzz/seeds/$target" 2>&1) \
      || status=$?
    grep -E "^(stat::number_of_executed_units|Done|==[0-9]+==ERROR)|SUMMARY" <<<"$out" || true
    rm -rf "$corpus"
    if [ "$status" -ne 0 ]; then
      echo "fuzzing $target failed (exit $status):" >&2
      grep -E -B2 -A20 "runtime error|==ERROR|SUMMARY" <<<"$out" | head -60 >&2
      exit 1
    fi
    if ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* >/dev/null 2>&1; then
      echo "fuzzing $target found a failing input: $(ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* 2>/dev/null)" >&2
      exit 1
    fi
  done
fi
