#!/usr/bin/env bash
# sipedge-cp refuses to start (exit 1, file:line:col on stderr, before it
# opens anything) with a non-loopback metrics.listen and no token_file, and
# with a token file other users may read. Usage: start_refusal_test.sh SIPEDGE_CP
set -u
cp=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

node() {  # extra TOML appended
  cat <<TOML
[node]
id = 1
[dataplane]
worker_lcores = [1]
punt_socket = "$work/punt.sock"
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
[sip]
vips = ["203.0.113.1"]
[store.sqlite]
path = "$work/location.db"
$1
TOML
}

node '[metrics]
listen = "198.51.100.1:9090"' >"$work/open.toml"
timeout 10 "$cp" --config "$work/open.toml" 2>"$work/err"; rc=$?
[ "$rc" -eq 1 ] || fail "non-loopback listen without a token exited $rc, want 1"
grep -qF "$work/open.toml:15:10: metrics.listen: 198.51.100.1 is not a loopback address: set metrics.token_file" \
  "$work/err" || fail "no file:line:col of listen in: $(cat "$work/err")"
[ ! -e "$work/location.db" ] || fail "the store was opened before the config was judged"

printf 'world-readable-token-0123456789\n' >"$work/api.token"
chmod 644 "$work/api.token"
node "[metrics]
listen = \"198.51.100.1:9090\"
token_file = \"$work/api.token\"" >"$work/readable.toml"
timeout 10 "$cp" --config "$work/readable.toml" 2>"$work/err"; rc=$?
[ "$rc" -eq 1 ] || fail "a world-readable token file exited $rc, want 1"
grep -qF "$work/readable.toml:16:14: metrics.token_file: $work/api.token is open to other users (mode 0644)" \
  "$work/err" || fail "no token_file error in: $(cat "$work/err")"

[ "$failures" -eq 0 ] && echo "start refusal: all cases passed"
exit $((failures > 0))
