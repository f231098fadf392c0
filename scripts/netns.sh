#!/usr/bin/env bash
# Network-namespace test topology for sipedge-dp on net_af_packet vdevs.
#
#   uac 203.0.113.50/24                          uas1 198.51.100.21/24
#     [h0]                                          [h0]
#      |            sw (two bridges, no IPs)         |
#     ua --+                                 +------ s1
#          |-- bo (outside)    bi (inside) --|
#     nw --+      |                  |       +------ s2
#      |          eo                 ei              |
#     [w0]        |                  |              [h0]
#   nat 203.0.113.60/24     edge: vo         vi   uas2 198.51.100.22/24
#     [l0] 10.0.0.1/24       (no kernel addresses: sipedge-dp owns vo and vi
#      |                      through net_af_packet0,iface=vo and
#     [h0] 10.0.0.2/24        net_af_packet1,iface=vi; VIP 203.0.113.1,
#   natu (UAC behind NAT)     outside 203.0.113.2, inside 198.51.100.1)
#
# nat and natu exist only after `nat-up` (or netns_nat_up). For cluster tests,
# `edge2-up` adds a second edge node on the same bridges (edge2: vo 203.0.113.3,
# vi 198.51.100.2, the same VIP; owned by a second sipedge-dp) and `db-up` a
# db namespace for a shared redis-server (see below); `router-up` adds the
# upstream router for anycast: a namespace rtr joined to edge by its own veth
# pair (rtr r0 198.51.100.249/30, edge bg0 198.51.100.250/30), where the
# tests run bird2 with BGP and BFD; the edge's bird speaks from bg0 until the
# dataplane's exception path carries the session through vo (then only this
# link changes: E2E_ROUTER_LINK). `anycast-up` is that deployment shape for two
# nodes: a router isp on the outside bridge (203.0.113.254) whose BGP peers
# are the nodes' own addresses on their exception taps, and a UAC ispu behind
# it (203.0.113.202/30, via isp's 203.0.113.201). The db link: a bridge in db
# (198.51.100.241/29) with one veth to each edge namespace (db0: 198.51.100.242 in edge, .243 in
# edge2), the only kernel addresses there, outside every test subnet. Every
# namespace is
# named se-$RUN-<role>; nothing is ever connected to the root namespace, and no
# namespace has a route beyond its own subnets (natu's default route ends in
# nat). IPv6 is off everywhere so no RS/MLD noise reaches the dataplane.
#
# Offloads: a veth with TX checksum offload hands locally generated UDP to its
# peer with CHECKSUM_PARTIAL, i.e. only the pseudo-header sum in the UDP
# checksum field, and an AF_PACKET reader (DPDK's net_af_packet, tcpdump) sees
# exactly those bytes. Real NICs never deliver that, so the topology turns TX
# checksumming, SG, TSO, GSO and GRO off on every veth end (ethtool when
# installed, else the legacy SIOCETHTOOL ioctls from python3).
#
# Usage (RUN names the instance; default: this shell's PID):
#   RUN=42 scripts/netns.sh up            create and verify the topology
#   RUN=42 scripts/netns.sh nat-up        add nat + natu (needs `up` first)
#   RUN=42 scripts/netns.sh edge2-up      add the second edge node (needs `up`)
#   RUN=42 scripts/netns.sh db-up         add db, joined to edge (and edge2)
#   RUN=42 scripts/netns.sh router-up     add rtr, the upstream BGP router, joined to edge
#   RUN=42 scripts/netns.sh anycast-up    add isp, a router on the outside bridge, and ispu behind it
#   RUN=42 scripts/netns.sh check         connectivity checks only
#   RUN=42 scripts/netns.sh exec uac -- tcpdump -ni h0 -c 5
#   RUN=42 scripts/netns.sh down          stop what runs inside, delete all
# Or source it: `source scripts/netns.sh` defines netns_* functions and the
# E2E_* address variables without doing anything.

