#!/usr/bin/env python3
"""One REGISTER with digest authentication, for tests/e2e/subscriber_auth.sh.

sipp 3.6 answers only the first WWW-Authenticate and only with MD5, while the
edge offers SHA-256 first (RFC 8760 order); this UAC answers the challenge of
the algorithm asked for (--algorithm MD5 or SHA-256, qop=auth), so both are
exercised. Prints one verdict and exits with it:
  registered (0)    the answer to the credentials was 200
  refused (1)       401 or 403 to the credentials
  unchallenged (2)  200 to the REGISTER without credentials
  error (3)         no answer in time, or anything else
Bounded: each request is retransmitted every 0.5 s for --timeout seconds.
Stdlib only; run it inside the UAC namespace.
"""
import argparse
import hashlib
import os
import re
import socket
import sys
import time


def request(args, cseq, branch, authorization=None):
    lines = [
        f"REGISTER sip:{args.domain} SIP/2.0",
        f"Via: SIP/2.0/UDP {args.local}:{args.port};branch={branch};rport",
        f"From: <sip:{args.user}@{args.domain}>;tag={args.tag}",
        f"To: <sip:{args.user}@{args.domain}>",
        f"Call-ID: {args.call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{args.user}@{args.local}:{args.port}>",
        "Expires: 300",
        "Max-Forwards: 70",
        "User-Agent: sipedge-e2e-digest",
    ]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def exchange(sock, edge, data, timeout):
    """Sends `data` until a final response arrives; returns it as text or None."""
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            sock.sendto(data, edge)
            next_send = now + 0.5
        sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
        try:
            reply, _ = sock.recvfrom(65535)
        except socket.timeout:
            continue
        text = reply.decode(errors="replace")
        m = re.match(r"SIP/2\.0 (\d{3})", text)
        if m and int(m.group(1)) >= 200:
            return text
    return None


def status(text):
    return int(text[8:11])


def challenge(text, algorithm):
    """The parameters of the WWW-Authenticate with `algorithm`, or None."""
    for line in text.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() != "www-authenticate":
            continue
        params = dict((k.lower(), v1 or v2) for k, v1, v2 in
                      re.findall(r'([A-Za-z-]+)=(?:"([^"]*)"|([^\s,]+))', value))
        if params.get("algorithm", "MD5").upper() == algorithm:
            return params
    return None


def authorization(args, params, uri):
    h = (lambda s: hashlib.md5(s.encode()).hexdigest()) if args.algorithm == "MD5" else \
        (lambda s: hashlib.sha256(s.encode()).hexdigest())
    cnonce = os.urandom(8).hex()
    nc = "00000001"
    ha1 = h(f"{args.user}:{params['realm']}:{args.password}")
    ha2 = h(f"REGISTER:{uri}")
    response = h(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    return (f'Digest username="{args.user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
            f'uri="{uri}", response="{response}", algorithm={args.algorithm}, cnonce="{cnonce}", '
            f'qop=auth, nc={nc}')


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--local", required=True, help="our address (Via, Contact, bind)")
    p.add_argument("--port", type=int, default=5060)
    p.add_argument("--edge", required=True, help="the edge's VIP")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--algorithm", choices=["MD5", "SHA-256"], default="MD5")
    p.add_argument("--timeout", type=float, default=4.0)
    args = p.parse_args()
    args.domain = args.edge
    args.tag = os.urandom(4).hex()
    args.call_id = os.urandom(8).hex() + "@sipedge-e2e"

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.local, args.port))
    edge = (args.edge, 5060)
    first = exchange(sock, edge, request(args, 1, "z9hG4bK" + os.urandom(6).hex()), args.timeout)
    if first is None:
        print("error no answer")
        return 3
    if status(first) == 200:
        print("unchallenged")
        return 2
    params = challenge(first, args.algorithm) if status(first) == 401 else None
    if params is None:
        print(f"error {first.splitlines()[0]}")
        return 3
    uri = f"sip:{args.domain}"
    second = exchange(sock, edge, request(args, 2, "z9hG4bK" + os.urandom(6).hex(), authorization(args, params, uri)),
                      args.timeout)
    if second is None:
        print("error no answer to the credentials")
        return 3
    if status(second) == 200:
        print("registered")
        return 0
    if status(second) in (401, 403):
        print("refused")
        return 1
    print(f"error {second.splitlines()[0]}")
    return 3


if __name__ == "__main__":
    sys.exit(main())
