#!/usr/bin/env python3
"""Where do the same Call-IDs go before and after one destination goes down?

bench/cps.sh runs this against a real load balancer in the bench namespaces:
  disrupt.py listen --addrs 198.51.100.31,... --port 5060 --out FILE --seconds S
      (in a UAS namespace: one UDP socket per destination address; every INVITE
       that arrives is logged as "<phase> <address> <Call-ID>"; stops after S
       seconds or on SIGTERM)
  disrupt.py send --target 203.0.113.1:5060 --src 203.0.113.50 --count K \
      --phase NAME [--rate R]
      (in the UAC namespace: K INVITEs with the fixed Call-IDs
       bench-disrupt-<i>@203.0.113.50, i = 0..K-1, paced at R/s; bounded)
  disrupt.py compare FILE BASE_PHASE PHASE DOWN_ADDRESS
      (prints JSON: how many Call-IDs moved, and how many of those were not on
       the destination that went down)
Nothing is answered: a stateless proxy forwards the INVITE once and the
listener only records where it went.
"""
import argparse
import json
import select
import signal
import socket
import sys
import time


def call_id_of(data):
    for line in data.split(b"\r\n"):
        low = line.lower()
        if low.startswith(b"call-id:") or low.startswith(b"i:"):
            return line.split(b":", 1)[1].strip().decode(errors="replace")
    return None


def cmd_listen(a):
    socks = {}
    for addr in a.addrs.split(","):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind((addr, a.port))
        socks[s] = addr
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    deadline = time.monotonic() + a.seconds
    phase_file = a.out + ".phase"
    with open(a.out, "a") as out:
        while not stop and time.monotonic() < deadline:
            ready, _, _ = select.select(list(socks), [], [], 0.2)
            for s in ready:
                data, _src = s.recvfrom(65535)
                if not data.startswith(b"INVITE "):
                    continue
                cid = call_id_of(data)
                try:
                    with open(phase_file) as f:
                        phase = f.read().strip()
                except OSError:
                    phase = "?"
                if cid:
                    out.write("%s %s %s\n" % (phase, socks[s], cid))
            out.flush()


def invite(i, src, target):
    host, port = target
    cid = "bench-disrupt-%d@%s" % (i, src)
    return ("INVITE sip:bench@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-disrupt-%d-%f\r\n"
            "From: <sip:disrupt@%s>;tag=d%d\r\n"
            "To: <sip:bench@%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:disrupt@%s:5060>\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n" % (host, port, src, i, time.time(), src, i, host, cid, src)).encode()


def cmd_send(a):
    host, port = a.target.rsplit(":", 1)
    target = (host, int(port))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 5060))
    gap = 1.0 / a.rate
    start = time.monotonic()
    for i in range(a.count):
        when = start + i * gap
        now = time.monotonic()
        if when > now:
            time.sleep(when - now)
        s.sendto(invite(i, a.src, target), target)
        # Drain anything the proxy answers (e.g. a 503) so buffers never fill.
        while select.select([s], [], [], 0)[0]:
            s.recv(65535)


def cmd_compare(a):
    where = {}
    with open(a.file) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                where.setdefault(parts[0], {})[parts[2]] = parts[1]
    base, now = where.get(a.base, {}), where.get(a.phase, {})
    common = [c for c in base if c in now]
    moved = [c for c in common if base[c] != now[c]]
    moved_other = [c for c in moved if base[c] != a.down]
    on_down = [c for c in common if base[c] == a.down]
    survivors = {}
    for c in common:
        if base[c] != a.down:
            survivors.setdefault(now[c], 0)
    for c in common:
        survivors[now[c]] = survivors.get(now[c], 0) + 1
    survivors.pop(a.down, None)
    moved_to = {}
    for c in moved:
        moved_to[now[c]] = moved_to.get(now[c], 0) + 1
    mean = sum(survivors.values()) / len(survivors) if survivors else 0
    print(json.dumps({
        "moved_to": moved_to,
        "survivor_max_over_mean": round(max(survivors.values()) / mean, 4) if mean else None,
        "phase": a.phase, "down": a.down, "call_ids": len(common),
        "seen_base": len(base), "seen_phase": len(now),
        "on_down_before": len(on_down), "moved": len(moved),
        "moved_fraction": round(len(moved) / len(common), 4) if common else None,
        "moved_not_from_down": len(moved_other),
        "still_to_down": sum(1 for c in common if now[c] == a.down),
    }))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("listen")
    l.add_argument("--addrs", required=True)
    l.add_argument("--port", type=int, default=5060)
    l.add_argument("--out", required=True)
    l.add_argument("--seconds", type=float, default=120)
    s = sub.add_parser("send")
    s.add_argument("--target", required=True)
    s.add_argument("--src", required=True)
    s.add_argument("--count", type=int, default=2000)
    s.add_argument("--rate", type=float, default=1000)
    s.add_argument("--phase", default="")
    c = sub.add_parser("compare")
    c.add_argument("file")
    c.add_argument("base")
    c.add_argument("phase")
    c.add_argument("down")
    a = p.parse_args()
    if a.cmd == "send" and not (1 <= a.count <= 100000 and 1 <= a.rate <= 20000):
        sys.exit("send: count 1..100000, rate 1..20000")
    {"listen": cmd_listen, "send": cmd_send, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
