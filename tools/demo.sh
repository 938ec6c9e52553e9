#!/usr/bin/env bash
# The README's first command: set up (apt, build), then the main job — the
# echo service of examples/echo on the default plugins, loaded by `tern
# bench` for about 10 s, then stopped cleanly with its metrics printed.
#
#   tools/demo.sh [--duration S] [--connections N] [--size BYTES]
#
# With 2+ CPUs the server is pinned to CPU 0 (one poller) and the load
# generator to CPU 1, so the figures are the server's, not a scheduler fight.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10
connections=10
size=1k
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    *) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

tools/setup.sh
echo
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1) ($(nproc) CPUs)"

server_pin=() load_pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin=(taskset -c 0)
  load_pin=(taskset -c 1)
fi
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo
echo "=== starting the echo server (examples/echo/echo_server.ini, any free port)"
"${server_pin[@]}" build/examples/echo/echo_server --config=examples/echo/echo_server.ini \
  --port_file="$tmp/address" --print_metrics -- --server.address=127.0.0.1:0 &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/address" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "demo: the server exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$tmp/address" ] || { echo "demo: the server did not start" >&2; exit 1; }
address=$(cat "$tmp/address")

echo
echo "=== tern bench: $connections connections, $size messages, ${duration} s (+2 s warm-up)"
status=0
"${load_pin[@]}" build/bin/tern bench --address="$address" --connections="$connections" \
  --size="$size" --duration="$duration" --warmup=2 --server-pid="$server_pid" || status=$?

echo
echo "=== stopping the server (SIGINT: drains calls in flight, then prints its metrics)"
kill -INT "$server_pid"
wait "$server_pid" || status=$?
server_pid=""
exit "$status"
