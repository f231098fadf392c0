#!/usr/bin/env bash
# sipedge in one command: installs the dependencies, builds, brings up a
# network-namespace topology (scripts/netns.sh), runs sipedge-dp on af_packet
# between a sipp UAC and two sipp UAS backends, and drives real calls through
# it for a bounded time:
#   phase 1: 30 calls/s for 10 s, under the edge's 40 calls/s limit
#   phase 2: 60 calls/s for 10 s, over it: the edge answers the excess 503
# while printing the edge's per-second "cps=.. breaches=.." lines, then a
# summary. Everything it started is stopped and every namespace deleted on
# exit, Ctrl-C included. Needs root (network namespaces).
#
# Usage: scripts/demo.sh [--no-install] [--no-build] [--edge dp|mini]
#   --edge mini runs tests/e2e/mini_proxy.py (kernel sockets) instead of
#   sipedge-dp: the same picture without DPDK, for checking the harness.
#   DEMO_LIMIT, DEMO_RATE1, DEMO_RATE2, DEMO_SECONDS override the numbers.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

install=1
build=1
edge=dp
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --edge)
      edge=${2:?--edge needs dp or mini}
      shift
      ;;
    -h | --help)
      sed -n '2,17p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

limit=${DEMO_LIMIT:-40}
rate1=${DEMO_RATE1:-30}
rate2=${DEMO_RATE2:-60}
seconds=${DEMO_SECONDS:-10}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root for network namespaces (try: sudo $0 $*)" >&2
  exit 1
fi
if [ "$install" = 1 ]; then
  echo "== installing dependencies (scripts/install-deps.sh)"
  scripts/install-deps.sh || exit 1
fi
if [ "$build" = 1 ] && [ "$edge" = dp ]; then
  echo "== building (scripts/build.sh release -> build/)"
  scripts/build.sh release || exit 1
fi
SIPEDGE_DP=$root/build/dataplane/dp/sipedge-dp
if [ "$edge" = dp ] && [ ! -x "$SIPEDGE_DP" ]; then
  echo "demo: $SIPEDGE_DP not built" >&2
  exit 1
fi

export E2E_SRC_ROOT=$root
# shellcheck source=../tests/e2e/lib.sh
source "$root/tests/e2e/lib.sh"

echo "== topology (namespaces se-${RUN:-$$}-*)"
e2e_init demo

if [ "$edge" = dp ]; then
  e2e_write_dp_config "$E2E_WORK/sipedge.toml" algorithm=hash-callid cps="$limit" breach=reply503
  echo "== sipedge-dp: VIP $E2E_VIP, hash-callid over $E2E_UAS1_IP and $E2E_UAS2_IP, cps.global = $limit"
  e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml" --stats-ms 1000
else
  echo "== mini_proxy (stand-in): VIP $E2E_VIP, hash over $E2E_UAS1_IP and $E2E_UAS2_IP, $limit calls/s"
  e2e_edge_start mini "$E2E_WORK/edge.log" --dest "sip:$E2E_UAS1_IP" --dest "sip:$E2E_UAS2_IP" \
    --cps "$limit" --stats-ms 1000
fi
e2e_uas_start uas1 $((2 * seconds + 90))
e2e_uas_start uas2 $((2 * seconds + 90))
sleep 0.5

# Live per-second lines from the edge, prefixed; bounded by the demo's life.
e2e_follow "$E2E_WORK/edge.log" '(^|[^a-z_])cps=' '  edge: ' $((2 * seconds + 120)) &
follower=$!
E2E_PIDS+=("$follower")

echo "== phase 1: $rate1 calls/s for ${seconds}s (limit $limit)"
e2e_uac_run phase1 uac_invite_503.xml $((rate1 * seconds)) "$rate1"
echo "== phase 2: $rate2 calls/s for ${seconds}s (limit $limit)"
e2e_uac_run phase2 uac_invite_503.xml $((rate2 * seconds)) "$rate2"

e2e_uas_stop uas1
e2e_uas_stop uas2
sleep 1.5 # the last per-second lines
e2e_edge_stop
sleep 0.6
e2e_stop_pid "$follower"

echo
echo "== summary"
for phase in phase1 phase2; do
  printf '  %s: %s calls answered, %s rejected with 503, %s failed\n' "$phase" \
    "$(e2e_count_log "$E2E_WORK/$phase.log" answered)" \
    "$(e2e_count_log "$E2E_WORK/$phase.log" rejected503)" \
    "$(e2e_sipp_stat "$E2E_WORK/$phase.csv" 'FailedCall(C)')"
done
printf '  backends: uas1 completed %s calls, uas2 %s\n' \
  "$(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'SuccessfulCall(C)')" \
  "$(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'SuccessfulCall(C)')"
echo "  edge counters at exit (non-zero):"
awk 'NF == 2 && $2 ~ /^[0-9]+$/ && $2 > 0 && $1 !~ /=/ { printf "    %-32s %s\n", $1, $2 }' "$E2E_WORK/edge.log"
echo "== tearing down"
