#!/usr/bin/env bash
# End-to-end: the anycast VIP follows the node's health, over real BGP + BFD.
# Topology: scripts/netns.sh (edge, bridges, uac, uas1/uas2) plus router-up:
# a router namespace rtr running bird2, joined to the edge namespace by its own
# veth; the edge namespace runs its own bird2 (conf/bird/bird.conf with this
# topology's addresses) next to sipedge-dp (af_packet) and sipedge-cp with
# [announce] on (hold_down 3 s; probes every 1 s, down after 2 failures).
# Until the dataplane's exception path exists, the BGP session runs over that
# veth (bg0), not through vo; only netns_router_up changes when it does.
# Cases, each read from the ROUTER's BIRD (show route):
#   1. healthy: BGP and BFD are up and the router holds the VIP route;
#      sipedgectl stats and /metrics say announced;
#   2. SIGKILL of sipedge-cp: the guardian withdraws; the time from kill to
#      route gone at the router is printed and must be under 1 s; a new
#      sipedge-cp announces again after the hold-down;
#   3. sipedgectl drain --grace 8 during a bounded sipp run of long calls:
#      the route is gone at once, every call in progress completes (0 failed),
#      drain reports that the node can stop; undrain re-announces;
#   4. both UASs stop: withdrawn (destinations_down); they come back: the
#      route returns no sooner than hold_down after they are up again.
# Usage: anycast_bgp.sh SIPEDGE_DP SIPEDGE_CP SIPEDGECTL [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
SIPEDGECTL=${3:-${SIPEDGECTL:-}}
E2E_SRC_ROOT=${4:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

for exe in "$SIPEDGE_DP" "$SIPEDGE_CP" "$SIPEDGECTL"; do
  [ -x "$exe" ] || { echo "anycast_bgp: not an executable: '$exe'" >&2; exit 1; }
done
# shellcheck source=bird_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/bird_lib.sh"
[ -x "$BIRD" ] && [ -x "$BIRDC" ] || { echo "anycast_bgp: bird2 not installed (scripts/install-deps.sh)" >&2; exit 1; }
HOLD_DOWN=3
CP_PID=

ctl() { in_ns edge timeout 30 "$SIPEDGECTL" "$@"; }
metric() { in_ns edge curl -s --max-time 3 http://127.0.0.1:9090/metrics | awk -v n="$1" '$1 == n { print $2 }'; }
router_birdc() { in_ns rtr "$BIRDC" -s "$E2E_WORK/rtr-bird.ctl" "$@"; }
router_has_vip() { router_birdc show route "$E2E_VIP/32" 2>/dev/null | grep -q "^ *$E2E_VIP/32"; }
router_lacks_vip() { ! router_has_vip; }
router_bfd_up() { router_birdc show bfd sessions 2>/dev/null | grep -q ' Up '; }

# Milliseconds until the router's route is present (want=1) or gone (want=0),
# at most `limit` s; empty on timeout. Each poll (ip netns exec + birdc) takes
# a few ms of its own, so the figure is an upper bound.
wait_route() {  # want limit_s [start_us]
  local want=$1 limit=$2 start=${3:-$(now_us)} now has
  while :; do
    if router_has_vip; then has=1; else has=0; fi
    now=$(now_us)
    if [ "$has" = "$want" ]; then
      echo $(((now - start) / 1000))
      return 0
    fi
    [ $((now - start)) -ge $((limit * 1000000)) ] && return 1
    sleep 0.01
  done
}


uas_start() {  # role tag: answers OPTIONS too (-aa), so the probes see it
  local role=$1 tag=$2 ip pid
  ip=$(e2e_ip_of "$role")
  ip netns exec "$(netns_name "$role")" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$ip" -p 5060 -bind_local -nostdin -aa \
    -timeout 180s -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 >"$E2E_WORK/$tag.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  eval "UAS_PID_$role=$pid"
}

uas_kill() {  # role
  local var="UAS_PID_$1"
  kill -KILL "${!var}" 2>/dev/null
  wait "${!var}" 2>/dev/null
}

e2e_init anycast_bgp
netns_router_up || e2e_die "router namespace did not come up"

# Router: accepts what the edge exports; BFD 300 ms x 3; reconnects quickly.
{
  echo "router id $E2E_ROUTER_IP;"
  echo "log stderr all;"
  echo "protocol device { scan time 10; }"
  echo "protocol bfd { interface \"r0\" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }"
  echo "protocol bgp edge {"
  echo "  local $E2E_ROUTER_IP as 65000;"
  echo "  neighbor $E2E_ROUTER_EDGE_IP as 65010;"
  echo "  bfd on;"
  echo "  hold time 9;"
  echo "  connect delay time 1;"
  echo "  connect retry time 1;"
  echo "  error wait time 1, 2;"
  echo "  ipv4 { import all; export none; };"
  echo "}"
} >"$E2E_WORK/rtr-bird.conf"
# Edge: the shipped example, with this topology's addresses.
sed -E -e "s/198\.51\.100\.2\b/$E2E_ROUTER_EDGE_IP/g" -e "s/198\.51\.100\.1\b/$E2E_ROUTER_IP/g" \
  "$E2E_SRC_ROOT/conf/bird/bird.conf" >"$E2E_WORK/edge-bird.conf"
grep -q "neighbor $E2E_ROUTER_IP as" "$E2E_WORK/edge-bird.conf" || e2e_die "edge bird config not rewritten"
bird_start rtr "$E2E_WORK/rtr-bird.conf" "$E2E_WORK/rtr-bird.ctl" "$E2E_WORK/rtr-bird.log"
bird_start edge "$E2E_WORK/edge-bird.conf" "$E2E_WORK/edge-bird.ctl" "$E2E_WORK/edge-bird.log"

e2e_write_dp_config "$E2E_WORK/sipedge.toml" algorithm=hash-callid
sed -i "s/^\[probe\]$/[probe]\ninterval = 1\ntimeout_ms = 500\nfailures_down = 2\nsuccesses_up = 1/; s/^enabled = false$/enabled = true/" \
  "$E2E_WORK/sipedge.toml"
{
  printf '\n[metrics]\nlisten = "127.0.0.1:9090"\n'
  printf '\n[announce]\nenabled = true\nbird_socket = "%s"\nprotocol = "sipedge_vip"\n' "$E2E_WORK/edge-bird.ctl"
  printf 'sets = ["pool"]\nmin_up = 1\nhold_down = %d\ndrain_grace = 8\n' "$HOLD_DOWN"
} >>"$E2E_WORK/sipedge.toml"
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
uas_start uas1 uas1
uas_start uas2 uas2
e2e_cp_start "$E2E_WORK/cp.log"

# 1. Healthy: announced after the heartbeat (two STATS replies) and the hold-down.
established=
for _ in $(seq 1 200); do
  router_birdc show protocols edge 2>/dev/null | grep -q Established && { established=1; break; }
  sleep 0.1
done
e2e_check "BGP session between router and edge is Established" [ -n "$established" ]
up_ms=$(wait_route 1 20)
echo "route at the router ${up_ms:-never} ms after the edge came up"
e2e_check "healthy node: the router holds the VIP" [ -n "$up_ms" ]
router_birdc show route "$E2E_VIP/32" all >&2
e2e_check "BFD session is up at the router" router_bfd_up
ctl stats "$E2E_WORK/sipedge.toml" >"$E2E_WORK/stats.1" 2>&1
grep -E '^(announce|bird)' "$E2E_WORK/stats.1"
e2e_check "sipedgectl stats says ANNOUNCED" grep -q '^announce *ANNOUNCED (healthy)' "$E2E_WORK/stats.1"
e2e_check "sipedge_cp_announced is 1" e2e_equal "$(metric sipedge_cp_announced)" 1
in_ns edge curl -s --max-time 3 http://127.0.0.1:9090/api/stats >"$E2E_WORK/stats.json"
e2e_check "/api/stats is JSON with announce.announced true and reason healthy" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["announce"]
sys.exit(0 if a["announced"] and a["reason"] == "healthy" and a["bird"]["confirmed"] is True else 1)' "$E2E_WORK/stats.json"

# 2. SIGKILL of sipedge-cp: the guardian withdraws.
start=$(now_us)
kill -KILL "$CP_PID"
wait "$CP_PID" 2>/dev/null
gone_ms=$(wait_route 0 5 "$start")
echo "MEASURED: SIGKILL of sipedge-cp -> VIP route gone at the router in ${gone_ms:-more than 5000} ms"
e2e_check "route withdrawn within 1 s of SIGKILL (${gone_ms:-?} ms)" e2e_between "${gone_ms:-}" 0 999
e2e_check "the guardian logged the withdrawal" grep -q "sipedge-guard: sipedge-cp is gone: disabled sipedge_vip" "$E2E_WORK/cp.log"
start=$(now_us)
e2e_cp_start "$E2E_WORK/cp2.log"
back_ms=$(wait_route 1 20 "$start")
echo "MEASURED: restarted sipedge-cp -> VIP announced again in ${back_ms:-never} ms (hold_down ${HOLD_DOWN} s)"
e2e_check "a restarted sipedge-cp announces again, not before the hold-down" e2e_between "${back_ms:-}" $((HOLD_DOWN * 1000)) 20000

# 3. Drain during calls in progress: 20 calls of 4 s at 5 cps.
e2e_uac_run drain uac_call.xml 20 5 -d 4000 &
uac_pid=$!
sleep 1.5
start=$(now_us)
ctl drain "$E2E_WORK/sipedge.toml" --grace 8 >"$E2E_WORK/drain.out" 2>&1 &
drain_pid=$!
drain_gone_ms=$(wait_route 0 5 "$start")
echo "MEASURED: sipedgectl drain -> VIP route gone at the router in ${drain_gone_ms:-more than 5000} ms"
e2e_check "drain withdraws first (route gone within 1 s)" e2e_between "${drain_gone_ms:-}" 0 999
wait "$uac_pid"
wait "$drain_pid"
drain_rc=$?
cat "$E2E_WORK/drain.out"
ok=$(e2e_sipp_stat "$E2E_WORK/drain.csv" 'SuccessfulCall(C)')
failed=$(e2e_sipp_stat "$E2E_WORK/drain.csv" 'FailedCall(C)')
echo "MEASURED: calls during the drain: ${ok:-?} ok, ${failed:-?} failed"
e2e_check "every call in progress during the drain completed (20 ok)" e2e_equal "$ok" 20
e2e_check "no call failed during the drain" e2e_equal "$failed" 0
e2e_check "drain exits 0" [ "$drain_rc" -eq 0 ]
e2e_check "drain says the node can stop" grep -q 'the node can stop' "$E2E_WORK/drain.out"
e2e_check "drain showed what still arrived" grep -q 'packets/s still arriving' "$E2E_WORK/drain.out"
e2e_check "still withdrawn after the grace" router_lacks_vip
ctl undrain "$E2E_WORK/sipedge.toml"
e2e_check "undrain re-announces after the hold-down" [ -n "$(wait_route 1 10)" ]

# 4. Every destination down, then back.
uas_kill uas1
uas_kill uas2
start=$(now_us)
down_ms=$(wait_route 0 10 "$start")
echo "MEASURED: both UASs killed -> VIP withdrawn in ${down_ms:-more than 10000} ms (probes: 2 failures at 1 s)"
e2e_check "all destinations down: withdrawn" [ -n "$down_ms" ]
e2e_check "the reason is destinations_down" \
  e2e_equal "$(metric 'sipedge_cp_announce_transitions_total{reason="destinations_down"}')" 1
uas_start uas1 uas1-back
uas_start uas2 uas2-back
start=$(now_us)
readd_ms=$(wait_route 1 15 "$start")
echo "MEASURED: UASs back -> VIP re-announced in ${readd_ms:-never} ms (probe success + hold_down ${HOLD_DOWN} s)"
e2e_check "re-announced, but only after the hold-down" e2e_between "${readd_ms:-}" $((HOLD_DOWN * 1000)) 15000

uas_kill uas1
uas_kill uas2
kill -TERM "$CP_PID" 2>/dev/null
wait "$CP_PID" 2>/dev/null
e2e_check "stopping sipedge-cp withdraws too (guardian)" [ -n "$(wait_route 0 3)" ]
e2e_edge_stop
e2e_finish
