#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What functional coverage costs in the translate path: bench_translate (hooks
# compiled in) with coverage off and on, against bench_translate_nocov (hooks
# compiled out, MMU_COVERAGE=0), run in turn ROUNDS times in one go so that
# machine noise hits both alike. Prints the median time per translation of
# each and the ratios results/perf.md records.
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: scripts/bench_coverage.sh [ROUNDS]
Builds bench_translate and bench_translate_nocov in build/rel, then runs them
alternately ROUNDS times (default 7; each run: L1HitStream and WalkRandom/64,
median of 3 repetitions) and prints the medians over the rounds and the ratios
  in/off : out   (coverage compiled in but off, against compiled out)
  in/on  : out   (coverage counting)
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  '') ;;
  *[!0-9]*|0) echo "bench_coverage.sh: ROUNDS must be a positive number, not '$1' (see --help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "bench_coverage.sh: unexpected argument '$2' (see --help)" >&2; exit 2; }
rounds="${1:-7}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${MMU_BENCH_BUILD:-build/rel}"
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target bench_translate bench_translate_nocov >/dev/null
out="$build/bench_coverage"
rm -rf "$out"; mkdir -p "$out"
bin="$build/testbench/bench"
args=(--benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
      --benchmark_format=json)
for i in $(seq "$rounds"); do
  # Alternate which goes first, so neither always runs on a warmer machine.
  if [ $((i % 2)) -eq 1 ]; then order="in out"; else order="out in"; fi
  for which in $order; do
    if [ "$which" = in ]; then
      "$bin/bench_translate" --benchmark_filter='^(L1HitStream|WalkRandom/64)/cov:[01]$' "${args[@]}" \
        > "$out/in.$i.json" 2>/dev/null
    else
      "$bin/bench_translate_nocov" --benchmark_filter='^(L1HitStream|WalkRandom/64)/cov:0$' "${args[@]}" \
        > "$out/out.$i.json" 2>/dev/null
    fi
  done
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import glob, json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
t = {}  # (build, benchmark) -> per-round medians, ns per translation
for build in ("in", "out"):
    for f in sorted(glob.glob("%s/%s.*.json" % (out, build))):
        for b in json.load(open(f))["benchmarks"]:
            if b.get("aggregate_name") != "median":
                continue
            t.setdefault((build, b["run_name"]), []).append(b["real_time"])
def med(build, name):
    v = t.get((build, name))
    if not v:
        sys.exit("bench_coverage.sh: no %s result for %s" % (build, name))
    return statistics.median(v), min(v), max(v)
print("%d rounds; ns per translation: median over rounds (min..max)" % rounds)
for bench in ("L1HitStream", "WalkRandom/64"):
    out_ = med("out", bench + "/cov:0")
    off = med("in", bench + "/cov:0")
    on = med("in", bench + "/cov:1")
    print("%-14s compiled out %.2f (%.2f..%.2f)  in, off %.2f (%.2f..%.2f)  in, on %.2f (%.2f..%.2f)"
          % ((bench,) + out_ + off + on))
    print("%-14s in/off : out = %.3f   in/on : out = %.3f" % (bench, off[0] / out_[0], on[0] / out_[0]))
PY
