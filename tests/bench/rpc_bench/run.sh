#!/usr/bin/env bash
# The RPC benchmark matrix (issue #8): Tern's echo server (examples/echo, one
# poller) against Apache Thrift's TNonblockingServer (one IO thread) and the
# hand-written Thrift limit server, all driven by `tern bench` (every reply
# checked). Servers on one CPU, the load on another; servers interleaved
# within each repetition (A B C A B C ...); the table shows medians.
#
#   tests/bench/rpc_bench/run.sh [--build DIR] [--runs N] [--duration S]
#       [--warmup S] [--cases "SIZE:CONNS ..."] [--servers "tern tern_cf apache limit"]
#       [--out FILE] [--quick]
#
# --quick is 3 runs of 5 s with a 1 s warm-up. Raw JSON lines go to --out
# (default: a temp file, named at the end). SERVER_CPU / LOAD_CPU pick the CPUs.
#
# Apache runs as shipped. Its 1 MB figures are dominated by glibc malloc
# mapping and unmapping each 1 MB buffer (page faults on every call);
# MALLOC_MMAP_THRESHOLD_=33554432 in its environment makes it several times
# faster there, and is worth quoting beside the default.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
build="$root/build"
runs=5
duration=10
warmup=2
cases="1024:1 1024:10 1024:100 4096:100 32768:100 1048576:4"
servers="tern tern_cf apache limit"
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
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

tern="$build/bin/tern"
bin="$build/tests/bench/rpc_bench"
echo_server="$build/examples/echo/echo_server"
[[ -x "$tern" ]] || { echo "missing $tern (build first)" >&2; exit 1; }
available=""
for s in $servers; do
  case "$s" in
    tern|tern_cf) exe=$echo_server ;;
    apache) exe=$bin/apache_echo_server ;;
    limit) exe=$bin/thrift_limit_server ;;
    *) echo "unknown server $s (tern, tern_cf, apache, limit)" >&2; exit 2 ;;
  esac
  if [[ -x "$exe" ]]; then available="$available $s"; else echo "skipping $s: no $exe" >&2; fi
done
[[ -n "$out" ]] || out=$(mktemp /tmp/rpc_bench.XXXXXX.jsonl)
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
    tern) taskset -c "$server_cpu" "$echo_server" --describe=false --port_file="$port_file" \
            -- --server.address=127.0.0.1:0 --netpoll.pollers=1 --codec.max_frame=64m \
            --codec.max_string=64m >"$tmp/server.out" 2>&1 & ;;
    tern_cf) taskset -c "$server_cpu" "$echo_server" --describe=false --port_file="$port_file" \
            --handler=view -- --server.address=127.0.0.1:0 --netpoll.pollers=1 \
            --server.codec=thrift_copyfree --codec.max_frame=64m \
            --codec.max_string=64m >"$tmp/server.out" 2>&1 & ;;
    apache) taskset -c "$server_cpu" "$bin/apache_echo_server" --server=nonblocking \
              --port_file="$port_file" >/dev/null 2>&1 & ;;
    limit) taskset -c "$server_cpu" "$bin/thrift_limit_server" --port_file="$port_file" \
             >/dev/null 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 200); do [[ -s "$port_file" ]] && break; sleep 0.05; done
  [[ -s "$port_file" ]] || { echo "$name did not start" >&2; exit 1; }
  address=$(cat "$port_file")
}

