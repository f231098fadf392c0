# shellcheck shell=bash
# The loadgen (bench/loadgen) in the e2e topology: a UAS per pool member and a
# UAC in the uac namespace. Sourced after tests/e2e/lib.sh by the loadgen e2e
# test and by bench/cps.sh; needs LOADGEN (the executable). Every process is
# recorded in E2E_PIDS and bounded by --max-seconds.

# Starts a loadgen UAS in a role's namespace and returns once it listens.
# Its report goes to DIR/<role>.json, its log to DIR/<role>.log.
# Sets LOADGEN_UAS_PID_<role>.
loadgen_uas_start() {  # role max-seconds dir
  local role=$1 seconds=$2 dir=$3 ip pid _
  ip=$(e2e_ip_of "$role")
  rm -f "$dir/$role.json"
  ip netns exec "$(netns_name "$role")" "$LOADGEN" uas --local "$ip:5060" --max-seconds "$seconds" \
    --json "$dir/$role.json" >"$dir/$role.log" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  eval "LOADGEN_UAS_PID_$role=$pid"
  for _ in $(seq 1 50); do
    grep -q "listening on" "$dir/$role.log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/$role.log" >&2
  e2e_die "loadgen UAS $role did not start"
}

# Stops a loadgen UAS (SIGTERM: it writes its report) and waits for it.
loadgen_uas_stop() {  # role
  local var="LOADGEN_UAS_PID_$1" pid _
  pid=${!var:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  eval "LOADGEN_UAS_PID_$1="
}

# Runs a loadgen UAC to the VIP until its calls are done (bounded by
# --max-seconds and coreutils timeout); report in JSON, summary in LOG.
# Returns the UAC's status (0: every call succeeded).
loadgen_uac_run() {  # json log calls rate [extra loadgen args...]
  local json=$1 log=$2 calls=$3 rate=$4 seconds pid
  shift 4
  seconds=$((calls / rate + 20))
  ip netns exec "$(netns_name uac)" timeout --kill-after=5 "$((seconds + 10))" \
    "$LOADGEN" uac --local "$E2E_UAC_IP:5060" --target "$E2E_VIP:5060" --calls "$calls" --rate "$rate" \
    --max-seconds "$seconds" --json "$json" "$@" >"$log" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  wait "$pid"
}

# A field of a loadgen JSON report; empty if the file or field is missing.
# Integral values print without a fraction.
loadgen_field() {  # json key
  [ -f "$1" ] || return 0
  python3 -c '
import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
if v is None: sys.exit(0)
print(int(v) if float(v).is_integer() else v)' "$1" "$2" 2>/dev/null
}

# A field summed over several reports.
loadgen_sum() {  # key json...
  local key=$1 f t=0 v
  shift
  for f in "$@"; do
    v=$(loadgen_field "$f" "$key")
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
