#!/usr/bin/env bash
# Builds sipedge. Usage: scripts/build.sh [release|asan|fuzz|all]   (default: release)
#   release -> build/        -O3, what runs in production and in the benches
#   asan    -> build-asan/   ASan+UBSan debug build, the unit suites run under it
#   fuzz    -> build-fuzz/   clang + libFuzzer, DPDK-free libraries and fuzz targets only
# Warnings are errors when CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

werror=false
[ "${CI:-}" = true ] && werror=true
jobs=${SIPEDGE_JOBS:-$(nproc)}

configure() {  # dir, extra meson args...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" -Dwerror=$werror "$@" >/dev/null
  else
    meson setup "$dir" -Dwerror=$werror "$@" >/dev/null
  fi
  ninja -C "$dir" -j "$jobs"
}

build_release() { configure build --buildtype=release; }
# -O1: sanitizer builds compile several times faster than at the default -O3
# and still inline enough to keep the suites quick.
build_asan() { configure build-asan --buildtype=debug -Doptimization=1 -Db_sanitize=address,undefined -Db_lundef=false; }
build_fuzz() {
  if [ ! -f build-fuzz/build.ninja ]; then
    CXX=clang++ CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=$werror \
      --buildtype=debugoptimized -Db_lundef=false >/dev/null
  fi
  ninja -C build-fuzz -j "$jobs"
}

case "${1:-release}" in
  release) build_release ;;
  asan) build_asan ;;
  fuzz) build_fuzz ;;
  all) build_release; build_asan; build_fuzz ;;
  *) echo "usage: $0 [release|asan|fuzz|all]" >&2; exit 2 ;;
esac
