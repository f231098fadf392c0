#!/usr/bin/env bash
# End-to-end: two anycast edge nodes behind a BGP router, every session
# through the dataplanes' exception paths (issue 12, item 4).
# Topology: scripts/netns.sh up + edge2-up + db-up (cluster_lib.sh) and
# anycast-up: the router isp on the outside bridge runs bird2 with one BGP
# session (BFD 300 ms x 3) to each node's address and installs the VIP with
# ECMP (merge paths); the UAC ispu sits behind it. Each node: sipedge-dp on
# af_packet with a net_tap exception interface on its outside port holding the
# node address (A 203.0.113.2, B 203.0.113.3), its own bird2 (conf/bird/bird.conf
# with these addresses) whose BGP and BFD go through that interface, hence
# through sipedge-dp, and sipedge-cp with [announce]; one shared redis-server.
# The router hashes flows by L4 ports and sipp opens one socket per call
# (-t un), so calls spread over both nodes.
# Cases, each under a bounded sipp load from ispu, read from the router's
# kernel routes (what bird installed):
#   1. both healthy: the router's VIP route has both nodes as next hops;
#   2. SIGKILL of A's sipedge-cp: A's next hop gone (ms printed, < 1 s), B's
#      stays, calls continue (failed calls printed); A's cp restarted: back;
#   3. sipedgectl drain on A: A's next hop gone, 0 failed calls; undrain;
#   4. every destination of A set down on A (sipedgectl set-state): A
#      withdraws (destinations_down), B stays; set up again: A returns after
#      the hold-down;
#   5. SIGKILL of A's sipedge-dp: the router's BFD drops A (ms printed,
#      target < 1 s), calls continue through B (failed calls printed).
# (The dataplane kill comes last so that A need not be rebuilt.)
# Usage: anycast_cluster.sh SIPEDGE_DP SIPEDGE_CP SIPEDGECTL [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
SIPEDGECTL=${3:-${SIPEDGECTL:-}}
E2E_SRC_ROOT=${4:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"
# shellcheck source=cluster_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/cluster_lib.sh"

for exe in "$SIPEDGE_DP" "$SIPEDGE_CP" "$SIPEDGECTL"; do
  [ -x "$exe" ] || { echo "anycast_cluster: not an executable: '$exe'" >&2; exit 1; }
done
# shellcheck source=bird_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/bird_lib.sh"
[ -x "$BIRD" ] && [ -x "$BIRDC" ] || { echo "anycast_cluster: bird2 not installed (scripts/install-deps.sh)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "anycast_cluster: redis-server not installed" >&2; exit 1; }
HOLD_DOWN=3
TAP=sxo
LOAD_RATE=20

node_ip() { if [ "$1" = edge ]; then echo "$E2E_EDGE_OUT_IP"; else echo "$E2E_EDGE2_OUT_IP"; fi; }
router_birdc() { in_ns isp "$BIRDC" -s "$E2E_WORK/isp-bird.ctl" "$@"; }
# The next hops of the VIP route in the router's kernel, one per line.
router_next_hops() {
  nip isp route show "$E2E_VIP/32" 2>/dev/null | grep -o 'via [0-9.]*' | awk '{ print $2 }' | sort
}
router_has_hop() { router_next_hops | grep -qx "$(node_ip "$1")"; }

# Milliseconds until the router's route via NODE is present (want=1) or gone
# (want=0), at most LIMIT s; empty on timeout. Each poll costs a few ms of its
# own (ip netns exec), so the figure is an upper bound.
wait_hop() {  # node want limit_s [start_us]
  local node=$1 want=$2 limit=$3 start=${4:-$(now_us)} now has
  while :; do
    if router_has_hop "$node"; then has=1; else has=0; fi
    now=$(now_us)
    if [ "$has" = "$want" ]; then
      echo $(((now - start) / 1000))
      return 0
    fi
    [ $((now - start)) -ge $((limit * 1000000)) ] && return 1
    sleep 0.01
  done
}

# A counter of a node's sipedge-dp, from its telemetry socket (EAL file
# prefix se-$RUN for A, se-$RUN-2 for B: lib.sh's e2e_write_dp_config).
dp_stat() {  # node name
  local prefix=se-$RUN
  [ "$1" = edge2 ] && prefix=se-$RUN-2
  python3 - "$prefix" "$2" <<'PY'
import json, socket, sys
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
    s.settimeout(5)
    s.connect(f"/var/run/dpdk/{sys.argv[1]}/dpdk_telemetry.v2")
    s.recv(16384)
    s.send(b"/sipedge/stats")
    print(json.loads(s.recv(1 << 20))["/sipedge/stats"].get(sys.argv[2], ""))
PY
}


uas_start() {  # role: answers OPTIONS too (-aa), so the probes see it
  local role=$1 ip
  ip=$(e2e_ip_of "$role")
  ip netns exec "$(netns_name "$role")" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$ip" -p 5060 -bind_local -nostdin -aa \
    -timeout 300s -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/$role.csv" -fd 1 >"$E2E_WORK/$role.out" 2>&1 &
  E2E_PIDS+=("$!")
}

# A bounded call load from ispu in the background (one UDP socket per call);
# LOAD_PID is the sipp process. Files $E2E_WORK/<tag>.{csv,out}.
load_start() {  # tag calls
  local tag=$1 calls=$2 seconds
  seconds=$((calls / LOAD_RATE + 30))
  ip netns exec "$(netns_name ispu)" timeout --kill-after=5 "$((seconds + 10))" \
    sipp -sf "$E2E_SIPP_DIR/uac_call.xml" "$E2E_VIP:5060" -i "$E2E_ISP_UAC_IP" -p 5060 -t un -max_socket 1000 -nostdin \
    -m "$calls" -r "$LOAD_RATE" -l $((LOAD_RATE * 10)) -d 1000 -s 1000 -recv_timeout 8000 -timeout "${seconds}s" \
    -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 \
    -trace_err -error_file "$E2E_WORK/$tag.err" >"$E2E_WORK/$tag.out" 2>&1 &
  LOAD_PID=$!
  E2E_PIDS+=("$LOAD_PID")
  e2e_log "sipp load $tag: $calls calls at $LOAD_RATE cps from ispu, pid $LOAD_PID"
}

# Waits for the load (in this shell: the sipp is its child); sets ok and
# failed from its statistics.
load_wait() {  # tag
  wait "$LOAD_PID"
  e2e_log "sipp load $1 exited with status $?"
  ok=$(cluster_successful "$1")
  failed=$(e2e_sipp_stat "$E2E_WORK/$1.csv" 'FailedCall(C)')
}

cluster_init anycast_cluster
netns_anycast_up || e2e_die "the router namespaces did not come up"
cluster_redis_start

cluster_write_configs <<CONF

[[neighbour]]
address = "$E2E_ISP_UAC_IP"
mac = "$E2E_ISP_MAC"
port = "outside"

[[neighbour]]
address = "$E2E_ISP_IP"
mac = "$E2E_ISP_MAC"
port = "outside"

[announce]
enabled = true
protocol = "sipedge_vip"
sets = ["pool"]
min_up = 1
hold_down = $HOLD_DOWN
drain_grace = 6
CONF
for node in edge edge2; do
  config=$(cluster_config_of "$node")
  echo "bird_socket = \"$E2E_WORK/$node-bird.ctl\"" >>"$config"
  sed -i -e "s/^\[probe\]$/[probe]\ninterval = 1\ntimeout_ms = 500\nfailures_down = 2\nsuccesses_up = 1/" \
    -e "s/^enabled = false$/enabled = true/" \
    -e "/^punt_socket = /a exception_pps = 2000" \
    -e "/^role = \"outside\"/a exception = \"$TAP\"" "$config"
  grep -q "^exception = \"$TAP\"" "$config" || e2e_die "could not add the exception keys to $config"
done

cluster_dataplanes_start

# Each node's address on its exception interface; vo and vi are isolated
# from the edge kernel as in exception_path.sh (on a real NIC the kernel
# never sees the port at all), so BGP and BFD can only pass through the tap.
for node in edge edge2; do
  for _ in $(seq 1 50); do
    nip "$node" link show "$TAP" >/dev/null 2>&1 && break
    sleep 0.1
  done
  nip "$node" link show "$TAP" >/dev/null 2>&1 || e2e_die "sipedge-dp in $node did not create $TAP"
  for ifname in vo vi; do
    in_ns "$node" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1" "net.ipv4.conf.$ifname.arp_ignore=8" ||
      e2e_die "cannot isolate $node/$ifname from its kernel"
  done
  in_ns "$node" sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
  nip "$node" addr add "$(node_ip "$node")/24" dev "$TAP" && nip "$node" link set "$TAP" up ||
    e2e_die "cannot address $node/$TAP"
done

# Router: one session per node, BFD on r0, the VIP's paths merged into one
# multipath kernel route; flows hashed by L4 ports.
in_ns isp sysctl -qw net.ipv4.fib_multipath_hash_policy=1
{
  echo "router id $E2E_ISP_IP;"
  echo "log stderr all;"
  echo "protocol device { scan time 10; }"
  echo "protocol kernel { ipv4 { import none; export all; }; merge paths on; }"
  echo "protocol bfd { interface \"r0\" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }"
  for node in edge edge2; do
    echo "protocol bgp node_$node {"
    echo "  local $E2E_ISP_IP as 65000;"
    echo "  neighbor $(node_ip "$node") as 65010;"
    echo "  bfd on;"
    echo "  hold time 9;"
    echo "  connect delay time 1;"
    echo "  connect retry time 1;"
    echo "  error wait time 1, 2;"
    echo "  ipv4 { import all; export none; };"
    echo "}"
  done
} >"$E2E_WORK/isp-bird.conf"
bird_start isp "$E2E_WORK/isp-bird.conf" "$E2E_WORK/isp-bird.ctl" "$E2E_WORK/isp-bird.log"
# Nodes: the shipped example with their own addresses.
for node in edge edge2; do
  sed -E -e "s/198\.51\.100\.2\b/$(node_ip "$node")/g" -e "s/198\.51\.100\.1\b/$E2E_ISP_IP/g" \
    "$E2E_SRC_ROOT/conf/bird/bird.conf" >"$E2E_WORK/$node-bird.conf"
  grep -q "neighbor $E2E_ISP_IP as" "$E2E_WORK/$node-bird.conf" || e2e_die "$node bird config not rewritten"
  bird_start "$node" "$E2E_WORK/$node-bird.conf" "$E2E_WORK/$node-bird.ctl" "$E2E_WORK/$node-bird.log"
done

uas_start uas1
uas_start uas2
cluster_cp_start edge 1
cluster_cp_start edge2 1

# 1. Both healthy.
for node in edge edge2; do
  established=
  for _ in $(seq 1 300); do
    router_birdc show protocols "node_$node" 2>/dev/null | grep -q Established && { established=1; break; }
    sleep 0.1
  done
  e2e_check "BGP between the router and $node is Established (through its exception path)" [ -n "$established" ]
done
up_a=$(wait_hop edge 1 30)
up_b=$(wait_hop edge2 1 30)
echo "VIP route via A ${up_a:-never} ms, via B ${up_b:-never} ms after the router's sessions came up; next hops: $(router_next_hops | tr '\n' ' ')"
nip isp route show "$E2E_VIP/32" >&2
router_birdc show bfd sessions >&2
e2e_check "healthy: the router's VIP route has both nodes as next hops" \
  e2e_equal "$(router_next_hops | tr '\n' ' ')" "$E2E_EDGE_OUT_IP $E2E_EDGE2_OUT_IP "
e2e_check "two BFD sessions are up at the router" e2e_equal "$(router_birdc show bfd sessions | grep -c ' Up ')" 2
calls_a=$(dp_stat edge calls) calls_b=$(dp_stat edge2 calls)
load_start healthy 100
sleep 2
hops_under_load=$(router_next_hops | tr '\n' ' ')
load_wait healthy
calls_a=$(($(dp_stat edge calls) - ${calls_a:-0})) calls_b=$(($(dp_stat edge2 calls) - ${calls_b:-0}))
echo "MEASURED: both healthy: calls through A $calls_a, through B $calls_b (ECMP, L4 hash)"
for node in edge edge2; do
  exc_rx=$(dp_stat "$node" exception_rx) exc_tx=$(dp_stat "$node" exception_tx)
  e2e_check "$node's BGP/BFD went through its sipedge-dp (exception_rx=$exc_rx exception_tx=$exc_tx)" \
    bash -c "[ '${exc_rx:-0}' -gt 0 ] && [ '${exc_tx:-0}' -gt 0 ]"
done
e2e_check "the router spread calls over both nodes (A $calls_a, B $calls_b)" \
  bash -c "[ $calls_a -gt 0 ] && [ $calls_b -gt 0 ]"
echo "MEASURED: both healthy: ${ok:-?} ok, ${failed:-?} failed of 100 calls; next hops under load: $hops_under_load"
e2e_check "both healthy: every call succeeded" e2e_equal "$ok" 100
e2e_check "both next hops stayed under load" e2e_equal "$hops_under_load" "$E2E_EDGE_OUT_IP $E2E_EDGE2_OUT_IP "

# 2. SIGKILL of A's sipedge-cp under load.
load_start cpkill 300
sleep 3
start=$(now_us)
kill -KILL "$CPA_PID"
wait "$CPA_PID" 2>/dev/null
gone_ms=$(wait_hop edge 0 5 "$start")
b_kept=0
router_has_hop edge2 && b_kept=1
load_wait cpkill
echo "MEASURED: SIGKILL of A's sipedge-cp -> A's route gone at the router in ${gone_ms:-more than 5000} ms; calls: ${ok:-?} ok, ${failed:-?} failed of 300"
e2e_check "A's route withdrawn within 1 s of its sipedge-cp's SIGKILL (${gone_ms:-?} ms)" e2e_between "${gone_ms:-}" 0 999
e2e_check "B's route stays" [ "$b_kept" = 1 ]
e2e_check "calls continue through B (at least 295 of 300 ok: $ok)" e2e_between "${ok:-}" 295 300
cluster_cp_start edge 2
back_ms=$(wait_hop edge 1 20)
echo "MEASURED: A's sipedge-cp restarted -> A's route back in ${back_ms:-never} ms (hold_down ${HOLD_DOWN} s)"
e2e_check "A announces again after its sipedge-cp restarts" [ -n "$back_ms" ]

# 3. Drain of A under load: zero failed calls.
load_start drain 300
sleep 3
start=$(now_us)
in_ns edge timeout 30 "$SIPEDGECTL" drain "$(cluster_config_of edge)" --grace 6 >"$E2E_WORK/drain-ctl.out" 2>&1 &
drain_pid=$!
E2E_PIDS+=("$drain_pid")
drain_ms=$(wait_hop edge 0 5 "$start")
load_wait drain
wait "$drain_pid"
drain_rc=$?
cat "$E2E_WORK/drain-ctl.out"
echo "MEASURED: sipedgectl drain on A -> A's route gone in ${drain_ms:-more than 5000} ms; calls: ${ok:-?} ok, ${failed:-?} failed of 300"
e2e_check "drain withdraws A (${drain_ms:-?} ms)" e2e_between "${drain_ms:-}" 0 999
e2e_check "drain under load: every call succeeded (300)" e2e_equal "$ok" 300
e2e_check "drain under load: zero failed calls" e2e_equal "$failed" 0
e2e_check "drain exits 0 and says the node can stop" \
  bash -c "[ $drain_rc -eq 0 ] && grep -q 'the node can stop' '$E2E_WORK/drain-ctl.out'"
in_ns edge timeout 30 "$SIPEDGECTL" undrain "$(cluster_config_of edge)"
e2e_check "undrain: A's route is back" [ -n "$(wait_hop edge 1 15)" ]

# 4. Every destination of A down (operator overrides on A only; B still
# sees them up): A withdraws, B carries the calls; back up: A returns after
# the hold-down.
set_state_a() {  # up|down
  local dest
  for dest in "$E2E_UAS1_IP:5060" "$E2E_UAS2_IP:5060"; do
    in_ns edge timeout 10 "$SIPEDGECTL" set-state "$(cluster_config_of edge)" "$dest" "$1" >>"$E2E_WORK/set-state.out" 2>&1 ||
      e2e_die "set-state $dest $1 on A failed: $(cat "$E2E_WORK/set-state.out")"
  done
}
load_start destsdown 300
sleep 3
start=$(now_us)
set_state_a down
dests_ms=$(wait_hop edge 0 5 "$start")
b_kept=0
router_has_hop edge2 && b_kept=1
load_wait destsdown
reason=$(cluster_metric edge 'sipedge_cp_announce_transitions_total{reason="destinations_down"}')
echo "MEASURED: all of A's destinations down -> A's route gone in ${dests_ms:-more than 5000} ms; calls: ${ok:-?} ok, ${failed:-?} failed of 300"
e2e_check "all of A's destinations down: A withdraws (${dests_ms:-?} ms)" e2e_between "${dests_ms:-}" 0 999
e2e_check "the reason is destinations_down" e2e_equal "$reason" 1
e2e_check "B's route stays" [ "$b_kept" = 1 ]
e2e_check "calls continue through B (at least 290 of 300 ok: $ok)" e2e_between "${ok:-}" 290 300
start=$(now_us)
set_state_a up
readd_ms=$(wait_hop edge 1 15 "$start")
echo "MEASURED: A's destinations up again -> A's route back in ${readd_ms:-never} ms (hold_down ${HOLD_DOWN} s)"
e2e_check "A re-announces, not before the hold-down" e2e_between "${readd_ms:-}" $((HOLD_DOWN * 1000)) 15000

# 5. SIGKILL of A's sipedge-dp under load: only BFD can tell the router (the
# node's BGP session went down with its exception interface).
load_start dpkill 300
sleep 3
start=$(now_us)
kill -KILL "$E2E_EDGE_PID"
gone_ms=$(wait_hop edge 0 10 "$start")
wait "$E2E_EDGE_PID" 2>/dev/null
E2E_EDGE_PID=
b_kept=0
router_has_hop edge2 && b_kept=1
load_wait dpkill
router_birdc show protocols all node_edge >"$E2E_WORK/isp-node_edge.txt" 2>&1
grep -E 'BGP state|Last error' "$E2E_WORK/isp-node_edge.txt" >&2
echo "MEASURED: SIGKILL of A's sipedge-dp -> A's route gone at the router in ${gone_ms:-more than 10000} ms (BFD 300 ms x 3); calls: ${ok:-?} ok, ${failed:-?} failed of 300"
e2e_check "BFD removes A's route within 1 s of its sipedge-dp's SIGKILL (${gone_ms:-?} ms)" e2e_between "${gone_ms:-}" 0 999
e2e_check "the router's BFD took A's session down" grep -q 'Last error:.*BFD session down' "$E2E_WORK/isp-node_edge.txt"
e2e_check "B's route stays" [ "$b_kept" = 1 ]
e2e_check "calls continue through B (at least 270 of 300 ok: $ok)" e2e_between "${ok:-}" 270 300

cluster_cp_stop edge TERM
cluster_cp_stop edge2 TERM
cluster_dp2_stop
e2e_finish
