#!/bin/sh
# Tests of an installed Tern as its users see it, using nothing but the
# installed prefix (tests/sdk/CMakeLists.txt runs one mode per ctest test,
# after the `tern.install` fixture installed the build):
#
#   consumer_test.sh <mode> <prefix> <workdir> <srcdir> <c++ compiler>
#
#   pkgconfig     compile and link tests/sdk/pkgconfig_consumer.cc with
#                 `pkg-config --cflags --libs tern` and run it with an empty
#                 environment: libtern_core must find <prefix>/lib/tern/plugins
#                 by itself.
#   find_package  configure and build tests/sdk/find_package_consumer with
#                 -DCMAKE_PREFIX_PATH=<prefix>: Tern::core, tern_generate(),
#                 tern_add_plugin(), the conformance suite; then show its
#                 plugins to the installed `tern plugins` (accepted and
#                 refused), by TERN_PLUGIN_PATH and by config.
#   cli           the installed `tern plugins` with `env -i`: lists the
#                 installed plugins, encoders as this CPU allows.
#   headers       every installed header compiles on its own with
#                 -Wall -Wextra -Werror and the pkg-config flags (tern/testing/*
#                 with gtest and a conformance_types.h made by the installed
#                 `tern gen`), and the install holds every SDK header.
#
# <workdir> is removed and recreated first. Every step is bounded by
# `timeout`. Exits non-zero after printing what failed.
set -eu

mode=$1
prefix=$2
work=$3
src=$4
cxx=${5:-c++}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# expect <file> <extended regex> <what>: the file has a line matching.
expect() {
  grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$3 (no line matching '$2')"; }
}
# reject <file> <extended regex> <what>: no line of the file matches.
reject() {
  if grep -Eq -- "$2" "$1"; then cat "$1" >&2; fail "$3 (a line matches '$2')"; fi
}

[ -x "$prefix/bin/tern" ] || fail "no installed tern in $prefix (did the tern.install fixture run?)"
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd -P)
src=$(cd "$src" && pwd -P)
prefix=$(cd "$prefix" && pwd -P)
# lib/ or lib/<multiarch>/, as GNUInstallDirs chose: tern.pc knows.
pc=$(find "$prefix" -path '*/pkgconfig/tern.pc' | head -n 1)
[ -n "$pc" ] || fail "no pkgconfig/tern.pc under $prefix"
export PKG_CONFIG_PATH="${pc%/tern.pc}"
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR 2>/dev/null || true
libdir=$(cd "$(pkg-config --variable=libdir tern)" && pwd -P)
[ -f "$libdir/libtern_core.so" ] || fail "pkg-config's libdir $libdir has no libtern_core.so"
plugindir=$libdir/tern/plugins
# A clean environment for everything that loads plugins: no TERN_PLUGIN_PATH,
# no TERN_CPU_DISABLE, no GLOG_* from the caller.
clean_path=/usr/bin:/bin  # used as: env -i PATH="$clean_path" <command>

case $mode in

pkgconfig)
  timeout 30 pkg-config --validate tern || fail "pkg-config --validate tern"
  [ "$(cd "$(pkg-config --variable=prefix tern)" && pwd -P)" = "$prefix" ] ||
    fail "pkg-config prefix $(pkg-config --variable=prefix tern) is not $prefix"
  pc_plugindir=$(pkg-config --variable=plugindir tern)
  [ "$(cd "$pc_plugindir" && pwd -P)" = "$plugindir" ] ||
    fail "pkg-config plugindir $pc_plugindir is not $plugindir"
  [ -f "$pc_plugindir/libtern_netpoll.so" ] || fail "no libtern_netpoll.so in plugindir"
  [ -f "$(pkg-config --variable=conformance_idl tern)" ] || fail "conformance_idl does not exist"
  # shellcheck disable=SC2046 # word splitting of the flags is wanted
  timeout 300 "$cxx" -std=c++20 -Wall -Wextra -Werror "$src/pkgconfig_consumer.cc" \
    -o "$work/pkgconfig_consumer" $(pkg-config --cflags --libs tern) "-Wl,-rpath,$libdir" ||
    fail "pkgconfig_consumer.cc does not build with pkg-config's flags"
  (cd "$work" && timeout 60 env -i PATH="$clean_path" ./pkgconfig_consumer >out.txt 2>err.txt) ||
    { cat "$work/out.txt" "$work/err.txt" >&2; fail "pkgconfig_consumer failed"; }
  cat "$work/out.txt"
  out=$work/out.txt
  expect "$out" "^  loaded +transport netpoll " "netpoll was not loaded from the install"
  expect "$out" "^  loaded +codec thrift_fast " "thrift_fast was not loaded from the install"
  expect "$out" "^pkgconfig_consumer: OK$" "the consumer's own checks"
  # Encoders this CPU cannot run are refused, rightly; nothing else may be.
  grep REFUSED "$out" | grep -v "that this machine lacks$" >"$work/refused.txt" || true
  reject "$work/refused.txt" "." "an installed plugin was refused"
  ;;

