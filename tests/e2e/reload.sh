#!/usr/bin/env bash
# End-to-end: reloads under live traffic lose nothing. 200 calls at 20/s
# through sipedge-dp while the config is rewritten and SIGHUP sent once a
# second: the set's algorithm flips between hash-callid and wrr, for a while
# the set holds uas1 only, and one reload is a broken file (refused, the old
# config keeps running). Usage: reload.sh SIPEDGE_DP [SOURCE_ROOT]
# Asserts: every call completes at the UAC and the UASs, every good reload
# was applied (counter and log), the broken one was refused, uas2 got no new
# call while it was out of the set, the edge exits cleanly.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
E2E_SRC_ROOT=${2:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

calls=200
rate=20

e2e_init reload
config=$E2E_WORK/sipedge.toml
e2e_write_dp_config "$config" algorithm=hash-callid
e2e_edge_start dp "$E2E_WORK/edge.log" "$config"
e2e_uas_start uas1 $((calls / rate + 90))
e2e_uas_start uas2 $((calls / rate + 90))
sleep 0.5

# Eight reloads, one a second, then stop: bounded in count and time.
reloader() {
  local step
  for step in 1 2 3 4 5 6 7 8; do
    sleep 1
    case $step in
      1 | 5 | 7) e2e_write_dp_config "$config.next" algorithm=wrr ;;
      2 | 6 | 8) e2e_write_dp_config "$config.next" algorithm=hash-callid ;;
      3) e2e_write_dp_config "$config.next" algorithm=hash-callid dests=uas1 ;;
      4) printf '[node]\nid = "not a number"\n' >"$config.next" ;;
    esac
    mv "$config.next" "$config"
    date +%s.%N >>"$E2E_WORK/reload.times"
    kill -HUP "$E2E_EDGE_PID" 2>/dev/null || return
  done
}
reloader &
E2E_PIDS+=("$!")
reloader_pid=$!

e2e_uac_run uac "uac_call.xml" "$calls" "$rate"
uac_rc=$?
wait "$reloader_pid"
e2e_uas_stop uas1
e2e_uas_stop uas2
e2e_edge_stop
edge_rc=$?

ok=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'SuccessfulCall(C)')
failed=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'FailedCall(C)')
uas1=$(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'SuccessfulCall(C)')
uas2=$(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'SuccessfulCall(C)')
uas_failed=$(($(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'FailedCall(C)') + $(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'FailedCall(C)')))
reloads=$(e2e_edge_counter reloads)
applied=$(grep -c '^reloaded ' "$E2E_WORK/edge.log")
refused=$(grep -c '^reload refused' "$E2E_WORK/edge.log")
echo "uac: ${ok:-?} successful, ${failed:-?} failed; uas1 ${uas1:-?}, uas2 ${uas2:-?}; reloads=${reloads:-?} applied=$applied refused=$refused"

e2e_check "sipp UAC exits 0" [ "$uac_rc" -eq 0 ]
e2e_check "all $calls calls succeed at the UAC across 8 reloads" e2e_equal "$ok" "$calls"
e2e_check "no failed calls at the UAC" e2e_equal "$failed" 0
e2e_check "no failed calls at the UASs" e2e_equal "$uas_failed" 0
e2e_check "the UASs completed $calls calls between them" e2e_equal "$((${uas1:-0} + ${uas2:-0}))" "$calls"
e2e_check "7 good reloads applied ($applied)" e2e_equal "$applied" 7
e2e_check "the broken config was refused ($refused)" e2e_equal "$refused" 1
e2e_check "the refusal names the file, line and key" grep -q "sipedge.toml:2:.*node.id" "$E2E_WORK/edge.log"
e2e_check "reloads counter counts the applied ones (${reloads:-?})" e2e_equal "$reloads" 7
e2e_check "uas2 did not get every call (it was out of the set for a while)" e2e_between "$uas2" 1 $((calls - 1))
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
