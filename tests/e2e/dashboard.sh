#!/usr/bin/env bash
# End-to-end: the dashboard and the operator verbs against the real
# sipedge-dp + sipedge-cp. Usage:
#   dashboard.sh SIPEDGE_DP SIPEDGE_CP SIPEDGECTL [SOURCE_ROOT]
# A REGISTER and calls at twice a global CPS limit go through the edge
# (bounded: E2E_CALLS at E2E_RATE), then, in the edge namespace:
#   - /api/stats has a per-second CPS history with the calls and the breaches;
#   - headless Chromium (Debian's chromium) loads the dashboard from the
#     namespace's loopback; the dumped DOM shows both graphs drew data points
#     and the breach graph a non-zero maximum; a screenshot is kept in
#     $E2E_ARTIFACTS (meson: <build>/tests/e2e/artifacts/dashboard.png);
#   - sipedgectl stats, regs, regs AOR, reload, unregister AOR work with the
#     right exit codes, and the unregistration reaches the SQLite file.
set -uo pipefail
SIPEDGE_DP=${1:-${SIPEDGE_DP:-}}
SIPEDGE_CP=${2:-${SIPEDGE_CP:-}}
SIPEDGECTL=${3:-${SIPEDGECTL:-}}
E2E_SRC_ROOT=${4:-${E2E_SRC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}}
# shellcheck source=lib.sh
source "$E2E_SRC_ROOT/tests/e2e/lib.sh"

for exe in "$SIPEDGE_CP" "$SIPEDGECTL"; do
  [ -x "$exe" ] || { echo "dashboard: not an executable: '$exe'" >&2; exit 1; }
done
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "dashboard: chromium not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
command -v curl >/dev/null || { echo "dashboard: curl not found" >&2; exit 1; }

limit=10
rate=${E2E_RATE:-20}
calls=${E2E_CALLS:-120}
ARTIFACTS=${E2E_ARTIFACTS:-$PWD/e2e-artifacts}
CP_PID=
AOR="1000@$E2E_VIP"

in_edge() { ip netns exec "$(netns_name edge)" "$@"; }
http_get() { in_edge curl -s --max-time 3 "http://127.0.0.1:9090$1"; }
metric() { http_get /metrics | awk -v n="$1" '$1 == n { print $2 }'; }
rows() { sqlite3 "$E2E_WORK/location.db" "SELECT count(*) FROM binding WHERE aor = '$AOR';" 2>/dev/null; }
ctl() { in_edge timeout 20 "$SIPEDGECTL" "$@"; }

e2e_init dashboard
mkdir -p "$ARTIFACTS"
e2e_write_dp_config "$E2E_WORK/sipedge.toml" cps=$limit breach=reply503 retry_after=5
cat >>"$E2E_WORK/sipedge.toml" <<'CONF'

[registrar]
min_expires = 60
max_expires = 3600
default_expires = 600

[metrics]
listen = "127.0.0.1:9090"
dashboard = true
CONF
e2e_edge_start dp "$E2E_WORK/edge.log" "$E2E_WORK/sipedge.toml"

CP_LOG=$E2E_WORK/cp.log
e2e_cp_start "$CP_LOG"

e2e_uac_run register uac_register_keep.xml 1 1
e2e_check "the REGISTER got 200 through the edge" e2e_equal "$(e2e_sipp_stat "$E2E_WORK/register.csv" 'SuccessfulCall(C)')" 1

e2e_uas_start uas1 $((calls / rate + 60))
e2e_uas_start uas2 $((calls / rate + 60))
sleep 0.5
e2e_uac_run uac uac_invite_503.xml "$calls" "$rate"
e2e_uas_stop uas1
e2e_uas_stop uas2
sleep 1.5  # one more STATS poll after the last call

stats=$(http_get /api/stats)
echo "$stats" >"$ARTIFACTS/dashboard-api-stats.json"
# Sums of the history arrays (nulls are gaps).
series_sum() {  # key
  python3 -c 'import json,sys; h=json.load(sys.stdin)["history"]; print(sum(v for v in h[sys.argv[1]] if v is not None))' "$1" <<<"$stats"
}
hist_calls=$(series_sum cps)
hist_breaches=$(series_sum cps_breaches)
dp_calls=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["calls"])' <<<"$stats")
echo "history: $hist_calls calls, $hist_breaches breaches; dataplane calls counter $dp_calls"
e2e_check "/api/stats: the dataplane is connected" grep -q '"connected":true' <<<"$stats"
e2e_check "/api/stats: the CPS history holds the calls ($hist_calls, counter $dp_calls)" \
  e2e_between "$hist_calls" 1 "${dp_calls:-0}"
e2e_check "/api/stats: the breach history holds breaches ($hist_breaches)" e2e_between "$hist_breaches" 1 "$calls"
e2e_check "/metrics exports the dataplane's CPS" grep -q '^sipedge_dp_cps ' <(http_get /metrics)

