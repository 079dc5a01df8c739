#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The speed of the stack-distance pass (results/perf.md): a 16-point L2 sweep
# over a shipped trace, in one run of this script, three ways on one worker:
#   stack      mmusim sweep with stack_distance = yes (one MMU simulated)
#   batched    mmusim sweep, one batch of 16 points (one reader feeds 16 MMUs)
#   per-point  mmusim sweep with batch = 1 (16 processes, one MMU each)
# and the ratios of their wall and CPU times. Every number the stack pass
# writes is checked equal to the batched sweep's.
set -eu
usage() {
  cat <<'EOF2'
usage: scripts/sweep_stack_speed.sh [--mmusim BIN] [--trace NAME|FILE] [--accesses N] [--policy P]
  Times a 16-point L2 sweep (l2.4k2m entries 64..8192*2 x ways 4|8, low-bit
  index: skylake's XOR index is refused by the pass) over the trace (default
  awk, whole; policy 4k) as a stack-distance pass, batched, and one process
  per point, on one worker; prints times and ratios.
  Work files under build/sweep_stack_speed. BIN default: build/rel/model/mmusim.
EOF2
}
P=4k
sweep_opt() { [ "$1" = --policy ] && P="$2"; }
. "$(dirname "$0")/sweep_lib.sh"
sweep_parse "$@"
W=build/sweep_stack_speed
rm -rf "$W"
mkdir -p "$W"
sweep_spec 16 "$P" "stack_distance = yes" "index = low" > "$W/stack.ini"
sweep_spec 16 "$P" "stack_distance = no" "index = low" > "$W/batched.ini"
sweep_spec 1 "$P" "stack_distance = no" "index = low" > "$W/single.ini"
for k in stack batched single; do
  sweep_time "$W/t_$k" "$W/$k.ini" "$W/$k"
done
/usr/bin/python3 - "$W/stack/sweep.csv" "$W/batched/sweep.csv" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
b = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == len(b) == 16, (len(a), len(b))
n = 0
for x, y in zip(a, b):
    for k, v in x.items():
        if v != "" and k not in ("batch_seconds", "pareto", "status"):
            if v != y[k]:
                sys.exit("sweep_stack_speed.sh: point %s: %s = %s (stack) vs %s" % (x["point"], k, v, y[k]))
            n += 1
print("stack pass = batched sweep: %d numbers of 16 rows equal" % n)
PY
printf '%-10s %9s %9s\n' way wall_s cpu_s
for k in stack batched single; do
  printf '%-10s %9s %9.2f\n' "$k" "$(wall "$W/t_$k")" "$(cpu "$W/t_$k")"
done
awk -v s="$(cpu "$W/t_stack")" -v b="$(cpu "$W/t_batched")" -v p="$(cpu "$W/t_single")" \
  -v sw="$(wall "$W/t_stack")" -v bw="$(wall "$W/t_batched")" -v pw="$(wall "$W/t_single")" \
  'BEGIN { printf "batched / stack: %.1fx CPU, %.1fx wall; per-point / stack: %.1fx CPU, %.1fx wall\n", b / s, bw / sw, p / s, pw / sw }'
