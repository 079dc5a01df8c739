#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The speed of sharing one decode (results/perf.md): a 16-point L2 sweep over
# a shipped trace, in one run of this script, three ways on one worker:
#   batched    mmusim sweep, one batch of 16 points (one reader feeds 16 MMUs)
#   per-point  mmusim sweep with batch = 1 (16 processes, each decodes the trace)
#   run loop   16 x mmusim run --trace (what a user's shell loop does)
# and the ratios of their wall and CPU times. Same results checked equal.
set -eu
usage() {
  cat <<'EOF'
usage: scripts/sweep_speed.sh [--mmusim BIN] [--trace NAME|FILE] [--accesses N] [--data-lines 0|1]
  Times a 16-point L2 sweep (l2.4k2m entries 64..8192*2 x ways 4|8) over the
  trace (default awk, whole) batched, one process per point, and as 16 x
  mmusim run (whole trace only), on one worker; prints times and ratios.
  --data-lines sets [memlat] data_lines in every point (default: the
  preset's, 1 for skylake: each access's data line goes through the cache
  stand-ins, the largest part of a lane's cost).
  Work files under build/sweep_speed. BIN default: build/rel/model/mmusim.
EOF
}
D=""
sweep_opt() { [ "$1" = --data-lines ] && D="$2"; }
. "$(dirname "$0")/sweep_lib.sh"
sweep_parse "$@"
W=build/sweep_speed
rm -rf "$W"
mkdir -p "$W"
tail=""
[ -n "$D" ] && tail=$(printf '[memlat]\ndata_lines = %s' "$D")
sweep_spec 16 4k "" "" "$tail" > "$W/batched.ini"
sweep_spec 1 4k "" "" "$tail" > "$W/single.ini"
sweep_time "$W/t_batched" "$W/batched.ini" "$W/batched"
sweep_time "$W/t_single" "$W/single.ini" "$W/single"
cmp <(sed 's/,[^,]*$//' "$W/batched/sweep.csv") <(sed 's/,[^,]*$//' "$W/single/sweep.csv") ||
  { echo "batched and per-point results differ" >&2; exit 1; }
loop=""
if [ "$N" = 0 ]; then
  # mmusim run has no access limit for traces: only for the whole trace.
  path=$(ls workloads/traces/"$T".mtr* 2>/dev/null | head -1)
  [ -f "$T" ] && path=$T
  for e in 64 128 256 512 1024 2048 4096 8192; do
    for w in 4 8; do
      printf '[mmu]\npreset = skylake\n[l2.4k2m]\nentries = %s\nways = %s\n' $e $w > "$W/p.ini"
      [ -n "$D" ] && printf '[memlat]\ndata_lines = %s\n' "$D" >> "$W/p.ini"
      /usr/bin/time -f "%e %U %S" -a -o "$W/t_loop" "$M" run --config "$W/p.ini" --trace "$path" --policy 4k >/dev/null 2>&1
    done
  done
  loop=1
fi
b=$(cpu "$W/t_batched"); s=$(cpu "$W/t_single"); bw=$(wall "$W/t_batched"); sw=$(wall "$W/t_single")
echo "16-point L2 sweep over $T ($( [ "$N" = 0 ] && echo "whole trace" || echo "$N accesses")${D:+, data_lines = $D}, -j 1):"
printf "  batched (1 batch of 16):     %7.2f s wall %7.2f s CPU\n" "$bw" "$b"
printf "  per-point (16 processes):    %7.2f s wall %7.2f s CPU   ratio %.2fx wall, %.2fx CPU\n" \
  "$sw" "$s" "$(awk "BEGIN{print $sw / $bw}")" "$(awk "BEGIN{print $s / $b}")"
if [ -n "$loop" ]; then
  lw=$(awk '{s += $1} END {print s}' "$W/t_loop"); lc=$(awk '{s += $2 + $3} END {print s}' "$W/t_loop")
  printf "  16 x mmusim run --trace:     %7.2f s wall %7.2f s CPU   ratio %.2fx wall, %.2fx CPU\n" \
    "$lw" "$lc" "$(awk "BEGIN{print $lw / $bw}")" "$(awk "BEGIN{print $lc / $b}")"
fi
