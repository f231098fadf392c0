#!/usr/bin/env bash
# sipedgectl inspect: JSON output, exit codes, line-end handling, escaping.
# usage: inspect_test.sh SIPEDGECTL CORPUS_DIR
set -u
ctl=$1
corpus=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run NAME EXPECTED_RC ARGS... ; stdout in $tmp/out, stderr in $tmp/err
run() {
  local name=$1 want=$2
  shift 2
  "$ctl" inspect "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc, want $want; stderr: $(cat "$tmp/err")"
}

expect_out() {  # NAME FIXED_STRING
  grep -qF -- "$2" "$tmp/out" || fail "$1: output lacks '$2'"
}

valid_json() {  # NAME
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$tmp/out" 2>"$tmp/json_err" ||
      fail "$1: invalid JSON: $(cat "$tmp/json_err")"
  fi
}

# A request with --source: every NAT test is reported.
run invite 0 "$corpus/invite_sdp.sip" --source 198.51.100.7:5060
valid_json invite
expect_out invite '"kind": "request"'
expect_out invite '"method": "INVITE"'
expect_out invite '"call_id": "a84b4c76e66710@pc33.atlanta.example.com"'
expect_out invite '"branch": "z9hG4bK776asdhds"'
expect_out invite '"rport": true'
expect_out invite '"tag": "1928301774"'
expect_out invite '"number": 314159'
expect_out invite '"address": "192.168.1.10"'
expect_out invite '"contact-private": true'
expect_out invite '"via-received": true'
expect_out invite '"via-port": false'
expect_out invite '"contact-port": false'
expect_out invite '"source": "198.51.100.7:5060"'

# An IPv6 source in brackets: shown bracketed, "nat" null (the NAT tests
# compare IPv4 addresses); a v6 source without brackets is a usage error.
run invite6 0 "$corpus/invite_sdp.sip" --source '[2001:db8::7]:5060'
expect_out invite6 '"source": "[2001:db8::7]:5060"'
expect_out invite6 '"nat": null'
run invite6_bare 2 "$corpus/invite_sdp.sip" --source 2001:db8::7:5060

# Without --source there is no "nat" object; --source=IP:PORT form works.
run no_source 0 "$corpus/ok_200.sip"
grep -qF '"nat"' "$tmp/out" && fail "no_source: nat reported without --source"
expect_out no_source '"kind": "response"'
expect_out no_source '"status": 200'
expect_out no_source '"reason": "OK"'
expect_out no_source '"via_count": 2'
run source_eq 0 --source=203.0.113.1:5060 "$corpus/ok_200.sip"
expect_out source_eq '"via-received": false'
expect_out source_eq '"contact-ip": true'

# stdin ("-" and no FILE), bare-LF input converted to CRLF.
printf 'OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: lf\nCSeq: 2 OPTIONS\n' >"$tmp/lf.sip"
run stdin_lf 0 - <"$tmp/lf.sip"
valid_json stdin_lf
expect_out stdin_lf '"call_id": "lf"'
expect_out stdin_lf '"initial": true'
run stdin_default 0 <"$tmp/lf.sip"
expect_out stdin_default '"method": "OPTIONS"'

# JSON escaping: quotes, backslashes, control characters, non-UTF-8 bytes.
printf 'MESSAGE sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: "q \\"x\\" b\\\\s\x01" <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\xff\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n' >"$tmp/esc.sip"
run escape 0 "$tmp/esc.sip"
valid_json escape
expect_out escape '"display_name": "q \"x\" b\\s\u0001"'
expect_out escape '"call_id": "c\u00ff"'

# Malformed: reason on stderr, exit 1.
printf 'INVITE sip:x@example.com SIP/2.0\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n' >"$tmp/novia.sip"
run malformed 1 "$tmp/novia.sip"
grep -qx 'error: missing_via' "$tmp/err" || fail "malformed: stderr '$(cat "$tmp/err")'"
[ -s "$tmp/out" ] && fail "malformed: printed JSON"
run missing_file 1 "$tmp/does-not-exist.sip"
grep -q '^error: cannot open' "$tmp/err" || fail "missing_file: stderr '$(cat "$tmp/err")'"

# Usage errors: exit 2.
run bad_option 2 --bogus
run two_files 2 "$corpus/ok_200.sip" "$corpus/bye.sip"
run source_missing 2 "$corpus/ok_200.sip" --source
run source_no_port 2 "$corpus/ok_200.sip" --source 198.51.100.7
run source_bad_ip 2 "$corpus/ok_200.sip" --source 198.51.100.256:5060
run source_bad_port 2 "$corpus/ok_200.sip" --source 198.51.100.7:65536
run help 0 --help
expect_out help 'usage: sipedgectl inspect'

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "inspect: all checks passed"