# The browser: from the edge namespace's loopback, so nothing can be fetched
# from anywhere else. Virtual time lets the page poll a few times.
chrome() {
  in_edge timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --disable-extensions --disable-background-networking --user-data-dir="$E2E_WORK/chromium" \
    --window-size=1400,1200 --virtual-time-budget=6000 "$@" "http://127.0.0.1:9090/" 2>>"$E2E_WORK/chromium.log"
}
chrome --dump-dom >"$E2E_WORK/dashboard.dom"
cp "$E2E_WORK/dashboard.dom" "$ARTIFACTS/dashboard.dom.html"
chrome --screenshot="$ARTIFACTS/dashboard.png" >/dev/null
attr() {  # element id, attribute
  grep -o "id=\"$1\"[^>]*" "$E2E_WORK/dashboard.dom" | grep -o "$2=\"[^\"]*\"" | head -1 | cut -d'"' -f2
}
cps_points=$(attr cps-graph data-points)
breach_points=$(attr breach-graph data-points)
breach_max=$(attr breach-graph data-max)
updates=$(grep -o '<body[^>]*' "$E2E_WORK/dashboard.dom" | grep -o 'data-updates="[0-9]*"' | cut -d'"' -f2)
echo "dashboard DOM: cps-graph data-points=$cps_points, breach-graph data-points=$breach_points max=$breach_max, updates=$updates"
e2e_check "the dashboard polled the API" e2e_between "$updates" 1 1000
e2e_check "the CPS graph drew data points ($cps_points)" e2e_between "$cps_points" 1 900
e2e_check "the breach graph drew data points ($breach_points)" e2e_between "$breach_points" 1 900
e2e_check "the breach graph shows breaches (max $breach_max)" e2e_between "$breach_max" 1 100000
e2e_check "the registrations table lists the AOR" grep -q "$AOR" "$E2E_WORK/dashboard.dom"
e2e_check "a screenshot was taken ($ARTIFACTS/dashboard.png)" test -s "$ARTIFACTS/dashboard.png"

# sipedgectl through the API.
out=$(ctl stats "$E2E_WORK/sipedge.toml"); rc=$?
echo "$out"
e2e_check "sipedgectl stats exits 0" [ "$rc" -eq 0 ]
e2e_check "sipedgectl stats: connected, one registration" \
  bash -c 'grep -q "dataplane      connected" <<<"$1" && grep -q "registrations  1 bindings" <<<"$1"' _ "$out"
out=$(ctl regs "$E2E_WORK/sipedge.toml"); rc=$?
echo "$out"
e2e_check "sipedgectl regs lists the AOR" bash -c '[ "$1" -eq 0 ] && grep -q "^$2 " <<<"$3"' _ "$rc" "$AOR" "$out"
ctl regs "$E2E_WORK/sipedge.toml" "sip:$AOR" >/dev/null
e2e_check "sipedgectl regs AOR exits 0 for a registered AOR" [ $? -eq 0 ]
ctl regs "$E2E_WORK/sipedge.toml" "nobody@$E2E_VIP" >/dev/null
e2e_check "sipedgectl regs AOR exits 1 for an unknown AOR" [ $? -eq 1 ]

gen_before=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane"]["generation"])' <<<"$stats")
out=$(ctl reload "$E2E_WORK/sipedge.toml"); rc=$?
echo "$out"
e2e_check "sipedgectl reload exits 0 and names a new generation (was $gen_before)" \
  bash -c '[ "$1" -eq 0 ] && g=$(grep -o "generation [0-9]*" <<<"$2" | cut -d" " -f2) && [ "$g" -gt "$3" ]' _ "$rc" "$out" "$gen_before"
e2e_check "sipedge-dp logged the reload" grep -q "^reloaded " "$E2E_WORK/edge.log"

out=$(ctl unregister "$E2E_WORK/sipedge.toml" "$AOR"); rc=$?
echo "$out"
e2e_check "sipedgectl unregister exits 0: one binding removed" bash -c '[ "$1" -eq 0 ] && grep -q "1 binding removed" <<<"$2"' _ "$rc" "$out"
e2e_check "the binding is gone from the SQLite file" e2e_equal "$(rows)" 0
e2e_check "/metrics lists no registration" e2e_equal "$(metric sipedge_registrations)" 0
ctl unregister "$E2E_WORK/sipedge.toml" "$AOR" 2>/dev/null
e2e_check "sipedgectl unregister of an unknown AOR exits 1" [ $? -eq 1 ]
ctl frobnicate >/dev/null 2>&1
e2e_check "sipedgectl with an unknown verb exits 2" [ $? -eq 2 ]

e2e_stop_pid "$CP_PID"
cp_rc=$?
e2e_check "sipedge-cp exits cleanly on SIGTERM" [ "$cp_rc" -eq 0 ]
ctl stats "$E2E_WORK/sipedge.toml" >/dev/null 2>&1
e2e_check "sipedgectl stats exits 1 when sipedge-cp is not running" [ $? -eq 1 ]
e2e_edge_stop
e2e_check "sipedge-dp exits cleanly" [ $? -eq 0 ]
e2e_finish
