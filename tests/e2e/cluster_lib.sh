# shellcheck shell=bash
# Two edge nodes for the cluster end-to-end tests (cluster_anycast.sh,
# cluster_array.sh), on top of lib.sh: node A is sipedge-dp + sipedge-cp in
# the edge namespace, node B the same in edge2 (scripts/netns.sh edge2-up),
# both answering for the one VIP; one redis-server in the db namespace
# (db-up) holds their shared location store.
#
# Anycast: with two dataplanes answering ARP for the VIP, the senders' choice
# would be whichever reply came last. Like a route, it is made explicit:
# permanent neighbour entries for the VIP in uac and nat name one node's MAC
# (cluster_vip_to), and moving them is the BGP withdrawal of a failed node.
# The dataplane drops frames that are not for its own MAC (eth_not_for_us),
# so a flip really moves the traffic.
#
# Every process is started by PID and recorded in E2E_PIDS (lib.sh's cleanup
# stops them); namespaces go with the topology. Source after lib.sh.

CLUSTER_REDIS_PORT=6379
CLUSTER_REDIS_PID=
CLUSTER_DP2_PID=
CLUSTER_DP2_LOG=
CPA_PID=
CPB_PID=

cluster_mac_of() {  # edge|edge2: the node's outside MAC
  case "$1" in
    edge) echo "$E2E_EDGE_OUT_MAC" ;;
    edge2) echo "$E2E_EDGE2_OUT_MAC" ;;
    *) e2e_die "cluster_mac_of: unknown node $1" ;;
  esac
}

# Points the VIP at one node for everyone outside that sends to it.
cluster_vip_to() {  # edge|edge2
  local mac
  mac=$(cluster_mac_of "$1")
  nip uac neigh replace "$E2E_VIP" lladdr "$mac" dev h0 nud permanent || e2e_die "cannot pin the VIP in uac"
  if netns_exists nat; then
    nip nat neigh replace "$E2E_VIP" lladdr "$mac" dev w0 nud permanent || e2e_die "cannot pin the VIP in nat"
  fi
  e2e_log "VIP $E2E_VIP -> $1 ($mac)"
}

# e2e_init plus the second edge node and the db namespace. Args: test name,
# then "nat" to add the NAT namespaces.
cluster_init() {  # name [nat]
  e2e_init "$1"
  if [ "${2:-}" = nat ]; then
    netns_nat_up || e2e_die "NAT namespaces did not come up"
    netns_check_masquerade || e2e_die "the NAT does not masquerade"
  fi
  netns_edge2_up || e2e_die "edge2 did not come up"
  netns_db_up || e2e_die "db did not come up"
  netns_check_edge2 || e2e_die "edge2's ports see no ARP"
  netns_check_db || e2e_die "the edge namespaces do not reach db"
  # Before any dataplane answers ARP for the VIP.
  cluster_vip_to edge
}