# Addresses and MACs (locally administered, last octet = host) shared with the tests.
# shellcheck disable=SC2034  # used by tests/e2e/lib.sh and scripts/demo.sh
E2E_VIP=203.0.113.1
E2E_EDGE_OUT_IP=203.0.113.2
E2E_EDGE_IN_IP=198.51.100.1
E2E_UAC_IP=203.0.113.50
E2E_NAT_WAN_IP=203.0.113.60
E2E_NAT_LAN_IP=10.0.0.1
E2E_NATU_IP=10.0.0.2
E2E_UAS1_IP=198.51.100.21
E2E_UAS2_IP=198.51.100.22
E2E_EDGE_OUT_MAC=02:00:cb:00:71:02
E2E_EDGE_IN_MAC=02:00:c6:33:64:01
E2E_UAC_MAC=02:00:cb:00:71:32
E2E_NAT_WAN_MAC=02:00:cb:00:71:3c
E2E_UAS1_MAC=02:00:c6:33:64:15
E2E_UAS2_MAC=02:00:c6:33:64:16
# The second edge node (edge2-up): same VIP, its own port addresses and MACs.
E2E_EDGE2_OUT_IP=203.0.113.3
E2E_EDGE2_IN_IP=198.51.100.2
E2E_EDGE2_OUT_MAC=02:00:cb:00:71:03
E2E_EDGE2_IN_MAC=02:00:c6:33:64:02
# The db link (db-up): a /29 no test host or dataplane uses.
E2E_DB_IP=198.51.100.241
E2E_DB_EDGE_IP=198.51.100.242
E2E_DB_EDGE2_IP=198.51.100.243
E2E_DB_PREFIX_LEN=29
# The upstream router (router-up): a /30 of its own, beside the db /29.
E2E_ROUTER_IP=198.51.100.249
E2E_ROUTER_EDGE_IP=198.51.100.250
E2E_ROUTER_PREFIX_LEN=30
# The anycast cluster (anycast-up): an upstream router isp on the outside
# bridge, BGP peer of both edge nodes' exception interfaces, and a UAC ispu
# behind it on a /30 of its own (the router forwards to the VIP by its BGP
# routes; edge nodes reach ispu through the router's MAC).
E2E_ISP_IP=203.0.113.254
E2E_ISP_MAC=02:00:cb:00:71:fe
E2E_ISP_UAC_GW_IP=203.0.113.201
E2E_ISP_UAC_IP=203.0.113.202
E2E_ISP_UAC_PREFIX_LEN=30
# Roles in creation order; `down` deletes whatever of these exists.
E2E_ROLES=(edge sw uac uas1 uas2 nat natu edge2 db rtr isp ispu)

# Namespace name of a role for this run.
netns_name() {
  echo "se-${RUN:?RUN must be set}-$1"
}

netns_log() {
  echo "netns[$RUN]: $*" >&2
}

# ip inside a role's namespace.
nip() {
  local role=$1
  shift
  ip -n "$(netns_name "$role")" "$@"
}

# Runs a command inside a role's namespace.
netns_exec() {
  local role=$1
  shift
  [ "${1:-}" = "--" ] && shift
  ip netns exec "$(netns_name "$role")" "$@"
}

netns_exists() {
  [ -e "/run/netns/$(netns_name "$1")" ]
}

netns_new() {
  local role=$1 ns
  ns=$(netns_name "$role")
  ip netns add "$ns" || return 1
  # Before any link exists, so new links inherit it.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
  nip "$role" link set lo up
}

# Creates a veth pair with one end in each namespace (never in the root one).
netns_veth() {  # role-a if-a role-b if-b
  nip "$1" link add "$2" type veth peer name "$4" netns "$(netns_name "$3")"
}

# Turns off TX checksum, SG, TSO, GSO and GRO on an interface.
netns_offloads_off() {  # role ifname
  local role=$1 ifname=$2
  if command -v ethtool >/dev/null 2>&1; then
    netns_exec "$role" ethtool -K "$ifname" tx off sg off tso off gso off gro off >/dev/null 2>&1 || return 1
    return 0
  fi
  netns_exec "$role" python3 - "$ifname" <<'PY'
# Legacy SIOCETHTOOL set/get commands (include/uapi/linux/ethtool.h); the kernel
# still maps them onto netdev features. ETHTOOL_Sx = ETHTOOL_Gx + 1.
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL = 0x8946
GETS = {"tx-checksumming": 0x16, "scatter-gather": 0x18, "tso": 0x1E, "gso": 0x23, "gro": 0x2B}
name = sys.argv[1].encode()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def call(cmd, data=0):
    value = ctypes.create_string_buffer(struct.pack("II", cmd, data))
    ifreq = struct.pack("16sP", name, ctypes.addressof(value)).ljust(40, b"\0")
    fcntl.ioctl(sock, SIOCETHTOOL, ifreq)
    return struct.unpack("II", value.raw[:8])[1]
still_on = []
for feature, get in GETS.items():
    call(get + 1, 0)
    if call(get):
        still_on.append(feature)
if still_on:
    sys.exit("offloads still on for %s: %s" % (sys.argv[1], ", ".join(still_on)))
PY
}

