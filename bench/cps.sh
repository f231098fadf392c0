#!/usr/bin/env bash
# End-to-end CPS bench, sipedge and Kamailio side by side, same machine, same
# run, same work (issue 5). Needs root (network namespaces).
#
# In the namespace topology of the end-to-end tests (scripts/netns.sh, via
# tests/e2e/lib.sh): a UAC (203.0.113.50) calls the edge's VIP 203.0.113.1;
# two UASs (198.51.100.21/.22) answer. The call generator is bench/loadgen by
# default (--generator loadgen: C++, recvmmsg/sendmmsg, one thread per role,
# fresh UAS processes per step; calls INVITE, 100, 180, 200, ACK, 0.5 s hold,
# BYE, 200), so the max-CPS row measures the load balancer, not the
# generator; --generator sipp runs the earlier sipp scenarios (no 100 Trying),
# which saturate this machine near 1.6-4.5k CPS. The REGISTER steps always use
# sipp (the loadgen places calls only). First sipedge-dp on
# af_packet (one worker lcore), then Kamailio 5.6 (bench/peers/kamailio,
# kernel sockets on the same vo/vi, one UDP worker per socket), each at
# stepped offered rates. Per step: offered and achieved CPS, failed calls,
# retransmissions, call-setup time p50/p90/p99 (INVITE -> 200: the loadgen's
# report, or sipp -trace_rtt), the generator's own CPU,
# and the load balancer's CPU per call and per SIP message:
#   sipedge:  busy_cycles / tsc_hz (worker cycles spent on non-empty bursts;
#             one sipedge-dp per step, counters read at its exit)
#   Kamailio: utime+stime of all its processes (/proc/PID/stat) over the step
# With the loadgen, the same ladder for the generator alone (UAC <-> UAS over
# loopback, no load balancer): its own ceiling on this machine. Then a
# REGISTER-rate step for both (sipedge needs sipedge-cp), the hash
# disruption when one of N destinations goes down (sipedge: dispatch_disruption
# over its Maglev table; Kamailio: a real Kamailio, destinations marked
# inactive with kamcmd, fixed Call-IDs sent by bench/lib/disrupt.py), and
# sipedge's in-process pipeline figures.
#
# Output: bench/results/<date>-<host>.{json,md} and PNG plots beside them.
#
# Usage: sudo bench/cps.sh [options]
#   --generator loadgen|sipp    the call generator (default loadgen, see above)
#   --rates "50 100 200 ..."    offered CPS steps (default 50 100 200 400 800 1200 1600 2400 3200;
#                               at most 20000 with sipp, 100000 with the loadgen)
#   --step-seconds N            seconds of offered load per step (default 10)
#   --register-rates "..."      REGISTER scenarios/s (2 REGISTERs each; default 100 200 400)
#   --systems "sipedge kamailio"
#   --disruption-n N            destinations for the disruption figure (default 5)
#   --no-register --no-disruption --no-pipeline
#   --out DIR                   results directory (default bench/results)
# Env: SIPEDGE_DP, SIPEDGE_CP, SIPEDGE_PIPELINE, SIPEDGE_DISRUPTION, LOADGEN, RUN, E2E_KEEP=1.
# Stops a system's ladder at the first step with >= 0.1% failed calls or an
# achieved rate under 90% of the offered one. Everything is bounded: sipp -m,
# -timeout, the loadgen's --calls and --max-seconds, and coreutils timeout per
# step; the whole run by BENCH_MAX_SECONDS
# (default 1500) through a watchdog.
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
export E2E_SRC_ROOT=$ROOT

rates="50 100 200 400 800 1200 1600 2400 3200"
generator=loadgen
step_seconds=10
register_rates="100 200 400"
systems="sipedge kamailio"
disruption_n=5
do_register=1
do_disruption=1
do_pipeline=1
out_dir=$BENCH_DIR/results
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) rates=$2; shift ;;
    --generator) generator=$2; shift ;;
    --step-seconds) step_seconds=$2; shift ;;
    --register-rates) register_rates=$2; shift ;;
    --systems) systems=$2; shift ;;
    --disruption-n) disruption_n=$2; shift ;;
    --no-register) do_register=0 ;;
    --no-disruption) do_disruption=0 ;;
    --no-pipeline) do_pipeline=0 ;;
    --out) out_dir=$2; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$step_seconds" =~ ^[0-9]+$ ]] && [ "$step_seconds" -ge 1 ] && [ "$step_seconds" -le 60 ] ||
  { echo "--step-seconds: 1..60" >&2; exit 2; }
