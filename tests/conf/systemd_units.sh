#!/usr/bin/env bash
# The systemd units in conf/systemd pass `systemd-analyze verify` (unknown
# keys, bad values, missing executables) with @BINDIR@ pointing at this
# build's binaries, and the config file their ExecStartPre checks is valid.
# Usage: systemd_units.sh SOURCE_ROOT SIPEDGE_DP SIPEDGE_CP SIPEDGECTL
set -euo pipefail
src=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for exe in "$2" "$3" "$4"; do ln -s "$(readlink -f "$exe")" "$dir/$(basename "$exe")"; done
for unit in sipedge-dp sipedge-cp; do
  sed -e "s|@BINDIR@|$dir|g" -e "s|@SYSCONFDIR@|$src/conf/..|g" "$src/conf/systemd/$unit.service" >"$dir/$unit.service"
  grep -q "^ExecStart=$dir/$unit " "$dir/$unit.service" || { echo "$unit: ExecStart does not run $unit"; exit 1; }
done
# verify exits 0 on unknown keys; any output at all is a finding here.
out=$(systemd-analyze verify "$dir/sipedge-dp.service" "$dir/sipedge-cp.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
# Every @VAR@ was substituted, and the ExecStartPre check passes on the shipped config.
if grep -n '@[A-Z]*@' "$dir"/*.service; then echo "unsubstituted variable"; exit 1; fi
"$4" check-config "$src/conf/sipedge.toml" >/dev/null
echo "units verified"
