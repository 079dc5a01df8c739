#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What functional coverage costs in the translate path, measured in one
# process (testbench/bench/bench_coverage.cc): the core with the hooks compiled
# out, compiled in but off, and counting, repetitions randomly interleaved.
# Prints the medians and the ratios results/perf.md records.
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: scripts/bench_coverage.sh [REPETITIONS]
Builds bench_coverage in build/rel and runs it with REPETITIONS (default 15)
randomly interleaved repetitions of each benchmark (0.3 s each), then prints
the median ns per translation and the ratios
  in/off : out   (coverage compiled in but off, against compiled out)
  in/on  : out   (coverage counting)
Then, when valgrind is installed, the instructions per mmu_translate call of
each (callgrind, deterministic: the check that does not depend on machine
noise).
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  '') ;;
  *[!0-9]*|0) echo "bench_coverage.sh: REPETITIONS must be a positive number, not '$1' (see --help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "bench_coverage.sh: unexpected argument '$2' (see --help)" >&2; exit 2; }
reps="${1:-15}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${MMU_BENCH_BUILD:-build/rel}"
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target bench_coverage >/dev/null
mkdir -p "$build/bench"
json="$build/bench/bench_coverage.json"
"$build/testbench/bench/bench_coverage" --benchmark_enable_random_interleaving=true \
  --benchmark_repetitions="$reps" --benchmark_min_time=0.3 --benchmark_format=json > "$json" 2>/dev/null
/usr/bin/python3 - "$json" <<'PY'
import json, statistics, sys
t = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") == "iteration":
        t.setdefault(b["run_name"], []).append(b["cpu_time"])
def m(name):
    v = t[name]
    return statistics.median(v), min(v), max(v), len(v)
for w in ("L1Hits", "Walks"):
    o, f, n = m(w + "_out"), m(w + "_in_off"), m(w + "_in_on")
    print("%-6s ns/translation, median (min..max) of %d: out %.2f (%.2f..%.2f)  in, off %.2f (%.2f..%.2f)"
          "  in, on %.2f (%.2f..%.2f)" % ((w, o[3]) + o[:3] + f[:3] + n[:3]))
    print("%-6s in/off : out = %.3f   in/on : out = %.3f" % (w, f[0] / o[0], n[0] / o[0]))
PY

command -v valgrind >/dev/null 2>&1 || { echo "(valgrind not installed: no instruction counts)"; exit 0; }
echo "instructions per mmu_translate call (callgrind, inclusive, every call in the run):"
for b in L1Hits_out L1Hits_in_off L1Hits_in_on Walks_out Walks_in_off Walks_in_on; do
  valgrind --tool=callgrind --callgrind-out-file="$build/bench/callgrind.$b" \
    "$build/testbench/bench/bench_coverage" --benchmark_filter="^$b\$" --benchmark_min_time=0.3 \
    >/dev/null 2>&1
done
/usr/bin/python3 - "$build/bench" <<'PY'
import re, sys
# Sum the calls to *mmu_translate and their inclusive instruction counts from
# the call records (cfn=, calls=, then "position cost") of each profile.
def per_call(path):
    names, calls, cost, want, pending = {}, 0, 0, False, False
    for line in open(path):
        m = re.match(r"^c?fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("cfn="):
                want = names.get(m.group(1), "").endswith("mmu_translate")
            continue
        if line.startswith("calls="):
            pending = want
            if want:
                calls += int(line.split()[0][6:])
            continue
        if pending:
            cost += int(line.split()[1])
            pending = False
    return cost / calls, calls
r = {}
for b in ("L1Hits_out", "L1Hits_in_off", "L1Hits_in_on", "Walks_out", "Walks_in_off", "Walks_in_on"):
    r[b] = per_call("%s/callgrind.%s" % (sys.argv[1], b))
for w in ("L1Hits", "Walks"):
    o, f, n = r[w + "_out"][0], r[w + "_in_off"][0], r[w + "_in_on"][0]
    print("%-6s out %.1f  in, off %.1f  in, on %.1f   in/off : out = %.3f   in/on : out = %.3f   (%d calls out)"
          % (w, o, f, n, f / o, n / o, r[w + "_out"][1]))
PY
