#!/usr/bin/env bash
# End-to-end: registration through the real sipedge-dp + sipedge-cp, surviving
# a kill of sipedge-cp, then a call from the server pool to the registered
# user. Usage: register_restart.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
# Asserts: a sipp UAC's REGISTER gets 200 through the edge; the binding is in
# the SQLite file and in /metrics; after SIGKILL and a restart of sipedge-cp
# it is listed again (/metrics, /api/registrations) with its received address;
# an INVITE from uas1 for the AOR is looked up, rewritten to the contact and
# reaches a sipp UAS at the UAC's address, and the call completes through the
# edge; sipedge-cp exits 0 on SIGTERM.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "register_restart: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
CP_PID=
CP_LOG=
AOR="1000@$E2E_VIP"

# Starts sipedge-cp in the edge namespace (its /metrics is on the
# namespace's loopback) and waits until it is connected to the dataplane.
cp_start() {
  CP_LOG=$E2E_WORK/cp.$1.log
  e2e_cp_start "$CP_LOG"
}

# Stops our sipedge-cp by PID with a signal; returns its exit status.
cp_stop() {  # signal
  local pid=$CP_PID rc
  [ -n "$pid" ] || return 0
  CP_PID=
  e2e_stop_pid "$pid" "$1"
  rc=$?
  e2e_log "sipedge-cp (pid $pid) stopped by SIG$1, status $rc"
  return "$rc"
}

http_get() {  # path
  ip netns exec "$(netns_name edge)" curl -s --max-time 3 "http://127.0.0.1:9090$1"
}

metric() {  # name (exact, with labels)
  http_get /metrics | awk -v n="$1" '$1 == n { print $2 }'
}

rows() {
  sqlite3 "$E2E_WORK/location.db" "SELECT count(*) FROM binding WHERE aor = '$AOR';" 2>/dev/null
}

e2e_init register_restart
e2e_write_dp_config "$E2E_WORK/sipedge.toml"
cat >>"$E2E_WORK/sipedge.toml" <<'CONF'

[registrar]
min_expires = 60
max_expires = 3600
default_expires = 600

[metrics]
listen = "127.0.0.1:9090"
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
cp_start first

e2e_uac_run register uac_register_keep.xml 1 1
reg_rc=$?
registered=$(e2e_sipp_stat "$E2E_WORK/register.csv" 'SuccessfulCall(C)')
e2e_check "sipp REGISTER exits 0" [ "$reg_rc" -eq 0 ]
e2e_check "the REGISTER got 200 through the edge" e2e_equal "$registered" 1
e2e_check "the binding is in the SQLite file" e2e_equal "$(rows)" 1
e2e_check "/metrics lists one registration" e2e_equal "$(metric sipedge_registrations)" 1
e2e_check "/metrics counts one punt" e2e_equal "$(metric sipedge_cp_punts_received_total)" 1
e2e_check "/metrics counts one store write" e2e_equal "$(metric sipedge_store_writes_total)" 1

# Kill without warning: what was answered 200 must already be durable.
cp_stop KILL
cp_start second
e2e_check "after SIGKILL and restart /metrics lists the registration" e2e_equal "$(metric sipedge_registrations)" 1
regs=$(http_get /api/registrations)
echo "registrations after restart: $regs"
e2e_check "/api/registrations has the AOR and its received address" \
  grep -q "\"aor\":\"$AOR\",\"contact\":\"sip:1000@$E2E_UAC_IP:5060\",\"received\":\"$E2E_UAC_IP:5060\"" <<<"$regs"

# A call from the server pool to the registered user: the UAS answering it
# runs where the UA registered from.
e2e_uas_start uac 40
sleep 0.5
ip netns exec "$(netns_name uas1)" timeout --kill-after=5 40 \
  sipp -sf "$E2E_SIPP_DIR/uac_call_aor.xml" "$E2E_EDGE_IN_IP:5060" -i "$E2E_UAS1_IP" -p 5060 -bind_local -nostdin \
  -key vip "$E2E_VIP" -s 1000 -m 1 -r 1 -d 500 -recv_timeout 8000 -timeout 30s -max_recv_loops 10000 \
  -trace_stat -stf "$E2E_WORK/call.csv" -fd 1 -trace_err -error_file "$E2E_WORK/call.err" >"$E2E_WORK/call.out" 2>&1 &
call_pid=$!
E2E_PIDS+=("$call_pid")
wait "$call_pid"
call_rc=$?
e2e_uas_stop uac
e2e_check "the call to the registered user completes at the caller" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/call.csv" 'SuccessfulCall(C)')" 1
e2e_check "the caller's sipp exits 0" [ "$call_rc" -eq 0 ]
e2e_check "the registered user's UAS took the call" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'SuccessfulCall(C)')" 1
e2e_check "sipedge-cp looked the AOR up once" e2e_equal "$(metric sipedge_cp_lookup_found_total)" 1

cp_stop TERM
cp_rc=$?
e2e_check "sipedge-cp exits cleanly on SIGTERM" [ "$cp_rc" -eq 0 ]
e2e_check "the binding is still in the SQLite file" e2e_equal "$(rows)" 1
e2e_edge_stop
edge_rc=$?
e2e_check "sipedge-dp exits cleanly" [ "$edge_rc" -eq 0 ]
e2e_finish
