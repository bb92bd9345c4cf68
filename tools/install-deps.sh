#!/usr/bin/env bash
# Installs the Debian packages huitou needs that are not installed yet.
# Usage: tools/install-deps.sh [build|test|all]   (default: all)
# Runs apt-get as root, or through sudo. Does nothing when all are present.
set -euo pipefail

build_packages=(
  cmake ninja-build g++ pkg-config tzdata
  libzmq3-dev cppzmq-dev libhiredis-dev nlohmann-json3-dev libtomlplusplus-dev
  libcli11-dev libspdlog-dev libkainjow-mustache-dev libhowardhinnant-date-dev
  libphonenumber-dev libicu-dev libcurl4-openssl-dev libssl-dev libcpp-httplib-dev
  libexpat1-dev libsodium-dev
  redis-server
)
test_packages=(catch2 clang libclang-rt-14-dev kannel kannel-extras curl python3 python3-jsonschema systemd prometheus
  chromium chromium-driver python3-selenium fonts-noto-cjk)

case "${1:-all}" in
  build) wanted=("${build_packages[@]}") ;;
  test|all) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
