#!/usr/bin/env python3
"""A minimal stateless SIP proxy on kernel sockets: a stand-in for sipedge-dp.

It exists to prove the e2e harness (topology, sipp scenarios, statistics
parsing, teardown) independently of the dataplane: the harness test runs it in
the edge namespace with kernel addresses on vo/vi, exactly where sipedge-dp runs
on af_packet. It does the parts of design.md's fast-path table the scenarios
exercise, in the same shape: hash-callid over the destinations, own Via with a
deterministic branch, double Record-Route on INVITE, loose routing of in-dialog
requests, responses routed by Via, a global CPS token bucket with a stateless
503 + Retry-After and absorption of the ACK for it. It prints per-second
`cps=N breaches=N` lines and, at exit, counters as `name value` lines with the
dataplane's counter names.

Not a SIP implementation: no CANCEL state, no TCP, no compact forms beyond Via.
"""

import argparse
import hashlib
import select
import signal
import socket
import sys
import time

SIP_PORT = 5060


def split_commas(value):
    """Splits a header value at commas outside <...> and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append(value[start:i].strip())
            start = i + 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


class Message:
    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.start = lines[0]
        self.headers = []  # [name, value], continuation lines folded
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                self.headers[-1][1] += " " + line.strip()
            elif ":" in line:
                name, _, value = line.partition(":")
                self.headers.append([name.strip(), value.strip()])
        self.is_request = not self.start.startswith("SIP/2.0 ")

    def names(self, *names):
        wanted = {n.lower() for n in names}
        return [h for h in self.headers if h[0].lower() in wanted]

    def get(self, *names):
        found = self.names(*names)
        return found[0][1] if found else ""

    def values(self, *names):
        """All comma-separated values of a header, in order."""
        out = []
        for _, value in self.names(*names):
            out.extend(split_commas(value))
        return out

    def set_values(self, name, values, *aliases):
        """Replaces every instance of a header with one line of values."""
        wanted = {n.lower() for n in (name,) + aliases}
        index = next((i for i, h in enumerate(self.headers) if h[0].lower() in wanted), None)
        self.headers = [h for h in self.headers if h[0].lower() not in wanted]
        if values:
            self.headers.insert(0 if index is None else index, [name, ", ".join(values)])

    def prepend(self, name, value):
        self.headers.insert(0, [name, value])

    @property
    def method(self):
        return self.start.split(" ", 1)[0] if self.is_request else self.get("CSeq").split()[-1]

    def encode(self):
        body = self.body
        lines = [self.start] + ["%s: %s" % (n, v) for n, v in self.headers if n.lower() not in ("content-length", "l")]
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def uri_hostport(uri):
    """host, port of a SIP URI (optionally in <...>), default port 5060."""
    if "<" in uri:
        uri = uri[uri.index("<") + 1:uri.index(">")]
    uri = uri.split(":", 1)[1] if uri.lower().startswith("sip:") else uri
    uri = uri.split(";", 1)[0].split("?", 1)[0]
    hostport = uri.rsplit("@", 1)[-1]
    host, _, port = hostport.partition(":")
    return host, int(port) if port else SIP_PORT


def via_next_hop(via):
    """Where a response goes per RFC 3261 18.2.2 / RFC 3581: received/rport, else sent-by."""
    sent_by, *params = [p.strip() for p in via.split(";")]
    host, _, port = sent_by.split()[-1].partition(":")
    port = int(port) if port else SIP_PORT
    for param in params:
        key, _, value = param.partition("=")
        if key.lower() == "received" and value:
            host = value
        elif key.lower() == "rport" and value:
            port = int(value)
    return host, port


class Proxy:
    def __init__(self, args):
        self.outside_ip, self.inside_ip = args.outside, args.inside
        self.ours = {args.outside, args.inside}
        self.inside_prefix = args.inside_prefix
        self.destinations = [uri_hostport(d) for d in args.dest]
        self.cps, self.retry_after = args.cps, args.retry_after
        self.tokens, self.refilled = float(args.cps), time.monotonic()
        self.counters = {name: 0 for name in (
            "forwarded_request", "forwarded_in_dialog", "forwarded_response", "replied_503_cps",
            "absorbed_ack", "dropped_parse", "dropped_response_not_ours", "cps_breaches")}
        for host, port in self.destinations:
            self.counters["destination_%s:%d" % (host, port)] = 0
        self.second_calls = self.second_breaches = 0
        self.sockets = {}
        for ip in (self.outside_ip, self.inside_ip):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((ip, SIP_PORT))
            self.sockets[ip] = sock

    def inside(self, ip):
        return ip.startswith(self.inside_prefix)

    def send(self, msg, host, port):
        sock = self.sockets[self.inside_ip if self.inside(host) else self.outside_ip]
        sock.sendto(msg.encode(), (host, port))

    def allow_call(self):
        if self.cps == 0:
            return True
        now = time.monotonic()
        self.tokens = min(float(self.cps), self.tokens + (now - self.refilled) * self.cps)
        self.refilled = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def reply(self, req, code, reason, src, extra=()):
        resp = Message(b"")
        resp.start = "SIP/2.0 %d %s" % (code, reason)
        resp.headers = [list(h) for h in req.names("Via", "v")]
        to = req.get("To", "t")
        if ";tag=" not in to:
            to += ";tag=sipedge-%s" % hashlib.md5(req.get("Call-ID", "i").encode()).hexdigest()[:10]
        resp.headers += [["From", req.get("From", "f")], ["To", to], ["Call-ID", req.get("Call-ID", "i")],
                         ["CSeq", req.get("CSeq")]] + [list(e) for e in extra]
        self.sockets[self.outside_ip].sendto(resp.encode(), src)

    def on_request(self, msg, src):
        method = msg.method
        to = msg.get("To", "t")
        in_dialog = ";tag=" in to
        if method == "ACK" and ";tag=sipedge-" in to:
            self.counters["absorbed_ack"] += 1
            return
        routes = msg.values("Route")
        own_routes = 0
        while routes and uri_hostport(routes[0])[0] in self.ours:
            routes.pop(0)
            own_routes += 1
        branch_seed = msg.values("Via", "v")[0] if msg.values("Via", "v") else ""
        if routes:
            target = uri_hostport(routes[0])
        elif in_dialog or self.inside(src[0]):
            target = uri_hostport(msg.start.split(" ")[1])
        else:
            if method == "INVITE":
                self.second_calls += 1
                if not self.allow_call():
                    self.counters["cps_breaches"] += 1
                    self.counters["replied_503_cps"] += 1
                    self.second_breaches += 1
                    self.reply(msg, 503, "Service Unavailable", src, [("Retry-After", str(self.retry_after))])
                    return
            callid = msg.get("Call-ID", "i").encode()
            index = int.from_bytes(hashlib.sha1(callid).digest()[:4], "big") % len(self.destinations)
            target = self.destinations[index]
            self.counters["destination_%s:%d" % target] += 1
        # Stateless branch (RFC 3261 16.11): a function of the client's top Via
        # branch, so retransmissions get the same one; ACK for 2xx is new anyway.
        branch = "z9hG4bK-mp-" + hashlib.md5((branch_seed + method.replace("ACK", "INVITE")).encode()).hexdigest()[:16]
        out_ip = self.inside_ip if self.inside(target[0]) else self.outside_ip
        msg.set_values("Route", routes)
        if method == "INVITE" and not in_dialog:
            rr = ["<sip:%s;lr>" % out_ip]
            in_ip = self.inside_ip if self.inside(src[0]) else self.outside_ip
            if in_ip != out_ip:
                rr.append("<sip:%s;lr>" % in_ip)
            msg.set_values("Record-Route", rr + msg.values("Record-Route"))
        mf = msg.get("Max-Forwards")
        msg.set_values("Max-Forwards", [str(int(mf) - 1 if mf else 70)])
        msg.prepend("Via", "SIP/2.0/UDP %s:%d;branch=%s" % (out_ip, SIP_PORT, branch))
        self.send(msg, *target)
        self.counters["forwarded_in_dialog" if in_dialog else "forwarded_request"] += 1

    def on_response(self, msg):
        vias = msg.values("Via", "v")
        if not vias or via_next_hop(vias[0])[0] not in self.ours:
            self.counters["dropped_response_not_ours"] += 1
            return
        vias.pop(0)
        if not vias:
            self.counters["dropped_response_not_ours"] += 1
            return
        msg.set_values("Via", vias, "v")
        self.send(msg, *via_next_hop(vias[0]))
        self.counters["forwarded_response"] += 1

    def run(self, stats_ms, duration_s):
        stop = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.append(1))
        deadline = time.monotonic() + duration_s
        next_stats = time.monotonic() + stats_ms / 1000.0
        print("mini_proxy: listening on %s and %s" % (self.outside_ip, self.inside_ip), flush=True)
        while not stop and time.monotonic() < deadline:
            try:
                ready = select.select(list(self.sockets.values()), [], [], 0.1)[0]
            except InterruptedError:
                continue
            for sock in ready:
                data, src = sock.recvfrom(65535)
                try:
                    msg = Message(data)
                    (self.on_request(msg, src) if msg.is_request else self.on_response(msg))
                except (ValueError, IndexError):
                    self.counters["dropped_parse"] += 1
            if stats_ms and time.monotonic() >= next_stats:
                print("cps=%d breaches=%d" % (self.second_calls, self.second_breaches), flush=True)
                self.second_calls = self.second_breaches = 0
                next_stats += stats_ms / 1000.0
        for name, value in self.counters.items():
            print("%s %d" % (name, value))
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outside", required=True, help="VIP, the address UACs send to")
    parser.add_argument("--inside", required=True, help="own address towards the servers")
    parser.add_argument("--inside-prefix", required=True, help="textual prefix of inside addresses, e.g. 198.51.100.")
    parser.add_argument("--dest", action="append", required=True, help="sip:IP[:port], repeatable")
    parser.add_argument("--cps", type=int, default=0, help="global INVITE limit per second, 0 = none")
    parser.add_argument("--retry-after", type=int, default=5)
    parser.add_argument("--stats-ms", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=600, help="hard bound on the run time")
    args = parser.parse_args()
    Proxy(args).run(args.stats_ms, args.max_seconds)


if __name__ == "__main__":
    main()
