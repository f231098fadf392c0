#!/usr/bin/env bash
# End-to-end: registrar `proxy` mode with refresh absorption, through
# sipedge-dp + sipedge-cp. A real upstream registrar (sipp/uas_registrar.xml
# on uas1, the only member of registrar.set, granting 10 s) behind the edge;
# a phone behind the NAT namespace re-registering 40 times, every 250 ms, with
# one Call-ID (sipp/uac_register_refresh.xml).
#   - every REGISTER of the phone is answered 200 (sipp's exit status);
#   - the registrar saw far fewer: the first, and one refresh per half of its
#     10 s lifetime (about 3), never more than a quarter of the phone's;
#   - the edge holds the binding the registrar granted (sipedge_registrations,
#     /api/registrations: the aliased Contact, NAT flag) and counts both sides.
# Usage: register_proxy.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "register_proxy: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
export NAT_UDP_TIMEOUT=${NAT_UDP_TIMEOUT:-120}
REGISTERS=40  # uac_register_refresh.xml

metric() {  # exact name with labels
  ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/metrics | awk -v n="$1" '$1 == n { print $2 }'
}

e2e_init register_proxy
netns_nat_up || e2e_die "NAT namespaces did not come up"
e2e_write_dp_config "$E2E_WORK/sipedge.toml" dests=uas2
cat >>"$E2E_WORK/sipedge.toml" <<CONF

[[set]]
name = "registrars"
id = 2
algorithm = "hash-callid"

[[set.destination]]
uri = "sip:$E2E_UAS1_IP:5060"
description = "upstream registrar"

[[neighbour]]
address = "$E2E_NAT_WAN_IP"
mac = "$E2E_NAT_WAN_MAC"
port = "outside"

[registrar]
mode = "proxy"
set = "registrars"
absorb_refreshes = true
flood_rate = 0

[keepalive]
method = "off"

[metrics]
listen = "127.0.0.1:9090"
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
e2e_cp_start "$E2E_WORK/cp.log"

# The upstream registrar.
ip netns exec "$(netns_name uas1)" sipp -sf "$E2E_SIPP_DIR/uas_registrar.xml" -i "$E2E_UAS1_IP" -p 5060 -bind_local -nostdin \
  -timeout 60s -max_recv_loops 10000 -trace_logs -log_file "$E2E_WORK/registrar.log" \
  -trace_msg -message_file "$E2E_WORK/registrar.msg" -trace_err -error_file "$E2E_WORK/registrar.err" \
  >"$E2E_WORK/registrar.out" 2>&1 &
registrar_pid=$!
E2E_PIDS+=("$registrar_pid")
sleep 0.5

# The phone behind the NAT.
ip netns exec "$(netns_name natu)" timeout --kill-after=5 50 \
  sipp -sf "$E2E_SIPP_DIR/uac_register_refresh.xml" "$E2E_VIP:5060" -i "$E2E_NATU_IP" -p 5060 -bind_local -nostdin \
  -s 1000 -m 1 -r 1 -recv_timeout 8000 -timeout 40s -max_recv_loops 10000 \
  -trace_stat -stf "$E2E_WORK/phone.csv" -fd 1 -trace_logs -log_file "$E2E_WORK/phone.log" \
  -trace_msg -message_file "$E2E_WORK/phone.msg" -trace_err -error_file "$E2E_WORK/phone.err" \
  >"$E2E_WORK/phone.out" 2>&1 &
phone_pid=$!
E2E_PIDS+=("$phone_pid")
wait "$phone_pid"
rc_phone=$?
e2e_log "phone sipp exited with status $rc_phone"

sent=$(e2e_count_log "$E2E_WORK/phone.log" register)
seen=$(e2e_count_log "$E2E_WORK/registrar.log" register)
forwarded=$(metric sipedge_cp_register_forwarded_total)
absorbed=$(metric sipedge_cp_register_absorbed_total)
echo "phone sent $sent REGISTERs; the registrar saw $seen; edge: forwarded $forwarded, absorbed $absorbed"
e2e_check "every REGISTER of the phone was answered 200 (sipp status)" [ "$rc_phone" -eq 0 ]
e2e_check "the phone sent its $REGISTERS REGISTERs ($sent)" e2e_equal "$sent" "$REGISTERS"
e2e_check "the registrar saw the first and a few renewals, at least 2 ($seen)" e2e_between "$seen" 2 $((REGISTERS / 4))
e2e_check "the edge counts what it forwarded ($forwarded) as the registrar saw it" e2e_equal "$forwarded" "$seen"
e2e_check "the edge answered the rest itself ($absorbed)" e2e_equal "$absorbed" "$((sent - seen))"
e2e_check "the registrar's answers were relayed to the phone" \
  e2e_equal "$(metric sipedge_cp_register_upstream_replies_total)" "$seen"
e2e_check "the edge holds the binding" e2e_equal "$(metric sipedge_registrations)" 1
e2e_check "learnt from the registrar's 200s" e2e_between "$(metric sipedge_registrar_proxy_learned_total)" 2 "$seen"
regs=$(ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/api/registrations)
echo "edge /api/registrations: $regs"
e2e_check "the binding is the aliased Contact the registrar granted, NAT-flagged" \
  grep -q "alias=$E2E_NAT_WAN_IP~[0-9]*~1" <<<"$regs"
e2e_check "the registrar got our Path" grep -q "^Path: <sip:$E2E_EDGE_IN_IP:5060;lr>" "$E2E_WORK/registrar.msg"

ip netns exec "$(netns_name edge)" curl -s --max-time 3 http://127.0.0.1:9090/metrics |
  grep -E '^sipedge_(cp_register|cp_tx|cp_punts|registrar_refresh|registrar_proxy)' >"$E2E_WORK/cp.metrics"
sed 's/^/  cp: /' "$E2E_WORK/cp.metrics"
e2e_stop_pid "$registrar_pid"
e2e_stop_pid "$CP_PID"
e2e_edge_stop
e2e_check "the dataplane punted the registrar's answers" \
  e2e_equal "$(e2e_edge_counter punted_register_reply)" "$seen"
e2e_finish
