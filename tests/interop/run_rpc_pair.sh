#!/usr/bin/env bash
# Runs an RPC interop client against a freshly started server, bounded in time.
#
#   run_rpc_pair.sh SERVER CLIENT TRANSPORT [SERVER_ARGS...]
#
# Starts `SERVER --port_file=<tmp>/port SERVER_ARGS...`, waits (up to 10 s)
# for the server to write "HOST:PORT" there, runs
# `CLIENT --address=HOST:PORT --transport=TRANSPORT` (up to 45 s), then stops
# the server with SIGTERM and expects it to exit 0 within 5 s. Exits 0 only
# if the client passed and the server stopped cleanly. Any server and client
# following these flag conventions fit (Apache's or Tern's).
set -u

if [[ $# -lt 3 ]]; then
  echo "usage: $0 SERVER CLIENT TRANSPORT [SERVER_ARGS...]" >&2
  exit 2
fi
server=$1 client=$2 transport=$3
shift 3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern_rpc_pair.XXXXXX") || exit 1
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$server" --port_file="$tmp/port" "$@" &
server_pid=$!

for _ in $(seq 200); do
  [[ -s "$tmp/port" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid"
    echo "run_rpc_pair: the server exited with status $? before listening" >&2
    server_pid=
    exit 1
  fi
  sleep 0.05
done
if [[ ! -s "$tmp/port" ]]; then
  echo "run_rpc_pair: the server did not write its address within 10 s" >&2
  exit 1
fi
address=$(head -n 1 "$tmp/port")

timeout --kill-after=5 45 "$client" --address="$address" --transport="$transport"
client_rc=$?
if [[ $client_rc -eq 124 || $client_rc -eq 137 ]]; then
  echo "run_rpc_pair: the client did not finish within 45 s" >&2
fi

kill -TERM "$server_pid"
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$server_pid" 2>/dev/null; then
  echo "run_rpc_pair: the server did not stop within 5 s of SIGTERM" >&2
  exit 1
fi
wait "$server_pid"
server_rc=$?
server_pid=
if [[ $server_rc -ne 0 ]]; then
  echo "run_rpc_pair: the server exited with status $server_rc after SIGTERM" >&2
  exit 1
fi
exit "$client_rc"
