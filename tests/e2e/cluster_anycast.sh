#!/usr/bin/env bash
# End-to-end: two edge nodes share a registration through Redis (issue 6).
# Node A (edge) and node B (edge2) each run a real sipedge-dp and sipedge-cp,
# both on the VIP; store.backend = "redis", cluster.mode = "cluster", one
# redis-server in the db namespace (cluster_lib.sh). The VIP points at A
# (permanent neighbour entries in uac and nat, see cluster_lib.sh).
#   1. A UA behind the NAT (conntrack timeout NAT_UDP_TIMEOUT, default 12 s)
#      registers through the VIP, i.e. node A: 200; B's /api/registrations
#      lists the binding with owner 1; only A sends its keepalives.
#   2. Calls from uas1 sent to B's inside address for the AOR: B looks it up
#      and sends the INVITE from the VIP; the UA's answers (to the VIP) cross
#      node A; the call completes (INVITE, 200, ACK, BYE, 200), also when the
#      UA hangs up (its BYE reaches A, which routes it to B by B's
#      Record-Route).
#   2b. The VIP moves to B with A alive: the UA's answers to A's keepalives
#      land on B, which hands them to A through Redis; A counts them answered.
#   3. A's sipedge-cp is SIGKILLed: B takes the binding over within
#      keepalive.interval plus the lease (sipedge_redis_takeovers_total); the
#      answer to B's first keepalive still goes to A's dataplane, which drops
#      it (no control plane); with the VIP moved to B (the BGP withdrawal)
#      B's keepalives (branch naming node 2) reach the UA and are answered,
#      and after three NAT timeouts a request from uas1 via B still reaches
#      the UA.
#   4. Control: B's sipedge-cp restarted with keepalives off (nothing keeps
#      the mapping open): after three NAT timeouts the same request, looked
#      up the same way, does not reach the UA.
# Usage: cluster_anycast.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"
# shellcheck source=cluster_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/cluster_lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "cluster_anycast: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
# 77: meson counts it skipped.
command -v redis-server >/dev/null || { echo "cluster_anycast: redis-server not found (scripts/install-deps.sh)" >&2; exit 77; }
# Above the worst gap between A's last keepalive and B's first: one interval
# plus the takeover (lease + lease / 3), about 1.7 x interval (README, Cluster).
export NAT_UDP_TIMEOUT=${NAT_UDP_TIMEOUT:-12}
INTERVAL=5
LEASE_S=2.5 # sipedge-cp: half a keepalive interval
WAIT=$((NAT_UDP_TIMEOUT * 3 + 1))
AOR="1000@$E2E_VIP"

# One OPTIONS from uas1 to sip:1000@VIP through node B; prints its successful
# transactions (sipp/uac_options_aor.xml: nothing but keepalives crosses the
# NAT afterwards).
request_via_b() {  # tag
  cluster_sipp uas1 "$1" uac_options_aor.xml "$E2E_EDGE2_IN_IP:5060" -key vip "$E2E_VIP" >/dev/null
  cluster_successful "$1"
}

# A time in seconds (tenths) is set and at most LIMIT.
seconds_within() {  # seconds limit
  [ -n "$1" ] && awk -v t="$1" -v l="$2" 'BEGIN { exit !(t <= l) }'
}

# A message in a sipp -trace_msg file that sipp received and that has a line
# matching each ERE.
sipp_received() {  # file ere...
  local file=$1
  shift
  awk -v patterns="$(printf '%s\n' "$@")" '
    BEGIN { n = split(patterns, want, "\n") }
    function judge() { if (received && hits == n) found = 1 }
    /^-----------------------------------------------/ { judge(); received = 0; hits = 0; delete seen; next }
    /message received/ { received = 1 }
    { for (i = 1; i <= n; i++) if (!(i in seen) && $0 ~ want[i]) { seen[i] = 1; hits++ } }
    END { judge(); exit !found }' "$file"
}

