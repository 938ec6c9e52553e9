#!/usr/bin/env python3
"""serde_bench's Binary write and read benchmarks as markdown tables, with the goals of issue 6.

Usage (see the header of serde_bench.cc for what each benchmark does):
  taskset -c 1 build/tests/bench/serde_bench \\
      --benchmark_filter='BM_(Tern|TernRef|TernArena|ApacheDefault|ApacheTemplates|Memcpy)_(Write|Read)/' \\
      --benchmark_repetitions=10 --benchmark_report_aggregates_only=true \\
      --benchmark_out_format=json --benchmark_out=fast.json
  python3 tests/bench/fast_table.py fast.json [--time cpu|real]

Takes --benchmark_out_format=json output, with repetitions (medians; the
spread is min-max, which serde_bench reports beside mean/median/stddev/cv)
or without (one run each). Times are CPU time by default: on a shared
machine the wall clock also counts other processes' slices.

Two tables, Write (encode into a reused buffer) and Read (decode into a
fresh object), one row per workload. Tern is thrift_fast copying its
strings, TernRef the same with large strings by reference (writes only),
TernArena the read into types generated with --alloc=pmr on a per-request
arena (reads only);
Apache is Thrift 0.17 C++, default code and `--gen cpp:templates`; memcpy
of Tern's message size is the limit for both tables. In the Write table the
ratios, MB/s and allocs/op are those of the faster of Tern and TernRef,
named in brackets in the goal. The Binary bytes of a row are Tern's whole
message (frame, envelope, body), recovered from bytes_per_second x CPU time.

Goals (issue 6: against the templates variant and memcpy, one run; ratios
of medians):
  - small, mixed_1k5: write >= 3x faster than Apache templates, read >= 2x;
  - large: write and read >= 2x faster than Apache templates;
  - mytest, mytest_i32, mytest_f64: write <= 1.3x memcpy's time, read <= 1.5x;
  - echo_1k: write <= 2x memcpy; echo_4k to echo_10m: write <= 1.15x memcpy;
  - by reference: TernRef's write of echo_10m <= 1.2x its write of echo_32k
    (the size of the attached string costs nothing);
  - allocations: Tern's writes (the faster path) < 0.01 allocs/op on every
    workload (none into a pooled buffer; the counters average millions of
    iterations, so setup leaves tiny fractions), and Tern's reads no more
    allocs/op than Apache templates' on every workload.
"""

import argparse
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compact_table import cell, load, ns, ratio  # noqa: E402
from copyfree_table import Goals, fastest, fmt_ratio, median  # noqa: E402

WORKLOADS = ["small", "mixed_1k5", "large", "mytest", "mytest_i32", "mytest_f64",
             "echo_1k", "echo_4k", "echo_32k", "echo_1m", "echo_10m"]
# workload -> (Write goal, Read goal); each a ("apache", k): Tern >= k x faster
# than Apache templates, or ("memcpy", k): Tern's time <= k x memcpy's.
GOALS = {
    "small": (("apache", 3), ("apache", 2)),
    "mixed_1k5": (("apache", 3), ("apache", 2)),
    "large": (("apache", 2), ("apache", 2)),
    "mytest": (("memcpy", 1.3), ("memcpy", 1.5)),
    "mytest_i32": (("memcpy", 1.3), ("memcpy", 1.5)),
    "mytest_f64": (("memcpy", 1.3), ("memcpy", 1.5)),
    "echo_1k": (("memcpy", 2), None),
    "echo_4k": (("memcpy", 1.15), None),
    "echo_32k": (("memcpy", 1.15), None),
    "echo_1m": (("memcpy", 1.15), None),
    "echo_10m": (("memcpy", 1.15), None),
}
WRITE_ALLOCS_LIMIT = 0.01
REF_GOAL = ("echo_10m", "echo_32k", 1.2)