case "$generator" in
  loadgen) max_rate=100000 ;;
  sipp) max_rate=20000 ;;
  *) echo "--generator: loadgen or sipp" >&2; exit 2 ;;
esac
for r in $rates; do
  [[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -ge 1 ] && [ "$r" -le "$max_rate" ] || { echo "rate $r: 1..$max_rate" >&2; exit 2; }
done
for r in $register_rates; do
  [[ "$r" =~ ^[0-9]+$ ]] && [ "$r" -ge 1 ] && [ "$r" -le 20000 ] || { echo "register rate $r: 1..20000" >&2; exit 2; }
done
[[ "$disruption_n" =~ ^[0-9]+$ ]] && [ "$disruption_n" -ge 2 ] && [ "$disruption_n" -le 20 ] ||
  { echo "--disruption-n: 2..20" >&2; exit 2; }

first_exe() {
  local f
  for f in "$@"; do
    [ -x "$f" ] && { echo "$f"; return; }
  done
}
SIPEDGE_DP=${SIPEDGE_DP:-$ROOT/build/dataplane/dp/sipedge-dp}
SIPEDGE_CP=${SIPEDGE_CP:-$(first_exe "$ROOT/build/controlplane/cp/sipedge-cp" "$ROOT/build-cp/controlplane/cp/sipedge-cp")}
SIPEDGE_PIPELINE=${SIPEDGE_PIPELINE:-$ROOT/build/bench/pipeline/pipeline}
SIPEDGE_DISRUPTION=${SIPEDGE_DISRUPTION:-$ROOT/build/bench/dispatch/dispatch_disruption}
LOADGEN=${LOADGEN:-$ROOT/build/bench/loadgen/loadgen}
KAMAILIO_CFG=$BENCH_DIR/peers/kamailio/kamailio.cfg

# shellcheck source=../tests/e2e/lib.sh
source "$ROOT/tests/e2e/lib.sh"
# shellcheck source=../tests/e2e/loadgen_lib.sh
source "$ROOT/tests/e2e/loadgen_lib.sh"

for tool in python3 sipp; do
  command -v "$tool" >/dev/null || { echo "cps.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
case " $systems " in *" kamailio "*)
  command -v kamailio >/dev/null && command -v kamcmd >/dev/null ||
    { echo "cps.sh: kamailio missing (scripts/install-deps.sh)" >&2; exit 1; } ;;
esac
case " $systems " in *" sipedge "*)
  [ -x "$SIPEDGE_DP" ] || { echo "cps.sh: $SIPEDGE_DP not built" >&2; exit 1; } ;;
esac
[ "$generator" = sipp ] || [ -x "$LOADGEN" ] || { echo "cps.sh: $LOADGEN not built" >&2; exit 1; }

e2e_init cps
W=$E2E_WORK
STEPS=$W/steps.jsonl
EXTRA=$W/extra.jsonl
: >"$STEPS"
: >"$EXTRA"
SHM_DIR=$(mktemp -d "/dev/shm/sipedge-bench-$RUN.XXXXXX")
bench_exit() {
  local rc=$?
  rm -rf "$SHM_DIR"
  (exit "$rc")
  e2e_cleanup
}
trap bench_exit EXIT
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# Watchdog: the whole run is bounded even if something hangs.
bench_max=${BENCH_MAX_SECONDS:-1500}
main_pid=$$
# Its sleep is stopped with it, so nothing outlives the run holding our stdout.
(
  trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
  sleep "$bench_max" &
  sleep_pid=$!
  wait "$sleep_pid" || exit 0
  echo "[cps.sh] run exceeded ${bench_max}s: stopping" >&2
  kill -TERM "$main_pid" 2>/dev/null
) &
E2E_PIDS+=("$!")