# SIP requests that reached the UA, from the capture in natu: one line each,
# "source first-line-method branch-of-the-top-Via".
ua_requests() {
  python3 - "$E2E_WORK/natu.pcap" <<'PY'
import re, struct, sys
data = open(sys.argv[1], "rb").read()
if len(data) < 24:
    sys.exit(0)
endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
pos = 24
while pos + 16 <= len(data):
    _, _, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
    frame = data[pos + 16:pos + 16 + caplen]
    pos += 16 + caplen
    if len(frame) < 42 or frame[12:14] != b"\x08\x00":
        continue
    ihl = (frame[14] & 0x0F) * 4
    if frame[23] != 17:
        continue
    src = ".".join(str(b) for b in frame[26:30])
    payload = frame[14 + ihl + 8:].decode("latin-1")
    first = payload.split("\r\n", 1)[0]
    if first.startswith("SIP/2.0") or " " not in first:
        continue
    branch = re.search(r"^(?:Via|v):[^\r\n]*?branch=([^;\s]+)", payload, re.M | re.I)
    print(src, first.split(" ", 1)[0], branch.group(1) if branch else "-")
PY
}

cluster_init cluster_anycast nat
cluster_redis_start
cluster_write_configs <<CONF

[registrar]
min_expires = 60
default_expires = 600

[keepalive]
method = "options"  # keepalive
interval = $INTERVAL
failures = 3

[cluster]
mode = "cluster"
CONF
cluster_dataplanes_start
cluster_cp_start edge first
cluster_cp_start edge2 first

# Everything the UA receives, for the end (bounded in packets and time).
ip netns exec "$(netns_name natu)" timeout 280 tcpdump -ni h0 -s 0 -c 5000 -U -w "$E2E_WORK/natu.pcap" \
  udp port 5060 >"$E2E_WORK/natu.tcpdump" 2>&1 &
capture_pid=$!
E2E_PIDS+=("$capture_pid")
netns_wait_listening "$E2E_WORK/natu.tcpdump" || e2e_die "tcpdump in natu did not start"

# 1. Register through the VIP (node A); node B learns it through Redis.
cluster_sipp natu register uac_register_keep.xml "$E2E_VIP:5060"
e2e_check "the UA behind the NAT registered through node A (200)" e2e_equal "$(cluster_successful register)" 1
for _ in $(seq 1 20); do
  grep -q "^$AOR 1$" <<<"$(cluster_registrations edge2)" && break
  sleep 0.1
done
e2e_check "node B lists the binding with owner 1 (node A)" grep -qx "$AOR 1" <<<"$(cluster_registrations edge2)"
e2e_check "node A keeps it alive" e2e_equal "$(cluster_metric edge sipedge_keepalive_bindings)" 1
e2e_check "node B does not" e2e_equal "$(cluster_metric edge2 sipedge_keepalive_bindings)" 0

# 2a. A call through node B that the UA hangs up: its BYE, sent to the VIP,
# reaches node A, which routes it on along B's Record-Route (B's inside
# address) to B and so to the caller.
# Not -m 1: A's keepalive may come first, and sipp counts its automatic
# answer as a call. Stopped once the caller is done.
ip netns exec "$(netns_name natu)" timeout --kill-after=2 30 \
  sipp -sf "$E2E_SIPP_DIR/uas_call_hangup.xml" -i "$E2E_NATU_IP" -p 5060 -bind_local -nostdin -aa \
  -d 500 -timeout 25s -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/hangup-uas.csv" -fd 1 \
  -trace_msg -message_file "$E2E_WORK/hangup-uas.msg" >"$E2E_WORK/hangup-uas.out" 2>&1 &
hangup_uas_pid=$!
E2E_PIDS+=("$hangup_uas_pid")
sleep 0.5
cluster_sipp uas1 hangup uac_call_aor_wait_bye.xml "$E2E_EDGE2_IN_IP:5060" -key vip "$E2E_VIP"
rc_hangup=$?
sleep 1 # the 200 to the BYE on its way back to the UA
e2e_stop_pid "$hangup_uas_pid"
e2e_check "call via node B, the UA hangs up: the caller got the BYE and answered it" [ "$rc_hangup" -eq 0 ]
e2e_check "call via node B, the UA hangs up: the BYE reached the caller" grep -q "^BYE " "$E2E_WORK/hangup.msg"
e2e_check "call via node B, the UA hangs up: the caller's 200 to the BYE reached the UA" \
  sipp_received "$E2E_WORK/hangup-uas.msg" "^SIP/2.0 200 " "^CSeq: 1 BYE"
# From here on the UA answers INVITEs with uas_call.xml and OPTIONS
# (keepalives, requests) with sipp's automatic 200.
ip netns exec "$(netns_name natu)" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$E2E_NATU_IP" -p 5060 -bind_local -nostdin -aa \
  -timeout "$((WAIT * 2 + 60))s" -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/natu.csv" -fd 1 \
  -trace_msg -message_file "$E2E_WORK/natu.msg" >"$E2E_WORK/natu.out" 2>&1 &
