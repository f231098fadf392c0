#!/usr/bin/env bash
# Instructions per SIP message through proxy::Worker::process(), by kind,
# counted by callgrind (deterministic: the same build gives the same figure).
#
#   bench/callgrind.sh [BUILD_DIR] [N]      (default build-rel, 2000)
#
# BUILD_DIR should be a release build (meson setup build-rel
# --buildtype=release). The driver (bench/proxy/instructions.cpp) runs each
# kind inside its own function; callgrind collects only inside those
# (--toggle-collect), so start-up and input building are not counted, and
# each function's inclusive count / N is the cost of one message, the
# driver's loop and verdict check (a few instructions) included.
# Prints one "kind instructions_per_message" line per kind.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-rel}
n=${2:-2000}
command -v valgrind >/dev/null || { echo "valgrind missing: scripts/install-deps.sh" >&2; exit 1; }
ninja -C "$build" bench/proxy/instructions >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
  --toggle-collect='sipedge_measure_*' "$build/bench/proxy/instructions" "$n" \
  >"$out/stdout" 2>"$out/valgrind.log" || { cat "$out/valgrind.log" >&2; exit 1; }
callgrind_annotate --inclusive=yes --threshold=100 "$out/cg.out" >"$out/annotate.txt"
printf '%-10s %s\n' kind instructions_per_message
for kind in invite invite6 200ok bye ack register crlf; do
  # "  12,345,678 (12.34%)  ???:sipedge_measure_invite [...]"
  ir=$(grep -E "[: ]sipedge_measure_${kind}( |$)" "$out/annotate.txt" | head -1 | awk '{gsub(",", "", $1); print $1}')
  [[ -n "$ir" ]] || { echo "no cost for $kind" >&2; exit 1; }
  printf '%-10s %d\n' "$kind" $(( ir / n ))
done
if [[ -n "${CALLGRIND_KEEP:-}" ]]; then cp "$out/cg.out" "$CALLGRIND_KEEP"; echo "profile: $CALLGRIND_KEEP" >&2; fi