def binary_sizes(path):
    """{(subject, op, workload): bytes per op}, from bytes_per_second x CPU time.

    Google Benchmark divides the bytes by CPU time, so the fastest repetition's
    CPU time times the highest rate gives the count back exactly; from medians
    alone it is approximate (marked ≈)."""
    with open(path) as f:
        doc = json.load(f)
    agg = defaultdict(dict)
    runs = {}
    for b in doc["benchmarks"]:
        rate = b.get("bytes_per_second")
        if b.get("error_occurred") or rate is None:
            continue
        head, _, workload = b.get("run_name", b["name"]).partition("/")
        subject, _, op = head[len("BM_"):].rpartition("_")
        key = (subject, op, workload)
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            agg[key][b["aggregate_name"]] = (b["cpu_time"] * scale, rate)
        else:
            runs.setdefault(key, (round(b["cpu_time"] * scale * rate), True))
    sizes = dict(runs)
    for key, a in agg.items():
        if "min" in a and "max" in a:
            sizes[key] = (round(a["min"][0] * a["max"][1]), True)
        elif "median" in a and key not in sizes:
            sizes[key] = (round(a["median"][0] * a["median"][1]), False)
    return sizes


def fmt_allocs(s):
    """allocs/op with the digits the fractions left by setup need."""
    a = s.get("allocs") if s else None
    if a is None:
        return "—"
    if a >= 100:
        return f"{a:,.0f}"
    if a >= 1:
        return f"{a:.2f}"
    return "0" if a == 0 else f"{a:.2g}"


def fmt_size(size):
    if size is None:
        return "—"
    n, exact = size
    return f"{'' if exact else '≈'}{n:,}"


def row_goal(goals, spec, tern, apache, limit, which):
    """The issue's goal for one row: tern, apache, limit are medians."""
    if spec is None:
        return ""
    kind, k = spec
    tag = f" [{which}]" if which else ""
    if kind == "apache":
        r = ratio(apache, tern)
        return "" if r is None else goals.check(f"≥{k}× templates{tag}", r >= k)
    r = ratio(tern, limit)
    return "" if r is None else goals.check(f"≤{k}× memcpy{tag}", r <= k)


