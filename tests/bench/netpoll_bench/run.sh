#!/usr/bin/env bash
# The raw framed-echo benchmark (issue #7): Netpoll's echo server against the
# hand-written single-thread epoll server (the limit), same load generator,
# same run. Servers are pinned to one CPU and the load to another, the
# servers interleaved within each repetition (A B C A B C ...), and the table
# shows medians. Netpoll runs twice: adaptive wait on and off.
#
#   tests/bench/netpoll_bench/run.sh [--build DIR] [--runs N] [--duration S]
#       [--warmup S] [--cases "SIZE:CONNS ..."] [--servers "epoll netpoll ..."]
#       [--out FILE] [--quick]
#
# --quick is 3 runs of 5 s with a 1 s warm-up. Raw JSON lines go to --out
# (default: a temp file, named at the end).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
build="$root/build"
runs=5
duration=10
warmup=2
cases="1024:1 1024:10 1024:100 4096:100 32768:100 1048576:4"
servers="epoll netpoll netpoll_noadapt"
out=""
server_cpu=${SERVER_CPU:-0}
load_cpu=${LOAD_CPU:-1}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) runs=3; duration=5; warmup=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

bin="$build/tests/bench/netpoll_bench"
for b in netpoll_echo_server epoll_echo_server echo_load; do
  [[ -x "$bin/$b" ]] || { echo "missing $bin/$b (build it first)" >&2; exit 1; }
done
[[ -n "$out" ]] || out=$(mktemp /tmp/netpoll_bench.XXXXXX.jsonl)
: > "$out"
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

start_server() {  # name -> sets server_pid, address
  local name=$1 port_file="$tmp/port"
  rm -f "$port_file"
  case "$name" in
    epoll) taskset -c "$server_cpu" "$bin/epoll_echo_server" --port_file="$port_file" & ;;
    netpoll) taskset -c "$server_cpu" "$bin/netpoll_echo_server" --port_file="$port_file" \
               --adaptive_wait=true 2>/dev/null & ;;
    netpoll_noadapt) taskset -c "$server_cpu" "$bin/netpoll_echo_server" \
               --port_file="$port_file" --adaptive_wait=false 2>/dev/null & ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  server_pid=$!
  for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.05; done
  [[ -s "$port_file" ]] || { echo "$name did not start" >&2; exit 1; }
  address=$(cat "$port_file")
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g')"
echo "# runs=$runs duration=${duration}s warmup=${warmup}s servers on CPU $server_cpu, load on CPU $load_cpu"
for c in $cases; do
  size=${c%%:*}
  conns=${c##*:}
  for r in $(seq "$runs"); do
    for s in $servers; do
      start_server "$s"
      if ! taskset -c "$load_cpu" "$bin/echo_load" --address="$address" --connections="$conns" \
          --size="$size" --warmup="$warmup" --duration="$duration" --server_pid="$server_pid" \
          --label="$s" >> "$out"; then
        echo "load failed: $s size=$size conns=$conns run=$r" >&2
      fi
      stop_server
      echo "  done: size=$size conns=$conns run=$r server=$s" >&2
    done
  done
done

python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
groups = {}
for r in rows:
    groups.setdefault((r["size"], r["connections"], r["label"]), []).append(r)
def med(rs, k): return statistics.median(r[k] for r in rs)
print("| size | conns | server | runs | QPS | p50 µs | p99 µs | p999 µs | CPU µs/req | errors |")
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
cases = sorted({(s, c) for s, c, _ in groups})
labels = []
for _, _, l in groups:
    if l not in labels: labels.append(l)
for s, c in cases:
    for l in labels:
        rs = groups.get((s, c, l))
        if not rs: continue
        print(f"| {s} | {c} | {l} | {len(rs)} | {med(rs,'qps'):.0f} | {med(rs,'p50_us'):.1f} | "
              f"{med(rs,'p99_us'):.1f} | {med(rs,'p999_us'):.1f} | "
              f"{med(rs,'server_cpu_us_per_req'):.2f} | {sum(r['errors'] for r in rs)} |")
print()
print("Ratios to the hand-written epoll server (medians); goal at 10 and 100 connections:")
print("QPS >= 0.9, CPU/req <= 1.1, p99 <= 1.3")
print()
print("| size | conns | server | QPS ratio | CPU/req ratio | p99 ratio | goal |")
print("|---:|---:|---|---:|---:|---:|---|")
for s, c in cases:
    base = groups.get((s, c, "epoll"))
    if not base: continue
    for l in labels:
        if l == "epoll" or (s, c, l) not in groups: continue
        rs = groups[(s, c, l)]
        q = med(rs, "qps") / med(base, "qps")
        cpu = med(rs, "server_cpu_us_per_req") / med(base, "server_cpu_us_per_req")
        p99 = med(rs, "p99_us") / med(base, "p99_us")
        goal = "-" if c not in (10, 100) else ("met" if q >= 0.9 and cpu <= 1.1 and p99 <= 1.3 else "MISSED")
        print(f"| {s} | {c} | {l} | {q:.2f} | {cpu:.2f} | {p99:.2f} | {goal} |")
PY
echo "raw results: $out" >&2
