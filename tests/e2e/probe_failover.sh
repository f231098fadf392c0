#!/usr/bin/env bash
# End-to-end: destination probing through the real sipedge-dp + sipedge-cp.
# Two sipp UASs (answering the probes' OPTIONS with -aa) behind the edge,
# probe interval 1 s, failures_down 2, successes_up 2:
#   1. calls flow to both UASs; sipedgectl sets shows both up;
#   2. uas2 is killed (SIGKILL, by PID): within failures_down * interval +
#      slack it is down (/metrics and sipedgectl sets), and every call of the
#      next batch succeeds on uas1, also after a reload (SIGHUP) of the
#      dataplane, which rebuilds its sets all-up;
#   3. uas2 comes back: within successes_up * interval + slack it is up
#      again and gets calls;
#   4. sipedgectl set-state 198.51.100.22:5060 down drains the live uas2 at
#      once (all calls to uas1), set-state up gives it back; an unknown
#      destination is refused with exit code 1.
# The API has a bearer token (metrics.token_file): sipedgectl sends it (its
# set-state calls succeed), a POST without it is refused 401, GETs are open.
# sipedge-cp is restarted twice: with uas2 dead (2.) and with uas2 forced
# down (4.): uas2 is down from the restarted sipedge-cp's first second, not
# up until its probes notice (destination_state in the SQLite file).
#   5. SIGHUP to sipedge-cp with metrics.listen moved: both processes reload,
#      the API answers on the new port only, sipedgectl follows the config.
# Usage: probe_failover.sh SIPEDGE_DP SIPEDGE_CP SIPEDGECTL [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
SIPEDGECTL=${3:-${SIPEDGECTL:-}}
E2E_SRC_ROOT=${4:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "probe_failover: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
[ -x "$SIPEDGECTL" ] || { echo "probe_failover: SIPEDGECTL is not an executable: '$SIPEDGECTL'" >&2; exit 1; }
CALLS=${E2E_CALLS:-30}
RATE=${E2E_RATE:-15}
INTERVAL=1
FAILURES_DOWN=2
SUCCESSES_UP=2
SLACK=3
CP_PID=
UAS2_DEST='sip:198.51.100.22:5060'

cp_start() {
  local log=$E2E_WORK/cp.log
  e2e_cp_start "$log"
}

cp_stop() {
  local pid=$CP_PID
  [ -n "$pid" ] || return 0
  CP_PID=
  e2e_stop_pid "$pid"
}

# A UAS that also answers OPTIONS (-aa), so the probes see it alive. Files
# are named by tag, so a restarted UAS does not overwrite the first one's.
uas_start() {  # role tag
  local role=$1 tag=$2 ip pid
  ip=$(e2e_ip_of "$role")
  ip netns exec "$(netns_name "$role")" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$ip" -p 5060 -bind_local -nostdin -aa \
    -timeout 120s -max_recv_loops 10000 \
    -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 \
    -trace_logs -log_file "$E2E_WORK/$tag.calls" >"$E2E_WORK/$tag.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  eval "E2E_UAS_PID_$role=$pid"
  e2e_log "sipp UAS $role ($ip:5060, $tag) pid $pid"
}

# Distinct Call-IDs a UAS has seen an INVITE for.
uas_calls() {  # tag
  awk '$1 == "invite" { print $2 }' "$E2E_WORK/$1.calls" 2>/dev/null | sort -u | wc -l
}

API_PORT=9090
metric() {  # exact name with labels
  ip netns exec "$(netns_name edge)" curl -s --max-time 3 "http://127.0.0.1:$API_PORT/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

uas2_up() { metric "sipedge_cp_destination_up{set=\"pool\",destination=\"$UAS2_DEST\"}"; }

ctl() {
  ip netns exec "$(netns_name edge)" "$SIPEDGECTL" "$@"
}

# Wall-clock seconds (3 decimals) until uas2's state gauge reads `want`, at
# most `limit`; empty on timeout. Measured with EPOCHREALTIME: each poll
# (ip netns exec + curl) takes a while of its own.
wait_uas2() {  # want limit
  local start=${EPOCHREALTIME/./} now
  while :; do
    now=${EPOCHREALTIME/./}
    if [ "$(uas2_up)" = "$1" ]; then
      now=${EPOCHREALTIME/./}
      printf '%d.%03d\n' $(((now - start) / 1000000)) $(((now - start) / 1000 % 1000))
      return 0
    fi
    [ $((now - start)) -ge $(($2 * 1000000)) ] && break
    sleep 0.1
  done
  e2e_log "uas2 not $1 after $2 s"
}

# A batch of calls; prints its successful and failed call counts.
batch() {  # tag
  e2e_uac_run "$1" uac_call.xml "$CALLS" "$RATE" >/dev/null 2>&1
  echo "$(e2e_sipp_stat "$E2E_WORK/$1.csv" 'SuccessfulCall(C)') $(e2e_sipp_stat "$E2E_WORK/$1.csv" 'FailedCall(C)')"
}

e2e_init probe_failover
e2e_write_dp_config "$E2E_WORK/sipedge.toml" algorithm=hash-callid
sed -i "s/^\[probe\]$/[probe]\ninterval = $INTERVAL\ntimeout_ms = 500\nfailures_down = $FAILURES_DOWN\nsuccesses_up = $SUCCESSES_UP/; s/^enabled = false$/enabled = true/" \
  "$E2E_WORK/sipedge.toml"
TOKEN_FILE=$E2E_WORK/api.token
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOKEN_FILE")
printf '\n[metrics]\nlisten = "127.0.0.1:9090"\ntoken_file = "%s"\n' "$TOKEN_FILE" >>"$E2E_WORK/sipedge.toml"
grep -A6 '^\[probe\]' "$E2E_WORK/sipedge.toml" >&2
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
uas_start uas1 uas1
uas_start uas2 uas2
cp_start
sleep 2.5  # every destination probed at least twice

# 1. Both up, calls on both.
ctl sets "$E2E_WORK/sipedge.toml" >"$E2E_WORK/sets.1" 2>&1
sets_rc=$?
cat "$E2E_WORK/sets.1"
e2e_check "sipedgectl sets exits 0" [ "$sets_rc" -eq 0 ]
e2e_check "sipedgectl sets shows two destinations up" e2e_equal "$(awk '$1 == "pool" && $4 == "up"' "$E2E_WORK/sets.1" | wc -l)" 2
e2e_check "uas2 is up" e2e_equal "$(uas2_up)" 1
e2e_check "probes were answered" e2e_between "$(metric sipedge_cp_probes_answered_total)" 2 100
read -r ok failed <<<"$(batch calls-both)"
echo "both up: ${ok:-?} ok, ${failed:-?} failed; uas1 $(uas_calls uas1), uas2 $(uas_calls uas2)"
e2e_check "all $CALLS calls succeed with both up" e2e_equal "$ok" "$CALLS"
e2e_check "uas2 took calls while up" e2e_between "$(uas_calls uas2)" 1 "$CALLS"

e2e_check "no probe failed while both answered" e2e_equal "$(metric sipedge_cp_probes_failed_total)" 0
ctl sets "$E2E_WORK/sipedge.toml" >&2

# 2. uas2 dies.
uas1_before=$(uas_calls uas1)
kill -KILL "$E2E_UAS_PID_uas2"
wait "$E2E_UAS_PID_uas2" 2>/dev/null
E2E_UAS_PID_uas2=
limit=$((FAILURES_DOWN * INTERVAL + SLACK))
down_after=$(wait_uas2 0 "$limit")
echo "uas2 killed: marked down after ${down_after:-more than $limit} s"
e2e_check "a dead destination is marked down within ${limit}s" [ -n "$down_after" ]
ctl sets "$E2E_WORK/sipedge.toml" >"$E2E_WORK/sets.2" 2>&1
cat "$E2E_WORK/sets.2"
e2e_check "sipedgectl sets shows uas2 down by the probes" \
  e2e_equal "$(awk '$3 == "'"$UAS2_DEST"'" && $4 == "down" && $5 == "down" && $6 == "auto"' "$E2E_WORK/sets.2" | wc -l)" 1
# sipedge-cp restarts while uas2 is down: it starts with uas2 down (restored
# from the SQLite file), before any probe could judge it.
cp_stop
cp_start
e2e_check "a restarted sipedge-cp restores uas2 down" grep -q "destination states restored (1 down by probes" "$E2E_WORK/cp.log"
e2e_check "uas2 is down at once after the restart" e2e_equal "$(uas2_up)" 0
# A reload (SIGHUP) rebuilds the dataplane's sets all-up under a new config
# generation; sipedge-cp must hear of it and send uas2's down state again.
pushed_before=$(metric sipedge_cp_state_pushed_total)
kill -HUP "$E2E_EDGE_PID"
for _ in $(seq 1 30); do
  grep -q "config generation 2" "$E2E_WORK/edge.log" && break
  sleep 0.1
done
e2e_check "the dataplane reloaded" grep -q "config generation 2" "$E2E_WORK/edge.log"
sleep 0.3  # the dataplane applies STATE on its next main-lcore turn
e2e_check "sipedge-cp re-sent the states after the reload" \
  e2e_between "$(metric sipedge_cp_state_pushed_total)" $((pushed_before + 2)) $((pushed_before + 2))
read -r ok failed <<<"$(batch calls-uas2-dead)"
uas1_got=$(($(uas_calls uas1) - uas1_before))
echo "uas2 dead: ${ok:-?} ok, ${failed:-?} failed; uas1 got $uas1_got"
e2e_check "every call succeeds with uas2 dead" e2e_equal "$ok" "$CALLS"
e2e_check "no call failed" e2e_equal "$failed" 0
e2e_check "uas1 took all $CALLS calls" e2e_equal "$uas1_got" "$CALLS"

# 3. uas2 is back.
uas_start uas2 uas2-back
limit=$((SUCCESSES_UP * INTERVAL + SLACK))
up_after=$(wait_uas2 1 "$limit")
echo "uas2 restarted: up after ${up_after:-more than $limit} s"
e2e_check "a destination answering again is up within ${limit}s" [ -n "$up_after" ]
sleep 0.3
read -r ok failed <<<"$(batch calls-uas2-back)"
echo "uas2 back: ${ok:-?} ok, ${failed:-?} failed; uas2 got $(uas_calls uas2-back)"
e2e_check "all calls succeed after uas2 is back" e2e_equal "$ok" "$CALLS"
e2e_check "uas2 takes calls again" e2e_between "$(uas_calls uas2-back)" 1 "$CALLS"

# 4. The operator drains the live uas2, then gives it back.
ctl set-state "$E2E_WORK/sipedge.toml" 198.51.100.22:5060 down >"$E2E_WORK/set-state.down" 2>&1
rc=$?
cat "$E2E_WORK/set-state.down"
e2e_check "set-state down exits 0" [ "$rc" -eq 0 ]
e2e_check "uas2 is down at once (admin)" e2e_equal "$(uas2_up)" 0
e2e_check "admin_down gauge is 1" \
  e2e_equal "$(metric "sipedge_cp_destination_admin_down{set=\"pool\",destination=\"$UAS2_DEST\"}")" 1
sleep "$((INTERVAL * 2))"
e2e_check "answering probes do not undo the operator's down" e2e_equal "$(uas2_up)" 0
cp_stop
cp_start
e2e_check "the operator's down survives a restart of sipedge-cp" e2e_equal "$(uas2_up)" 0
e2e_check "admin_down is 1 after the restart" \
  e2e_equal "$(metric "sipedge_cp_destination_admin_down{set=\"pool\",destination=\"$UAS2_DEST\"}")" 1
api_post() {  # path [authorization] -> HTTP status
  ip netns exec "$(netns_name edge)" curl -s -o /dev/null -w '%{http_code}' --max-time 3 -X POST ${2:+-H "Authorization: $2"} \
    "http://127.0.0.1:9090$1"
}
e2e_check "a POST without the token is refused 401" e2e_equal "$(api_post '/api/sets/state?destination=pool/1&state=up')" 401
e2e_check "a POST with a wrong token is refused 401" \
  e2e_equal "$(api_post '/api/sets/state?destination=pool/1&state=up' 'Bearer wrong-token-0123456789')" 401
e2e_check "the refused POSTs changed nothing" e2e_equal "$(uas2_up)" 0
uas1_before=$(uas_calls uas1)
uas2_before=$(uas_calls uas2-back)
read -r ok failed <<<"$(batch calls-drained)"
echo "uas2 drained: ${ok:-?} ok; uas1 got $(($(uas_calls uas1) - uas1_before)), uas2 $(($(uas_calls uas2-back) - uas2_before))"
e2e_check "all calls succeed with uas2 drained" e2e_equal "$ok" "$CALLS"
e2e_check "a drained destination gets no new call" e2e_equal "$(($(uas_calls uas2-back) - uas2_before))" 0
ctl set-state "$E2E_WORK/sipedge.toml" pool/1 up >/dev/null 2>&1
e2e_check "set-state up exits 0" [ $? -eq 0 ]
e2e_check "uas2 is up again" e2e_equal "$(uas2_up)" 1
ctl set-state "$E2E_WORK/sipedge.toml" pool/7 down >"$E2E_WORK/set-state.bad" 2>&1
rc=$?
cat "$E2E_WORK/set-state.bad"
e2e_check "set-state of an unknown destination exits 1" [ "$rc" -eq 1 ]
ctl set-state "$E2E_WORK/sipedge.toml" pool/1 sideways >/dev/null 2>&1
e2e_check "set-state with a bad state exits 2" [ $? -eq 2 ]

# 5. A SIGHUP to sipedge-cp applies its runtime settings: the API moves to
# another port (re-bound), and the dataplane is asked to reload too.
sed -i 's/^listen = "127.0.0.1:9090"$/listen = "127.0.0.1:9091"/' "$E2E_WORK/sipedge.toml"
generations_before=$(grep -c "config generation" "$E2E_WORK/edge.log")
kill -HUP "$CP_PID"
for _ in $(seq 1 50); do
  grep -q "SIGHUP: reload done" "$E2E_WORK/cp.log" && break
  sleep 0.1
done
e2e_check "a SIGHUP to sipedge-cp reloads both processes" grep -q "SIGHUP: reload done" "$E2E_WORK/cp.log"
e2e_check "the dataplane reloaded for it" \
  e2e_between "$(grep -c "config generation" "$E2E_WORK/edge.log")" $((generations_before + 1)) 1000
e2e_check "sipedge-cp logged the new metrics.listen" \
  grep -q "metrics.listen 127.0.0.1:9090 -> 127.0.0.1:9091" "$E2E_WORK/cp.log"
API_PORT=9091
e2e_check "the API answers on the new port" e2e_between "$(metric sipedge_cp_config_reloads_total)" 1 1
e2e_check "the old port is closed" \
  bash -c '! ip netns exec "$1" curl -s --max-time 2 -o /dev/null http://127.0.0.1:9090/metrics' _ "$(netns_name edge)"
ctl sets "$E2E_WORK/sipedge.toml" >/dev/null 2>&1
e2e_check "sipedgectl follows the config to the new port" [ $? -eq 0 ]

echo "probes sent $(metric sipedge_cp_probes_sent_total), failed $(metric sipedge_cp_probes_failed_total), states pushed $(metric sipedge_cp_state_pushed_total)"
# The UASs' own statistics are not needed (their .calls logs are): no graceful stop.
for pid in "$E2E_UAS_PID_uas1" "$E2E_UAS_PID_uas2"; do
  e2e_stop_pid "$pid"
done
cp_stop
e2e_check "sipedge-cp exits cleanly" [ $? -eq 0 ]
e2e_edge_stop
edge_rc=$?
e2e_check "the dataplane applied the pushed states (cp_state $(e2e_edge_counter cp_state))" \
  e2e_between "$(e2e_edge_counter cp_state)" 4 1000
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
