#!/usr/bin/env bash
# Set-up plus every test: installs dependencies, builds release, ASan+UBSan and
# fuzz configurations, runs the unit, golden and end-to-end suites, the unit
# and golden suites again under sanitizers, and each fuzz target time-boxed with its corpus.
# Ends with one line 'tests: N passed, M failed'; exits non-zero on any failure.
#   FUZZ_SECONDS   seconds per fuzz target (default 60)
#   SIPEDGE_SUITES space-separated meson suites to run (default: unit golden e2e)
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
record() {  # phase-name, passed, failed
  echo "== $1: $2 passed, $3 failed"
  passed=$((passed + $2))
  failed=$((failed + $3))
}

scripts/install-deps.sh || { echo "install-deps failed"; echo "tests: 0 passed, 1 failed"; exit 1; }
if ! scripts/build.sh all; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

run_suite() {  # build-dir, suite
  local dir=$1 suite=$2 log
  rm -f "$dir/meson-logs/testlog.junit.xml"
  # A suite nobody has declared yet is not a failure.
  if ! meson introspect "$dir" --tests | python3 -c '
import json, sys
sys.exit(0 if any("sipedge:" + sys.argv[1] in t["suite"] for t in json.load(sys.stdin)) else 1)' "$suite"; then
    echo "== $dir $suite: no tests declared"
    return
  fi
  meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 1 || true
  log="$dir/meson-logs/testlog.junit.xml"
  if [ -f "$log" ]; then
    read -r p f < <(python3 scripts/junit_count.py "$log")
    record "$dir $suite" "$p" "$f"
  else
    record "$dir $suite (no log)" 0 1
  fi
}

for suite in ${SIPEDGE_SUITES:-unit golden e2e}; do
  run_suite build "$suite"
done
run_suite build-asan unit
# The golden captures again, through an ASan+UBSan sipedge-dp.
run_suite build-asan golden

fuzz_seconds=${FUZZ_SECONDS:-60}
for target in build-fuzz/tests/fuzz/fuzz_*; do
  [ -f "$target" ] && [ -x "$target" ] || continue  # not the fuzz_*.p object directories
  name=$(basename "$target")
  corpus=tests/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  mkdir -p tests/fuzz/artifacts
  if "$target" "$work" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=tests/fuzz/artifacts/ -print_final_stats=1 >"$work.log" 2>&1; then
    record "fuzz $name (${fuzz_seconds}s, $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | cut -d' ' -f2) runs)" 1 0
  else
    tail -40 "$work.log"
    record "fuzz $name" 0 1
  fi
  rm -rf "$work" "$work.log"
done

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
