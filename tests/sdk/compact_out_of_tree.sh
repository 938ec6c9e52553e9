#!/bin/sh
# The SDK's worked example built the way a third party builds a plugin:
# sdk/examples/compact_codec configured on its own against an installed Tern
# (nothing from this source tree but the example's directory), built, its
# tests run (the conformance suite on the plugin loaded through the plugin
# path, Apache TCompactProtocol interop both ways), installed to a prefix of
# its own, and then found and selected by the installed `tern` through
# TERN_PLUGIN_PATH.
#
#   compact_out_of_tree.sh PREFIX EXAMPLE_DIR WORK_DIR
set -eu
prefix=$1 example=$2 work=$3

rm -rf "$work"
mkdir -p "$work"
build=$work/build
plugins_prefix=$work/prefix

echo "== configure $example against $prefix"
timeout 300 cmake -S "$example" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX="$plugins_prefix" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
echo "== build"
timeout 600 cmake --build "$build" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
echo "== its tests"
timeout 300 ctest --test-dir "$build" --output-on-failure >"$work/ctest.log" 2>&1 ||
  { tail -80 "$work/ctest.log"; exit 1; }
grep -E "tests passed" "$work/ctest.log"
# The conformance suite and the interop tests must both have run.
grep -q "compact.Compact.RoundTripsEveryTypeWithRandomValues" "$work/ctest.log" || { echo "no conformance tests ran"; exit 1; }
grep -q "CompactInteropTest" "$work/ctest.log" || { echo "no interop tests ran"; exit 1; }

echo "== install the plugin to its own prefix"
timeout 120 cmake --install "$build" >/dev/null
so=$plugins_prefix/lib/tern/plugins/libtern_thrift_compact.so
[ -f "$so" ] || { echo "not installed: $so"; exit 1; }

echo "== the installed tern finds it"
out=$(TERN_PLUGIN_PATH="$plugins_prefix/lib/tern/plugins" timeout 60 "$prefix/bin/tern" plugins \
      -- --server.codec=thrift_compact 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -E "codec +thrift_compact"
# Searched first, the out-of-tree build is the one loaded and selected.
echo "$out" | grep -E "codec +thrift_compact .*loaded +$so" >/dev/null ||
  { echo "$out"; echo "the out-of-tree plugin was not loaded"; exit 1; }
echo "$out" | grep -E "codec +thrift_compact +\(\[server\] codec = thrift_compact\) $so" >/dev/null ||
  { echo "$out"; echo "the out-of-tree plugin was not selected"; exit 1; }
echo "PASS"
