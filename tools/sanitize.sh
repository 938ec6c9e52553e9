#!/usr/bin/env bash
# Sanitizer builds of the data path, benchmarks off:
#   ASan+UBSan over the unit tests of the data path: buffer, SIMD kernels,
#     generated code (FastRead/FastWrite, bad input, copy-free views and
#     builders), the thrift_fast, thrift_copyfree and thrift_compact codecs,
#     the netpoll transport, the RPC runtime (client <-> server, pmr args
#     included), the data-path fuzz corpora replayed, and a Tern server
#     process under Apache's Python client, hostile cases included
#     (interop.python.*: the server must also exit cleanly, no leak);
#   TSan over the buffer tests (the one-writer/one-reader contract), the
#     netpoll transport (pollers, cross-thread Send, close races) and the
#     RPC runtime (workers, async replies, deadlines, shutdown);
#   libFuzzer (clang, ASan+UBSan) on each fuzz target for a bounded time
#     (TERN_FUZZ_SECONDS each, default 15: 60 s in all), over a copy of its
#     corpus; the IDL parser is covered here, off the data path.
# Builds go to build-asan/, build-tsan/ and build-fuzz/; code generation in
# them uses the `tern` of the main build (build/, built first if missing), a
# host tool like a cross build's: the IDL compiler is not itself sanitized.
# ASan+UBSan build at -O0, which compiles three times faster than -O1 here and
# checks the same; TSan and the fuzzers at -O1, where races and the fuzzers'
# speed need it. Prints the time of each phase.
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

# The main build's `tern`, the generator of every sanitized build.
host_tern() {
  if [ ! -f build/build.ninja ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build build --target tern
}
gen="$PWD/build/bin/tern"

configure() {  # dir sanitizer opt
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$3 -g1" -DTERN_GEN_EXECUTABLE="$gen" \
    -DTERN_BUILD_BENCH=OFF -DTERN_SANITIZE="$2" >/dev/null
}

asan_targets=(buffer_test simd_test gen_test netpoll_test rpc_runtime_test
              thrift_fast_test thrift_framer_fuzz_replay thrift_copyfree_test rpc_test rpc_metrics_test
              compact_codec_test tern_plugin_thrift_compact compact_fuzz_replay rpc_view_test rpc_pmr_test
              view_test view_fuzz_replay tern_rpc_server tern_python_interop_gen)
# gen.cli.* runs the `tern` CLI, which this build does not compile.
asan_regex='^((buffer|simd|gen\.[A-Z]|netpoll|thrift_fast|thrift_copyfree|compact|view|rpc)\.'
asan_regex+='|interop\.python\.(binary|compact)_)'
fuzz_targets=(idl_parser_fuzz thrift_framer_fuzz compact_fuzz view_fuzz)
fuzz_corpora=(tests/fuzz/corpus/idl_parser tests/fuzz/corpus/thrift_framer tests/fuzz/corpus/compact
              tests/fuzz/corpus/view)
fuzz_seconds=${TERN_FUZZ_SECONDS:-15}
tsan_targets=(buffer_test netpoll_test rpc_test rpc_view_test rpc_metrics_test rpc_pmr_test)
tsan_regex='^(buffer|netpoll|rpc)\.'

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tools/tsan.supp"

phase "generator (build/bin/tern)" host_tern
phase "asan+ubsan build" bash -c "gen=$gen; $(declare -f configure); configure build-asan address,undefined -O0 && cmake --build build-asan --target ${asan_targets[*]}"
phase "asan+ubsan tests" ctest --test-dir build-asan -R "$asan_regex" --output-on-failure -j"$jobs"
phase "tsan build" bash -c "gen=$gen; $(declare -f configure); configure build-tsan thread -O1 && cmake --build build-tsan --target ${tsan_targets[*]}"
phase "tsan tests" ctest --test-dir build-tsan -R "$tsan_regex" --output-on-failure -j"$jobs"

run_fuzzers() {
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DTERN_BUILD_BENCH=OFF -DTERN_FUZZ=ON -DTERN_GEN_EXECUTABLE="$gen" \
    -DTERN_SANITIZE=address,undefined >/dev/null
  cmake --build build-fuzz --target "${fuzz_targets[@]}"
  for i in "${!fuzz_targets[@]}"; do
    local work
    work=$(mktemp -d)
    cp -r "${fuzz_corpora[$i]}"/. "$work"/
    echo "--- fuzzing ${fuzz_targets[$i]} for ${fuzz_seconds} s"
    # The run's log is kept whole: on a finding, its report (the failed
    # check or the sanitizer's stack, and the input in base64) is printed.
    if ! (cd "$work" && "$OLDPWD/build-fuzz/tests/${fuzz_targets[$i]}" \
          -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=1 . \
          > "$work.log" 2>&1); then
      grep -v '^#[0-9]' "$work.log" | tail -60
      echo "--- ${fuzz_targets[$i]} found a bug (report above)"
      rm -rf "$work" "$work.log"
      return 1
    fi
    tail -4 "$work.log"
    rm -rf "$work" "$work.log"
  done
}
phase "libFuzzer" run_fuzzers