stop_server() {
  kill -INT "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# Tern's echo_server reports the payload copies (>= 4 KB runs copied in user
# space, tern/copy_stats.h) it made over all its calls: per call, or -1.
copies_per_call() {
  local line
  line=$(sed -n 's/^echo_server: payload copies: \([0-9]*\) (.*) in \([0-9]*\) calls$/\1 \2/p' \
         "$tmp/server.out" 2>/dev/null | tail -1)
  if [[ -z "$line" ]]; then echo -1; return; fi
  awk -v l="$line" 'BEGIN { split(l, a, " "); printf "%.3f", (a[2] > 0 ? a[1] / a[2] : 0) }'
}

echo "# CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
echo "# runs=$runs duration=${duration}s warmup=${warmup}s; servers on CPU $server_cpu (one poller/IO thread), tern bench on CPU $load_cpu"
for c in $cases; do
  size=${c%%:*}
  conns=${c##*:}
  for r in $(seq "$runs"); do
    for s in $available; do
      rm -f "$tmp/server.out"
      start_server "$s"
      line=$(taskset -c "$load_cpu" "$tern" bench --address="$address" --connections="$conns" \
          --size="$size" --warmup="$warmup" --duration="$duration" --server-pid="$server_pid" \
          --json | tail -1) || echo "errors: $s size=$size conns=$conns run=$r" >&2
      stop_server
      [[ "$line" == "{"* ]] && echo "${line%\}},\"label\":\"$s\",\"copies_per_call\":$(copies_per_call)}" >> "$out"
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
def spread(rs, k):
    v = [r[k] for r in rs]
    m = statistics.median(v)
    return (max(v) - min(v)) / m * 50 if m else 0  # +- % around the median
def copies(rs):
    v = [r.get("copies_per_call", -1) for r in rs]
    return "-" if min(v) < 0 else f"{statistics.median(v):.2f}"
print("| size | conns | server | runs | QPS | p50 us | p99 us | p999 us | CPU us/req | errors | copies/call |")
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
cases = sorted({(s, c) for s, c, _ in groups})
labels = []
for _, _, l in groups:
    if l not in labels: labels.append(l)
for s, c in cases:
    for l in labels:
        rs = groups.get((s, c, l))
        if not rs: continue
        print(f"| {s} | {c} | {l} | {len(rs)} | {med(rs,'qps'):.0f} (±{spread(rs,'qps'):.0f}%) | "
              f"{med(rs,'p50_us'):.1f} | {med(rs,'p99_us'):.1f} | {med(rs,'p999_us'):.1f} | "
              f"{med(rs,'server_cpu_us_per_req'):.2f} | {sum(r['errors'] for r in rs)} | "
              f"{copies(rs)} |")
def ratio(a, b, k):
    return med(a, k) / med(b, k) if a and b and med(b, k) > 0 else float("nan")
def cell(v, ok, judged):
    if v != v: return "-"
    return f"{v:.2f} {'PASS' if ok(v) else 'MISS'}" if judged else f"{v:.2f}"
print()
if any(l == "tern" for _, _, l in groups):
    print("Tern against the limit and Apache (ratios of medians). Goals, judged at 10 and 100")
    print("connections: QPS >= 0.85x limit, CPU/req <= 1.25x limit, p99 <= 1.3x limit,")
    print("CPU/req <= 0.5x Apache.")
    print()
    print("| size | conns | QPS/limit (>=0.85) | CPU/limit (<=1.25) | p99/limit (<=1.3) "
          "| CPU/Apache (<=0.5) | QPS/Apache |")
    print("|---:|---:|---|---|---|---|---:|")
    for s, c in cases:
        t = groups.get((s, c, "tern"))
        if not t: continue
        lim = groups.get((s, c, "limit"))
        ap = groups.get((s, c, "apache"))
        judged = c in (10, 100)
        print(f"| {s} | {c} "
              f"| {cell(ratio(t, lim, 'qps'), lambda v: v >= 0.85, judged)} "
              f"| {cell(ratio(t, lim, 'server_cpu_us_per_req'), lambda v: v <= 1.25, judged)} "
              f"| {cell(ratio(t, lim, 'p99_us'), lambda v: v <= 1.3, judged)} "
              f"| {cell(ratio(t, ap, 'server_cpu_us_per_req'), lambda v: v <= 0.5, judged)} "
              f"| {cell(ratio(t, ap, 'qps'), None, False)} |")
else:
    print("No Tern results (its server was skipped or failed): no goal table.")
if any(l == "tern_cf" for _, _, l in groups):
    print()
    print("Copy-free (tern_cf: thrift_copyfree, view handler) against the limit and thrift_fast")
    print("(tern). Goals: at >= 32 KB CPU/req <= 1.1x limit; at 1 KB CPU/req <= 1.05x tern.")
    print()
    print("| size | conns | CPU/limit | CPU/tern | QPS/limit | p99/limit |")
    print("|---:|---:|---|---|---:|---:|")
    for s, c in cases:
        cf = groups.get((s, c, "tern_cf"))
        if not cf: continue
        lim = groups.get((s, c, "limit")); t = groups.get((s, c, "tern"))
        print(f"| {s} | {c} "
              f"| {cell(ratio(cf, lim, 'server_cpu_us_per_req'), lambda v: v <= 1.1, s >= 32768)} "
              f"| {cell(ratio(cf, t, 'server_cpu_us_per_req'), lambda v: v <= 1.05, s == 1024)} "
              f"| {ratio(cf, lim, 'qps'):.2f} | {ratio(cf, lim, 'p99_us'):.2f} |")
if any(l == "apache" for _, _, l in groups) and any(l == "limit" for _, _, l in groups):
    print()
    print("Apache against the limit, for orientation (ratios of medians):")
    print()
    print("| size | conns | QPS/limit | CPU/limit | p99/limit |")
    print("|---:|---:|---:|---:|---:|")
    for s, c in cases:
        ap = groups.get((s, c, "apache")); lim = groups.get((s, c, "limit"))
        if not ap or not lim: continue
        print(f"| {s} | {c} | {ratio(ap, lim, 'qps'):.2f} "
              f"| {ratio(ap, lim, 'server_cpu_us_per_req'):.2f} | {ratio(ap, lim, 'p99_us'):.2f} |")
PY
echo "raw results: $out" >&2
