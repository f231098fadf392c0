#!/usr/bin/env bash
# End-to-end: digest-auth subscribers provisioned on a running sipedge-cp
# with sipedgectl, against the real sipedge-dp. Usage:
#   subscriber_auth.sh SIPEDGE_DP SIPEDGE_CP SIPEDGECTL [SOURCE_ROOT]
# With registrar.auth on, a UAC in the uac namespace (digest_register.py:
# sipp 3.6 answers only an MD5 challenge, and the edge offers SHA-256 first)
# sends one REGISTER per step and answers the 401, MD5 and SHA-256 in turn:
#   - no subscriber yet: refused;
#   - `sipedgectl subscriber add ... --password -` (password on stdin): the
#     very next REGISTER gets 200 (no restart, no reload); the SQLite row holds
#     HA1s only and `subscriber list` shows neither password nor HA1;
#   - `sipedgectl subscriber del`: refused again;
#   - a row written with the sqlite3 shell is not used until `sipedgectl
#     reload`, then it is;
#   - the same reload re-reads the TOML for sipedge-cp: a destination added
#     to the set shows in `sipedgectl sets`; a broken file is refused with
#     file:line (by sipedgectl, and by POST /api/reload before sipedge-dp is
#     asked) and the running sets stay;
#   - bad values (exit 1), bad usage (exit 2), an unknown subscriber (exit 1)
#     and a cross-origin POST (403) change nothing.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
SIPEDGECTL=${3:-${SIPEDGECTL:-}}
E2E_SRC_ROOT=${4:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

for exe in "$SIPEDGE_CP" "$SIPEDGECTL"; do
  [ -x "$exe" ] || { echo "subscriber_auth: not an executable: '$exe'" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "subscriber_auth: sqlite3 not found" >&2; exit 1; }
command -v curl >/dev/null || { echo "subscriber_auth: curl not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "subscriber_auth: python3 not found" >&2; exit 1; }

REALM=e2e.example
USER_ID=1000
PASSWORD='s3cret pa$$'
CP_PID=
STEP=0

in_edge() { ip netns exec "$(netns_name edge)" "$@"; }
ctl() { in_edge timeout 20 "$SIPEDGECTL" "$@"; }
db() { sqlite3 "$E2E_WORK/location.db" "$1" 2>/dev/null; }
# One REGISTER with credentials (MD5 and SHA-256 in turn); prints its verdict
# (registered, refused, unchallenged or error ...). Bounded by the UAC's own
# timeouts and by timeout(1).
register() {
  local algorithm=MD5
  STEP=$((STEP + 1))
  [ $((STEP % 2)) -eq 0 ] && algorithm=SHA-256
  ip netns exec "$(netns_name uac)" timeout 20 python3 "$E2E_SRC_ROOT/tests/e2e/digest_register.py" \
    --local "$E2E_UAC_IP" --edge "$E2E_VIP" --user "$USER_ID" --password "$PASSWORD" --algorithm "$algorithm" \
    2>>"$E2E_WORK/digest_register.err" | tee -a "$E2E_WORK/digest_register.log"
}

# The node's config with these destinations in the set.
write_config() {  # dests
  e2e_write_dp_config "$CONFIG.new" dests="$1"
  cat >>"$CONFIG.new" <<CONF

[registrar]
min_expires = 60
max_expires = 3600
default_expires = 600
auth = true
realm = "$REALM"

[metrics]
listen = "127.0.0.1:9090"
CONF
  mv "$CONFIG.new" "$CONFIG"
}

e2e_init subscriber-auth
CONFIG=$E2E_WORK/sipedge.toml
write_config uas1
e2e_edge_start dp "$E2E_WORK/edge.log" "$CONFIG"
e2e_cp_start "$E2E_WORK/cp.log"

e2e_check "no subscriber: the REGISTER is refused" e2e_equal "$(register)" refused

out=$(printf '%s\n' "$PASSWORD" | ctl subscriber add "$CONFIG" "$USER_ID@$REALM" --password -); rc=$?
echo "$out"
e2e_check "sipedgectl subscriber add exits 0" bash -c '[ "$1" -eq 0 ] && grep -q "added" <<<"$2"' _ "$rc" "$out"
e2e_check "the SQLite row holds both HA1s and no password" \
  e2e_equal "$(db "SELECT length(ha1_md5), length(ha1_sha256), length(password) FROM subscriber WHERE username = '$USER_ID' AND realm = '$REALM';")" "32|64|0"
out=$(ctl subscriber list "$CONFIG"); rc=$?
echo "$out"
md5=$(db "SELECT ha1_md5 FROM subscriber WHERE username = '$USER_ID';")
e2e_check "sipedgectl subscriber list shows the subscriber, not its secrets" \
  bash -c '[ "$1" -eq 0 ] && grep -q "^$2 .*$3 .*ha1-md5,ha1-sha256" <<<"$4" && ! grep -qF -e "$5" -e "$6" <<<"$4"' \
  _ "$rc" "$USER_ID" "$REALM" "$out" "$md5" "s3cret"
e2e_check "provisioned: the next REGISTER gets 200 (no restart)" e2e_equal "$(register)" registered

out=$(ctl subscriber del "$CONFIG" "$USER_ID@$REALM"); rc=$?
echo "$out"
e2e_check "sipedgectl subscriber del exits 0" [ "$rc" -eq 0 ]
e2e_check "the row is gone from the SQLite file" e2e_equal "$(db "SELECT count(*) FROM subscriber;")" 0
e2e_check "removed: the REGISTER is refused again" e2e_equal "$(register)" refused
ctl subscriber del "$CONFIG" "$USER_ID@$REALM" 2>/dev/null
e2e_check "sipedgectl subscriber del of an unknown subscriber exits 1" [ $? -eq 1 ]

# The sqlite3 shell, then a reload.
db "INSERT INTO subscriber (username, realm, password) VALUES ('$USER_ID', '$REALM', '$PASSWORD');"
e2e_check "a row from the sqlite3 shell is not used before a reload" e2e_equal "$(register)" refused
out=$(ctl reload "$CONFIG"); rc=$?
echo "$out"
e2e_check "sipedgectl reload exits 0 and re-read 1 subscriber" \
  bash -c '[ "$1" -eq 0 ] && grep -q "re-read: 1 subscribers" <<<"$2"' _ "$rc" "$out"
e2e_check "after the reload the REGISTER gets 200" e2e_equal "$(register)" registered

# The reload re-reads the TOML for sipedge-cp too: a destination added to the
# set is probed and listed; a broken file is refused with file:line.
uas2_ip=$(e2e_ip_of uas2)
e2e_check "before: sipedgectl sets does not list uas2" bash -c '! grep -q "$1" <<<"$2"' _ "$uas2_ip" "$(ctl sets "$CONFIG")"
write_config "uas1 uas2"
out=$(ctl reload "$CONFIG"); rc=$?
echo "$out"
e2e_check "sipedgectl reload of the config with uas2 exits 0" [ "$rc" -eq 0 ]
out=$(ctl sets "$CONFIG")
echo "$out"
e2e_check "after the reload sipedgectl sets lists uas2" grep -q "sip:$uas2_ip:5060" <<<"$out"
cp "$CONFIG" "$E2E_WORK/good.toml"
echo "this is = = not toml" >>"$CONFIG"
# sipedgectl itself reads the file (for metrics.listen) and stops at the error
# (exit 2); sipedge-cp refuses it on its own too (409), before the dataplane.
out=$(ctl reload "$CONFIG" 2>&1); rc=$?
echo "$out"
e2e_check "sipedgectl reload of a broken config exits 2 with file:line" \
  bash -c '[ "$1" -eq 2 ] && grep -qE "sipedge.toml:[0-9]+:[0-9]+: " <<<"$2"' _ "$rc" "$out"
out=$(in_edge curl -s --max-time 5 -X POST http://127.0.0.1:9090/api/reload -w '\n%{http_code}')
echo "$out"
e2e_check "POST /api/reload of a broken config: 409 with file:line" \
  bash -c '[ "$(tail -1 <<<"$1")" = 409 ] && grep -qE "sipedge.toml:[0-9]+:[0-9]+: " <<<"$1"' _ "$out"
e2e_check "sipedge-dp was not asked to reload the broken file" bash -c '! grep -q "reload refused" "$1"' _ "$E2E_WORK/edge.log"
mv "$E2E_WORK/good.toml" "$CONFIG"
e2e_check "the running sets stay" grep -q "sip:$uas2_ip:5060" <<<"$(ctl sets "$CONFIG")"

ctl subscriber add "$CONFIG" "bob@$REALM" --ha1-md5 abc 2>/dev/null
e2e_check "a short HA1 is refused (exit 1)" [ $? -eq 1 ]
ctl subscriber add "$CONFIG" "bob@$REALM" 2>/dev/null
e2e_check "add without credentials is a usage error (exit 2)" [ $? -eq 2 ]
code=$(in_edge curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'Origin: http://evil.example' \
  --data 'username=mallory&realm=e2e.example&password=x' http://127.0.0.1:9090/api/subscribers)
e2e_check "a cross-origin POST is refused ($code)" e2e_equal "$code" 403
e2e_check "nothing else was stored" e2e_equal "$(db "SELECT count(*) FROM subscriber;")" 1
e2e_check "/metrics counts the API's work" \
  bash -c 'm=$(ip netns exec "$1" curl -s --max-time 3 http://127.0.0.1:9090/metrics);
    grep -q "^sipedge_cp_subscriber_added_total 1$" <<<"$m" && grep -q "^sipedge_cp_subscriber_removed_total 1$" <<<"$m" &&
    grep -q "^sipedge_cp_subscriber_reloads_total 3$" <<<"$m" &&
    grep -q "^sipedge_cp_config_reloads_total 2$" <<<"$m" && grep -q "^sipedge_cp_config_refused_total 1$" <<<"$m"' _ "$(netns_name edge)"

e2e_stop_pid "$CP_PID"
cp_rc=$?
e2e_check "sipedge-cp exits cleanly on SIGTERM" [ "$cp_rc" -eq 0 ]
e2e_edge_stop
e2e_check "sipedge-dp exits cleanly" [ $? -eq 0 ]
e2e_finish
