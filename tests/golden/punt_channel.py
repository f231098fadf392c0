#!/usr/bin/env python3
"""The punt channel and DPDK telemetry of a real sipedge-dp (net_pcap ports,
no traffic): a client plays the control plane over the Unix SOCK_SEQPACKET
socket and checks HELLO, TX (from the VIP, from the inside address, and a
refused spoofed source), STATE, STATS, RELOAD and a malformed message; then
the frames sipedge-dp sent and its exit counters.

    punt_channel.py SIPEDGE_DP PCAP_TOOL BASE_TOML SIPEDGECTL

It also reads the counters the operator's way: `sipedgectl dp-stats`.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HEADER = struct.Struct("<IBBHIHHIIHHIQ16s16s")
MAGIC, VERSION = 0x544E5053, 2
TX, STATE, STATS, HELLO, RELOAD = 2, 4, 5, 6, 7
FLAG_REPLY, FLAG_FAILED = 1 << 15, 1 << 14
failures = []


def check(ok, what):
    print(("PASS: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def ip(text):
    return struct.unpack("!I", socket.inet_aton(text))[0]


def message(kind, body=b"", flags=0, src=0, dst=0, sport=0, dport=0, cookie=0):
    return HEADER.pack(MAGIC, VERSION, kind, flags, 0, 0xFFFF, 0, src, dst, sport, dport, len(body), cookie, bytes(16), bytes(16)) + body


def receive(sock, kind, timeout=5.0):
    sock.settimeout(timeout)
    while True:
        data = sock.recv(70000)
        fields = HEADER.unpack_from(data)
        if fields[2] == kind:
            return fields, data[HEADER.size:]


def telemetry(prefix, command):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(5)
        s.connect(path)
        s.recv(16384)  # the greeting
        s.send(command.encode())
        return json.loads(s.recv(1 << 20))[command]


def main():
    dp, tool, base, ctl = sys.argv[1:5]
    work = tempfile.mkdtemp(prefix="sipedge-punt-")
    prefix = f"golden-punt-{os.getpid()}"
    for side in ("outside", "inside"):
        subprocess.run([tool, "build", f"{work}/{side}.in.pcap", "/dev/null"], check=True)
    text = open(base).read()
    for key, value in {"@WORK@": work, "@PREFIX@": prefix, "@OUT_MTU@": "1500", "@ALGORITHM@": "hash-callid"}.items():
        text = text.replace(key, value)
    text = text.replace(', "--no-telemetry"', "")
    config = f"{work}/sipedge.toml"
    open(config, "w").write(text)
    proc = subprocess.Popen([dp, "--config", config, "--exit-idle-ms", "6000", "--stats-ms", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for _ in range(100):
            try:
                sock.connect(f"{work}/punt.sock")
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("punt socket never appeared")
        fields, body = receive(sock, HELLO)
        cookie = fields[12]
        check(body.startswith(b"sipedge-dp node=golden workers=1"), f"HELLO names the node ({body!r})")
        check(cookie == 1, "HELLO carries config generation 1")

        options = (b"OPTIONS sip:alice@203.0.113.50:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKsk-1\r\n"
                   b"Max-Forwards: 70\r\nFrom: <sip:sipedge@203.0.113.1>;tag=k1\r\nTo: <sip:alice@203.0.113.50>\r\n"
                   b"Call-ID: ka-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        sock.send(message(TX, options, dst=ip("203.0.113.50"), dport=5060))
        sock.send(message(TX, b"\r\n\r\n", src=ip("198.51.100.1"), sport=5060, dst=ip("198.51.100.21"), dport=5060))
        sock.send(message(TX, b"spoof", src=ip("192.0.2.99"), sport=5060, dst=ip("198.51.100.21"), dport=5060))
        sock.send(struct.pack("<I", MAGIC) + bytes([VERSION]) + b"garbage")  # too short: counted, not fatal
        sock.send(message(STATE, struct.pack("<HHB3xQ", 1, 0, 0, 1)))
        sock.send(message(STATE, struct.pack("<HHB3xQ", 1, 1, 0, 7)))  # another generation: ignored

        sock.send(message(STATS, cookie=42))
        fields, body = receive(sock, STATS)
        flags, cookie = fields[3], fields[12]
        check(flags & FLAG_REPLY and cookie == 42, "STATS is answered with the request's cookie")
        values = {i: v for i, v in (struct.unpack_from("<HQ", body, o) for o in range(0, len(body), 10))}
        names = list(telemetry(prefix, "/sipedge/stats").keys())
        check(len(names) == len(values), f"STATS carries every counter ({len(values)} vs {len(names)} names)")
        byname = {names[i]: values.get(i) for i in range(len(names))}
        check(byname.get("cp_tx") == 2, f"two TX sent, the spoofed one refused (cp_tx={byname.get('cp_tx')})")
        check(byname.get("cp_state") == 1, f"one STATE applied (cp_state={byname.get('cp_state')})")
        check(byname.get("punt_bad_message") == 2, f"spoof and garbage counted (punt_bad_message={byname.get('punt_bad_message')})")
        ctl_out = subprocess.run([ctl, "dp-stats", config], capture_output=True, text=True, timeout=20)
        lines = dict(line.split() for line in ctl_out.stdout.splitlines() if len(line.split()) == 2)
        check(ctl_out.returncode == 0 and lines.get("cp_tx") == "2" and lines.get("cp_state") == "1",
              f"sipedgectl dp-stats shows the same counters ({ctl_out.stdout.strip()!r} {ctl_out.stderr.strip()!r})")
        check("rx_packets" not in lines, "dp-stats lists non-zero counters only")
        rates = subprocess.run([ctl, "dp-stats", config, "--all", "--interval-ms", "200"], capture_output=True,
                               text=True, timeout=20)
        check(rates.returncode == 0 and "cp_tx 2 0.0/s" in rates.stdout and "rx_packets 0 0.0/s" in rates.stdout,
              "dp-stats --all --interval-ms adds a rate column")
        workers = telemetry(prefix, "/sipedge/workers")
        check("worker0_busy_cycles" in workers and workers.get("tsc_hz", 0) > 0, "telemetry /sipedge/workers")

        sock.send(message(RELOAD))
        fields, _ = receive(sock, RELOAD)
        flags, cookie = fields[3], fields[12]
        check(flags & FLAG_REPLY and not flags & FLAG_FAILED and cookie == 2, "RELOAD applied: config generation 2")

        # A sipedge-cp of the previous release (punt version 1, 40-byte
        # header) is told which versions differ and hung up on.
        v1_hello = struct.pack("<IBBHIHHIIHHIQ", MAGIC, 1, HELLO, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0) + b"hello"
        sock.send(v1_hello)
        sock.settimeout(5)
        try:
            closed = sock.recv(70000) == b""
        except OSError:
            closed = False
        check(closed, "a version 1 peer is hung up on")
        sock.close()
    finally:
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    check(proc.returncode == 0, f"sipedge-dp exits 0 (status {proc.returncode})")
    counters = dict(line.split() for line in out.split("counters:\n", 1)[-1].splitlines() if len(line.split()) == 2)
    check(counters.get("reloads") == "2", f"two snapshots published: state + reload ({counters.get('reloads')})")
    check("control plane connected" in err and "control plane disconnected" in err, "connect/disconnect logged")
    check("sipedge-cp speaks punt protocol version 1, this sipedge-dp version 2" in err,
          "the version mismatch is named in the log")
    dumps = {side: subprocess.run([tool, "dump", f"{work}/{side}.out.pcap"], capture_output=True, text=True, check=True).stdout
             for side in ("outside", "inside")}
    check("203.0.113.1>203.0.113.50" in dumps["outside"] and "OPTIONS sip:alice" in dumps["outside"],
          "TX with no source leaves from the VIP")
    check("198.51.100.1>198.51.100.21" in dumps["inside"] and dumps["inside"].count("udp 5060>5060") == 1,
          "TX from the inside address leaves on the inside, the spoofed one does not")
    subprocess.run(["rm", "-rf", work])
    if failures:
        print(err, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
