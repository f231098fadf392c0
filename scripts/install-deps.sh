#!/usr/bin/env bash
# Installs every build, test and bench dependency from Debian packages.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  dpdk libdpdk-dev
  libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev libsqlite3-dev sqlite3
  sip-tester redis-server
  iproute2 nftables tcpdump
  clang libclang-rt-14-dev
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
