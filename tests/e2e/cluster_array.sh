#!/usr/bin/env bash
# End-to-end: array sharing between two edge nodes (issue 6). Node A (edge)
# and node B (edge2), each a real sipedge-dp + sipedge-cp on the VIP, with
# cluster.mode = "array" over one redis-server (cluster_lib.sh); the VIP
# points at A. A UA (uac) registers through the VIP, i.e. node A; a call for
# it from uas1 is sent to B's inside address:
#   1. A shares with another node only (share_with = a name nobody has): B
#      does not list the binding and answers the call 404.
#   2. A's sipedge-cp restarted with share_with = [B]: B lists the binding
#      (owner 1) and routes the call to the UA; it completes.
#   3. A restarted sharing with the other node again: B forgets the binding
#      and answers 404 again; A still has it (its namespace in Redis).
# Usage: cluster_array.sh SIPEDGE_DP SIPEDGE_CP [SOURCE_ROOT]
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
E2E_SRC_ROOT=${3:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"
# shellcheck source=cluster_lib.sh
source "$E2E_SRC_ROOT/tests/e2e/cluster_lib.sh"

[ -x "$SIPEDGE_CP" ] || { echo "cluster_array: SIPEDGE_CP is not an executable: '$SIPEDGE_CP'" >&2; exit 1; }
# 77: meson counts it skipped.
command -v redis-server >/dev/null || { echo "cluster_array: redis-server not found (scripts/install-deps.sh)" >&2; exit 77; }
AOR="1000@$E2E_VIP"

# Node A's share_with, in a.toml.
share_a_with() {  # node name
  sed -i "s/^share_with = .*  # share$/share_with = [\"$1\"]  # share/" "$E2E_WORK/a.toml"
  grep -q "^share_with = \[\"$1\"\]  # share$" "$E2E_WORK/a.toml" || e2e_die "cannot set share_with in a.toml"
}

# Waits until B lists (want=1) or does not list (want=0) A's binding; succeeds
# when it does within 5 s.
wait_b_lists() {  # want
  local _ listed
  for _ in $(seq 1 50); do
    listed=0
    grep -qx "$AOR 1" <<<"$(cluster_registrations edge2)" && listed=1
    [ "$listed" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# A call from uas1 through node B for the AOR; returns sipp's status.
call_via_b() {  # tag
  cluster_sipp uas1 "$1" uac_call_aor.xml "$E2E_EDGE2_IN_IP:5060" -key vip "$E2E_VIP"
}

cluster_init cluster_array
cluster_redis_start
A_NAME="e2e-$RUN"
B_NAME="e2e-$RUN-2"
OTHER_NAME="e2e-$RUN-3"
cluster_write_configs <<CONF

[registrar]
min_expires = 60
default_expires = 600

[cluster]
mode = "array"
share_with = ["$A_NAME"]  # share
CONF
share_a_with "$OTHER_NAME"
cluster_dataplanes_start
cluster_cp_start edge private
cluster_cp_start edge2 first

# The UA registers through the VIP (node A), then answers calls there.
cluster_sipp uac register uac_register_keep.xml "$E2E_VIP:5060"
e2e_check "the UA registered through node A (200)" e2e_equal "$(cluster_successful register)" 1
e2e_check "node A lists the binding" grep -qx "$AOR 1" <<<"$(cluster_registrations edge)"
e2e_uas_start uac 60
sleep 0.5

# 1. Not shared with B.
e2e_check "not shared: node B does not list A's binding" wait_b_lists 0
call_via_b private
rc=$?
e2e_check "not shared: the call via node B fails" [ "$rc" -ne 0 ]
e2e_check "not shared: node B answered 404" grep -q "^SIP/2.0 404 " "$E2E_WORK/private.msg"
e2e_check "not shared: node B found nothing (not_found 1, found 0)" \
  e2e_equal "$(cluster_metric edge2 sipedge_cp_lookup_not_found_total)/$(cluster_metric edge2 sipedge_cp_lookup_found_total)" 1/0

# 2. Shared with B.
cluster_cp_stop edge TERM
share_a_with "$B_NAME"
cluster_cp_start edge shared
e2e_check "shared: node B lists A's binding with owner 1" wait_b_lists 1
call_via_b shared
rc=$?
e2e_check "shared: the call via node B completes (INVITE, 200, ACK, BYE, 200)" [ "$rc" -eq 0 ]
e2e_check "shared: one successful call" e2e_equal "$(cluster_successful shared)" 1
e2e_check "shared: node B looked the AOR up" e2e_equal "$(cluster_metric edge2 sipedge_cp_lookup_found_total)" 1

# 3. Shared no more.
cluster_cp_stop edge TERM
share_a_with "$OTHER_NAME"
cluster_cp_start edge revoked
e2e_check "revoked: node B no longer lists A's binding" wait_b_lists 0
call_via_b revoked
rc=$?
e2e_check "revoked: the call via node B fails" [ "$rc" -ne 0 ]
e2e_check "revoked: node B answered 404" grep -q "^SIP/2.0 404 " "$E2E_WORK/revoked.msg"
e2e_check "revoked: node B found nothing (not_found 2, found 1)" \
  e2e_equal "$(cluster_metric edge2 sipedge_cp_lookup_not_found_total)/$(cluster_metric edge2 sipedge_cp_lookup_found_total)" 2/1
e2e_check "node A still has its binding" grep -qx "$AOR 1" <<<"$(cluster_registrations edge)"

e2e_uas_stop uac
e2e_check "the UA's sipp took exactly the shared call" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'SuccessfulCall(C)')" 1
cluster_cp_stop edge TERM
e2e_check "node A's sipedge-cp exits cleanly" [ $? -eq 0 ]
cluster_cp_stop edge2 TERM
e2e_check "node B's sipedge-cp exits cleanly" [ $? -eq 0 ]
cluster_dp2_stop
e2e_edge_stop
e2e_finish