# ICMP echo from a role's namespace (iputils-ping is not a dependency): sends
# COUNT requests 0.3 s apart and succeeds once any reply comes back.
netns_ping() {  # role target [count]
  netns_exec "$1" python3 - "$2" "${3:-3}" <<'PY'
import os, select, socket, struct, sys, time
target, count = sys.argv[1], int(sys.argv[2])
def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident = os.getpid() & 0xFFFF
for seq in range(count):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"sipedge-netns-check!"
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    sock.sendto(body, (target, 0))
    deadline = time.monotonic() + 0.3 if seq + 1 < count else time.monotonic() + 1.0
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sock], [], [], left)[0]:
            break
        packet, (source, _) = sock.recvfrom(2048)
        icmp = packet[(packet[0] & 0x0F) * 4:]
        if source == target and icmp[0] == 0 and struct.unpack("!H", icmp[4:6])[0] == ident:
            sys.exit(0)
sys.exit(1)
PY
}

# TX checksum offload state of an interface: prints "on" or "off".
netns_txcsum_state() {  # role ifname
  netns_exec "$1" python3 - "$2" <<'PY'
import ctypes, fcntl, socket, struct, sys
value = ctypes.create_string_buffer(struct.pack("II", 0x16, 0))
ifreq = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(value)).ljust(40, b"\0")
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, ifreq)
print("on" if struct.unpack("II", value.raw[:8])[1] else "off")
PY
}

# A host interface: fixed MAC, offloads off, address, up.
netns_host_if() {  # role ifname mac address/len
  nip "$1" link set "$2" address "$3" &&
    netns_offloads_off "$1" "$2" &&
    nip "$1" addr add "$4" dev "$2" &&
    nip "$1" link set "$2" up
}

# A bridge port in sw: offloads off, enslaved, up.
netns_bridge_port() {  # ifname bridge
  netns_offloads_off sw "$1" && nip sw link set "$1" master "$2" && nip sw link set "$1" up
}

netns_up() {
  local role
  for role in edge sw uac uas1 uas2; do
    if netns_exists "$role"; then
      netns_log "$(netns_name "$role") already exists"
      return 2
    fi
  done
  netns_log "creating namespaces se-$RUN-{edge,sw,uac,uas1,uas2}"
  for role in edge sw uac uas1 uas2; do
    netns_new "$role" || return 1
  done

  # The switch: STP off, no forwarding delay, no addresses.
  nip sw link add bo type bridge stp_state 0 forward_delay 0 || return 1
  nip sw link add bi type bridge stp_state 0 forward_delay 0 || return 1
  nip sw link set bo up && nip sw link set bi up || return 1

  # Edge: two veths without kernel addresses; af_packet needs them up.
  netns_veth edge vo sw eo && netns_veth edge vi sw ei || return 1
  nip edge link set vo address "$E2E_EDGE_OUT_MAC" && nip edge link set vi address "$E2E_EDGE_IN_MAC" || return 1
  netns_offloads_off edge vo && netns_offloads_off edge vi || return 1
  nip edge link set vo up && nip edge link set vi up || return 1
  netns_bridge_port eo bo && netns_bridge_port ei bi || return 1

  netns_veth uac h0 sw ua || return 1
  netns_host_if uac h0 "$E2E_UAC_MAC" "$E2E_UAC_IP/24" && netns_bridge_port ua bo || return 1
  netns_veth uas1 h0 sw s1 || return 1
  netns_host_if uas1 h0 "$E2E_UAS1_MAC" "$E2E_UAS1_IP/24" && netns_bridge_port s1 bi || return 1
  netns_veth uas2 h0 sw s2 || return 1
  netns_host_if uas2 h0 "$E2E_UAS2_MAC" "$E2E_UAS2_IP/24" && netns_bridge_port s2 bi || return 1
  netns_log "up"
}

