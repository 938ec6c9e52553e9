#!/usr/bin/env python3
"""serde_bench's copy-free benchmarks as markdown tables, with the goals of issue 9.

Usage (see the header of serde_bench.cc for what each benchmark does):
  taskset -c 1 build/tests/bench/serde_bench \\
      --benchmark_filter='Builder|Proxy|BuildWrite|ReadAll|ReadOne|Tern_Read/|ApacheTemplates_Read|Memcpy' \\
      --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \\
      --benchmark_out_format=json --benchmark_out=cf.json
  python3 tests/bench/copyfree_table.py cf.json [--time cpu|real]

Takes --benchmark_out_format=json output, with repetitions (medians; the
spread is min-max, which serde_bench reports beside mean/median/stddev/cv)
or without (one run each). Times are CPU time by default: on a shared
machine the wall clock also counts other processes' slices.

Tables and goals (ratios of medians; "Tern" is the faster of BM_Tern_* and
BM_TernRef_* where both exist, "Builder" the faster of BM_Builder_* and
BM_BuilderRef_*):
  (a) read every field, View_ReadAll vs Tern_ReadAll (FastRead into a fresh
      object, then the fields): mixed_1k5 and echo_1k view <= 1.05x FastRead;
      large and echo from 32 KB up, view >= 1.4x faster;
  (b) build and write, Builder vs Tern: the same goals;
  (c) read one field, View_ReadOne: echo_10m <= 1.2x echo_1m;
  (d) proxy (change one field, re-emit), Builder_Proxy vs Tern_Proxy:
      echo_1m >= 5x faster.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compact_table import allocs, cell, load, ratio  # noqa: E402

WORKLOADS = ["small", "mixed_1k5", "large", "mytest", "mytest_i32", "mytest_f64",
             "echo_1k", "echo_4k", "echo_32k", "echo_1m", "echo_10m"]
# Small messages: the copy-free path may cost at most 5% more.
PARITY_GOAL = {"mixed_1k5", "echo_1k"}
# Large messages: it must be at least 1.4x faster.
SPEEDUP_GOAL = {"large", "echo_32k", "echo_1m", "echo_10m"}
PROXY_WORKLOADS = ["mixed_1k5", "echo_1k", "echo_1m"]


def fmt_ratio(r):
    """Like compact_table's, with the digits a very large or small ratio needs."""
    if r is None:
        return "—"
    if r >= 100:
        return f"{r:,.0f}×"
    if r >= 0.1:
        return f"{r:.2f}×"
    return f"{r:.2g}×"


def median(s):
    return (s or {}).get("median")


def fastest(stats, subjects, op, w):
    """(subject, stats) of the variant with the lowest median, or (None, None)."""
    found = [(median(stats.get((sub, op, w))), sub) for sub in subjects]
    found = [(m, sub) for m, sub in found if m is not None]
    if not found:
        return None, None
    _, sub = min(found)
    return sub, stats[(sub, op, w)]


def mark(ok):
    return "**PASS**" if ok else "**MISS**"


class Goals:
    def __init__(self):
        self.passes = 0
        self.misses = 0

    def check(self, label, ok):
        if ok is None:
            return ""
        if ok:
            self.passes += 1
        else:
            self.misses += 1
        return f"{label}: {mark(ok)}"


def size_goal(goals, w, new, old):
    """The issue's goal for copy-free `new` against struct-based `old`."""
    r = ratio(old, new)  # > 1: the copy-free path is faster
    if r is None:
        return ""
    if w in PARITY_GOAL:
        return goals.check("≤1.05× Tern", new <= 1.05 * old)
    if w in SPEEDUP_GOAL:
        return goals.check("≥1.4× faster", r >= 1.4)
    return ""


