#!/usr/bin/env bash
# sipedgectl check-config: exit 0 and "FILE: ok" for a good file; exit 1 with
# file:line:col errors on stderr for a bad one; exit 2 on usage errors.
set -u
ctl=$1
good=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

out=$("$ctl" check-config "$good" 2>"$work/err"); rc=$?
[ "$rc" -eq 0 ] || fail "good file exited $rc: $(cat "$work/err")"
case $out in "$good: ok ("*"ports"*"sets"*"destinations"*) ;; *) fail "good file printed '$out'" ;; esac
[ ! -s "$work/err" ] || fail "good file wrote to stderr: $(cat "$work/err")"

cat >"$work/bad.toml" <<'TOML'
[node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
mtu = 20000
[sip]
vips = ["203.0.113.1"]
inside_prefixes = ["198.51.100.1/24"]
TOML
out=$("$ctl" check-config "$work/bad.toml" 2>"$work/err"); rc=$?
[ "$rc" -eq 1 ] || fail "bad file exited $rc, want 1"
[ -z "$out" ] || fail "bad file printed to stdout: $out"
grep -qxF "$work/bad.toml:9:7: port[0].mtu: must be an integer 576..9000, got 20000" "$work/err" ||
  fail "missing mtu error in: $(cat "$work/err")"
grep -qF "$work/bad.toml:12:20: sip.inside_prefixes[0]: \"198.51.100.1/24\" has host bits set" "$work/err" ||
  fail "missing prefix error in: $(cat "$work/err")"

"$ctl" check-config "$work/missing.toml" 2>"$work/err"; rc=$?
[ "$rc" -eq 1 ] || fail "missing file exited $rc, want 1"
grep -qF "$work/missing.toml: cannot read" "$work/err" || fail "missing file: $(cat "$work/err")"

"$ctl" check-config 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] || fail "no argument exited $rc, want 2"
"$ctl" check-config "$good" extra 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] || fail "two arguments exited $rc, want 2"

[ "$failures" -eq 0 ] && echo "check-config: all cases passed"
exit $((failures > 0))
