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
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUITOU_SANITIZE=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"
