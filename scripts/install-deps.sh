#!/usr/bin/env bash
# Installs every build, test and bench dependency from Debian packages.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  dpdk libdpdk-dev librte-net-tap23
  libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev libsqlite3-dev sqlite3
  libssl-dev nlohmann-json3-dev
  libmicrohttpd-dev libcurl4-openssl-dev
  sip-tester redis-server
  iproute2 nftables tcpdump
  clang libclang-rt-14-dev
  valgrind
  kamailio gnuplot-nox
  chromium curl
  bird2
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

# Kamailio is only a benchmark peer (bench/cps.sh runs it by PID inside a
# namespace). The Debian package ships a service; it must never run in the
# root namespace, where it would listen on the machine's real interfaces.
# Stop and disable it if the package (or anyone) started it. Idempotent.
kamailio_service_off() {
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    "${sudo_cmd[@]}" systemctl disable --now kamailio.service >/dev/null 2>&1 || true
  else
    if [ -x /etc/init.d/kamailio ]; then
      "${sudo_cmd[@]}" /etc/init.d/kamailio stop >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/kamailio ]; then
      "${sudo_cmd[@]}" update-rc.d kamailio disable >/dev/null 2>&1 || true
    fi
  fi
  # The service's own PID file names the daemon; nothing else is touched.
  local pidfile pid
  for pidfile in /run/kamailio/kamailio.pid /var/run/kamailio/kamailio.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null)
    if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kamailio ]; then
      "${sudo_cmd[@]}" kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}
if dpkg-query -W -f='${Status}' kamailio 2>/dev/null | grep -q 'install ok installed'; then
  kamailio_service_off
fi
