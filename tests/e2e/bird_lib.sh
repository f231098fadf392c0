# Helpers for the tests that run bird2 in their namespaces (anycast_bgp.sh,
# anycast_cluster.sh). Sourced after lib.sh; sets BIRD and BIRDC.
# shellcheck shell=bash

BIRD=$(command -v bird || echo /usr/sbin/bird)
BIRDC=$(command -v birdc || echo /usr/sbin/birdc)

in_ns() { local role=$1; shift; ip netns exec "$(netns_name "$role")" "$@"; }
now_us() { echo "${EPOCHREALTIME/./}"; }

# Starts bird in a role's namespace (a child of this shell, in E2E_PIDS) and
# waits up to 5 s for its control socket to answer.
bird_start() {  # role config socket log
  ip netns exec "$(netns_name "$1")" "$BIRD" -f -c "$2" -s "$3" >"$4" 2>&1 &
  E2E_PIDS+=("$!")
  e2e_log "bird in $1: pid $!, log $4"
  for _ in $(seq 1 50); do
    in_ns "$1" "$BIRDC" -s "$3" show status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  e2e_die "bird in $1 did not come up"
}