# utime+stime of processes and, recursively, their live children.
proc_cpu_ticks() {  # pid...
  local pid total=0 t kids
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    # Fields after the ")" of comm: 14 utime and 15 stime are $12 and $13.
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
    total=$((total + ${t:-0}))
    kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -n "$kids" ] && total=$((total + $(proc_cpu_ticks $kids)))
  done
  echo "$total"
}
proc_cpu() {  # pid... -> seconds
  awk -v t="$(proc_cpu_ticks "$@")" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# A sipp UAS per pool member for the whole run (no per-call logs: they would
# cost the UAS CPU at high rates).
UAS_PIDS=()
bench_uas_start() {  # role seconds
  local role=$1 ip pid
  ip=$(e2e_ip_of "$role")
  ip netns exec "$(netns_name "$role")" sipp -sf "$E2E_SIPP_DIR/uas_call.xml" -i "$ip" -p 5060 -bind_local -nostdin \
    -timeout "${2}s" -max_recv_loops 10000 -max_sched_loops 10000 \
    -trace_stat -stf "$W/$role.csv" -fd 1 \
    -trace_err -error_file "$W/$role.err" >"$W/$role.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  UAS_PIDS+=("$pid")
  eval "E2E_UAS_PID_$role=$pid"
  e2e_log "sipp UAS $role ($ip:5060) pid $pid"
}
uas_retrans() {
  local r t=0
  for r in uas1 uas2; do
    t=$((t + $(e2e_sipp_stat "$W/$r.csv" 'Retransmissions(C)' | grep -E '^[0-9]+$' || echo 0)))
  done
  echo "$t"
}

# One bounded UAC step in its own directory (sipp writes the -trace_rtt file
# into its working directory). Sets UAC_RC and UAC_CPU (sipp's own utime+stime).
bench_uac_run() {  # dir scenario calls rate [sipp args...]
  local dir=$1 scenario=$2 calls=$3 rate=$4 seconds pid
  shift 4
  mkdir -p "$dir"
  seconds=$((calls / rate + 20))
  pushd "$dir" >/dev/null || return 1
  ip netns exec "$(netns_name uac)" timeout --kill-after=5 "$((seconds + 10))" \
    bash -c 'sipp "$@"; rc=$?; times >uac.times; exit $rc' sipp \
    -sf "$scenario" "$E2E_VIP:5060" -i "$E2E_UAC_IP" -p 5060 -bind_local -nostdin \
    -m "$calls" -r "$rate" -rp 1000 -l $((rate * 10 + 100)) -d 500 -s bench -recv_timeout 8000 -timeout "${seconds}s" \
    -max_recv_loops 10000 -max_sched_loops 10000 \
    -trace_stat -stf uac.csv -fd 1 -trace_rtt -rtt_freq 1 \
    -trace_err -error_file uac.err "$@" >uac.out 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  wait "$pid"
  UAC_RC=$?
  popd >/dev/null || return 1
  # times: line 2 is the children's (sipp's) user and system time.
  UAC_CPU=$(awk 'NR == 2 { n = split($0, a, " "); t = 0
      for (i = 1; i <= n; i++) { split(a[i], p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%.2f", t }' \
    "$dir/uac.times" 2>/dev/null)
  return "$UAC_RC"
}

# Records one step. Args: system kind offered dir lb_cpu_s lb_messages extra...
# The UAC's figures come from the loadgen's report (dir/uac.json) if there is
# one, else from sipp's statistics and -trace_rtt files.
record_step() {
  local system=$1 kind=$2 offered=$3 dir=$4 cpu=$5 msgs=$6 uac=$4/uac.csv rtt gen=sipp
  shift 6
  rtt=$(ls "$dir"/*_rtt.csv 2>/dev/null | head -1)
  if [ -f "$dir/uac.json" ]; then
    uac=$dir/uac.json rtt= gen=loadgen
  fi
  python3 "$BENCH_DIR/lib/step_stats.py" "$STEPS" "$uac" "${rtt:--}" \
    system="$system" kind="$kind" offered_cps="$offered" lb_cpu_s="$cpu" lb_messages="$msgs" generator="$gen" \
    uac_cpu_s="${UAC_CPU:-}" uac_rc="${UAC_RC:-}" step_seconds="$step_seconds" ncpu="$NCPU" "$@"
}

# One step of the call ladder against the edge that runs now, with the chosen
# generator. Sets UAC_RC, UAC_CPU and STEP_EXTRA (key=value pairs about the
# UAS side for record_step). sipp's UASs run for the whole bench; the
# loadgen's are started per step, so their reports are per step.
calls_step() {  # dir calls rate
  local dir=$1 calls=$2 rate=$3 uas_cpu0 r0 json
  mkdir -p "$dir"
  if [ "$generator" = loadgen ]; then
    loadgen_uas_start uas1 $((step_seconds + 90)) "$dir"
    loadgen_uas_start uas2 $((step_seconds + 90)) "$dir"
    # The same call as sipp's: 0.5 s between ACK and BYE, 8 s for a reply,
    # and room for 10 s of calls (sipp's -l) so slow calls fail by timeout.
    loadgen_uac_run "$dir/uac.json" "$dir/uac.log" "$calls" "$rate" --hold-ms 500 --call-timeout-ms 8000 \
      --max-outstanding $((rate * 10 + 1000))
    UAC_RC=$?
    sleep 0.3  # the UASs see the last ACK
    loadgen_uas_stop uas1
    loadgen_uas_stop uas2
    cat "$dir/uac.log" >&2
    UAC_CPU=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["cpu_user_s"] + d["cpu_system_s"]))' \
      "$dir/uac.json" 2>/dev/null)
    local uas_cpu=0 f
    for f in "$dir/uas1.json" "$dir/uas2.json"; do
      json=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["cpu_user_s"] + d["cpu_system_s"]))' "$f" 2>/dev/null)
      uas_cpu=$(awk -v a="$uas_cpu" -v b="${json:-0}" 'BEGIN { printf "%.2f", a + b }')
    done
    STEP_EXTRA="uas_cpu_s=$uas_cpu retransmissions_uas=$(loadgen_sum retransmissions "$dir/uas1.json" "$dir/uas2.json")"
    STEP_EXTRA="$STEP_EXTRA uas_ack_timeouts=$(loadgen_sum ack_timeouts "$dir/uas1.json" "$dir/uas2.json")"
    STEP_EXTRA="$STEP_EXTRA uas_invites=$(loadgen_sum invites "$dir/uas1.json" "$dir/uas2.json")"
  else
    uas_cpu0=$(proc_cpu "${UAS_PIDS[@]}")
    r0=$(uas_retrans)
    bench_uac_run "$dir" "$E2E_SIPP_DIR/uac_call.xml" "$calls" "$rate"
    sleep 1.2
    STEP_EXTRA="uas_cpu_s=$(fsub "$(proc_cpu "${UAS_PIDS[@]}")" "$uas_cpu0") retransmissions_uas=$(($(uas_retrans) - r0))"
  fi
}

# Did the last recorded step pass (< 0.1% failed, achieved >= 90% offered)?
last_step_ok() {
  tail -1 "$STEPS" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
ok = s["failed_pct"] is not None and s["failed_pct"] < 0.1 and s["achieved_cps"] is not None \
     and s["achieved_cps"] >= 0.9 * s["offered_cps"]
sys.exit(0 if ok else 1)'
}

# ---------------------------------------------------------------------------
# sipedge

TSC_HZ=
sipedge_tsc_hz() {
  local hz
  if [ -x "$SIPEDGE_PIPELINE" ]; then
    hz=$(timeout 30 "$SIPEDGE_PIPELINE" --seconds 1 --io-only 2>/dev/null | grep -o 'tsc_hz=[0-9]*' | cut -d= -f2)
  fi
  [ -n "$hz" ] || e2e_die "cannot learn tsc_hz from $SIPEDGE_PIPELINE"
  echo "$hz"
}

sipedge_config() {  # file [with_registrar]
  # The same global CPS limit as Kamailio's ratelimit pipe: far above the load.
  e2e_write_dp_config "$1" algorithm=hash-callid cps=100000 breach=reply503 retry_after=5
  if [ "${2:-0}" = 1 ]; then
    # Kamailio's usrloc is in memory (db_mode 0); sipedge-cp's SQLite file
    # goes on tmpfs so that neither system waits for a disk.
    sed -i "s|^path = \".*location.db\"|path = \"$SHM_DIR/location.db\"|" "$1"
    cat >>"$1" <<'CONF'

[registrar]
min_expires = 60
max_expires = 3600
default_expires = 600
# sipp registers from one address; Kamailio has no per-source limit either.
flood_rate = 0

[metrics]
CONF
  fi
}

# Busy seconds and SIP messages of the sipedge-dp that just exited.
sipedge_step_figures() {
  local busy req resp dlg
  busy=$(e2e_edge_counter busy_cycles)
  req=$(e2e_edge_counter forwarded_request)
  resp=$(e2e_edge_counter forwarded_response)
  dlg=$(e2e_edge_counter forwarded_in_dialog)
  SE_CPU=$(awk -v b="${busy:-0}" -v hz="$TSC_HZ" 'BEGIN { printf "%.4f", b / hz }')
  SE_MSGS=$((${req:-0} + ${resp:-0} + ${dlg:-0}))
  SE_RX=$(e2e_edge_counter rx_packets)
  SE_EXTRA="busy_cycles=${busy:-} rx_packets=${SE_RX:-} forwarded_request=${req:-} forwarded_response=${resp:-} forwarded_in_dialog=${dlg:-} calls_counter=$(e2e_edge_counter calls) cps_breaches=$(e2e_edge_counter cps_breaches)"
}

run_sipedge() {
  local rate dir calls
  TSC_HZ=$(sipedge_tsc_hz)
  e2e_log "sipedge: tsc_hz $TSC_HZ"
  sipedge_config "$W/sipedge.toml"
  for rate in $rates; do
    dir=$W/sipedge-calls-$rate
    calls=$((rate * step_seconds))
    e2e_edge_start dp "$W/sipedge-$rate.log" "$W/sipedge.toml"
    sleep 0.5
    e2e_log "sipedge: $calls calls at $rate/s ($generator)"
    calls_step "$dir" "$calls" "$rate"
    e2e_edge_stop
    sipedge_step_figures
    # shellcheck disable=SC2086
    record_step sipedge calls "$rate" "$dir" "$SE_CPU" "$SE_MSGS" calls_offered="$calls" \
      tsc_hz="$TSC_HZ" $STEP_EXTRA $SE_EXTRA
    last_step_ok || { e2e_log "sipedge: stopping the ladder at $rate/s"; break; }
  done
}

run_sipedge_register() {
  local rate dir calls cp_pid cp_cpu0 cp_cpu _
  if [ -z "$SIPEDGE_CP" ]; then
    echo '{"system": "sipedge", "kind": "register", "status": "not available yet: no sipedge-cp binary"}' >>"$STEPS"
    e2e_log "sipedge REGISTER: no sipedge-cp binary: not available yet"
    return
  fi
  sipedge_config "$W/sipedge-reg.toml" 1
  for rate in $register_rates; do
    dir=$W/sipedge-register-$rate
    calls=$((rate * step_seconds))
    rm -f "$SHM_DIR/location.db"*
    e2e_edge_start dp "$W/sipedge-reg-$rate.log" "$W/sipedge-reg.toml"
    ip netns exec "$(netns_name edge)" "$SIPEDGE_CP" --config "$W/sipedge-reg.toml" >"$W/cp-$rate.log" 2>&1 &
    cp_pid=$!
    E2E_PIDS+=("$cp_pid")
    for _ in $(seq 1 100); do
      grep -q "connected to" "$W/cp-$rate.log" && break
      kill -0 "$cp_pid" 2>/dev/null || break
      sleep 0.1
    done
    if ! grep -q "connected to" "$W/cp-$rate.log"; then
      tail -5 "$W/cp-$rate.log" >&2
      e2e_stop_pid "$cp_pid"
      e2e_edge_stop
      echo '{"system": "sipedge", "kind": "register", "status": "not available yet: sipedge-cp did not connect to the dataplane"}' >>"$STEPS"
      return
    fi
    cp_cpu0=$(proc_cpu "$cp_pid")
    e2e_log "sipedge: $calls REGISTER scenarios at $rate/s (sipedge-cp pid $cp_pid)"
    bench_uac_run "$dir" "$BENCH_DIR/sipp/uac_register.xml" "$calls" "$rate"
    cp_cpu=$(fsub "$(proc_cpu "$cp_pid")" "$cp_cpu0")
    e2e_stop_pid "$cp_pid" TERM 5
    e2e_edge_stop
    sipedge_step_figures
    # CPU: the dataplane's busy seconds plus sipedge-cp's utime+stime. Messages:
    # REGISTERs in and 200s out, from sipp's side (the dataplane punts them).
    local ok
    ok=$(e2e_sipp_stat "$dir/uac.csv" 'SuccessfulCall(C)')
    # shellcheck disable=SC2086
    record_step sipedge register "$rate" "$dir" "$(awk -v a="$SE_CPU" -v b="$cp_cpu" 'BEGIN { printf "%.4f", a + b }')" \
      "$((${ok:-0} * 4))" calls_offered="$calls" dp_cpu_s="$SE_CPU" cp_cpu_s="$cp_cpu" $SE_EXTRA
    last_step_ok || break
  done
}

# ---------------------------------------------------------------------------
# Kamailio

KAM_PID=
kam_start() {  # dslist log [extra -A defines...]
  local list=$1 log=$2 _
  shift 2
  mkdir -p "$W/kam-run"
  ip netns exec "$(netns_name edge)" kamailio -f "$KAMAILIO_CFG" -DD -E -Y "$W/kam-run" -P "$W/kam-run/kamailio.pid" \
    -m 128 -M 16 -A "DS_LIST=\"$list\"" -A WITH_CTL -A "CTL_SOCK=\"unix:$W/kam-run/ctl.sock\"" "$@" >"$log" 2>&1 &
  KAM_PID=$!
  E2E_EDGE_PID=$KAM_PID
  E2E_EDGE_LOG=$log
  for _ in $(seq 1 50); do
    [ -S "$W/kam-run/ctl.sock" ] && break
    kill -0 "$KAM_PID" 2>/dev/null || break
    sleep 0.1
  done
  e2e_wait_edge_ready || { tail -30 "$log" >&2; e2e_die "Kamailio did not come up"; }
  e2e_log "Kamailio pid $KAM_PID ($(pgrep -P "$KAM_PID" 2>/dev/null | wc -l) children), log $log"
}
kam_stop() {
  e2e_edge_stop
  KAM_PID=
}
kamcmd_() {
  kamcmd -s "unix:$W/kam-run/ctl.sock" "$@"
}
# SIP messages Kamailio received (core statistics of kex).
kam_messages() {
  kamcmd_ stats.get_statistics core: 2>/dev/null |
    awk '$1 == "core:rcv_requests" || $1 == "core:rcv_replies" { t += $3 } END { print t + 0 }'
}

kam_addresses() {
  # Kamailio uses the kernel stack: the edge's addresses go on vo/vi (as
  # lib.sh's mini mode does). Only after sipedge-dp has finished with them.
  nip edge addr add "$E2E_VIP/24" dev vo 2>/dev/null || true
  nip edge addr add "$E2E_EDGE_IN_IP/24" dev vi 2>/dev/null || true
  # The UAC and UASs learnt sipedge's MACs (the same veths): nothing to flush.
}

run_kamailio() {
  local rate dir calls cpu0 cpu m0 msgs
  kam_addresses
  printf '1 sip:%s:5060 0 0\n1 sip:%s:5060 0 0\n' "$E2E_UAS1_IP" "$E2E_UAS2_IP" >"$W/kam-dispatcher.list"
  kam_start "$W/kam-dispatcher.list" "$W/kamailio.log"
  for rate in $rates; do
    dir=$W/kamailio-calls-$rate
    calls=$((rate * step_seconds))
    cpu0=$(proc_cpu "$KAM_PID")
    m0=$(kam_messages)
    e2e_log "kamailio: $calls calls at $rate/s ($generator)"
    calls_step "$dir" "$calls" "$rate"
    cpu=$(fsub "$(proc_cpu "$KAM_PID")" "$cpu0")
    msgs=$(($(kam_messages) - m0))
    # shellcheck disable=SC2086
    record_step kamailio calls "$rate" "$dir" "$cpu" "$msgs" calls_offered="$calls" $STEP_EXTRA \
      kamailio_processes="$(($(pgrep -P "$KAM_PID" | wc -l) + 1))"
    last_step_ok || { e2e_log "kamailio: stopping the ladder at $rate/s"; break; }
  done
  if [ "$do_register" = 1 ]; then
    for rate in $register_rates; do
      dir=$W/kamailio-register-$rate
      calls=$((rate * step_seconds))
      cpu0=$(proc_cpu "$KAM_PID")
      m0=$(kam_messages)
      e2e_log "kamailio: $calls REGISTER scenarios at $rate/s"
      bench_uac_run "$dir" "$BENCH_DIR/sipp/uac_register.xml" "$calls" "$rate"
      cpu=$(fsub "$(proc_cpu "$KAM_PID")" "$cpu0")
      msgs=$(($(kam_messages) - m0))
      # Received REGISTERs + the 200s sent: twice the received count.
      record_step kamailio register "$rate" "$dir" "$cpu" "$((msgs * 2))" calls_offered="$calls"
      last_step_ok || break
    done
  fi
  kam_stop
}

# ---------------------------------------------------------------------------
# The generator alone: the loadgen UAC against one loadgen UAS over loopback
# in the uac namespace, no load balancer, the same calls and ladder. One UAS
# takes what two share in the real steps, so this ceiling is conservative.
# When it passes a rate that a system failed, the system was the limit.

run_generator_alone() {
  local rate dir calls pid _
  nip uac link set lo up || { e2e_log "cannot bring lo up in the uac namespace"; return; }
  for rate in $rates; do
    dir=$W/generator-$rate
    calls=$((rate * step_seconds))
    mkdir -p "$dir"
    ip netns exec "$(netns_name uac)" "$LOADGEN" uas --local 127.0.0.1:5070 --max-seconds $((step_seconds + 90)) \
      --json "$dir/uas1.json" >"$dir/uas1.log" 2>&1 &
    pid=$!
    E2E_PIDS+=("$pid")
    for _ in $(seq 1 50); do grep -q "listening on" "$dir/uas1.log" && break; sleep 0.1; done
    e2e_log "generator alone: $calls calls at $rate/s"
    ip netns exec "$(netns_name uac)" timeout --kill-after=5 $((step_seconds + 30)) \
      "$LOADGEN" uac --local 127.0.0.1:5060 --target 127.0.0.1:5070 --calls "$calls" --rate "$rate" \
      --max-seconds $((step_seconds + 20)) --hold-ms 500 --call-timeout-ms 8000 --max-outstanding $((rate * 10 + 1000)) \
      --json "$dir/uac.json" >"$dir/uac.log" 2>&1
    UAC_RC=$?
    sleep 0.3
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cat "$dir/uac.log" >&2
    UAC_CPU=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["cpu_user_s"] + d["cpu_system_s"]))' \
      "$dir/uac.json" 2>/dev/null)
    record_step loadgen generator "$rate" "$dir" "" "" calls_offered="$calls" \
      uas_cpu_s="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["cpu_user_s"] + d["cpu_system_s"]))' "$dir/uas1.json" 2>/dev/null)" \
      retransmissions_uas="$(loadgen_sum retransmissions "$dir/uas1.json")"
    last_step_ok || { e2e_log "generator alone: stopping the ladder at $rate/s"; break; }
  done
}

# ---------------------------------------------------------------------------
# Disruption: one of N destinations down, same Call-IDs.

disruption_sipedge() {
  [ -x "$SIPEDGE_DISRUPTION" ] || { e2e_log "no $SIPEDGE_DISRUPTION"; return; }
  timeout 120 "$SIPEDGE_DISRUPTION" 200000 >"$W/dispatch_disruption.txt" 2>&1
  python3 - "$W/dispatch_disruption.txt" "$disruption_n" >>"$EXTRA" <<'PY'
import json, sys
text = open(sys.argv[1]).read().splitlines()
n = int(sys.argv[2])
# The run with random Call-IDs: rows "N ideal moved_avg moved_max extra_max ...".
rows = {}
for line in text:
    parts = line.split()
    if len(parts) == 7 and parts[0].isdigit():
        try:
            rows[int(parts[0])] = [float(p) for p in parts[1:]]
        except ValueError:
            pass
r = rows.get(n)
out = {"kind": "disruption", "system": "sipedge", "method": "dispatch_disruption (Maglev table, 200000 random Call-IDs, each destination down in turn)",
       "n": n}
if r:
    out.update({"ideal": r[0], "moved_fraction_avg": r[1], "moved_fraction_max": r[2],
                "moved_between_survivors_max": r[3], "survivor_max_over_mean_avg": r[4]})
print(json.dumps(out))
PY
}

disruption_kamailio() {
  local n=$disruption_n i addrs="" list=$W/kam-disrupt.list lpid k down count=3000 base
  : >"$list"
  for i in $(seq 1 "$n"); do
    local a=198.51.100.$((30 + i))
    nip uas1 addr add "$a/24" dev h0 || e2e_die "cannot add $a to uas1"
    addrs="$addrs${addrs:+,}$a"
    printf '1 sip:%s:5060 0 0\n' "$a" >>"$list"
  done
  kam_start "$list" "$W/kamailio-disrupt.log"
  : >"$W/disrupt.log"
  echo base >"$W/disrupt.log.phase"
  ip netns exec "$(netns_name uas1)" timeout 300 python3 "$BENCH_DIR/lib/disrupt.py" listen --addrs "$addrs" \
    --out "$W/disrupt.log" --seconds 280 &
  lpid=$!
  E2E_PIDS+=("$lpid")
  sleep 0.5
  send_phase() {
    echo "$1" >"$W/disrupt.log.phase"
    sleep 0.3
    ip netns exec "$(netns_name uac)" timeout 60 python3 "$BENCH_DIR/lib/disrupt.py" send --target "$E2E_VIP:5060" \
      --src "$E2E_UAC_IP" --count "$count" --rate 1500
    sleep 0.5
  }
  send_phase base
  base=base
  for k in $(seq 1 "$n"); do
    down=198.51.100.$((30 + k))
    kamcmd_ dispatcher.set_state i 1 "sip:$down:5060" || e2e_log "kamcmd set_state failed"
    send_phase "down$k"
    kamcmd_ dispatcher.set_state a 1 "sip:$down:5060" || e2e_log "kamcmd set_state failed"
    python3 "$BENCH_DIR/lib/disrupt.py" compare "$W/disrupt.log" "$base" "down$k" "$down" >>"$W/disrupt-kam.jsonl"
  done
  kamcmd_ dispatcher.list >"$W/kam-dispatcher-state.txt" 2>&1
  e2e_stop_pid "$lpid"
  kam_stop
  for i in $(seq 1 "$n"); do nip uas1 addr del "198.51.100.$((30 + i))/24" dev h0 2>/dev/null; done
  python3 - "$W/disrupt-kam.jsonl" "$n" "$count" >>"$EXTRA" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
fr = [r["moved_fraction"] for r in rows if r["moved_fraction"] is not None]
out = {"kind": "disruption", "system": "kamailio", "n": n, "ideal": round(1 / n, 4),
       "method": "real Kamailio 5.6, dispatcher alg 0 (hash over Call-ID), each destination marked inactive in turn "
                 "(kamcmd dispatcher.set_state i), %s fixed Call-IDs per phase" % sys.argv[3],
       "moved_fraction_avg": round(sum(fr) / len(fr), 4) if fr else None,
       "moved_fraction_max": max(fr) if fr else None,
       "moved_between_survivors_max": max((r["moved_not_from_down"] / r["call_ids"] for r in rows if r["call_ids"]), default=None),
       "still_sent_to_down": sum(r["still_to_down"] for r in rows),
       "survivor_max_over_mean_avg": round(sum(r["survivor_max_over_mean"] for r in rows) / len(rows), 4) if rows else None,
       "phases": rows}
print(json.dumps(out))
PY
}

run_pipeline() {
  [ -x "$SIPEDGE_PIPELINE" ] || return
  local mode line
  for mode in "" "--io-only"; do
    # shellcheck disable=SC2086
    line=$(timeout 60 "$SIPEDGE_PIPELINE" --seconds 3 --workers 1 $mode 2>/dev/null | grep '^mode=' | tail -1)
    [ -n "$line" ] || continue
    python3 -c '
import json, sys
d = {"kind": "pipeline", "system": "sipedge"}
for kv in sys.argv[1].split():
    k, _, v = kv.partition("=")
    try: d[k] = float(v) if "." in v else int(v)
    except ValueError: d[k] = v
print(json.dumps(d))' "$line" >>"$EXTRA"
  done
}

# ---------------------------------------------------------------------------

if [ "$generator" = sipp ]; then
  bench_uas_start uas1 "$bench_max"
  bench_uas_start uas2 "$bench_max"
  sleep 0.5
fi
case " $systems " in *" sipedge "*)
  run_sipedge
  [ "$do_register" = 1 ] && run_sipedge_register
  [ "$do_disruption" = 1 ] && disruption_sipedge ;;
esac
case " $systems " in *" kamailio "*)
  run_kamailio
  [ "$do_disruption" = 1 ] && disruption_kamailio ;;
esac
e2e_uas_stop uas1
e2e_uas_stop uas2
[ "$generator" = loadgen ] && run_generator_alone
[ "$do_pipeline" = 1 ] && run_pipeline

mkdir -p "$out_dir"
python3 "$BENCH_DIR/lib/report.py" --steps "$STEPS" --extra "$EXTRA" --out "$out_dir" \
  --rates "$rates" --step-seconds "$step_seconds" --generator "$generator" --work "$W"
