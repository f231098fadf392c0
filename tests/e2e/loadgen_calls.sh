#!/usr/bin/env bash
# End-to-end smoke of bench/loadgen through the edge: tens of calls at a low
# rate from the loadgen UAC to the VIP, two loadgen UASs behind it, hash-callid.
# Usage: loadgen_calls.sh SIPEDGE_DP LOADGEN [SOURCE_ROOT]
#   E2E_EDGE=dp (default) runs sipedge-dp on af_packet; E2E_EDGE=mini runs the
#   kernel-socket stand-in (tests/e2e/mini_proxy.py).
#   E2E_CALLS (60), E2E_RATE (20) size the load.
# Asserts: every call completes with no failure and no retransmission at the
# UAC, both UASs answered, each INVITE, ACK and BYE reached a UAS exactly once,
# the BYEs arrived with the edge's Route popped and crossed the edge (its
# in-dialog counter), and the edge exits cleanly.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
LOADGEN=${2:-${LOADGEN:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"
# shellcheck source=loadgen_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/loadgen_lib.sh"

edge=${E2E_EDGE:-dp}
calls=${E2E_CALLS:-60}
rate=${E2E_RATE:-20}
[ -x "$LOADGEN" ] || { echo "loadgen_calls.sh: LOADGEN is not an executable: '$LOADGEN'" >&2; exit 1; }

e2e_init loadgen_calls
W=$E2E_WORK
if [ "$edge" = dp ]; then
  e2e_write_dp_config "$W/sipedge.toml" algorithm=hash-callid
  e2e_edge_start dp "$W/edge.log" "$W/sipedge.toml"
else
  e2e_edge_start mini "$W/edge.log" --dest "sip:$E2E_UAS1_IP" --dest "sip:$E2E_UAS2_IP"
fi
loadgen_uas_start uas1 $((calls / rate + 60)) "$W"
loadgen_uas_start uas2 $((calls / rate + 60)) "$W"

loadgen_uac_run "$W/uac.json" "$W/uac.log" "$calls" "$rate"
uac_rc=$?
sleep 0.3  # the last ACK/BYE 200 on the wire
loadgen_uas_stop uas1
loadgen_uas_stop uas2
e2e_edge_stop
edge_rc=$?
cat "$W/uac.log" "$W/uas1.log" "$W/uas2.log"

ok=$(loadgen_field "$W/uac.json" successful)
failed=$(loadgen_field "$W/uac.json" failed)
retrans=$(loadgen_field "$W/uac.json" retransmissions)
setups=$(loadgen_field "$W/uac.json" setup_samples)
uas=("$W/uas1.json" "$W/uas2.json")
invites=$(loadgen_sum invites "${uas[@]}")
acks=$(loadgen_sum acks "${uas[@]}")
byes=$(loadgen_sum byes "${uas[@]}")
byes_routed=$(loadgen_sum byes_with_route "${uas[@]}")
uas_retrans=$(loadgen_sum retransmissions "${uas[@]}")
uas1_invites=$(loadgen_field "$W/uas1.json" invites)
uas2_invites=$(loadgen_field "$W/uas2.json" invites)
in_dialog=$(e2e_edge_counter forwarded_in_dialog)
requests=$(e2e_edge_counter forwarded_request)
echo "uac: ${ok:-?} ok, ${failed:-?} failed, ${retrans:-?} retransmissions (status $uac_rc);" \
  "uas: invites $invites (uas1 ${uas1_invites:-?}, uas2 ${uas2_invites:-?}), acks $acks, byes $byes," \
  "byes with a Route $byes_routed, 200 retransmissions $uas_retrans"
echo "edge: forwarded_request=${requests:-?} forwarded_in_dialog=${in_dialog:-?} (status $edge_rc)"

e2e_check "loadgen UAC exits 0" [ "$uac_rc" -eq 0 ]
e2e_check "all $calls calls succeed" e2e_equal "$ok" "$calls"
e2e_check "no failed calls" e2e_equal "$failed" 0
e2e_check "no retransmissions at the UAC" e2e_equal "$retrans" 0
e2e_check "a setup time per call" e2e_equal "$setups" "$calls"
e2e_check "the UASs got $calls INVITEs" e2e_equal "$invites" "$calls"
e2e_check "the UASs got $calls ACKs, each matching its 200" e2e_equal "$acks" "$calls"
e2e_check "the UASs got $calls BYEs" e2e_equal "$byes" "$calls"
e2e_check "no BYE kept a Route (the edge popped its own)" e2e_equal "$byes_routed" 0
e2e_check "no 200 had to be retransmitted" e2e_equal "$uas_retrans" 0
e2e_check "both UASs answered calls ($uas1_invites, $uas2_invites)" \
  eval '[ "${uas1_invites:-0}" -gt 0 ] && [ "${uas2_invites:-0}" -gt 0 ]'
e2e_check "the ACKs and BYEs crossed the edge (forwarded_in_dialog ${in_dialog:-?})" \
  e2e_between "$in_dialog" $((calls * 2)) $((calls * 2))
e2e_check "edge forwarded $calls INVITEs" e2e_equal "$requests" "$calls"
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
