#!/usr/bin/env python3
"""compact_bench's JSON output as a markdown table, with the goals of issue 10.

Usage (see the header of compact_bench.cc for the run):
  python3 tests/bench/compact_table.py compact.json [--time cpu|real]

Takes --benchmark_out_format=json output, with repetitions (medians; the
spread is min-max when compact_bench's min/max statistics are present, else
+-stddev) or without (one run each). Times are CPU time by default: on a
shared machine the wall clock also counts other processes' slices.

Goals (Tern = the codec into a reused buffer / a fresh object, BM_Tern_*):
  - >= 3x Apache Compact, writes and reads, on small, large, mixed_1k5,
    mytest, mytest_i32 and echo_1k; judged against both Apache variants
    (default code: what most users run; templates: the fastest Apache can be);
  - on echo from 32 KB up: Tern's write within 1.1x of memcpy, and Tern's
    read no slower than Apache's (the faster of the two variants).
Writes are judged on the faster of Tern and TernRef (the same write with a
keep-alive of the struct, so strings of 4 KB and more go by reference, as
the codec's Encode does for a BodyRef with one; serde_bench's TernRef for
thrift_fast), reads on the faster of Tern (std types) and TernArena (types
of `tern gen --alloc=pmr` decoded into a per-request arena), named in the
goal cell; allocs/op are Tern's.
"""

import argparse
import json
import sys
from collections import defaultdict

WORKLOADS = ["small", "mixed_1k5", "large", "mytest", "mytest_i32", "mytest_f64",
             "echo_1k", "echo_4k", "echo_32k", "echo_1m", "echo_10m"]
RATIO_GOAL = {"small", "large", "mixed_1k5", "mytest", "mytest_i32", "echo_1k"}
LIMIT_GOAL = {"echo_32k", "echo_1m", "echo_10m"}
SUBJECTS = ["Tern", "TernMsg", "ApacheDefault", "ApacheTemplates", "Memcpy", "TernArena",
            "TernRef"]
# The second Tern column: by reference for writes, on an arena for reads.
ALT = {"Write": "TernRef", "Read": "TernArena"}
ALLOC_SUBJECTS = ["Tern", "TernMsg", "ApacheDefault", "ApacheTemplates"]


def load(path, time_key):
    """{(subject, op, workload): {stat: ns or counter}}."""
    with open(path) as f:
        doc = json.load(f)
    runs = defaultdict(lambda: defaultdict(list))
    stats = defaultdict(dict)
    for b in doc["benchmarks"]:
        if b.get("error_occurred"):
            print(f"warning: {b['name']}: {b.get('error_message')}", file=sys.stderr)
            continue
        name = b.get("run_name", b["name"])
        head, _, workload = name.partition("/")
        subject, _, op = head[len("BM_"):].rpartition("_")
        key = (subject, op, workload)
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            agg = b["aggregate_name"]
            if b.get("aggregate_unit", "time") == "percentage":  # cv
                stats[key][agg] = b[time_key]
            else:
                stats[key][agg] = b[time_key] * scale
                if agg == "median":
                    stats[key]["allocs"] = b.get("allocs/op")
                    stats[key]["bytes"] = b.get("compact_bytes")
        else:
            runs[key]["t"].append(b[time_key] * scale)
            runs[key]["allocs"].append(b.get("allocs/op"))
            runs[key]["bytes"].append(b.get("compact_bytes"))
    for key, r in runs.items():  # without aggregates: the runs themselves
        if "median" in stats[key]:
            continue
        t = sorted(r["t"])
        stats[key].update(median=t[len(t) // 2], min=t[0], max=t[-1],
                          allocs=r["allocs"][0], bytes=r["bytes"][0], n=len(t))
    return stats


def ns(v):
    if v is None:
        return "—"
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.2f} µs"
    return f"{v:.1f} ns"


