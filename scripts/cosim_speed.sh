#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Speed of the RTL co-simulation: the same random campaign (same seed, so the
# same worlds and walks) through each way mmusim-cosim can run the RTL walker,
# as separate processes interleaved round by round, so all variants see the
# same machine load. Prints, per variant, the median over the rounds of the
# RTL side's walks/s (walks / time inside its translate calls, as
# `mmusim-cosim random` reports it), of the C side's, and of the process's
# CPU seconds (user + sys), with the RTL rate as a multiple of the SystemC
# engine clocked through every cycle (the bridge before memory waits were
# skipped). --baseline BIN adds another mmusim-cosim binary (e.g. one built
# from an older commit) as one more variant, run with no options.
set -euo pipefail
usage() {
  cat <<'EOF'
usage: scripts/cosim_speed.sh [--walks N] [--rounds R] [--seed S] [--baseline BIN]
  Runs `mmusim-cosim random --walks N --seed S --quiet` (default 100000 walks,
  seed 11, 3 rounds) with --dut rtl, rtl --no-skip, rtl-sc, rtl-sc --no-skip
  (and BIN), interleaved, and prints medians. Builds build/rel first
  (MMU_BUILD_DIR overrides).
EOF
}
walks=100000 rounds=3 seed=11 baseline=
while [ $# -gt 0 ]; do
  case "$1" in
    --walks) walks="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --baseline) baseline="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "scripts/cosim_speed.sh: unexpected argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${MMU_BUILD_DIR:-build/rel}"
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
if [ ! -f "$dir/CMakeCache.txt" ]; then
  gen=()
  command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
  cmake -S "$root" -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_WERROR=ON >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" --target mmusim-cosim >/dev/null
cosim="$dir/model/mmusim-cosim"

names=("rtl (direct, skipped waits)" "rtl --no-skip (direct, every edge)"
       "rtl-sc (SystemC, skipped waits)" "rtl-sc --no-skip (SystemC, every edge)")
cmds=("$cosim random --dut rtl" "$cosim random --dut rtl --no-skip"
      "$cosim random --dut rtl-sc" "$cosim random --dut rtl-sc --no-skip")
if [ -n "$baseline" ]; then
  names+=("baseline $baseline")
  cmds+=("$baseline random")
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "mmusim-cosim random --walks $walks --seed $seed --quiet, $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for i in "${!cmds[@]}"; do
    out="$tmp/$i.$r"
    # shellcheck disable=SC2086  # the command line is split on purpose
    /usr/bin/time -f "cpu %U %S" -o "$out.time" ${cmds[$i]} --walks "$walks" --seed "$seed" --quiet >"$out" \
      || { echo "scripts/cosim_speed.sh: ${names[$i]} failed (round $r):" >&2; cat "$out" >&2; exit 1; }
    grep -q " 0 mismatches" "$out" || { echo "scripts/cosim_speed.sh: ${names[$i]}: mismatches" >&2; exit 1; }
  done
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ref=
printf '%-40s %12s %12s %9s %14s\n' variant "RTL walks/s" "C walks/s" "CPU s" "RTL vs every-edge SystemC"
for i in "${!cmds[@]}"; do
  rtl=$(for r in $(seq 1 "$rounds"); do sed -n 's/.* path \([0-9]*\) walks\/s ([0-9.]* s in translate), C path .*/\1/p' "$tmp/$i.$r"; done | median)
  c=$(for r in $(seq 1 "$rounds"); do sed -n 's/.*, C path \([0-9]*\) walks\/s.*/\1/p' "$tmp/$i.$r"; done | median)
  cpu=$(for r in $(seq 1 "$rounds"); do awk '{ print $2 + $3 }' "$tmp/$i.$r.time"; done | median)
  [ $i -eq 3 ] && ref=$rtl
  rows[$i]="$rtl $c $cpu"
done
for i in "${!cmds[@]}"; do
  read -r rtl c cpu <<<"${rows[$i]}"
  printf '%-40s %12.0f %12.0f %9.2f %13.1fx\n' "${names[$i]}" "$rtl" "$c" "$cpu" "$(awk -v a="$rtl" -v b="$ref" 'BEGIN { print a / b }')"
done
