#!/usr/bin/env bash
# The README's first command: set up, build, and run the main demo.
# Until the RPC runtime exists, the demo is the LinkBuffer benchmark against
# std::vector and memcpy, with the CPU it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
echo
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1) ($(nproc) CPUs)"
build/tests/bench/buffer_bench --benchmark_min_time=0.2 --benchmark_counters_tabular=true