# A UAC behind a NAT: natu (10.0.0.2) -> nat (10.0.0.1 | 203.0.113.60, nft
# masquerade) -> outside bridge. Short UDP conntrack timeouts so tests can watch
# bindings expire.
netns_nat_up() {
  local udp_timeout=${NAT_UDP_TIMEOUT:-10} role
  netns_exists sw || {
    netns_log "run 'up' first"
    return 2
  }
  for role in nat natu; do
    if netns_exists "$role"; then
      netns_log "$(netns_name "$role") already exists"
      return 2
    fi
  done
  for role in nat natu; do
    netns_new "$role" || return 1
  done
  netns_veth nat w0 sw nw || return 1
  netns_host_if nat w0 "$E2E_NAT_WAN_MAC" "$E2E_NAT_WAN_IP/24" && netns_bridge_port nw bo || return 1
  netns_veth nat l0 natu h0 || return 1
  netns_offloads_off nat l0 && nip nat addr add "$E2E_NAT_LAN_IP/24" dev l0 && nip nat link set l0 up || return 1
  netns_offloads_off natu h0 && nip natu addr add "$E2E_NATU_IP/24" dev h0 && nip natu link set h0 up || return 1
  nip natu route add default via "$E2E_NAT_LAN_IP" || return 1
  netns_exec nat sysctl -qw net.ipv4.ip_forward=1 || return 1
  netns_exec nat nft -f - <<NFT || return 1
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "w0" masquerade
  }
}
NFT
  # The conntrack sysctls of a namespace appear once conntrack runs there.
  netns_exec nat sysctl -qw "net.netfilter.nf_conntrack_udp_timeout=$udp_timeout" \
    "net.netfilter.nf_conntrack_udp_timeout_stream=$udp_timeout" || return 1
  netns_log "nat up (udp conntrack timeout ${udp_timeout}s)"
}

# A second edge node on the same bridges (cluster tests): edge2's vo/vi, like
# edge's, have no kernel addresses; a second sipedge-dp owns them and answers
# for the same VIP, so the neighbour entries of whoever sends to the VIP decide
# which node gets the traffic (tests pin them: see cluster_lib.sh).
netns_edge2_up() {
  netns_exists sw || {
    netns_log "run 'up' first"
    return 2
  }
  if netns_exists edge2; then
    netns_log "$(netns_name edge2) already exists"
    return 2
  fi
  netns_new edge2 || return 1
  netns_veth edge2 vo sw eo2 && netns_veth edge2 vi sw ei2 || return 1
  nip edge2 link set vo address "$E2E_EDGE2_OUT_MAC" && nip edge2 link set vi address "$E2E_EDGE2_IN_MAC" || return 1
  netns_offloads_off edge2 vo && netns_offloads_off edge2 vi || return 1
  nip edge2 link set vo up && nip edge2 link set vi up || return 1
  netns_bridge_port eo2 bo && netns_bridge_port ei2 bi || return 1
  netns_log "edge2 up (outside $E2E_EDGE2_OUT_IP, inside $E2E_EDGE2_IN_IP)"
}

# The db namespace: a bridge with the Redis address and one veth to each edge
# namespace that exists. In an edge namespace db0 is the only kernel address,
# and arp_ignore=1 keeps that kernel from answering ARP for it on vo/vi (which
# it also sees next to af_packet).
netns_db_up() {
  local role address
  netns_exists edge || {
    netns_log "run 'up' first"
    return 2
  }
  if netns_exists db; then
    netns_log "$(netns_name db) already exists"
    return 2
  fi
  netns_new db || return 1
  nip db link add bdb type bridge stp_state 0 forward_delay 0 || return 1
  nip db addr add "$E2E_DB_IP/$E2E_DB_PREFIX_LEN" dev bdb && nip db link set bdb up || return 1
  for role in edge edge2; do
    netns_exists "$role" || continue
    if [ "$role" = edge ]; then address=$E2E_DB_EDGE_IP; else address=$E2E_DB_EDGE2_IP; fi
    netns_veth "$role" db0 db "d-$role" || return 1
    nip db link set "d-$role" master bdb && nip db link set "d-$role" up || return 1
    netns_exec "$role" sysctl -qw net.ipv4.conf.all.arp_ignore=1 || return 1
    nip "$role" addr add "$address/$E2E_DB_PREFIX_LEN" dev db0 && nip "$role" link set db0 up || return 1
  done
  netns_log "db up ($E2E_DB_IP/$E2E_DB_PREFIX_LEN)"
}