E2E_UAS_PID_natu=$!
E2E_PIDS+=("$E2E_UAS_PID_natu")

# 2. A call into the UA through node B, the caller hangs up.
cluster_sipp uas1 call-via-b uac_call_aor.xml "$E2E_EDGE2_IN_IP:5060" -key vip "$E2E_VIP"
rc_call=$?
e2e_check "call via node B: the caller's sipp succeeded (INVITE, 200, ACK, BYE, 200)" [ "$rc_call" -eq 0 ]
e2e_check "call via node B: one successful call" e2e_equal "$(cluster_successful call-via-b)" 1
e2e_check "call via node B: the BYE reached the UA" grep -q "^BYE " "$E2E_WORK/natu.msg"
e2e_check "node B looked the AOR up for both calls, node A never" \
  e2e_equal "$(cluster_metric edge2 sipedge_cp_lookup_found_total)/$(cluster_metric edge sipedge_cp_lookup_found_total)" 2/0
e2e_check "node B sent no keepalives while A owned the binding" e2e_equal "$(cluster_metric edge2 sipedge_keepalive_sent_total)" 0

# 2b. The VIP moves to B while A lives (a route change, not a failure): A
# still owns the binding, and the UA's answers to A's keepalives, sent to the
# VIP, land on B, which hands them to A through Redis.
answered_a=$(cluster_metric edge sipedge_keepalive_answered_total)
cluster_vip_to edge2
handed_s=$(cluster_wait_metric edge2 sipedge_cp_replies_handed_over_total 1 $((INTERVAL + 2)))
taken_s=$(cluster_wait_metric edge sipedge_cp_replies_taken_over_total 1 2)
scrape=$(cluster_http edge /metrics)
echo "VIP on B, owner A: reply handed over after ${handed_s:-never} s, taken by A ${taken_s:-never} s later"
e2e_check "node B handed the UA's answer to A's keepalive over to A" [ -n "$handed_s" ]
e2e_check "node A took it" [ -n "$taken_s" ]
e2e_check "node A counted it answered" \
  e2e_between "$(cluster_metric edge sipedge_keepalive_answered_total "$scrape")" $((${answered_a:-0} + 1)) $((${answered_a:-0} + 2))
e2e_check "node B still sent none" e2e_equal "$(cluster_metric edge2 sipedge_keepalive_sent_total)" 0
cluster_vip_to edge

# 3. Node A's control plane dies; B takes over; the VIP moves to B once B's
# first keepalive has shown that it must (see README, Cluster: withdraw the
# VIP when sipedge-cp is down).
cluster_cp_stop edge KILL
kill_time=$EPOCHREALTIME
takeover_s=$(cluster_wait_metric edge2 sipedge_redis_takeovers_total 1 15 "$kill_time")
limit_s=$(awk -v i="$INTERVAL" -v l="$LEASE_S" 'BEGIN { print i + l }')
echo "takeover by node B ${takeover_s:-never} s after the kill (limit: interval + lease = $limit_s s)"
e2e_check "node B took node A's bindings over within $limit_s s ($takeover_s s)" seconds_within "$takeover_s" "$limit_s"
first_ka_s=$(cluster_wait_metric edge2 sipedge_keepalive_sent_total 1 $((INTERVAL + 2)) "$kill_time")
echo "node B's first keepalive ${first_ka_s:-never} s after the kill"
e2e_check "node B's first keepalive within an interval of the takeover ($first_ka_s s)" \
  seconds_within "$first_ka_s" "$(awk -v a="${takeover_s:-0}" -v i="$INTERVAL" 'BEGIN { print a + i + 0.5 }')"
e2e_check "node B lists itself as the owner" grep -qx "$AOR 2" <<<"$(cluster_registrations edge2)"
# The route decides: A's dataplane, without its control plane, drops the
# UA's answer (dropped_no_cp, checked at the end); B's frames never reach it.
sleep 1
e2e_check "while the VIP points at node A, the answer to B's first keepalive does not reach B" \
  e2e_equal "$(cluster_metric edge2 sipedge_keepalive_answered_total)" 0
cluster_vip_to edge2