def table_read_all(stats, workloads, goals):
    print("### (a) Read every field\n")
    print("View: Parse (one validating pass) + every accessor; Tern: FastRead into a fresh "
          "object + every field; Apache templates: read into a fresh object (no fold over the "
          "fields); memcpy of the message's bytes.\n")
    print("| workload | View_ReadAll | Tern_ReadAll | Apache templates Read | memcpy "
          "| Tern/View | View/memcpy | allocs/op View / Tern | goal |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for w in workloads:
        v = stats.get(("View", "ReadAll", w))
        t = stats.get(("Tern", "ReadAll", w))
        if v is None and t is None:
            continue
        a = stats.get(("ApacheTemplates", "Read", w))
        mc = stats.get(("Memcpy", "Write", w))
        g = size_goal(goals, w, median(v), median(t))
        print(f"| {w} | {cell(v)} | {cell(t)} | {cell(a)} | {cell(mc)} "
              f"| {fmt_ratio(ratio(median(t), median(v)))} "
              f"| {fmt_ratio(ratio(median(v), median(mc)))} "
              f"| {allocs(v)} / {allocs(t)} | {g} |")
    print()


def table_build_write(stats, workloads, goals):
    print("### (b) Build and write\n")
    print("A fresh response per iteration from the same source values, written whole "
          "(frame + envelope + body) into a reused buffer. Builder: Foo::Builder, strings "
          "copied (Ref: long strings attached as Slices made once); Tern: a fresh struct, "
          "fields assigned, thrift_fast Encode (Ref: large strings by reference). The "
          "faster variant of each side is compared (named in brackets).\n")
    print("| workload | Builder | BuilderRef | Tern | TernRef | Apache default | Apache templates "
          "| memcpy | best Tern / best Builder | Tern / Builder (copying) "
          "| allocs/op Builder / Tern | goal |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for w in workloads:
        b = stats.get(("Builder", "BuildWrite", w))
        t = stats.get(("Tern", "BuildWrite", w))
        if b is None and t is None:
            continue
        br = stats.get(("BuilderRef", "BuildWrite", w))
        tr = stats.get(("TernRef", "BuildWrite", w))
        bsub, bbest = fastest(stats, ["Builder", "BuilderRef"], "BuildWrite", w)
        tsub, tbest = fastest(stats, ["Tern", "TernRef"], "BuildWrite", w)
        d = stats.get(("ApacheDefault", "BuildWrite", w))
        m = stats.get(("ApacheTemplates", "BuildWrite", w))
        mc = stats.get(("Memcpy", "Write", w))
        g = size_goal(goals, w, median(bbest), median(tbest))
        best = fmt_ratio(ratio(median(tbest), median(bbest)))
        if bsub and tsub:
            best += f" [{tsub}/{bsub}]"
        print(f"| {w} | {cell(b)} | {cell(br)} | {cell(t)} | {cell(tr)} | {cell(d)} | {cell(m)} "
              f"| {cell(mc)} | {best} | {fmt_ratio(ratio(median(t), median(b)))} "
              f"| {allocs(bbest)} / {allocs(tbest)} | {g} |")
    print()


def table_read_one(stats, goals):
    print("### (c) Read one field\n")
    print("View_ReadOne: Parse + one accessor (mytest: Num; echo: action); Tern_Read: "
          "FastRead of everything into a fresh object.\n")
    print("| workload | View_ReadOne | Tern_Read | Tern_Read / View_ReadOne | allocs/op View "
          "| goal |")
    print("|---|--:|--:|--:|--:|---|")
    one_1m = median(stats.get(("View", "ReadOne", "echo_1m")))
    for w in ("mytest", "echo_1m", "echo_10m"):
        v = stats.get(("View", "ReadOne", w))
        if v is None:
            continue
        t = stats.get(("Tern", "Read", w))
        g = ""
        if w == "echo_10m" and one_1m is not None and median(v) is not None:
            g = goals.check(f"≤1.2× echo_1m ({fmt_ratio(median(v) / one_1m)})",
                            median(v) <= 1.2 * one_1m)
        print(f"| {w} | {cell(v)} | {cell(t)} | {fmt_ratio(ratio(median(t), median(v)))} "
              f"| {allocs(v)} | {g} |")
    print()


def table_proxy(stats, goals):
    print("### (d) Proxy: change one field, re-emit\n")
    print("The received frame is a Slice. Builder: view over the frame's block + "
          "Builder(view) + one setter + frame/envelope + WriteTo (unchanged bytes by "
          "reference); Tern: FastRead into a fresh struct + one assignment + Encode "
          "(Ref: large strings by reference). Output consumed and released per iteration.\n")
    print("| workload | Builder_Proxy | Tern_Proxy | TernRef_Proxy | best Tern / Builder "
          "| allocs/op Builder / Tern | goal |")
    print("|---|--:|--:|--:|--:|--:|---|")
    for w in PROXY_WORKLOADS:
        b = stats.get(("Builder", "Proxy", w))
        if b is None:
            continue
        t = stats.get(("Tern", "Proxy", w))
        tr = stats.get(("TernRef", "Proxy", w))
        tsub, tbest = fastest(stats, ["Tern", "TernRef"], "Proxy", w)
        r = ratio(median(tbest), median(b))
        g = ""
        if w == "echo_1m" and r is not None:
            g = goals.check("≥5× faster", r >= 5)
        best = fmt_ratio(r) + (f" [{tsub}]" if tsub else "")
        print(f"| {w} | {cell(b)} | {cell(t)} | {cell(tr)} | {best} "
              f"| {allocs(b)} / {allocs(tbest)} | {g} |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--time", choices=["cpu", "real"], default="cpu")
    args = ap.parse_args()
    stats = load(args.json, f"{args.time}_time")
    workloads = [w for w in WORKLOADS if any(k[2] == w for k in stats)]
    workloads += sorted({k[2] for k in stats} - set(workloads))

    print(f"Copy-free codec (serde_bench), {args.time} time per op: median "
          "(min/max vs median, or ±stddev). Ratios of medians; >1 in a `X / Y` column: "
          "Y is faster than X by that factor.\n")
    goals = Goals()
    table_read_all(stats, workloads, goals)
    table_build_write(stats, workloads, goals)
    table_read_one(stats, goals)
    table_proxy(stats, goals)
    print(f"Goals: {goals.passes} PASS, {goals.misses} MISS.")


if __name__ == "__main__":
    main()