# The upstream router namespace: one veth, r0 in rtr and bg0 in edge, the
# only kernel addresses on either side (arp_ignore=1 in edge, as for db0, so
# that kernel never answers ARP on vo/vi). BGP (TCP 179) and BFD (UDP
# 3784/4784) run over it; nothing routes beyond the /30.
netns_router_up() {
  netns_exists edge || {
    netns_log "run 'up' first"
    return 2
  }
  if netns_exists rtr; then
    netns_log "$(netns_name rtr) already exists"
    return 2
  fi
  netns_new rtr || return 1
  netns_veth rtr r0 edge bg0 || return 1
  netns_exec edge sysctl -qw net.ipv4.conf.all.arp_ignore=1 || return 1
  nip rtr addr add "$E2E_ROUTER_IP/$E2E_ROUTER_PREFIX_LEN" dev r0 && nip rtr link set r0 up || return 1
  nip edge addr add "$E2E_ROUTER_EDGE_IP/$E2E_ROUTER_PREFIX_LEN" dev bg0 && nip edge link set bg0 up || return 1
  netns_ping rtr "$E2E_ROUTER_EDGE_IP" || return 1
  netns_log "rtr up ($E2E_ROUTER_IP <-> edge $E2E_ROUTER_EDGE_IP)"
}

# The anycast cluster's router: isp on the outside bridge (r0, fixed MAC,
# $E2E_ISP_IP/24), forwarding between it and ispu (a /30: r1 in isp, h0 in
# ispu). ispu routes only the outside /24 through isp: no default route.
# Needs `up` (and edge2-up for the second node).
netns_anycast_up() {
  local role
  netns_exists sw || {
    netns_log "run 'up' first"
    return 2
  }
  for role in isp ispu; do
    if netns_exists "$role"; then
      netns_log "$(netns_name "$role") already exists"
      return 2
    fi
  done
  for role in isp ispu; do
    netns_new "$role" || return 1
  done
  netns_veth isp r0 sw ib || return 1
  netns_host_if isp r0 "$E2E_ISP_MAC" "$E2E_ISP_IP/24" && netns_bridge_port ib bo || return 1
  netns_veth isp r1 ispu h0 || return 1
  netns_offloads_off isp r1 && nip isp addr add "$E2E_ISP_UAC_GW_IP/$E2E_ISP_UAC_PREFIX_LEN" dev r1 && nip isp link set r1 up || return 1
  netns_offloads_off ispu h0 && nip ispu addr add "$E2E_ISP_UAC_IP/$E2E_ISP_UAC_PREFIX_LEN" dev h0 && nip ispu link set h0 up || return 1
  nip ispu route add 203.0.113.0/24 via "$E2E_ISP_UAC_GW_IP" || return 1
  netns_exec isp sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.r0.rp_filter=0 || return 1
  netns_ping ispu "$E2E_ISP_IP" || return 1
  netns_log "isp up ($E2E_ISP_IP on the outside bridge; ispu $E2E_ISP_UAC_IP behind it)"
}

# Stops whatever still runs in our namespaces (only processes started there,
# by PID) and deletes them. Safe to call twice and on a half-built topology.
netns_down() {
  local role ns pids
  for role in "${E2E_ROLES[@]}"; do
    netns_exists "$role" || continue
    ns=$(netns_name "$role")
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null
      sleep 0.5
      pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
      # shellcheck disable=SC2086
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    fi
    ip netns del "$ns" || netns_log "could not delete $ns"
  done
  netns_log "down"
}

