#!/usr/bin/env bash
# End-to-end: NAT keepalives matter. A sipp UA behind a NAT namespace (nft
# masquerade, UDP conntrack timeout NAT_UDP_TIMEOUT, default 8 s) registers
# through sipedge-dp + sipedge-cp; after several NAT timeouts a request from
# the server pool to that user (an OPTIONS transaction: see
# sipp/uac_options_aor.xml for why not an INVITE)
#   - with [keepalive] method = "options" (every 5 s) still reaches it, and the
#     keepalives were answered (RTT histogram filled);
#   - with method = "off" (sipedge-cp restarted, same binding) does not: the
#     lookup still happens, but the NAT has forgotten the mapping.
# Usage: nat_keepalive.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "nat_keepalive: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
export NAT_UDP_TIMEOUT=${NAT_UDP_TIMEOUT:-8}
WAIT=$((NAT_UDP_TIMEOUT * 3))
CP_PID=

cp_start() {  # tag keepalive-method
  local log=$E2E_WORK/cp.$1.log
  sed -i "s/^method = \".*\"  # keepalive$/method = \"$2\"  # keepalive/" "$E2E_WORK/sipedge.toml"
  e2e_log "sipedge-cp with $2 keepalives"
  e2e_cp_start "$log"
}

cp_stop() {
  local pid=$CP_PID
  [ -n "$pid" ] || return 0
  CP_PID=
  e2e_stop_pid "$pid"
}

metric() {  # exact name with labels [saved /metrics text]; without the text, a fresh scrape
  local text=${2-$(ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/metrics)}
  awk -v n="$1" '$1 == n { print $2 }' <<<"$text"
}

# One request from uas1 to sip:1000@VIP; prints the caller's successful transactions.
call_user() {  # tag
  local pid
  ip netns exec "$(netns_name uas1)" timeout --kill-after=5 40 \
    sipp -sf "$E2E_SIPP_DIR/uac_options_aor.xml" "$E2E_EDGE_IN_IP:5060" -i "$E2E_UAS1_IP" -p 5060 -bind_local -nostdin \
    -key vip "$E2E_VIP" -s 1000 -m 1 -r 1 -recv_timeout 6000 -timeout 30s -max_recv_loops 10000 \
    -trace_stat -stf "$E2E_WORK/$1.csv" -fd 1 -trace_err -error_file "$E2E_WORK/$1.err" >"$E2E_WORK/$1.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  wait "$pid"
  e2e_log "call $1: sipp exited with status $?"
  e2e_sipp_stat "$E2E_WORK/$1.csv" 'SuccessfulCall(C)'
}

e2e_init nat_keepalive
netns_nat_up || e2e_die "NAT namespaces did not come up"
e2e_write_dp_config "$E2E_WORK/sipedge.toml"
cat >>"$E2E_WORK/sipedge.toml" <<CONF

[[neighbour]]
address = "$E2E_NAT_WAN_IP"
mac = "$E2E_NAT_WAN_MAC"
port = "outside"

[registrar]
min_expires = 60
default_expires = 600

[keepalive]
method = "options"  # keepalive
interval = 5
failures = 3

[metrics]
listen = "127.0.0.1:9090"
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
cp_start options options

# Register from behind the NAT, then answer there: OPTIONS (keepalives and
# the test's requests) with sipp's automatic 200 (-aa).
ip netns exec "$(netns_name natu)" timeout --kill-after=5 30 \
  sipp -sf "$E2E_SIPP_DIR/uac_register_keep.xml" "$E2E_VIP:5060" -i "$E2E_NATU_IP" -p 5060 -bind_local -nostdin \
  -s 1000 -m 1 -r 1 -recv_timeout 8000 -timeout 20s -trace_stat -stf "$E2E_WORK/register.csv" -fd 1 \
  >"$E2E_WORK/register.out" 2>&1 &
reg_pid=$!
E2E_PIDS+=("$reg_pid")
wait "$reg_pid"
e2e_check "the UA behind the NAT registered (200)" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/register.csv" 'SuccessfulCall(C)')" 1
ip netns exec "$(netns_name natu)" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$E2E_NATU_IP" -p 5060 -bind_local -nostdin -aa \
  -timeout "$((WAIT * 2 + 90))s" -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/natu.csv" -fd 1 \
  >"$E2E_WORK/natu.out" 2>&1 &
uas_pid=$!
E2E_PIDS+=("$uas_pid")
E2E_UAS_PID_natu=$uas_pid  # for e2e_uas_stop
e2e_check "sipedge-cp keeps one NAT binding alive" e2e_equal "$(metric sipedge_keepalive_bindings)" 1

e2e_log "keepalives on: waiting ${WAIT}s (${NAT_UDP_TIMEOUT}s NAT timeout)"
sleep "$WAIT"
ok_on=$(call_user call-on)
# One scrape for all four: a keepalive may go out and be answered between two.
scrape=$(ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/metrics)
sent=$(metric sipedge_keepalive_sent_total "$scrape")
answered=$(metric sipedge_keepalive_answered_total "$scrape")
rtt_count=$(metric sipedge_keepalive_rtt_seconds_count "$scrape")
rtt_sum=$(metric sipedge_keepalive_rtt_seconds_sum "$scrape")
echo "keepalives on: request ${ok_on:-?}, keepalives sent ${sent:-?}, answered ${answered:-?}, rtt samples ${rtt_count:-?} (sum ${rtt_sum:-?} s)"
e2e_check "with keepalives the request reaches the UA after $((WAIT / NAT_UDP_TIMEOUT)) NAT timeouts" e2e_equal "$ok_on" 1
e2e_check "keepalives were sent every 5 s ($sent)" e2e_between "$sent" $((WAIT / 5 - 1)) $((WAIT / 5 + 4))
e2e_check "keepalives were answered ($answered)" e2e_between "$answered" $((WAIT / 5 - 2)) "${sent:-0}"
e2e_check "the RTT histogram has the answers" e2e_equal "$rtt_count" "$answered"
e2e_check "the binding survived" e2e_equal "$(metric sipedge_registrations)" 1

cp_stop
cp_start off off
e2e_log "keepalives off: waiting ${WAIT}s"
sleep "$WAIT"
ok_off=$(call_user call-off)
echo "keepalives off: request ${ok_off:-?}"
e2e_check "the binding is still registered" e2e_equal "$(metric sipedge_registrations)" 1
e2e_check "sipedge-cp looked the user up (OPTIONS and its retransmissions)" e2e_between "$(metric sipedge_cp_lookup_found_total)" 1 10
e2e_check "without keepalives the request does not reach the UA behind the NAT" e2e_equal "${ok_off:-0}" 0
e2e_check "no keepalives were sent" e2e_equal "$(metric sipedge_keepalive_sent_total)" 0

e2e_uas_stop natu
cp_stop
e2e_check "sipedge-cp exits cleanly" [ $? -eq 0 ]
e2e_edge_stop
e2e_finish
