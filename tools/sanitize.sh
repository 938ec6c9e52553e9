#!/usr/bin/env bash
# Sanitizer builds of the data path, benchmarks off:
#   ASan+UBSan over the buffer tests (later: codecs, framing, netpoll, rpc),
#   TSan over the buffer tests (later: netpoll).
# Builds go to build-asan/ and build-tsan/. Prints the time of each phase.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --no-build

export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1
jobs=$(nproc)

phase() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== sanitize: $name"
  "$@"
  echo "=== sanitize: $name took $((SECONDS - t0)) s"
}

configure() {  # dir sanitizer
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DTERN_BUILD_BENCH=OFF -DTERN_SANITIZE="$2" >/dev/null
}

asan_targets=(buffer_test simd_test)
asan_regex='^(buffer|simd)\.'
tsan_targets=(buffer_test)
tsan_regex='^(buffer)\.'

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

phase "asan+ubsan build" bash -c "$(declare -f configure); configure build-asan address,undefined && cmake --build build-asan --target ${asan_targets[*]}"
phase "asan+ubsan tests" ctest --test-dir build-asan -R "$asan_regex" --output-on-failure -j"$jobs"
phase "tsan build" bash -c "$(declare -f configure); configure build-tsan thread && cmake --build build-tsan --target ${tsan_targets[*]}"
phase "tsan tests" ctest --test-dir build-tsan -R "$tsan_regex" --output-on-failure -j"$jobs"