def cell(s):
    """Median with its spread."""
    if not s or "median" not in s:
        return "—"
    m = s["median"]
    if "min" in s and "max" in s and s.get("n", 2) > 1:
        return f"{ns(m)} ({(s['min'] - m) / m * 100:+.0f}/{(s['max'] - m) / m * 100:+.0f}%)"
    if "stddev" in s:
        return f"{ns(m)} (±{s['stddev'] / m * 100:.0f}%)"
    return ns(m)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def allocs(s):
    a = s.get("allocs") if s else None
    return "—" if a is None else f"{a:.0f}" if a >= 0.5 else "0"


def goal(workload, op, t, d, m, mc):
    """PASS/MISS for this row, or '' when the issue sets no goal here."""
    if workload in RATIO_GOAL:
        out = []
        for label, apache in (("def", d), ("tmpl", m)):
            r = ratio(apache, t)
            if r is not None:
                out.append(f"≥3× {label}: {'PASS' if r >= 3 else 'MISS'}")
        return "; ".join(out)
    if workload in LIMIT_GOAL:
        if op == "Write":
            r = ratio(t, mc)
            return "" if r is None else f"≤1.1× memcpy: {'PASS' if r <= 1.1 else 'MISS'}"
        fastest = min(x for x in (d, m) if x is not None) if (d or m) else None
        if t is None or fastest is None:
            return ""
        return f"≤ Apache: {'PASS' if t <= fastest else 'MISS'}"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--time", choices=["cpu", "real"], default="cpu")
    args = ap.parse_args()
    stats = load(args.json, f"{args.time}_time")
    workloads = [w for w in WORKLOADS if any(k[2] == w for k in stats)]
    workloads += sorted({k[2] for k in stats} - set(workloads))

    print(f"Thrift Compact, {args.time} time per op: median (min/max vs median, or ±stddev). "
          "Ratios: Apache/Tern (>1: Tern faster), Tern/memcpy (1: the limit). "
          "allocs/op: Tern, TernMsg, Apache default, Apache templates.\n")
    passes = misses = 0
    for op in ("Write", "Read"):
        print(f"### {op}\n")
        alt = ALT[op]
        print(f"| workload | Compact bytes | Tern | {alt} | TernMsg | Apache default "
              "| Apache templates | memcpy | default/Tern | templates/Tern | Tern/memcpy "
              "| allocs/op | goal |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        for w in workloads:
            s = {sub: stats.get((sub, op, w)) for sub in SUBJECTS}
            s["Memcpy"] = stats.get(("Memcpy", "Write", w))
            med = {k: (v or {}).get("median") for k, v in s.items()}
            size = next((v["bytes"] for v in s.values() if v and v.get("bytes")), None)
            # The Tern the ratios and goal use: the faster of Tern and the
            # alternative (by reference for writes, the arena for reads).
            which = "Tern"
            if med.get(alt) is not None and (med["Tern"] is None or med[alt] < med["Tern"]):
                which = alt
            t = med[which]
            g = goal(w, op, t, med["ApacheDefault"], med["ApacheTemplates"], med["Memcpy"])
            if g and which != "Tern":
                g += f" [{which}]"
            passes += g.count("PASS")
            misses += g.count("MISS")
            g = g.replace("PASS", "**PASS**").replace("MISS", "**MISS**")
            print(f"| {w} | {'—' if size is None else f'{size:,.0f}'} "
                  f"| {cell(s['Tern'])} | {cell(s[alt])} | {cell(s['TernMsg'])} "
                  f"| {cell(s['ApacheDefault'])} "
                  f"| {cell(s['ApacheTemplates'])} | {cell(s['Memcpy'])} "
                  f"| {fmt_ratio(ratio(med['ApacheDefault'], t))} "
                  f"| {fmt_ratio(ratio(med['ApacheTemplates'], t))} "
                  f"| {fmt_ratio(ratio(t, med['Memcpy']))} "
                  f"| {' / '.join(allocs(s[k]) for k in ALLOC_SUBJECTS)} | {g} |")
        print()
    print(f"Goals: {passes} PASS, {misses} MISS.")


if __name__ == "__main__":
    main()
