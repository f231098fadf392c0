#!/usr/bin/env bash
# One golden test of the fast path: builds the case's input captures from its
# text specs, runs sipedge-dp on net_pcap ports until idle, and compares what
# it sent (pcap_tool dump --payload, per port) and its non-zero counters
# with the case's expected text.
#   run_golden.sh SIPEDGE_DP PCAP_TOOL CASE_DIR
#   GOLDEN_UPDATE=1 ...   rewrite CASE_DIR/expected instead (review the diff!)
# A case directory holds outside.spec and/or inside.spec (frames arriving on
# that port, see tests/golden/pcap_tool/frame_spec.h), optional extra.toml
# (appended to base.toml), optional config.toml (instead of base.toml; its
# one port is `outside`, the inside capture is then unused), optional vars
# (OUT_MTU=, ALGORITHM=) and expected.
set -euo pipefail
dp=$1
tool=$2
case_dir=$3
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$case_dir")
work=$(mktemp -d "/tmp/sipedge-golden-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT

OUT_MTU=1500
ALGORITHM=hash-callid
# shellcheck disable=SC1091
[ -f "$case_dir/vars" ] && . "$case_dir/vars"

for side in outside inside; do
  if [ -f "$case_dir/$side.spec" ]; then
    "$tool" build "$work/$side.in.pcap" "$case_dir/$side.spec"
  else
    "$tool" build "$work/$side.in.pcap" /dev/null
  fi
done
# A case with its own config.toml (one-armed, say) replaces base.toml.
config_in=$here/base.toml
[ -f "$case_dir/config.toml" ] && config_in=$case_dir/config.toml
sed -e "s|@WORK@|$work|g" -e "s|@PREFIX@|golden-$name-$$|g" -e "s|@OUT_MTU@|$OUT_MTU|g" \
  -e "s|@ALGORITHM@|$ALGORITHM|g" "$config_in" >"$work/sipedge.toml"
[ -f "$case_dir/extra.toml" ] && cat "$case_dir/extra.toml" >>"$work/sipedge.toml"
# outside-port.toml / inside-port.toml: keys added to that [[port]] (after its
# role line), for what extra.toml cannot reach (vlan, address6, ...).
for side in outside inside; do
  if [ -f "$case_dir/$side-port.toml" ]; then
    sed -i -e "/^role = \"$side\"/r $case_dir/$side-port.toml" "$work/sipedge.toml"
    grep -q -F -x -f <(grep -v '^#' "$case_dir/$side-port.toml" | grep .) "$work/sipedge.toml" ||
      { echo "$side-port.toml: no [[port]] with role = \"$side\" to add it to" >&2; exit 1; }
  fi
done

if ! timeout 60 "$dp" --config "$work/sipedge.toml" --exit-idle-ms 300 --stats-ms 0 >"$work/dp.out" 2>"$work/dp.err"; then
  echo "sipedge-dp failed:" >&2
  cat "$work/dp.err" "$work/dp.out" >&2
  exit 1
fi
{
  for side in outside inside; do
    echo "== sent on $side"
    if [ -f "$work/$side.out.pcap" ]; then
      "$tool" dump --payload "$work/$side.out.pcap"
    else
      echo "(no such port)"
    fi
  done
  echo "== counters (non-zero)"
  # Cycle counts vary from run to run; everything else is deterministic.
  sed -n '/^counters:$/,$p' "$work/dp.out" | awk 'NF == 2 && $2 != "0" && $1 !~ /_cycles$/'
} >"$work/actual"

if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
  cp "$work/actual" "$case_dir/expected"
  echo "updated $case_dir/expected"
  exit 0
fi
diff -u "$case_dir/expected" "$work/actual"
