#!/usr/bin/env bash
# End-to-end: an 802.1Q outside port with an IPv6 address (issue 13, item 1).
# The UAC namespace reaches the edge only through VLAN 100 (h0.100; its
# untagged h0 keeps no address), with IPv6 switched on there alone and
# 2001:db8::50/64. Usage: vlan_ipv6.sh SIPEDGE_DP [SOURCE_ROOT]
# A kernel without 802.1Q (no `ip link add ... type vlan`, as on some CI
# VMs) runs the same checks untagged on h0, and says so.
# Asserts, against the UAC's real kernel stack:
#   - the edge's readiness (ARP, ICMP echo to the VIP) works through the tag;
#   - ping6 to the port's address6 works: the kernel's NS to the
#     solicited-node group gets our NA (its neighbour entry holds the edge
#     MAC) and the echo replies verify;
#   - SIP calls through the tagged port all complete (the inside is untagged);
#   - the edge counted the ND and ICMPv6 answers, and no VLAN drops.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
E2E_SRC_ROOT=${2:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

vlan=100
edge6=2001:db8::2
uac6=2001:db8::50
calls=${E2E_CALLS:-60}
rate=${E2E_RATE:-20}

e2e_init vlan_ipv6
uac_ns=$(netns_name uac)
uac_if=h0.$vlan
if ! nip uac link add link h0 name "$uac_if" type vlan id $vlan 2>/dev/null; then
  e2e_log "this kernel cannot make 802.1Q links: VLAN part skipped, IPv6 checked untagged on h0"
  vlan=
  uac_if=h0
fi
config=$E2E_WORK/sipedge.toml
e2e_write_dp_config "$config"
sed -i -e "/^role = \"outside\"/a address6 = \"$edge6/64\"" "$config"
[ -n "$vlan" ] && sed -i -e "/^role = \"outside\"/a vlan = $vlan" "$config"
grep -q "^address6 = \"$edge6/64\"" "$config" || e2e_die "could not add address6 to $config"
[ -z "$vlan" ] || grep -q "^vlan = $vlan" "$config" || e2e_die "could not add vlan to $config"

# The UAC moves onto the VLAN before the edge starts (its readiness check,
# ARP and ping to the VIP, then goes through the tag).
if [ -n "$vlan" ]; then
  nip uac addr del "$E2E_UAC_IP/24" dev h0 || e2e_die "cannot take $E2E_UAC_IP off h0"
  nip uac addr add "$E2E_UAC_IP/24" dev "$uac_if" || e2e_die "cannot address $uac_if"
fi
ip netns exec "$uac_ns" sysctl -qw "net.ipv6.conf.${uac_if/./\/}.disable_ipv6=0" || e2e_die "cannot enable IPv6 on $uac_if"
nip uac addr add "$uac6/64" dev "$uac_if" nodad && nip uac link set "$uac_if" up || e2e_die "cannot address $uac_if"

e2e_edge_start dp "$E2E_WORK/edge.log" "$config"

ping6_ok=0
# Three echo requests from the UAC's kernel (raw ICMPv6 socket: the kernel
# resolves the edge by NS and checks the replies' checksums; so does this).
ip netns exec "$uac_ns" timeout 20 python3 - "$edge6" "$uac6" >"$E2E_WORK/ping6.out" 2>&1 <<'PY' && ping6_ok=1
import os, socket, struct, sys, time
target, source = sys.argv[1], sys.argv[2]
def checksum(data):
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total >> 16) + (total & 0xFFFF)
    return ~total & 0xFFFF
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
ident, got = os.getpid() & 0xFFFF, 0
for seq in range(3):
    sock.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"sipedge-ping6", (target, 0))
    deadline = time.monotonic() + 2.0
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            msg, addr = sock.recvfrom(2048)
        except socket.timeout:
            break
        if len(msg) < 8 or msg[0] != 129 or struct.unpack("!HH", msg[4:8]) != (ident, seq) or addr[0] != target:
            continue
        pseudo = socket.inet_pton(socket.AF_INET6, target) + socket.inet_pton(socket.AF_INET6, source)
        pseudo += struct.pack("!IxxxB", len(msg), 58)
        assert checksum(pseudo + msg) == 0, "bad ICMPv6 checksum"
        print("reply seq", seq, "from", addr[0])
        got += 1
        break
sys.exit(0 if got == 3 else 1)
PY
cat "$E2E_WORK/ping6.out" >&2
neigh6=$(nip uac -6 neigh show "$edge6" dev "$uac_if")
e2e_log "uac: $neigh6"

e2e_uas_start uas1 $((calls / rate + 90))
e2e_uas_start uas2 $((calls / rate + 90))
sleep 0.5
e2e_uac_run uac "uac_call.xml" "$calls" "$rate"
uac_rc=$?
e2e_uas_stop uas1
e2e_uas_stop uas2
e2e_edge_stop
edge_rc=$?

ok=$(e2e_sipp_stat "$E2E_WORK/uac.csv" 'SuccessfulCall(C)')
echo "uac: ${ok:-?} of $calls calls (sipp status $uac_rc); ping6 ok=$ping6_ok; edge status $edge_rc"
for c in icmpv6_echo_replied nd_advert_sent icmp_echo_replied drop_vlan_untagged drop_vlan_wrong_id drop_vlan_qinq; do
  echo "edge: $c=$(e2e_edge_counter "$c")"
done

e2e_check "ping6 to $edge6 (VLAN ${vlan:-none})" [ "$ping6_ok" -eq 1 ]
e2e_check "the UAC's kernel learnt $edge6 at the edge MAC by ND" grep -qi "lladdr $E2E_EDGE_OUT_MAC" <<<"$neigh6"
e2e_check "edge answered at least 3 ICMPv6 echoes" e2e_between "$(e2e_edge_counter icmpv6_echo_replied)" 3 100
e2e_check "edge answered at least one NS" e2e_between "$(e2e_edge_counter nd_advert_sent)" 1 100
e2e_check "sipp UAC exits 0" [ "$uac_rc" -eq 0 ]
e2e_check "all $calls calls succeed (VLAN ${vlan:-none})" e2e_equal "$ok" "$calls"
e2e_check "no tagged frame was refused" e2e_equal "$(($(e2e_edge_counter drop_vlan_wrong_id) + $(e2e_edge_counter drop_vlan_qinq)))" 0
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
