#!/usr/bin/env bash
# Measures `mmusim check` throughput on a generated 100,000-access scenario
# (best of 5 runs). Prints one line per measurement for results/perf.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
scripts/build.sh build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mkdir -p build/bench
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
