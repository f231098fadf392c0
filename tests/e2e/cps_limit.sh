#!/usr/bin/env bash
# End-to-end: a global CPS limit below the offered rate. The edge allows 10
# calls/s (bucket of 1 s) with breach_action reply503; the UAC offers 40 calls/s
# for 5 s. Usage: cps_limit.sh [SIPEDGE_DP] [SOURCE_ROOT]
#   E2E_EDGE=dp (default) | mini, as in calls_hash.sh.
# Asserts: every call ends either answered or with the edge's 503 (no timeout,
# no failure), the answered share matches the limit, each 503 carries the
# configured Retry-After, the ACKs for the 503s never reach a UAS, and the
# edge's breach counters match what sipp saw.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
E2E_SRC_ROOT=${2:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

edge=${E2E_EDGE:-dp}
limit=10
rate=40
seconds=5
calls=$((rate * seconds))
retry_after=7

e2e_init cps_limit
if [ "$edge" = dp ]; then
  e2e_write_dp_config "$E2E_WORK/sipedge.toml" cps=$limit breach=reply503 retry_after=$retry_after
  e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
else
  e2e_edge_start mini "$E2E_WORK/edge.log" --dest "sip:$E2E_UAS1_IP" --dest "sip:$E2E_UAS2_IP" \
    --cps $limit --retry-after $retry_after
fi
e2e_uas_start uas1 $((seconds + 90))
e2e_uas_start uas2 $((seconds + 90))
sleep 0.5

e2e_uac_run uac "uac_invite_503.xml" "$calls" "$rate"
uac_rc=$?
e2e_uas_stop uas1
e2e_uas_stop uas2
e2e_edge_stop
edge_rc=$?

failed=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'FailedCall(C)')
answered=$(e2e_count_log "$E2E_WORK/uac.log" answered)
rejected=$(e2e_count_log "$E2E_WORK/uac.log" rejected503)
wrong_retry=$(grep '^rejected503 ' "$E2E_WORK/uac.log" 2>/dev/null | grep -vc " retry-after=$retry_after\$")
uas_ok=$(($(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'SuccessfulCall(C)') + $(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'SuccessfulCall(C)')))
uas_failed=$(($(e2e_sipp_stat "$E2E_WORK/uas1.csv" 'FailedCall(C)') + $(e2e_sipp_stat "$E2E_WORK/uas2.csv" 'FailedCall(C)')))
replied=$(e2e_edge_counter replied_503_cps)
absorbed=$(e2e_edge_counter absorbed_ack)
# Calls the limit lets through: the initial bucket plus the refill while
# offering, with slack for timing on a loaded 2-core machine.
expect_low=$((limit * seconds * 6 / 10))
expect_high=$((limit * (seconds + 2) * 13 / 10))
slack=$((rejected / 20 + 3))
echo "uac: $answered answered, $rejected rejected with 503, ${failed:-?} failed (sipp status $uac_rc); uas completed $uas_ok, failed $uas_failed"
echo "edge: replied_503_cps=${replied:-?} absorbed_ack=${absorbed:-?} (status $edge_rc)"
grep -E '^(cps|breach|dropped_cps|replied_503)' "$E2E_WORK/edge.log" | sort | uniq -c | sort -rn | head -5

e2e_check "sipp UAC exits 0" [ "$uac_rc" -eq 0 ]
e2e_check "no failed calls at the UAC" e2e_equal "$failed" 0
e2e_check "every call answered or rejected ($answered + $rejected = $calls)" e2e_equal "$((answered + rejected))" "$calls"
e2e_check "answered calls fit the limit ($expect_low..$expect_high)" e2e_between "$answered" "$expect_low" "$expect_high"
e2e_check "a good share rejected with 503 (>= $((calls / 2)))" e2e_between "$rejected" $((calls / 2)) "$calls"
e2e_check "every 503 carries Retry-After: $retry_after" e2e_equal "$wrong_retry" 0
e2e_check "the UASs completed exactly the answered calls" e2e_equal "$uas_ok" "$answered"
e2e_check "no failed calls at the UASs (no stray ACK for a 503)" e2e_equal "$uas_failed" 0
e2e_check "edge replied_503_cps > 0" e2e_between "$replied" 1 "$calls"
e2e_check "edge replied_503_cps ~ sipp's 503 count ($rejected +- $slack)" \
  e2e_between "$replied" $((rejected - slack)) $((rejected + slack))
e2e_check "edge absorbed the ACK of every 503 ($rejected +- $slack)" \
  e2e_between "$absorbed" $((rejected - slack)) $((rejected + slack))
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