# redis-server in db: no persistence, bound to the db bridge only. Waits until
# both edge namespaces get PONG.
cluster_redis_start() {
  local role _ ok
  ip netns exec "$(netns_name db)" redis-server --port "$CLUSTER_REDIS_PORT" --bind "$E2E_DB_IP" \
    --protected-mode no --save "" --appendonly no --daemonize no --loglevel warning \
    --logfile "$E2E_WORK/redis.log" --dir "$E2E_WORK" &
  CLUSTER_REDIS_PID=$!
  E2E_PIDS+=("$CLUSTER_REDIS_PID")
  e2e_log "redis-server pid $CLUSTER_REDIS_PID on $E2E_DB_IP:$CLUSTER_REDIS_PORT"
  for role in edge edge2; do
    ok=0
    for _ in $(seq 1 50); do
      if [ "$(ip netns exec "$(netns_name "$role")" timeout 2 redis-cli -h "$E2E_DB_IP" -p "$CLUSTER_REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
        ok=1
        break
      fi
      sleep 0.1
    done
    [ "$ok" = 1 ] || e2e_die "redis-server does not answer $role: $(cat "$E2E_WORK/redis.log" 2>/dev/null)"
  done
}

# Both nodes' configs: $E2E_WORK/a.toml (edge, node id 1) and b.toml (edge2,
# id 2), from e2e_write_dp_config plus what the control plane needs; every
# line after the dataplane part comes from stdin, written into both.
cluster_write_configs() {
  local extra node file
  extra=$(cat)
  for node in edge edge2; do
    if [ "$node" = edge ]; then file=$E2E_WORK/a.toml; else file=$E2E_WORK/b.toml; fi
    e2e_write_dp_config "$file" "node=$node"
    cat >>"$file" <<CONF

[[neighbour]]
address = "$E2E_NAT_WAN_IP"
mac = "$E2E_NAT_WAN_MAC"
port = "outside"

[metrics]
listen = "127.0.0.1:9090"

[store]
backend = "redis"

[store.redis]
address = "$E2E_DB_IP:$CLUSTER_REDIS_PORT"
key_prefix = "e2e-$RUN"
$extra
CONF
  done
}

cluster_config_of() {  # edge|edge2
  if [ "$1" = edge ]; then echo "$E2E_WORK/a.toml"; else echo "$E2E_WORK/b.toml"; fi
}

# Node A's dataplane through lib.sh (its exit dump is e2e_edge_counter's),
# then node B's in edge2, ready once uac and uas1 resolve B's own addresses
# to B's MACs (its ARP responder).
cluster_dataplanes_start() {
  local _ ready=0
  e2e_edge_start dp "$E2E_WORK/dp-a.log" "$E2E_WORK/a.toml"
  CLUSTER_DP2_LOG=$E2E_WORK/dp-b.log
  ip netns exec "$(netns_name edge2)" "$SIPEDGE_DP" --config "$E2E_WORK/b.toml" >"$CLUSTER_DP2_LOG" 2>&1 &
  CLUSTER_DP2_PID=$!
  E2E_PIDS+=("$CLUSTER_DP2_PID")
  e2e_log "node B dataplane pid $CLUSTER_DP2_PID, log $CLUSTER_DP2_LOG"
  for _ in $(seq 1 30); do
    kill -0 "$CLUSTER_DP2_PID" 2>/dev/null || break
    netns_ping uac "$E2E_EDGE2_OUT_IP" 1 >/dev/null
    netns_ping uas1 "$E2E_EDGE2_IN_IP" 1 >/dev/null
    if nip uac neigh show "$E2E_EDGE2_OUT_IP" | grep -qi "lladdr $E2E_EDGE2_OUT_MAC" &&
      nip uas1 neigh show "$E2E_EDGE2_IN_IP" | grep -qi "lladdr $E2E_EDGE2_IN_MAC"; then
      ready=1
      break
    fi
    sleep 0.5
  done
  [ "$ready" = 1 ] || {
    tail -30 "$CLUSTER_DP2_LOG" >&2
    e2e_die "node B's dataplane did not answer ARP for $E2E_EDGE2_OUT_IP / $E2E_EDGE2_IN_IP"
  }
  e2e_log "node B ready"
}

# Stops node B's dataplane with SIGTERM (it dumps its counters), SIGKILL after 15 s.
cluster_dp2_stop() {
  local pid=$CLUSTER_DP2_PID
  [ -n "$pid" ] || return 0
  CLUSTER_DP2_PID=
  e2e_stop_pid "$pid" TERM 15
}

# A counter from node B's dataplane exit dump.
cluster_dp2_counter() {  # name
  awk -v n="$1" '$1 == n && NF == 2 && $2 ~ /^[0-9]+$/ { v = $2 } END { print v }' "$CLUSTER_DP2_LOG"
}

# sipedge-cp of a node; sets CPA_PID or CPB_PID.
cluster_cp_start() {  # edge|edge2 tag
  e2e_cp_start "$E2E_WORK/cp-$1.$2.log" "$1" "$(cluster_config_of "$1")"
  # shellcheck disable=SC2153  # CP_PID: set by e2e_cp_start
  if [ "$1" = edge ]; then CPA_PID=$CP_PID; else CPB_PID=$CP_PID; fi
}

# Stops a node's sipedge-cp by PID with a signal; returns its exit status.
cluster_cp_stop() {  # edge|edge2 signal
  local pid rc
  if [ "$1" = edge ]; then pid=$CPA_PID CPA_PID=; else pid=$CPB_PID CPB_PID=; fi
  [ -n "$pid" ] || return 0
  e2e_stop_pid "$pid" "$2"
  rc=$?
  e2e_log "sipedge-cp of $1 (pid $pid) stopped by SIG$2, status $rc"
  return "$rc"
}

cluster_http() {  # edge|edge2 path
  ip netns exec "$(netns_name "$1")" curl -s --max-time 3 "http://127.0.0.1:9090$2"
}

# A metric of a node's sipedge-cp (exact name with labels); from TEXT when
# given (one scrape for several values), else a fresh scrape.
cluster_metric() {  # edge|edge2 name [text]
  local text=${3-$(cluster_http "$1" /metrics)}
  awk -v n="$2" '$1 == n { print $2 }' <<<"$text"
}

# Waits until a node's metric reaches at least MIN; prints the seconds since
# SINCE (an $EPOCHREALTIME; default: the call) with tenths, nothing on timeout.
cluster_wait_metric() {  # edge|edge2 name min timeout-s [since]
  local start=${5:-$EPOCHREALTIME} deadline=$((SECONDS + $4)) v
  while [ "$SECONDS" -le "$deadline" ]; do
    v=$(cluster_metric "$1" "$2")
    if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]; then
      awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# One sipp run from ROLE (uas1, uac, natu) to TARGET, bounded by calls and time;
# files $E2E_WORK/<tag>.{csv,err,msg,out}. Returns sipp's status.
cluster_sipp() {  # role tag scenario target [extra sipp args...]
  local role=$1 tag=$2 scenario=$3 target=$4 ip pid rc
  shift 4
  case $role in natu) ip=$E2E_NATU_IP ;; *) ip=$(e2e_ip_of "$role") ;; esac
  ip netns exec "$(netns_name "$role")" timeout --kill-after=5 40 \
    sipp -sf "$E2E_SIPP_DIR/$scenario" "$target" -i "$ip" -p 5060 -bind_local -nostdin \
    -s 1000 -m 1 -r 1 -d 500 -recv_timeout 6000 -timeout 30s -max_recv_loops 10000 \
    -trace_stat -stf "$E2E_WORK/$tag.csv" -fd 1 -trace_err -error_file "$E2E_WORK/$tag.err" \
    -trace_msg -message_file "$E2E_WORK/$tag.msg" "$@" >"$E2E_WORK/$tag.out" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  wait "$pid"
  rc=$?
  e2e_log "sipp $tag from $role exited with status $rc"
  return "$rc"
}

cluster_successful() {  # tag: sipp's successful call count
  e2e_sipp_stat "$E2E_WORK/$1.csv" 'SuccessfulCall(C)'
}

# A binding of /api/registrations as "aor owner" lines.
cluster_registrations() {  # edge|edge2
  cluster_http "$1" /api/registrations | python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
rows = doc if isinstance(doc, list) else doc.get("registrations", [])
for b in rows:
    print(b.get("aor"), b.get("owner"))'
}
