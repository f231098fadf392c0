#!/bin/sh
# Builds a capture from a spec, dumps it with payloads, compares with the
# expected text. Usage: roundtrip_test.sh PCAP_TOOL SPEC EXPECTED
set -eu
tool=$1
spec=$2
expected=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" build "$tmp/out.pcap" "$spec"
"$tool" dump --payload "$tmp/out.pcap" >"$tmp/out.txt"
diff -u "$expected" "$tmp/out.txt"
