#!/usr/bin/env bash
# End-to-end: the exception path (issue 12, part 1). sipedge-dp on af_packet
# creates a kernel interface (net_tap) for the outside port; the edge
# namespace's kernel holds the node address 203.0.113.2/24 on it, the
# dataplane keeps the VIP. Usage: exception_path.sh SIPEDGE_DP [SOURCE_ROOT]
# Asserts:
#   (d) SIP calls to the VIP add nothing to the exception counters;
#   (a) a TCP connection from the UAC to a python echo server on the node
#       address works (through the tap, both ways);
#   (b) the kernel's own traffic goes down the port: it resolved the UAC by
#       ARP itself (its request went down, the reply came up);
#   (c) a bounded TCP SYN flood at the node address is shed by
#       dataplane.exception_pps and counted in exception_dropped_rate, while
#       SIP calls through the same (single) worker keep completing; the SIP
#       rate with and without the flood is printed (target: >= 90%).
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
E2E_SRC_ROOT=${2:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

tap=sxo          # the kernel interface, in the edge namespace
pps=200          # dataplane.exception_pps: far below the flood
echo_port=7000
calls=400
rate=80
flood_max=2000000 # SYNs, and at most flood_seconds (it is stopped when the SIP run ends)
flood_seconds=15

e2e_init exception_path
config=$E2E_WORK/sipedge.toml
e2e_write_dp_config "$config"
# The two keys under test, added to the generated config.
sed -i -e "/^punt_socket = /a exception_pps = $pps" \
  -e "/^role = \"outside\"/a exception = \"$tap\"" "$config"
grep -q "^exception = \"$tap\"" "$config" && grep -q "^exception_pps = $pps" "$config" ||
  e2e_die "could not add the exception keys to $config"
e2e_edge_start dp "$E2E_WORK/edge.log" "$config"
prefix="se-$RUN"

# The operator's part: the node address on the interface sipedge-dp made.
for _ in $(seq 1 50); do
  nip edge link show "$tap" >/dev/null 2>&1 && break
  sleep 0.1
done
nip edge link show "$tap" >/dev/null 2>&1 || e2e_die "sipedge-dp did not create $tap"
tap_mac=$(nip edge -o link show "$tap" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
# vo and vi are veths here, not NICs bound to DPDK: the edge kernel sees
# their frames too, and would take the node address's TCP and ARP from them
# behind the dataplane's back. On a real NIC it cannot; here strict reverse
# path filtering (the UAC is on-link via the tap, not vo) and arp_ignore
# make the tap the kernel's only way in.
for ifname in vo vi; do
  ip netns exec "$(netns_name edge)" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1" "net.ipv4.conf.$ifname.arp_ignore=8" ||
    e2e_die "cannot isolate $ifname from the edge kernel"
done
ip netns exec "$(netns_name edge)" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1"
nip edge addr add "$E2E_EDGE_OUT_IP/24" dev "$tap" && nip edge link set "$tap" up ||
  e2e_die "cannot address $tap"
e2e_log "$tap: $E2E_EDGE_OUT_IP/24, MAC $tap_mac"

# Every sipedge-dp counter, from its telemetry socket.
stats() {
  python3 - "$prefix" >"$E2E_WORK/stats.json" <<'PY' || return 1
import json, socket, sys
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
    s.settimeout(5)
    s.connect(f"/var/run/dpdk/{sys.argv[1]}/dpdk_telemetry.v2")
    s.recv(16384)
    merged = {}
    for command in ("/sipedge/stats", "/sipedge/workers"):
        s.send(command.encode())
        merged.update(json.loads(s.recv(1 << 20))[command])
    print(json.dumps(merged))
PY
}
stat() {  # name (from the last stats call)
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$E2E_WORK/stats.json" "$1"
}
# Worker 0's busy share of its poll cycles since the last mark, in percent.
busy_mark() {
  busy0=$(stat worker0_busy_cycles) poll0=$(stat worker0_poll_cycles)
}
busy_since_mark() {
  python3 -c 'import sys; b, p = int(sys.argv[3]) - int(sys.argv[1]), int(sys.argv[4]) - int(sys.argv[2]); print("%.1f" % (100 * b / p if p else 0))' \
    "$busy0" "$poll0" "$(stat worker0_busy_cycles)" "$(stat worker0_poll_cycles)"
}
exception_total() {
  echo $(($(stat exception_rx) + $(stat exception_dropped_rate) + $(stat exception_dropped_ring)))
}

# One SIP run; prints successful calls per second of wall clock.
sip_run() {  # tag
  local start end ok
  start=$(date +%s.%N)
  e2e_uac_run "$1" "uac_call.xml" "$calls" "$rate" >&2
  end=$(date +%s.%N)
  ok=$(e2e_sipp_stat "$E2E_WORK/$1.csv" 'SuccessfulCall(C)')
  python3 -c 'import sys; print("%.1f" % (int(sys.argv[1] or 0) / (float(sys.argv[3]) - float(sys.argv[2]))))' \
    "${ok:-0}" "$start" "$end"
}

e2e_uas_start uas1 300
e2e_uas_start uas2 300
sleep 0.5

# (d) SIP to the VIP never takes the exception path.
stats || e2e_die "no telemetry from sipedge-dp"
before=$(exception_total)
busy_mark
base_rate=$(sip_run base)
stats
after=$(exception_total)
base_busy=$(busy_since_mark)
base_ok=$(e2e_sipp_stat "$E2E_WORK/base.csv" 'SuccessfulCall(C)')
e2e_log "without flood: ${base_ok:-?}/$calls calls, $base_rate calls/s; exception frames $before -> $after"

# (a) TCP to the node address, through the kernel.
ip netns exec "$(netns_name edge)" timeout 120 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        c.sendall(c.recv(4096))
    except OSError:
        pass
    c.close()
' "$E2E_EDGE_OUT_IP" "$echo_port" >"$E2E_WORK/echo.out" 2>&1 &
E2E_PIDS+=("$!")
for _ in $(seq 1 50); do
  grep -q listening "$E2E_WORK/echo.out" && break
  sleep 0.1
done
tcp_echo() {
  ip netns exec "$(netns_name uac)" timeout 15 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"sipedge exception path")
print(s.recv(4096).decode())
' "$E2E_EDGE_OUT_IP" "$echo_port" 2>>"$E2E_WORK/echo_client.err"
}
echo_reply=$(tcp_echo)
e2e_log "TCP echo through $tap: '${echo_reply}'"
stats
tcp_rx=$(stat exception_rx)
tcp_tx=$(stat exception_tx)

# (b) the kernel resolved the UAC itself, through the port.
kernel_neigh=$(nip edge neigh show "$E2E_UAC_IP" dev "$tap")
e2e_log "edge kernel neighbour: $kernel_neigh"

# (c) a SYN flood at the node address during a second SIP run.
ip netns exec "$(netns_name uac)" timeout $((flood_seconds + 5)) python3 -c '
import signal, socket, struct, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
src, dst, limit, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF
s4, d4 = socket.inet_aton(src), socket.inet_aton(dst)
frames = []
for i in range(1024):
    sport = 20000 + i
    tcp = struct.pack("!HHIIBBHHH", sport, 179, i * 7919, 0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(s4 + d4 + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0, s4, d4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frames.append(ip + tcp)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sent, start = 0, time.monotonic()
try:
    while sent < limit and time.monotonic() - start < seconds:
        for f in frames[:256]:
            try:
                s.sendto(f, (dst, 0))
                sent += 1
            except BlockingIOError:
                pass
        frames = frames[256:] + frames[:256]
finally:
    print(sent, "%.2f" % (time.monotonic() - start), flush=True)
' "$E2E_UAC_IP" "$E2E_EDGE_OUT_IP" "$flood_max" "$flood_seconds" >"$E2E_WORK/syn_flood.out" 2>&1 &
flood_pid=$!
E2E_PIDS+=("$flood_pid")
sleep 1
stats
flood_start_rate_drops=$(stat exception_dropped_rate)
flood_start_rx=$(stat rx_packets)
busy_mark
flood_start=$(date +%s.%N)
flood_rate=$(sip_run flood)
flood_ok=$(e2e_sipp_stat "$E2E_WORK/flood.csv" 'SuccessfulCall(C)')
stats
flood_end=$(date +%s.%N)
flood_busy=$(busy_since_mark)
flood_end_rate_drops=$(stat exception_dropped_rate)
flood_pps=$(python3 -c 'import sys; print("%.0f" % ((int(sys.argv[2]) - int(sys.argv[1])) / (float(sys.argv[4]) - float(sys.argv[3]))))' \
  "$flood_start_rx" "$(stat rx_packets)" "$flood_start" "$flood_end")
kill "$flood_pid" 2>/dev/null
wait "$flood_pid" 2>/dev/null
read -r flood_sent flood_time <"$E2E_WORK/syn_flood.out" 2>/dev/null
e2e_log "with flood: ${flood_ok:-?}/$calls calls, $flood_rate calls/s; flood ${flood_sent:-?} SYNs in ${flood_time:-?} s (stopped when the SIP run ended)"

# The host path recovers once the flood is over (its tokens refill in 1 s).
sleep 1.5
echo_after=$(tcp_echo)

e2e_uas_stop uas1
e2e_uas_stop uas2
e2e_edge_stop
edge_rc=$?

exc_rx=$(e2e_edge_counter exception_rx)
exc_tx=$(e2e_edge_counter exception_tx)
exc_rate=$(e2e_edge_counter exception_dropped_rate)
exc_ring=$(e2e_edge_counter exception_dropped_ring)
ratio=$(python3 -c 'import sys; b, f = float(sys.argv[1]), float(sys.argv[2]); print("%.0f" % (100 * f / b if b else 0))' \
  "$base_rate" "$flood_rate")
echo "SIP rate without flood: $base_rate calls/s (${base_ok:-?}/$calls), with flood: $flood_rate calls/s (${flood_ok:-?}/$calls): $ratio%"
echo "worker 0 busy: $base_busy% of its cycles without flood, $flood_busy% with it; frames received during the flooded run: $flood_pps/s"
echo "flood: ${flood_sent:-?} SYNs in ${flood_time:-?} s; exception_rx=${exc_rx:-?} exception_tx=${exc_tx:-?}" \
  "exception_dropped_rate=${exc_rate:-?} (during SIP run: $((flood_end_rate_drops - flood_start_rate_drops)))" \
  "exception_dropped_ring=${exc_ring:-?}"

e2e_check "the interface carries the port's MAC ($tap_mac)" e2e_equal "$tap_mac" "$E2E_EDGE_OUT_MAC"
e2e_check "SIP calls to the VIP add no exception frame ($before -> $after)" e2e_equal "$after" "$before"
e2e_check "every call without the flood succeeded" e2e_equal "$base_ok" "$calls"
e2e_check "TCP echo to $E2E_EDGE_OUT_IP:$echo_port through the exception path" \
  e2e_equal "$echo_reply" "sipedge exception path"
e2e_check "frames went up (exception_rx=$tcp_rx)" [ "${tcp_rx:-0}" -gt 0 ]
e2e_check "and the kernel's came down (exception_tx=$tcp_tx)" [ "${tcp_tx:-0}" -gt 0 ]
e2e_check "the kernel resolved the UAC by ARP through the port ($kernel_neigh)" \
  grep -qi "lladdr $E2E_UAC_MAC" <<<"$kernel_neigh"
e2e_check "the flood sent at least 10x exception_pps worth (${flood_sent:-0} SYNs)" \
  [ "${flood_sent:-0}" -ge $((pps * 10)) ]
e2e_check "the flood was shed by the rate limit (exception_dropped_rate=${exc_rate:-0})" \
  [ "${exc_rate:-0}" -ge $((${flood_sent:-0} / 2)) ]
e2e_check "what reached the kernel stayed near exception_pps (exception_rx=${exc_rx:-0})" \
  [ "${exc_rx:-0}" -le $((pps * (flood_seconds + 10) + pps + 1000)) ]
e2e_check "every call during the flood succeeded" e2e_equal "$flood_ok" "$calls"
e2e_check "TCP echo works again after the flood" e2e_equal "$echo_after" "sipedge exception path"
e2e_check "edge exits cleanly on SIGTERM" [ "$edge_rc" -eq 0 ]
e2e_finish
