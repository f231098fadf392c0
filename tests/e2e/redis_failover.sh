#!/usr/bin/env bash
# End-to-end: a Sentinel failover of the Redis location store under steady
# REGISTER load, through the real sipedge-dp + sipedge-cp (issue 6).
# Usage: redis_failover.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
# Knobs: E2E_USERS (2000), E2E_RATE (100/s), E2E_CUT_REPLICATION=1 and
# E2E_WAIT_REPLICAS (1), see below.
#
# In the edge namespace, on its loopback: a redis-server primary, two
# replicas and three sentinels (quorum 2, down-after 1.5 s), no RDB or AOF.
# sipedge-cp uses store.backend = "redis" through the sentinels with
# wait_replicas = 1. A sipp UAC registers E2E_USERS distinct AORs (one per
# call, from an -inf CSV) at E2E_RATE/s to the VIP; once a third of them are
# bound, the primary is SIGKILLed. Asserts:
#   - the failover happened: a former replica says ROLE master, the sentinels
#     name it, sipedge-cp logged its reconnect to it and its sipedge_redis_*
#     metrics count the disconnect, the sentinel queries and the reconnect;
#   - it moved on the sentinels' +switch-master push: it held the
#     subscription on all three sentinels before the kill, and logged and
#     counted the switch;
#   - every AOR that got a 200 OK (from sipp's per-call log, and from a
#     capture of every 200 that reached the UAC, late ones included) is a
#     binding key on the new primary (SCAN <prefix>:b:*) and in sipedge-cp's
#     /api/registrations; nothing the cp holds is missing from Redis once the
#     cp replayed its queue;
#   - every REGISTER got a 200, a 500/503 or nothing (none left unaccounted),
#     and REGISTERs were sent during the outage.
# It reports the outage (kill to reconnect, and the longest gap between two
# 200 OKs) and what happened to the REGISTERs sent during it.
#
# Why wait_replicas = 1: without it a 200 leaves once the primary alone has
# the binding; its asynchronous replication to the replicas can still be in
# the primary's buffers when it dies, and the promoted replica never had the
# binding: a 200 OK, then lost. WAIT 1 holds the 200 until a replica has it,
# and Sentinel promotes the most up-to-date replica. On loopback that window
# is a fraction of a millisecond, so a plain kill rarely shows the loss;
# E2E_CUT_REPLICATION=1 widens it: just before the kill both replicas are put
# to sleep (DEBUG SLEEP 1) and the primary drops their links (CLIENT KILL
# TYPE replica), so for ~0.4 s only the primary gets the writes. With
# wait_replicas = 1 those REGISTERs are held (WAIT times out) and end as 500s
# when the primary dies: still nothing lost (e2e-redis-failover-cut). With
# E2E_WAIT_REPLICAS=0 as well they get their 200 at once and are gone after
# the failover: the negative run asserts that loss instead
# (e2e-redis-failover-no-wait), which shows the checks above can fail.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "redis_failover: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "redis_failover: redis-server / redis-cli not found (scripts/install-deps.sh)" >&2
  exit 1
fi
USERS=${E2E_USERS:-2000}
RATE=${E2E_RATE:-100}
KILL_AT=$((USERS / 3))   # bindings in the cp before the primary is killed
CUT_REPLICATION=${E2E_CUT_REPLICATION:-0}
WAIT_REPLICAS=${E2E_WAIT_REPLICAS:-1}
EXPECT_LOSS=0
[ "$CUT_REPLICATION" = 1 ] && [ "$WAIT_REPLICAS" = 0 ] && EXPECT_LOSS=1
PRIMARY_PORT=6380
REPLICA_PORTS=(6381 6382)
SENTINEL_PORTS=(26380 26381 26382)
MASTER=edge
PREFIX=sipedge
CP_LOG=

in_edge() {
  ip netns exec "$(netns_name edge)" "$@"
}

