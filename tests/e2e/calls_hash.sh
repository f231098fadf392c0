#!/usr/bin/env bash
# End-to-end: a few hundred real calls through the edge, hash-callid over two
# sipp UASs. Usage: calls_hash.sh [SIPEDGE_DP] [SOURCE_ROOT]
#   E2E_EDGE=dp (default) runs sipedge-dp on af_packet; E2E_EDGE=mini runs the
#   kernel-socket stand-in (tests/e2e/mini_proxy.py) to check the harness.
#   E2E_CALLS (200), E2E_RATE (20) size the load.
# Asserts: every call completes (INVITE/180/200/ACK/BYE/200, ACK and BYE loose-
# routed through the edge by Record-Route), each UAS gets 30-70% of the calls,
# no Call-ID reaches both UASs, the edge's counters agree, it exits cleanly.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
E2E_SRC_ROOT=${2:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

edge=${E2E_EDGE:-dp}
calls=${E2E_CALLS:-200}
rate=${E2E_RATE:-20}

e2e_init calls_hash
if [ "$edge" = dp ]; then
  e2e_write_dp_config "$E2E_WORK/sipedge.toml" algorithm=hash-callid
  e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
else
  e2e_edge_start mini "$E2E_WORK/edge.log" --dest "sip:$E2E_UAS1_IP" --dest "sip:$E2E_UAS2_IP"
fi
e2e_uas_start uas1 $((calls / rate + 90))
e2e_uas_start uas2 $((calls / rate + 90))
sleep 0.5

e2e_uac_run uac "uac_call.xml" "$calls" "$rate"
uac_rc=$?
e2e_uas_stop uas1
e2e_uas_stop uas2
e2e_edge_stop
edge_rc=$?

ok=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'SuccessfulCall(C)')
failed=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'FailedCall(C)')
uas1=$(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'SuccessfulCall(C)')
uas2=$(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'SuccessfulCall(C)')
uas_failed=$(($(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'FailedCall(C)') + $(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'FailedCall(C)')))
both=$(comm -12 <(awk '$1 == "invite" { print $2 }' "$E2E_WORK/uas1.calls" 2>/dev/null | sort -u) \
  <(awk '$1 == "invite" { print $2 }' "$E2E_WORK/uas2.calls" 2>/dev/null | sort -u) | wc -l)
requests=$(e2e_edge_counter forwarded_request)
in_dialog=$(e2e_edge_counter forwarded_in_dialog)
responses=$(e2e_edge_counter forwarded_response)
echo "uac: ${ok:-?} successful, ${failed:-?} failed (sipp status $uac_rc); uas1 ${uas1:-?}, uas2 ${uas2:-?}, uas failed $uas_failed"
echo "edge: forwarded_request=${requests:-?} forwarded_in_dialog=${in_dialog:-?} forwarded_response=${responses:-?} (status $edge_rc)"

e2e_check "sipp UAC exits 0" [ "$uac_rc" -eq 0 ]
e2e_check "all $calls calls succeed at the UAC" e2e_equal "$ok" "$calls"
e2e_check "no failed calls at the UAC" e2e_equal "$failed" 0
e2e_check "no failed calls at the UASs" e2e_equal "$uas_failed" 0
e2e_check "the UASs completed $calls calls between them" e2e_equal "$((${uas1:-0} + ${uas2:-0}))" "$calls"
e2e_check "uas1 got 30-70% of the calls ($uas1)" e2e_between "$uas1" $((calls * 3 / 10)) $((calls * 7 / 10))
e2e_check "uas2 got 30-70% of the calls ($uas2)" e2e_between "$uas2" $((calls * 3 / 10)) $((calls * 7 / 10))
e2e_check "no Call-ID reached both UASs" e2e_equal "$both" 0
e2e_check "edge forwarded at least $calls initial requests" e2e_between "$requests" "$calls" $((calls * 3))
e2e_check "edge loose-routed at least $((calls * 2)) ACK+BYE" e2e_between "$in_dialog" $((calls * 2)) $((calls * 6))
e2e_check "edge routed at least $((calls * 3)) responses back" e2e_between "$responses" $((calls * 3)) $((calls * 9))
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