def table(stats, sizes, workloads, op, goals):
    """Prints one table; returns {workload: (Tern's stats, Apache templates' stats)}.

    The second Tern column is TernRef for writes (large strings by
    reference) and TernArena for reads (types of `tern gen --alloc=pmr`
    decoded into a per-request arena); ratios, MB/s and the goal use the
    faster of the two Tern columns, named in brackets."""
    write = op == "Write"
    alt = "TernRef" if write else "TernArena"
    print(f"### {op}\n")
    print(f"| workload | Binary bytes | Tern | {alt} | "
          "Apache default | Apache templates | memcpy | MB/s Tern | templates/Tern "
          "| default/Tern | Tern/memcpy | allocs/op Tern / templates | goal |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    seen = {}
    for w in workloads:
        t = stats.get(("Tern", op, w))
        tr = stats.get((alt, op, w))
        d = stats.get(("ApacheDefault", op, w))
        m = stats.get(("ApacheTemplates", op, w))
        mc = stats.get(("Memcpy", "Write", w))
        which, best = fastest(stats, ["Tern", alt], op, w)
        if not write:
            # Allocations are compared on the std types' path (the arena's
            # are fewer), whichever is faster.
            seen_allocs = t
        if best is None and d is None and m is None and mc is None:
            continue
        seen[w] = (best if write else seen_allocs, m)
        size = next((sizes[(sub, o, w)] for sub, o in
                     (("Tern", op), ("TernRef", op), ("Memcpy", "Write"))
                     if (sub, o, w) in sizes), None)
        mbs = None
        if median(best) and size is not None:
            mbs = size[0] / median(best) * 1e3  # bytes per ns -> MB/s
        spec = GOALS.get(w, (None, None))[0 if write else 1]
        g = row_goal(goals, spec, median(best), median(m), median(mc), which)
        print(f"| {w} | {fmt_size(size)} | {cell(t)} | {cell(tr)} | "
              f"{cell(d)} | {cell(m)} | {cell(mc)} "
              f"| {'—' if mbs is None else f'{mbs:,.0f}'} "
              f"| {fmt_ratio(ratio(median(m), median(best)))} "
              f"| {fmt_ratio(ratio(median(d), median(best)))} "
              f"| {fmt_ratio(ratio(median(best), median(mc)))} "
              f"| {fmt_allocs(best) if write else fmt_allocs(t) + ' (arena ' + fmt_allocs(tr) + ')'}"
              f" / {fmt_allocs(m)} | {g} |")
    print()
    return seen


def ref_line(stats, goals):
    big, small, k = REF_GOAL
    b = median(stats.get(("TernRef", "Write", big)))
    s = median(stats.get(("TernRef", "Write", small)))
    r = ratio(b, s)
    if r is None:
        print(f"By reference: TernRef write {big} / {small}: — (not measured).\n")
        return
    print(f"By reference: TernRef write {big} / {small} = {fmt_ratio(r)} "
          f"({ns(b)} / {ns(s)}); "
          f"{goals.check(f'≤{k}×', r <= k)}\n")


def allocs_of(s):
    return s.get("allocs") if s else None


def allocs_lines(written, read, goals):
    have = {w: allocs_of(best) for w, (best, _) in written.items()
            if allocs_of(best) is not None}
    if have:
        worst = max(have, key=have.get)
        over = [w for w, a in have.items() if a >= WRITE_ALLOCS_LIMIT]
        note = f"; over: {', '.join(over)}" if over else ""
        print(f"Write allocs/op, Tern's faster path, on {len(have)} workloads: at most "
              f"{fmt_allocs({'allocs': have[worst]})} ({worst}){note}; "
              f"{goals.check(f'< {WRITE_ALLOCS_LIMIT} everywhere', not over)}\n")
    else:
        print("Write allocs/op: — (not measured).\n")

    pairs = {w: (allocs_of(t), allocs_of(m)) for w, (t, m) in read.items()
             if allocs_of(t) is not None and allocs_of(m) is not None}
    if pairs:
        over = [f"{w} ({fmt_allocs({'allocs': t})} > {fmt_allocs({'allocs': m})})"
                for w, (t, m) in pairs.items() if t > m]
        note = f"; more on: {', '.join(over)}" if over else ""
        print(f"Read allocs/op, Tern (std types) vs Apache templates, on {len(pairs)} "
              f"workloads{note}; "
              f"{goals.check('≤ templates everywhere', not over)}\n")
    else:
        print("Read allocs/op: — (not measured).\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--time", choices=["cpu", "real"], default="cpu")
    args = ap.parse_args()
    stats = load(args.json, f"{args.time}_time")
    sizes = binary_sizes(args.json)
    workloads = [w for w in WORKLOADS if any(k[2] == w for k in stats)]
    workloads += sorted({k[2] for k in stats} - set(workloads))

    print(f"Thrift Binary (serde_bench), {args.time} time per op: median (min/max vs median, "
          "or ±stddev). Ratios of medians: templates/Tern and default/Tern > 1: Tern faster; "
          "Tern/memcpy: 1 is the limit. Ratios, MB/s and goals use the faster of Tern and "
          "TernRef (writes) or of Tern and TernArena (reads: `tern gen --alloc=pmr` types "
          "on a per-request arena); write allocs/op that faster path, read allocs/op the "
          "std types'. Binary bytes: Tern's whole message (frame, envelope, body), "
          "what memcpy copies.\n")
    goals = Goals()
    written = table(stats, sizes, workloads, "Write", goals)
    ref_line(stats, goals)
    read = table(stats, sizes, workloads, "Read", goals)
    allocs_lines(written, read, goals)
    print(f"Goals: {goals.passes} PASS, {goals.misses} MISS.")


if __name__ == "__main__":
    main()