rcli() {  # port, then a Redis command
  local port=$1
  shift
  in_edge timeout 5 redis-cli --raw -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

now_s() {
  date +%s.%N
}

ms_between() {  # start end (seconds with fractions)
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

metric() {  # exact name
  in_edge curl -s --max-time 3 http://127.0.0.1:9090/metrics | awk -v n="$1" '$1 == n { print $2 }'
}

# A redis-server in the edge namespace: no RDB snapshots, no AOF, diskless
# replica loads; its directory and log in the work directory. Sets
# REDIS_PID_<port>.
redis_start() {  # port [extra args...]
  local port=$1 pid
  shift
  mkdir -p "$E2E_WORK/redis-$port"
  ip netns exec "$(netns_name edge)" redis-server --port "$port" --bind 127.0.0.1 --daemonize no \
    --save "" --appendonly no --repl-diskless-sync yes --repl-diskless-load swapdb \
    --dir "$E2E_WORK/redis-$port" --logfile "$E2E_WORK/redis-$port.log" "$@" &
  pid=$!
  E2E_PIDS+=("$pid")
  eval "REDIS_PID_$port=$pid"
  e2e_log "redis-server :$port pid $pid $*"
}

# A sentinel with its own (writable: Sentinel rewrites it) config file.
sentinel_start() {  # port
  local port=$1 conf=$E2E_WORK/sentinel-$1.conf pid
  mkdir -p "$E2E_WORK/sentinel-$port"
  cat >"$conf" <<EOF
port $port
bind 127.0.0.1
daemonize no
dir $E2E_WORK/sentinel-$port
logfile $E2E_WORK/sentinel-$port.log
sentinel monitor $MASTER 127.0.0.1 $PRIMARY_PORT 2
sentinel down-after-milliseconds $MASTER 1500
sentinel failover-timeout $MASTER 6000
sentinel parallel-syncs $MASTER 2
EOF
  ip netns exec "$(netns_name edge)" redis-server "$conf" --sentinel &
  pid=$!
  E2E_PIDS+=("$pid")
  e2e_log "redis-sentinel :$port pid $pid"
}

wait_for() {  # seconds, then a command that must succeed
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

replicas_in_sync() {
  [ "$(rcli "$PRIMARY_PORT" WAIT 2 200)" = 2 ]
}

# Every sentinel sees both replicas and the two other sentinels (quorum 2
# needs them to know each other before the kill).
sentinels_ready() {
  local port info
  for port in "${SENTINEL_PORTS[@]}"; do
    info=$(rcli "$port" SENTINEL master "$MASTER" | paste -sd' ')
    [[ " $info " == *" num-slaves 2 "* && " $info " == *" num-other-sentinels 2 "* ]] || return 1
  done
}

cp_connected() {
  [ "$(metric sipedge_redis_connected)" = 1 ]
}

cp_caught_up() {
  [ "$(metric sipedge_redis_connected)" = 1 ] && [ "$(metric sipedge_redis_queue_depth)" = 0 ] &&
    [ "$(metric sipedge_redis_in_flight_batches)" = 0 ] && [ "$(metric sipedge_registrar_held)" = 0 ]
}

e2e_init redis_failover
redis_start "$PRIMARY_PORT"
for port in "${REPLICA_PORTS[@]}"; do
  redis_start "$port" --replicaof 127.0.0.1 "$PRIMARY_PORT" --enable-debug-command local
done
wait_for 20 replicas_in_sync || e2e_die "replicas did not sync with the primary"
for port in "${SENTINEL_PORTS[@]}"; do
  sentinel_start "$port"
done
wait_for 30 sentinels_ready || e2e_die "sentinels did not discover the replicas and each other"
e2e_log "primary :$PRIMARY_PORT, replicas ${REPLICA_PORTS[*]}, sentinels ${SENTINEL_PORTS[*]} ready"

e2e_write_dp_config "$E2E_WORK/sipedge.toml"
sentinel_list=$(printf '"127.0.0.1:%s", ' "${SENTINEL_PORTS[@]}")
cat >>"$E2E_WORK/sipedge.toml" <<CONF

[registrar]
min_expires = 60
max_expires = 3600
default_expires = 600
flood_rate = 0

[store]
backend = "redis"

[store.redis]
sentinels = [${sentinel_list%, }]
master_name = "$MASTER"
key_prefix = "$PREFIX"
wait_replicas = $WAIT_REPLICAS
wait_timeout_ms = 500

[metrics]
listen = "127.0.0.1:9090"
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"
CP_LOG=$E2E_WORK/cp.log
e2e_cp_start "$CP_LOG"
wait_for 10 cp_connected || e2e_die "sipedge-cp did not connect to the Redis primary"
connects_before=$(metric sipedge_redis_connects_total)
watched_before=$(metric sipedge_redis_sentinels_watched)

# Every packet to and from the UAC: the 200 OKs that reached it, with times.
ip netns exec "$(netns_name uac)" timeout 300 tcpdump -ni h0 -s 0 -U --immediate-mode -c 100000 -w "$E2E_WORK/uac.pcap" \
  udp port 5060 >"$E2E_WORK/uac.tcpdump" 2>&1 &
tcpdump_pid=$!
E2E_PIDS+=("$tcpdump_pid")
netns_wait_listening "$E2E_WORK/uac.tcpdump" || e2e_die "tcpdump on the UAC did not start"

{
  echo SEQUENTIAL
  for i in $(seq 1 "$USERS"); do printf 'u%05d;\n' "$i"; done
} >"$E2E_WORK/users.csv"
sipp_seconds=$((USERS / RATE + 40))
ip netns exec "$(netns_name uac)" timeout --kill-after=5 "$((sipp_seconds + 10))" \
  sipp -sf "$E2E_SIPP_DIR/uac_register_users.xml" "$E2E_VIP:5060" -i "$E2E_UAC_IP" -p 5060 -bind_local -nostdin \
  -inf "$E2E_WORK/users.csv" -m "$USERS" -r "$RATE" -l $((RATE * 10)) -recv_timeout 20000 -timeout "${sipp_seconds}s" \
  -max_recv_loops 10000 \
  -trace_stat -stf "$E2E_WORK/register.csv" -fd 1 \
  -trace_logs -log_file "$E2E_WORK/register.log" \
  -trace_err -error_file "$E2E_WORK/register.err" >"$E2E_WORK/register.out" 2>&1 &
sipp_pid=$!
E2E_PIDS+=("$sipp_pid")
e2e_log "sipp UAC pid $sipp_pid: $USERS REGISTERs at $RATE/s"

# Midway: SIGKILL the primary.
enough_bound() {
  local n
  n=$(metric sipedge_registrations)
  [ -n "$n" ] && [ "$n" -ge "$KILL_AT" ]
}
wait_for $((KILL_AT / RATE + 20)) enough_bound || e2e_die "fewer than $KILL_AT bindings before the kill"
t_cut=
if [ "$CUT_REPLICATION" = 1 ]; then
  for port in "${REPLICA_PORTS[@]}"; do
    in_edge timeout 5 redis-cli -h 127.0.0.1 -p "$port" DEBUG SLEEP 1 >/dev/null 2>&1 &
    E2E_PIDS+=("$!")
  done
  sleep 0.05
  t_cut=$(now_s)
  e2e_log "replicas asleep; primary dropped $(rcli "$PRIMARY_PORT" CLIENT KILL TYPE replica) replica links"
  sleep 0.4
fi
bound_at_kill=$(metric sipedge_registrations)
t_kill=$(now_s)
primary_pid_var=REDIS_PID_$PRIMARY_PORT
kill -KILL "${!primary_pid_var}"
wait "${!primary_pid_var}" 2>/dev/null
e2e_log "SIGKILLed the primary (:$PRIMARY_PORT) with $bound_at_kill bindings in the cp"

# Until a replica is promoted and the cp has reconnected (bounded).
t_promoted=
t_reconnected=
new_port=
deadline=$((SECONDS + 40))
while [ "$SECONDS" -lt "$deadline" ] && { [ -z "$t_promoted" ] || [ -z "$t_reconnected" ]; }; do
  if [ -z "$t_promoted" ]; then
    for port in "${REPLICA_PORTS[@]}"; do
      if [ "$(rcli "$port" ROLE | head -1)" = master ]; then
        t_promoted=$(now_s)
        new_port=$port
      fi
    done
  fi
  if [ -z "$t_reconnected" ]; then
    connects=$(metric sipedge_redis_connects_total)
    [ -n "$connects" ] && [ "$connects" -gt "$connects_before" ] && t_reconnected=$(now_s)
  fi
  sleep 0.1
done
promoted_ms=$([ -n "$t_promoted" ] && ms_between "$t_kill" "$t_promoted")
reconnect_ms=$([ -n "$t_reconnected" ] && ms_between "$t_kill" "$t_reconnected")
e2e_log "promoted :${new_port:-none} after ${promoted_ms:-?} ms; sipedge-cp reconnected after ${reconnect_ms:-?} ms"

wait "$sipp_pid"
sipp_rc=$?
e2e_log "sipp UAC exited with status $sipp_rc"
wait_for 20 cp_caught_up || e2e_log "sipedge-cp did not catch up (queue, in flight, held)"
e2e_stop_pid "$tcpdump_pid"

# Outcomes as the UAC saw them: per Call-ID the first REGISTER's time and the
# final answer (capture), against the outage: from the kill (or the
# replication cut before it) to the reconnect.
python3 - "$E2E_WORK/uac.pcap" "$E2E_UAC_IP" "${t_cut:-$t_kill}" "${t_reconnected:-0}" "$E2E_WORK/ok.pcap.txt" \
  >"$E2E_WORK/outcomes.txt" <<'PY'
import re, struct, sys
path, uac, t_kill, t_up, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
sent, final, ok_times = {}, {}, []
pos = 24
while pos + 16 <= len(data):
    sec, frac, incl, _ = struct.unpack("<IIII", data[pos:pos + 16])
    frame = data[pos + 16:pos + 16 + incl]
    pos += 16 + incl
    t = sec + frac * scale
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        continue
    ihl = (frame[14] & 0x0F) * 4
    src = ".".join(str(b) for b in frame[26:30])
    sip = frame[14 + ihl + 8:].decode("latin-1")
    call = re.search(r"^Call-ID:\s*(\S+)", sip, re.M | re.I)
    user = re.search(r"^To:\s*<sip:([^@>]+)@", sip, re.M | re.I)
    if not call or not user:
        continue
    cid = call.group(1)
    if src == uac and sip.startswith("REGISTER "):
        sent.setdefault(cid, (t, user.group(1)))
    elif src != uac and sip.startswith("SIP/2.0 "):
        code = int(sip[8:11])
        if code >= 200 and cid not in final:
            final[cid] = (code, t)
        if code == 200:
            ok_times.append(t)
ok_users = sorted({sent[c][1] for c, (code, _) in final.items() if code == 200 and c in sent})
with open(out, "w") as f:
    f.write("".join(u + "\n" for u in ok_users))
def outcome(cid):
    return final.get(cid, (0, 0))[0]
count = lambda cids, pred: sum(1 for c in cids if pred(outcome(c)))
during = [c for c, (t, _) in sent.items() if t_kill <= t <= (t_up or t_kill + 1e9)]
ok_times.sort()
gap = max((b - a for a, b in zip(ok_times, ok_times[1:]) if b >= t_kill), default=0)
late = [c for c in during if outcome(c) == 200 and final[c][1] - sent[c][0] > 0.5]
print(f"sent {len(sent)} ok {count(sent, lambda o: o == 200)} refused {count(sent, lambda o: o >= 500)} "
      f"other {count(sent, lambda o: 0 < o < 500 and o != 200)} unanswered {count(sent, lambda o: o == 0)} "
      f"gap_ms {int(gap * 1000)} during {len(during)} during_ok {count(during, lambda o: o == 200)} "
      f"during_ok_late {len(late)} during_refused {count(during, lambda o: o >= 500)} "
      f"during_unanswered {count(during, lambda o: o == 0)}")
PY
read -r -a outcome <"$E2E_WORK/outcomes.txt"
declare -A seen=()
for ((i = 0; i + 1 < ${#outcome[@]}; i += 2)); do seen[${outcome[i]}]=${outcome[i + 1]}; done
echo "UAC capture: ${outcome[*]}"

awk '$1 == "registered" { print $2 }' "$E2E_WORK/register.log" 2>/dev/null | sort -u >"$E2E_WORK/ok.sipp.txt"
sort -u "$E2E_WORK/ok.sipp.txt" "$E2E_WORK/ok.pcap.txt" >"$E2E_WORK/ok.txt"
ok_count=$(wc -l <"$E2E_WORK/ok.txt")
refused_count=$(awk '$1 == "refused"' "$E2E_WORK/register.log" 2>/dev/null | wc -l)
calls_ok=$(e2e_sipp_stat "$E2E_WORK/register.csv" 'SuccessfulCall(C)')
calls_failed=$(e2e_sipp_stat "$E2E_WORK/register.csv" 'FailedCall(C)')

# The new primary's bindings (key layout: redis_store.h) and the cp's.
: >"$E2E_WORK/redis.aors.txt"
[ -n "$new_port" ] && in_edge timeout 20 redis-cli --raw -h 127.0.0.1 -p "$new_port" --scan --pattern "$PREFIX:b:*" |
  sed -n 's/^[^{]*{\([^@}]*\)@.*/\1/p' | sort -u >"$E2E_WORK/redis.aors.txt"
redis_keys=$(wc -l <"$E2E_WORK/redis.aors.txt")
in_edge curl -s --max-time 10 http://127.0.0.1:9090/api/registrations >"$E2E_WORK/registrations.json"
python3 -c 'import json, sys; [print(b["aor"].split("@")[0]) for b in json.load(open(sys.argv[1]))]' \
  "$E2E_WORK/registrations.json" 2>/dev/null | sort -u >"$E2E_WORK/api.aors.txt"
missing_redis=$(comm -23 "$E2E_WORK/ok.txt" "$E2E_WORK/redis.aors.txt" | wc -l)
missing_api=$(comm -23 "$E2E_WORK/ok.txt" "$E2E_WORK/api.aors.txt" | wc -l)
cp_bindings=$(metric sipedge_registrations)

echo "REGISTERs: $USERS sent at $RATE/s; $ok_count AORs got a 200 ($(wc -l <"$E2E_WORK/ok.sipp.txt") logged by sipp," \
  "$(wc -l <"$E2E_WORK/ok.pcap.txt") in the capture); $refused_count refused (5xx), ${seen[unanswered]:-?} unanswered"
echo "failover: primary killed with $bound_at_kill bindings; replica :${new_port:-none} promoted after ${promoted_ms:-?} ms;" \
  "sipedge-cp reconnected after ${reconnect_ms:-?} ms; longest gap between 200 OKs ${seen[gap_ms]:-?} ms"
outage_from="kill"
[ -n "$t_cut" ] && outage_from="replication cut, $(ms_between "$t_cut" "$t_kill") ms before the kill"
echo "during the outage (from the $outage_from): ${seen[during]:-?} REGISTERs sent: ${seen[during_ok]:-?} answered 200 (${seen[during_ok_late]:-?} held > 0.5 s until durable)," \
  "${seen[during_refused]:-?} 5xx, ${seen[during_unanswered]:-?} unanswered"
echo "new primary: $redis_keys binding keys; sipedge-cp: ${cp_bindings:-?} bindings; 200'd AORs missing: $missing_redis in Redis, $missing_api in /api/registrations"
grep '^redis store' "$CP_LOG" | head -5

e2e_check "a replica was promoted (ROLE master)" [ -n "$new_port" ]
e2e_check "the sentinels name the promoted replica" \
  e2e_equal "$(rcli "${SENTINEL_PORTS[0]}" SENTINEL get-master-addr-by-name "$MASTER" | tail -1)" "${new_port:-none}"
e2e_check "sipedge-cp reconnected to the new primary" grep -q "redis store: connected to 127.0.0.1:${new_port:-none}" "$CP_LOG"
e2e_check "/metrics: the lost connection is counted" e2e_between "$(metric sipedge_redis_disconnects_total)" 1 1000
e2e_check "/metrics: a reconnect is counted" e2e_between "$(metric sipedge_redis_connects_total)" $((connects_before + 1)) 1000
e2e_check "/metrics: the sentinels were asked again" e2e_between "$(metric sipedge_redis_sentinel_queries_total)" 2 100000
e2e_check "sipedge-cp held SUBSCRIBE +switch-master on all ${#SENTINEL_PORTS[@]} sentinels before the kill" \
  e2e_equal "${watched_before:-}" "${#SENTINEL_PORTS[@]}"
e2e_check "the sentinels' +switch-master moved sipedge-cp (not its reconnect backoff)" \
  grep -q "redis store: sentinel +switch-master: new primary 127.0.0.1:${new_port:-none}" "$CP_LOG"
e2e_check "/metrics: the push is counted" e2e_between "$(metric sipedge_redis_sentinel_switches_total)" 1 10
e2e_check "sipedge-cp caught up (connected, nothing queued, in flight or held)" cp_caught_up
e2e_check "every call of sipp ended (success or failure)" e2e_equal "$((${calls_ok:-0} + ${calls_failed:-0}))" "$USERS"
e2e_check "the capture saw every REGISTER" e2e_equal "${seen[sent]:-}" "$USERS"
e2e_check "every REGISTER got a 200, a 5xx or nothing" e2e_equal "${seen[other]:-}" 0
e2e_check "every 200 sipp logged is in the capture" e2e_equal "$(comm -23 "$E2E_WORK/ok.sipp.txt" "$E2E_WORK/ok.pcap.txt" | wc -l)" 0
e2e_check "REGISTERs were sent during the outage" e2e_between "${seen[during]:-}" 1 "$USERS"
e2e_check "most REGISTERs got a 200 (at least 2/3)" e2e_between "$ok_count" $((USERS * 2 / 3)) "$USERS"
if [ "$EXPECT_LOSS" = 1 ]; then
  e2e_check "negative run (wait_replicas = 0, replication cut): some AORs that got a 200 are gone from the new primary" \
    e2e_between "$missing_redis" 1 "$USERS"
  e2e_check "negative run: and from /api/registrations (the cp follows Redis on resync)" e2e_between "$missing_api" 1 "$USERS"
else
  e2e_check "every AOR that got a 200 is a binding on the new primary" e2e_equal "$missing_redis" 0
  e2e_check "every AOR that got a 200 is in /api/registrations" e2e_equal "$missing_api" 0
fi
e2e_check "the new primary holds every binding sipedge-cp holds" e2e_equal "$redis_keys" "${cp_bindings:-}"

e2e_edge_stop
e2e_finish