find_package)
  build=$work/build
  cfg=$work/configure.txt
  configured=yes
  timeout 300 cmake -S "$src/find_package_consumer" -B "$build" -G Ninja \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" >"$cfg" 2>&1 || configured=no
  # Check what TernConfig.cmake set before the configure result: a wrong
  # variable explains a failed configure better than the error it causes.
  expect "$cfg" "^-- Tern_DIR=$libdir/cmake/Tern$" "find_package(Tern) found another Tern"
  expect "$cfg" "^-- TERN_PLUGIN_INSTALL_DIR=$plugindir$" "TERN_PLUGIN_INSTALL_DIR"
  expect "$cfg" "^-- TERN_CONFORMANCE_IDL=$prefix/share/tern/conformance.thrift$" \
    "TERN_CONFORMANCE_IDL"
  [ $configured = yes ] || { cat "$cfg" >&2; fail "configuring find_package_consumer"; }
  timeout 600 cmake --build "$build" -j 2 >"$work/build.txt" 2>&1 ||
    { cat "$work/build.txt" >&2; fail "building find_package_consumer"; }

  (cd "$work" && timeout 60 "$build/tiny_app") || fail "tiny_app"
  (cd "$work" && timeout 300 env -i PATH="$clean_path" "$build/conformance_test" --gtest_brief=1 \
    >conformance.txt 2>&1) ||
    { cat "$work/conformance.txt" >&2; fail "the conformance suite on the installed thrift_fast"; }
  expect "$work/conformance.txt" "PASSED  \] [1-9][0-9]* tests" "the conformance suite ran"

  # ABI rule 1: the plugin exports one symbol.
  probe=$build/plugins/libtern_sdk_probe.so
  nm -D --defined-only "$probe" | awk '{print $NF}' >"$work/exports.txt"
  [ "$(cat "$work/exports.txt")" = "tern_plugin_info" ] ||
    { cat "$work/exports.txt" >&2; fail "the probe plugin exports more than tern_plugin_info"; }

  # Found by TERN_PLUGIN_PATH: one accepted, one refused with its reason.
  out=$work/plugins_env.txt
  (cd "$work" && timeout 60 env -i PATH="$clean_path" TERN_PLUGIN_PATH="$build/plugins" \
    "$prefix/bin/tern" plugins >"$out" 2>&1) || { cat "$out" >&2; fail "tern plugins (env)"; }
  cat "$out"
  expect "$out" "^  encoder +sdk_probe +0\.0\.1 +-1 +loaded +$probe$" "sdk_probe accepted"
  expect "$out" "REFUSED +$build/plugins/libtern_sdk_future\.so$" "sdk_future refused"
  expect "$out" "reason: ABI version [0-9]+, this host needs [0-9]+$" "the refusal's reason"
  expect "$out" "^  transport +netpoll .* loaded +$plugindir/libtern_netpoll\.so$" \
    "the installed plugins are still found"

  # Found by config ([plugins] dir), selected by config, with its declared key.
  printf '[plugins]\ndir = %s\n[simd]\nencoder = sdk_probe\n[sdk_probe]\ngreeting = hi\n' \
    "$build/plugins" >"$work/probe.ini"
  out=$work/plugins_config.txt
  (cd "$work" && timeout 60 env -i PATH="$clean_path" "$prefix/bin/tern" plugins \
    --config="$work/probe.ini" >"$out" 2>&1) || { cat "$out" >&2; fail "tern plugins (config)"; }
  expect "$out" "^  encoder +sdk_probe +\(\[simd\] encoder = sdk_probe\) $probe$" \
    "[simd] encoder = sdk_probe selects the probe"
  out=$work/plugins_badkey.txt
  if (cd "$work" && timeout 60 env -i PATH="$clean_path" "$prefix/bin/tern" plugins \
    --config="$work/probe.ini" -- --sdk_probe.colour=red >"$out" 2>&1); then
    cat "$out" >&2
    fail "a key the plugin does not declare was accepted"
  fi
  expect "$out" "unknown key sdk_probe\.colour" "the error names the undeclared key"

  # tern_add_plugin() installs to <prefix>/lib/tern/plugins.
  timeout 120 cmake --install "$build" --prefix "$work/installed" >/dev/null ||
    fail "installing the consumer"
  [ -f "$work/installed/lib/tern/plugins/libtern_sdk_probe.so" ] ||
    fail "tern_add_plugin did not install to lib/tern/plugins"
  [ ! -e "$work/installed/lib/tern/plugins/libtern_sdk_future.so" ] ||
    fail "NO_INSTALL plugin was installed"
  echo "find_package consumer: OK"
  ;;