# Waits until tcpdump inside a namespace has attached, by its "listening on" line.
netns_wait_listening() {  # log-file
  for _ in $(seq 1 50); do
    grep -q 'listening on' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Captures one frame matching FILTER on ROLE/IFNAME while HOST pings TARGET;
# succeeds when a frame mentioning EXPECT was seen.
netns_capture_ping() {  # role ifname filter host target expect
  local role=$1 ifname=$2 filter=$3 host=$4 target=$5 expect=$6 log rc pid
  log=$(mktemp)
  netns_exec "$role" timeout 10 tcpdump -ni "$ifname" -c 1 -e "$filter" >"$log" 2>&1 &
  pid=$!
  if ! netns_wait_listening "$log"; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    netns_log "tcpdump on $role/$ifname did not start: $(cat "$log")"
    rm -f "$log"
    return 1
  fi
  netns_ping "$host" "$target" 3
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q "$expect" "$log"; then
    netns_log "$role/$ifname sees $host: $(grep -m1 "$expect" "$log" | cut -c1-110)"
  else
    netns_log "$role/$ifname saw nothing from $host (rc=$rc): $(cat "$log")"
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

# A kernel host pings an edge address nobody answers yet (no dataplane): its
# ARP requests must reach AF_PACKET on vo / vi (of edge, or of edge-role).
netns_check_edge_capture() {  # edge-ifname host-role target-ip [edge-role]
  netns_capture_ping "${4:-edge}" "$1" "arp or icmp" "$2" "$3" "$3"
}

# natu pings uac; uac must see the NAT's public address as the source.
netns_check_masquerade() {
  netns_capture_ping uac h0 "icmp and src $E2E_NAT_WAN_IP" natu "$E2E_UAC_IP" "$E2E_NAT_WAN_IP"
}

# edge2's vo/vi see ARP for its addresses (before its sipedge-dp runs).
netns_check_edge2() {
  netns_check_edge_capture vo uac "$E2E_EDGE2_OUT_IP" edge2 &&
    netns_check_edge_capture vi uas1 "$E2E_EDGE2_IN_IP" edge2
}

# Every edge namespace reaches the db address.
netns_check_db() {
  local role ok=0
  for role in edge edge2; do
    netns_exists "$role" || continue
    netns_ping "$role" "$E2E_DB_IP" 2 || {
      netns_log "$role cannot reach db ($E2E_DB_IP)"
      ok=1
    }
  done
  return "$ok"
}

# Kernel-side connectivity (before sipedge-dp owns vo/vi).
netns_check() {
  local ok=0 role
  netns_ping uas1 "$E2E_UAS2_IP" 2 || {
    netns_log "uas1 cannot ping uas2 through bridge bi"
    ok=1
  }
  netns_ping uas2 "$E2E_UAS1_IP" 2 || {
    netns_log "uas2 cannot ping uas1 through bridge bi"
    ok=1
  }
  netns_ping uac "$E2E_UAC_IP" 1 || {
    netns_log "uac cannot reach its own address"
    ok=1
  }
  # No namespace may have a way out.
  for role in uac uas1 uas2; do
    if [ -n "$(nip "$role" route show default)" ]; then
      netns_log "$role has a default route"
      ok=1
    fi
  done
  netns_check_edge_capture vo uac "$E2E_VIP" || ok=1
  netns_check_edge_capture vi uas1 "$E2E_EDGE_IN_IP" || ok=1
  if netns_exists nat; then
    netns_check_masquerade || ok=1
  fi
  if netns_exists edge2; then
    netns_check_edge2 || ok=1
  fi
  if netns_exists db; then
    netns_check_db || ok=1
  fi
  [ "$ok" -eq 0 ] && netns_log "checks passed"
  return "$ok"
}

netns_main() {
  local cmd=${1:-}
  shift || true
  : "${RUN:=$$}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "netns.sh: needs root (network namespaces)" >&2
    return 1
  fi
  case "$cmd" in
    up)
      echo "RUN=$RUN"
      netns_up
      case $? in
        0) ;;
        2) return 1 ;; # someone else's topology with this RUN: leave it
        *)
          # A topology that did not come up whole is not left behind.
          netns_down
          return 1
          ;;
      esac
      if ! netns_check; then
        netns_down
        return 1
      fi
      ;;
    nat-up)
      netns_nat_up
      case $? in
        0) ;;
        2) return 1 ;;
        *)
          netns_down
          return 1
          ;;
      esac
      if ! netns_check; then
        netns_down
        return 1
      fi
      ;;
    edge2-up | db-up | router-up | anycast-up)
      case "$cmd" in
        edge2-up) netns_edge2_up ;;
        db-up) netns_db_up ;;
        anycast-up) netns_anycast_up ;;
        *) netns_router_up ;;
      esac
      case $? in
        0) ;;
        2) return 1 ;;
        *)
          netns_down
          return 1
          ;;
      esac
      if ! netns_check; then
        netns_down
        return 1
      fi
      ;;
    check) netns_check ;;
    down) netns_down ;;
    exec)
      local role=${1:?exec needs a role}
      shift
      netns_exec "$role" "$@"
      ;;
    *)
      echo "usage: RUN=ID $0 up|nat-up|edge2-up|db-up|router-up|anycast-up|check|down|exec ROLE -- CMD..." >&2
      return 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  netns_main "$@"
  exit $?
fi