rest=$(awk -v a="$kill_time" -v b="$EPOCHREALTIME" -v w="$WAIT" 'BEGIN { r = w - (b - a); print (r > 0 ? int(r + 1) : 0) }')
e2e_log "waiting ${rest}s more: ${WAIT}s after the kill, ${NAT_UDP_TIMEOUT}s NAT timeout"
sleep "$rest"
ok_on=$(request_via_b late-on)
scrape=$(cluster_http edge2 /metrics)
sent=$(cluster_metric edge2 sipedge_keepalive_sent_total "$scrape")
answered=$(cluster_metric edge2 sipedge_keepalive_answered_total "$scrape")
rtt_count=$(cluster_metric edge2 sipedge_keepalive_rtt_seconds_count "$scrape")
echo "after takeover: request ${ok_on:-?}, node B keepalives sent ${sent:-?}, answered ${answered:-?}, rtt samples ${rtt_count:-?}"
e2e_check "after $((WAIT / NAT_UDP_TIMEOUT)) NAT timeouts a request via node B reaches the UA" e2e_equal "$ok_on" 1
e2e_check "node B sent a keepalive every ${INTERVAL} s ($sent)" e2e_between "$sent" $((WAIT / INTERVAL - 2)) $((WAIT / INTERVAL + 2))
e2e_check "node B's keepalives were answered ($answered)" e2e_between "$answered" $((WAIT / INTERVAL - 3)) "${sent:-0}"
e2e_check "node B's RTT histogram has the answers" e2e_equal "$rtt_count" "$answered"

# 4. Control: nothing keeps the NAT mapping open.
cluster_cp_stop edge2 TERM
sed -i "s/^method = \".*\"  # keepalive$/method = \"off\"  # keepalive/" "$E2E_WORK/b.toml"
cluster_cp_start edge2 off
e2e_log "node B without keepalives: waiting ${WAIT}s"
sleep "$WAIT"
ok_off=$(request_via_b late-off)
echo "keepalives off: request ${ok_off:-?}"
e2e_check "the binding is still registered on node B" e2e_equal "$(cluster_metric edge2 sipedge_registrations)" 1
e2e_check "node B looked the user up (OPTIONS and its retransmissions)" \
  e2e_between "$(cluster_metric edge2 sipedge_cp_lookup_found_total)" 1 10
e2e_check "without node B's keepalives the request does not reach the UA" e2e_equal "${ok_off:-0}" 0
e2e_check "node B sent no keepalives" e2e_equal "$(cluster_metric edge2 sipedge_keepalive_sent_total)" 0

e2e_uas_stop natu
e2e_stop_pid "$capture_pid"
requests=$(ua_requests)
printf '%s\n' "$requests" >"$E2E_WORK/ua_requests.txt"
e2e_check "the INVITE reached the UA from the VIP" grep -q "^$E2E_VIP INVITE " <<<"$requests"
e2e_check "the UA saw nothing from the nodes' own outside addresses" \
  e2e_equal "$(grep -cE "^($E2E_EDGE_OUT_IP|$E2E_EDGE2_OUT_IP) " <<<"$requests")" 0
ka_a=$(grep -c "^$E2E_VIP OPTIONS z9hG4bKsk01" <<<"$requests")
ka_b=$(grep -c "^$E2E_VIP OPTIONS z9hG4bKsk02" <<<"$requests")
echo "keepalives at the UA: $ka_a from node A, $ka_b from node B"
e2e_check "the UA got node A's keepalives before the kill ($ka_a)" e2e_between "$ka_a" 1 10
e2e_check "the UA got node B's keepalives after the takeover ($ka_b)" e2e_between "$ka_b" "${answered:-1}" $((WAIT / INTERVAL + 2))

cluster_cp_stop edge2 TERM
e2e_check "node B's sipedge-cp exits cleanly" [ $? -eq 0 ]
cluster_dp2_stop
e2e_edge_stop
# Anycast: the UA answers the VIP, which pointed at A during the call.
# (Every answer of the UA's sipp has a Contact: all are NAT-fixed.)
e2e_check "the UA's answers to node B's INVITEs and BYE crossed node A, which aliased them" \
  e2e_between "$(e2e_edge_counter forwarded_response_nat)" 5 20
e2e_check "the UA's BYE crossed node A in dialog (forwarded_in_dialog)" e2e_between "$(e2e_edge_counter forwarded_in_dialog)" 1 3
e2e_check "node A's dataplane dropped what needed its dead control plane ($(e2e_edge_counter dropped_no_cp))" \
  e2e_between "$(e2e_edge_counter dropped_no_cp)" 1 3
e2e_check "the UA's 200 to the late request crossed node B" e2e_between "$(cluster_dp2_counter forwarded_response_nat)" 1 3
e2e_finish