cli)
  out=$work/plugins.txt
  (cd "$work" && timeout 60 env -i PATH="$clean_path" "$prefix/bin/tern" plugins \
    >"$out" 2>"$work/err.txt") ||
    { cat "$out" "$work/err.txt" >&2; fail "tern plugins in a clean environment"; }
  cat "$out"
  # Only the installed plugin directory was searched.
  sed -n '/^Plugin directories searched:/,/^$/p' "$out" | sed '1d;/^$/d' >"$work/dirs.txt"
  [ "$(cat "$work/dirs.txt")" = "  $plugindir" ] ||
    { cat "$work/dirs.txt" >&2; fail "searched directories are not exactly $plugindir"; }
  expect "$out" "^  transport +netpoll .* loaded +$plugindir/libtern_netpoll\.so$" "netpoll"
  expect "$out" "^  codec +thrift_fast .* loaded +$plugindir/libtern_thrift_fast\.so$" \
    "thrift_fast"
  expect "$out" "^  codec +thrift_copyfree .* loaded +$plugindir/libtern_thrift_copyfree\.so$" \
    "thrift_copyfree"
  expect "$out" "^  encoder +scalar .* loaded +\(built in\)$" "the built-in scalar encoder"
  cpu_has() { grep -m1 '^flags' /proc/cpuinfo | grep -qw "$1"; }
  if cpu_has avx2; then
    expect "$out" "^  encoder +avx2 .* loaded +$plugindir/libtern_simd_avx2\.so$" "avx2 loaded"
  else
    expect "$out" "REFUSED +$plugindir/libtern_simd_avx2\.so$" "avx2 refused on this CPU"
  fi
  if cpu_has avx2 && cpu_has avx512f && cpu_has avx512bw; then
    expect "$out" "^  encoder +avx512 .* loaded +$plugindir/libtern_simd_avx512\.so$" \
      "avx512 loaded"
    best=avx512
  else
    expect "$out" "REFUSED +$plugindir/libtern_simd_avx512\.so$" "avx512 refused on this CPU"
    if cpu_has avx2; then best=avx2; else best=scalar; fi
  fi
  expect "$out" "^  encoder +$best +\(\[simd\] encoder = auto\)" "auto picks $best"
  expect "$out" "^  transport +netpoll +\(\[server\] transport = netpoll\) $plugindir/" \
    "netpoll selected"
  expect "$out" "^  codec +thrift_fast +\(\[server\] codec = thrift_fast\) $plugindir/" \
    "thrift_fast selected"
  echo "installed tern plugins: OK"
  ;;

headers)
  # The install holds every SDK header.
  (cd "$src/../../sdk/include" && find tern -name '*.h' | sort) >"$work/sdk_headers.txt"
  (cd "$prefix/include" && find tern -name '*.h' | sort) >"$work/installed_headers.txt"
  diff "$work/sdk_headers.txt" "$work/installed_headers.txt" >&2 ||
    fail "installed headers differ from sdk/include"
  # tern/testing/* include the conformance schema's generated header.
  timeout 120 "$prefix/bin/tern" gen -o "$work/gen" "$prefix/share/tern/conformance.thrift" ||
    fail "tern gen conformance.thrift"
  cflags=$(pkg-config --cflags tern)
  n=0
  while read -r h; do
    # Twice: the second include checks the include guard.
    # shellcheck disable=SC2086 # word splitting of the flags is wanted
    if ! printf '#include "%s"\n#include "%s"\n' "$h" "$h" |
      timeout 120 "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror $cflags \
        -I"$work/gen" -x c++ - 2>"$work/err.txt"; then
      cat "$work/err.txt" >&2
      fail "$h does not compile on its own"
    fi
    n=$((n + 1))
  done <"$work/installed_headers.txt"
  [ "$n" -gt 0 ] || fail "no headers checked"
  echo "installed headers: $n compile on their own"
  ;;

*)
  fail "unknown mode '$mode'"
  ;;
esac
