#!/usr/bin/env bash
# `tern new` end to end, with the INSTALLED Tern (tests/integration/tern_new.cmake):
#
#   tern_new_test.sh PREFIX IDL_DIR WORK_DIR
#
# Scaffolds a project from IDL_DIR/shop.thrift (two services; Shop extends a
# service of an included file), builds it against PREFIX with CMake + Ninja,
# serves it on 127.0.0.1:0, runs its client (every method called, a declared
# exception printed), stops the server with SIGTERM; then checks the refusals:
# no --service with several services, re-running into the project (nothing
# written), a method added to the IDL (the missing stub listed), and --force.
# Loopback only; every step is bounded by `timeout`.
set -euo pipefail

prefix=$1
idl_src=$2
work=$3
tern=$prefix/bin/tern
proj=$work/shop
export GLOG_logtostderr=1

rm -rf "$work"
mkdir -p "$work"
cp -r "$idl_src" "$work/idl"  # a copy: a method is added to it below

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "== $*"; }
# Runs `tern new ARGS...` with output in $work/new.out; sets rc.
tern_new() {
  set +e
  timeout 30 "$tern" new "$@" >"$work/new.out" 2>&1
  rc=$?
  set -e
  sed 's/^/   | /' "$work/new.out"
}
expect_in() {  # FILE TEXT...
  local file=$1
  shift
  for text in "$@"; do
    grep -qF -- "$text" "$file" || fail "'$text' not in $file"
  done
}
# Checksums of the project's own files (not its build dir).
snapshot() {
  (cd "$proj" && find . -path ./build -prune -o -type f -print | sort | xargs md5sum)
}
methods=(get search restock audit colors ping health poke)

step "several services, no --service: an error naming them, nothing written"
tern_new shop --idl "$work/idl/shop.thrift" -o "$proj"
[ "$rc" -ne 0 ] || fail "exit 0 without --service"
expect_in "$work/new.out" "Shop" "Admin" "--service"
[ ! -e "$proj" ] || fail "$proj was created"

step "an unknown --service: an error naming the services"
tern_new shop --idl "$work/idl/shop.thrift" --service Nope -o "$proj"
[ "$rc" -ne 0 ] || fail "exit 0 with --service Nope"
expect_in "$work/new.out" "Nope" "Shop" "Admin"
[ ! -e "$proj" ] || fail "$proj was created"

step "tern new writes the project"
tern_new shop --idl "$work/idl/shop.thrift" --service Shop -o "$proj"
[ "$rc" -eq 0 ] || fail "tern new exited $rc"
for f in CMakeLists.txt README.md main.cc client.cc shop.ini shop_handler.h shop_handler.cc \
         idl/shop.thrift idl/common/base.thrift; do
  [ -f "$proj/$f" ] || fail "no $f"
done
cmp -s "$work/idl/common/base.thrift" "$proj/idl/common/base.thrift" ||
  fail "included IDL not copied"
expect_in "$proj/CMakeLists.txt" "find_package(Tern CONFIG REQUIRED)" "tern_generate("
expect_in "$proj/shop.ini" "workers = 4" "# dir ="
for m in "${methods[@]}"; do  # inherited ones (ping, health, poke) included
  expect_in "$proj/shop_handler.cc" "TODO(tern new): implement $m "
done
# Make `get` throw its declared exception, to see it reach the client.
throw_oos='throw ::tern_new_test::shop::OutOfStock();'
sed -i "/TODO(tern new): implement get /{n;s/return {};/$throw_oos/}" "$proj/shop_handler.cc"
expect_in "$proj/shop_handler.cc" "$throw_oos"

# Configures and builds the project against the installed Tern.
build() {
  local launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  timeout 60 cmake -S "$proj" -B "$proj/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    "${launcher[@]}" >"$work/cmake.out" 2>&1 || { cat "$work/cmake.out"; fail "cmake configure"; }
  timeout 200 cmake --build "$proj/build" >"$work/build.out" 2>&1 ||
    { cat "$work/build.out"; fail "build"; }
  grep -i "warning" "$work/build.out" && fail "the build warned"
  return 0
}

