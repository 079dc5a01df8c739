#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Measures translation throughput (Google Benchmark, median of 5 repetitions),
# trace reading, workload-kernel generation and the OS model under memory
# pressure (with its records/s as a share of the unconstrained run's; median of
# 3), and `mmusim check` throughput on a generated 100,000-access scenario
# (best of 5 runs). Prints the lines results/perf.md records.
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/bench.sh [ACCESSES]
Builds build/rel, then measures translation throughput (Google Benchmark),
trace reading, and `mmusim check` on a generated scenario of ACCESSES accesses
(default 100000). Prints the lines results/perf.md records.
EOF
    exit 0 ;;
  '') ;;
  *[!0-9]*) echo "bench.sh: ACCESSES must be digits, not '$1' (see --help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "bench.sh: unexpected argument '$2' (see --help)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
scripts/build.sh build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mkdir -p build/bench
echo "== translate (build/rel/testbench/bench/bench_translate, median of 5) =="
build/rel/testbench/bench/bench_translate --benchmark_min_time=1 --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median|^Benchmark|^---'
echo "== trace reading (build/rel/testbench/bench/bench_trace, median of 3) =="
build/rel/testbench/bench/bench_trace --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median|^Benchmark'
echo "== workload kernels, generation alone (build/rel/testbench/bench/bench_kernels, median of 3) =="
build/rel/testbench/bench/bench_kernels --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median|^Benchmark'
echo "== OS model under memory pressure (build/rel/testbench/bench/bench_os, median of 3) =="
build/rel/testbench/bench/bench_os --benchmark_min_time=1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median|^Benchmark' | tee build/bench/os.txt
# Each policy's records/s as a share of the unconstrained run's, same run.
awk '/_median/ { for (i = 1; i <= NF; i++) if ($i ~ /^items_per_second=/) { v = $i; sub(/items_per_second=/, "", v);
       m = 1; if (v ~ /M\/s$/) m = 1e6; else if (v ~ /k\/s$/) m = 1e3; sub(/[kM]?\/s$/, "", v); r[$1] = v * m } }
     END { base = r["Unconstrained_median"]; for (k in r) if (k != "Unconstrained_median")
       printf "bench_os: %s runs at %.2fx the unconstrained records/s (%.1f M vs %.1f M records/s)\n", k, r[k] / base, r[k] / 1e6, base / 1e6 }' build/bench/os.txt | sort
echo "== mmusim check =="
n="${1:-100000}"
/usr/bin/python3 workloads/gen_check_scenario.py --accesses "$n" > build/bench/check.scn
best=""
for _ in 1 2 3 4 5; do
  s=$(date +%s.%N)
  build/rel/model/mmusim check build/bench/check.scn > build/bench/check.out
  e=$(date +%s.%N)
  t=$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')
  if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
done
results=$(grep -c '^result' build/bench/check.out)
faults=$(grep -c '^result .* fault' build/bench/check.out || true)
printf 'mmusim check: %d accesses (%d faults), %d scenario lines, best of 5: %.3f s (%.2f M accesses/s, parse included)\n' \
  "$results" "$faults" "$(wc -l < build/bench/check.scn)" "$best" "$(awk -v n="$results" -v t="$best" 'BEGIN { print n / t / 1e6 }')"
echo "== mmusim check, many scenarios (one MMU and memory each) =="
# Wall and CPU seconds and peak RSS of one run (MMUSIM overrides the binary,
# e.g. an older build for a before/after comparison).
measure() {
  /usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, check=True)
wall = time.time() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%s: %.2f s wall, %.2f s CPU, peak RSS %.1f MB"
      % (sys.argv[1], wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024))
PY
}
mmusim="${MMUSIM:-build/rel/model/mmusim}"
/usr/bin/python3 workloads/gen_check_scenario.py --accesses 200000 --scenarios 200000 > build/bench/check_200k.scn
/usr/bin/python3 workloads/gen_check_scenario.py --accesses 1000000 --scenarios 80000 > build/bench/check_80k.scn
measure "200,000 one-access scenarios" "$mmusim" check build/bench/check_200k.scn
measure "1,000,000 accesses in 80,000 scenarios" "$mmusim" check build/bench/check_80k.scn
