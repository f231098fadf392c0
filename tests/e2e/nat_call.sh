#!/usr/bin/env bash
# End-to-end: whole calls with a UA behind a NAT (nft masquerade namespace),
# through sipedge-dp + sipedge-cp. The UA's Contact is its private address
# (10.0.0.2); only the edge's far-end NAT fix (Contact ;alias=ip~port~1 of the
# NAT's public side) lets requests towards it later in the dialog through.
#   1. The UA registers.
#   2. A call INTO it from the server pool (sipp/uac_call_aor.xml from uas1):
#      INVITE -> 200 -> ACK -> BYE -> 200. The UA's 200 is aliased by the
#      dataplane's response path, so the caller's ACK and BYE reach the NAT.
#   3. A call FROM it (sipp/uac_call_wait_bye.xml) answered in the pool by a
#      UAS that hangs up (sipp/uas_call_hangup.xml): the INVITE is NAT-flagged,
#      fixed by sipedge-cp and handed back; the callee's BYE goes to the
#      aliased Contact.
# sipp's exit status (and its successful call count) proves each call.
# Usage: nat_call.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "nat_call: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
# Long enough for the whole test: this one is about the alias, not keepalives.
export NAT_UDP_TIMEOUT=${NAT_UDP_TIMEOUT:-120}

metric() {  # exact name
  ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/metrics | awk -v n="$1" '$1 == n { print $2 }'
}

sipp_in() {  # namespace tag scenario target port extra...: runs one call, returns sipp's status
  local ns=$1 tag=$2 scenario=$3 target=$4 port=$5 pid rc ip
  shift 5
  case $ns in natu) ip=$E2E_NATU_IP ;; *) ip=$(e2e_ip_of "$ns") ;; esac
  ip netns exec "$(netns_name "$ns")" timeout --kill-after=5 40 \
    sipp -sf "$E2E_SIPP_DIR/$scenario" "$target" -i "$ip" -p "$port" -bind_local -nostdin \
    -s 1000 -m 1 -r 1 -d 500 -recv_timeout 8000 -timeout 30s -max_recv_loops 10000 \
    -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 -trace_err -error_file "$E2E_WORK/$tag.err" \
    -trace_msg -message_file "$E2E_WORK/$tag.msg" "$@" >"$E2E_WORK/$tag.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  wait "$pid"
  rc=$?
  e2e_log "sipp $tag in $ns exited with status $rc"
  return "$rc"
}

uas_in() {  # namespace tag scenario: a UAS in the background, one call
  local ns=$1 tag=$2 scenario=$3 ip pid
  case $ns in natu) ip=$E2E_NATU_IP ;; *) ip=$(e2e_ip_of "$ns") ;; esac
  ip netns exec "$(netns_name "$ns")" sipp -sf "$E2E_SIPP_DIR/$scenario" -i "$ip" -p 5060 -bind_local -nostdin \
    -m 1 -d 500 -timeout 45s -max_recv_loops 10000 -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 \
    -trace_err -error_file "$E2E_WORK/$tag.err" -trace_msg -message_file "$E2E_WORK/$tag.msg" \
    >"$E2E_WORK/$tag.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  UAS_PID=$pid
  sleep 0.5
}

e2e_init nat_call
netns_nat_up || e2e_die "NAT namespaces did not come up"
e2e_write_dp_config "$E2E_WORK/sipedge.toml" dests=uas1
cat >>"$E2E_WORK/sipedge.toml" <<CONF

[[neighbour]]
address = "$E2E_NAT_WAN_IP"
mac = "$E2E_NAT_WAN_MAC"
port = "outside"

[registrar]
min_expires = 60
default_expires = 600

[keepalive]
method = "off"

[metrics]
listen = "127.0.0.1:9090"
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
e2e_cp_start "$E2E_WORK/cp.log"

# 1. Register from behind the NAT.
sipp_in natu register uac_register_keep.xml "$E2E_VIP:5060" 5060
e2e_check "the UA behind the NAT registered" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/register.csv" 'SuccessfulCall(C)')" 1

# 2. A call into the NATed UA.
uas_in natu natu-uas uas_call.xml
sipp_in uas1 call-into uac_call_aor.xml "$E2E_EDGE_IN_IP:5060" 5060 -key vip "$E2E_VIP"
rc_into=$?
wait "$UAS_PID"
rc_uas=$?
e2e_check "call into the NATed UA: caller's sipp succeeded (INVITE, 200, ACK, BYE, 200)" [ "$rc_into" -eq 0 ]
e2e_check "call into the NATed UA: one successful call" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/call-into.csv" 'SuccessfulCall(C)')" 1
e2e_check "call into the NATed UA: the UA's sipp got ACK and BYE" [ "$rc_uas" -eq 0 ]
# sipp matches answers by Call-ID only: a retransmitted INVITE 200 would pass
# for the BYE's 200. The UA's own log says whether the BYE reached it.
e2e_check "call into the NATed UA: the BYE reached the UA" grep -q "^BYE " "$E2E_WORK/natu-uas.msg"
e2e_check "the caller saw the UA's Contact aliased to the NAT's public side" \
  grep -q "^Contact: <sip:$E2E_NATU_IP:5060;transport=UDP;alias=$E2E_NAT_WAN_IP~[0-9]*~1>" "$E2E_WORK/call-into.msg"

# 3. A call from the NATed UA; the callee hangs up.
uas_in uas1 pool-uas uas_call_hangup.xml
sipp_in natu call-from uac_call_wait_bye.xml "$E2E_VIP:5060" 5062
rc_from=$?
wait "$UAS_PID"
rc_uas=$?
e2e_check "call from the NATed UA: its sipp got the callee's BYE and answered it" [ "$rc_from" -eq 0 ]
e2e_check "call from the NATed UA: one successful call" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/call-from.csv" 'SuccessfulCall(C)')" 1
e2e_check "call from the NATed UA: the callee's BYE was answered" [ "$rc_uas" -eq 0 ]
e2e_check "call from the NATed UA: the callee's BYE reached it" grep -q "^BYE " "$E2E_WORK/call-from.msg"
e2e_check "the callee saw the caller's Contact aliased" \
  grep -q "^Contact: <sip:sipp@$E2E_NATU_IP:5062;alias=$E2E_NAT_WAN_IP~[0-9]*~1>" "$E2E_WORK/pool-uas.msg"
fixed=$(metric sipedge_cp_nat_fixed_total)
e2e_check "sipedge-cp fixed the NAT-flagged INVITE (nat_fixed $fixed)" e2e_between "$fixed" 1 5

e2e_stop_pid "$CP_PID"
e2e_edge_stop
e2e_check "the dataplane aliased the NATed UA's answers (forwarded_response_nat)" \
  e2e_between "$(e2e_edge_counter forwarded_response_nat)" 2 20
e2e_finish