# Starts the server on a free loopback port, runs the client against it,
# checks that every method in "$@" was called, then SIGTERMs the server and
# expects exit 0. Leaves the port in $port.
serve_and_call() {
  "$proj/build/shop_server" "$proj/shop.ini" --server.address=127.0.0.1:0 \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  port=
  for _ in $(seq 300); do  # 30 s
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.out")
    [ -n "$port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      cat "$work/server.out" "$work/server.err"
      fail "server died"
    fi
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/server.out" "$work/server.err"; fail "server never listened"; }
  sed 's/^/   server | /' "$work/server.out"
  set +e
  timeout 60 "$proj/build/shop_client" "$proj/shop.ini" --client.endpoints=127.0.0.1:$port \
    >"$work/client.out" 2>&1
  rc=$?
  set -e
  sed 's/^/   client | /' "$work/client.out"
  [ "$rc" -eq 0 ] || fail "client exited $rc"
  for m in "$@"; do expect_in "$work/client.out" "Shop.$m: "; done
  kill -TERM "$server_pid"
  for _ in $(seq 200); do  # 20 s
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$server_pid" 2>/dev/null && fail "server still running 20 s after SIGTERM"
  set +e
  wait "$server_pid"
  rc=$?
  set -e
  server_pid=
  sed 's/^/   server | /' "$work/server.out" | tail -n +3
  [ "$rc" -eq 0 ] || { cat "$work/server.err"; fail "server exited $rc after SIGTERM"; }
  expect_in "$work/server.out" "SIGTERM" "stopped after"
}

step "build against $prefix"
build

step "serve, call every method, SIGTERM"
serve_and_call "${methods[@]}"
expect_in "$work/client.out" "Shop.get: threw OutOfStock" "Shop.audit: sent (oneway)" \
  "Shop.poke: sent (oneway)" "all 8 calls done"
expect_in "$work/server.out" "transport=netpoll" "workers=4"

step "the client fails (non-zero) when no server answers"
set +e
timeout 60 "$proj/build/shop_client" "$proj/shop.ini" --client.endpoints=127.0.0.1:$port \
  >"$work/client.out" 2>&1
rc=$?
set -e
sed 's/^/   client | /' "$work/client.out"
[ "$rc" -ne 0 ] || fail "client exited 0 with no server"
expect_in "$work/client.out" "FAILED"

step "re-run into the project: refused, nothing written"
before=$(snapshot)
tern_new shop --idl "$work/idl/shop.thrift" --service Shop -o "$proj"
[ "$rc" -eq 1 ] || fail "re-run exited $rc, not 1"
expect_in "$work/new.out" "already has" "shop_handler.cc" "declares every method" \
  "Nothing was written"
[ "$(snapshot)" = "$before" ] || fail "the re-run changed the project"

step "a method added to the IDL: the missing stub listed, nothing written"
sed -i 's/^  void restock(/  i32 count(1: string sku, 2: list<Item> also),\n  void restock(/' \
  "$work/idl/shop.thrift"
expect_in "$work/idl/shop.thrift" "i32 count("
tern_new shop --idl "$work/idl/shop.thrift" --service Shop -o "$proj"
[ "$rc" -eq 1 ] || fail "re-run exited $rc, not 1"
expect_in "$work/new.out" "lacks 1 method" \
  "int32_t count(std::string sku, std::vector<::tern_new_test::shop::Item> also) override;" \
  "TODO(tern new): implement count " "idl/shop.thrift differs" "Nothing was written"
grep -q "restock(" "$work/new.out" && fail "listed a method the handler has"
[ "$(snapshot)" = "$before" ] || fail "the re-run changed the project"

step "--force overwrites; the new method builds and is called"
tern_new shop --idl "$work/idl/shop.thrift" --service Shop -o "$proj" --force
[ "$rc" -eq 0 ] || fail "--force exited $rc"
cmp -s "$work/idl/shop.thrift" "$proj/idl/shop.thrift" || fail "--force did not copy the IDL"
expect_in "$proj/shop_handler.h" "int32_t count("
grep -qF "$throw_oos" "$proj/shop_handler.cc" && fail "--force kept the old handler"
build
serve_and_call "${methods[@]}" count
expect_in "$work/client.out" "Shop.get: Item{" "all 9 calls done"

echo "PASS"
