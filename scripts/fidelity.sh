#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fidelity study (results/fidelity.md): tinymembench's latency test run on
# the model (`mmusim latbench`) for every preset or machine with a published
# curve, beside that curve, plus the sensitivity runs, then the plot; each
# case's report (<case>.txt) ends with the gap decomposed per walk (--walks).
# It only drives the CLI: every number comes from mmusim.
#   scripts/fidelity.sh [--out DIR] [--count N] [--quick]
# --out: where the CSVs and the plot go (default build/fidelity; the committed
# study is --out results/fidelity). --count: reads per test (default 2000000).
# --quick: three sizes and 160000 reads, to check that it runs (minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/fidelity"
count=2000000
sizes=512k,1m,2m,4m,8m,16m,32m,64m
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help)
      cat <<'EOF2'
usage: scripts/fidelity.sh [--out DIR] [--count N] [--quick]
The fidelity study (results/fidelity.md): tinymembench's latency test run on
the model (`mmusim latbench`) for every preset or machine with a published
curve, beside that curve, plus the sensitivity runs, then the plot. It only
drives the CLI: every number comes from mmusim.
--out: where the CSVs and the plot go (default build/fidelity; the committed
study is --out results/fidelity). --count: reads per test (default 2000000).
--quick: three sizes and 160000 reads, to check that it runs (minutes).
EOF2
      exit 0 ;;
    --out) out="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --quick) count=160000; sizes=512k,8m,64m; shift ;;
    *) echo "fidelity.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
"$root/scripts/build.sh" "$root/build/rel" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mmusim="$root/build/rel/model/mmusim"
# Run from the source tree with relative reference paths, so the printed
# reports (<case>.txt) name files as a reader of the repository sees them,
# not this machine's checkout.
cd "$root"
ref="results/fidelity"

# name | mmusim latbench arguments
cases=(
  "tigerlake|--preset tigerlake --reference $ref/tinymembench_tigerlake_gap.csv"
  "g4600|--config $ref/g4600.ini --reference $ref/tinymembench_g4600_gap.csv"
  "c5205u|--config $ref/c5205u.ini --reference $ref/tinymembench_c5205u_gap.csv"
  "tigerlake_no_data_lines|--preset tigerlake --data-lines off --reference $ref/tinymembench_tigerlake_gap.csv"
  "tigerlake_scattered|--preset tigerlake --frames scattered --reference $ref/tinymembench_tigerlake_gap.csv"
  "tigerlake_walk_skip_l1|--config $ref/tigerlake_walk_skip_l1.ini --reference $ref/tinymembench_tigerlake_gap.csv"
  "tigerlake_stlb_2048|--config $ref/tigerlake_stlb_2048.ini --reference $ref/tinymembench_tigerlake_gap.csv"
  "tigerlake_no_pair|--config $ref/tigerlake_no_pair.ini --reference $ref/tinymembench_tigerlake_gap.csv"
  "g4600_walk_skip_l1|--config $ref/g4600_walk_skip_l1.ini --reference $ref/tinymembench_g4600_gap.csv"
  "c5205u_walk_skip_l1|--config $ref/c5205u_walk_skip_l1.ini --reference $ref/tinymembench_c5205u_gap.csv"
  "c5205u_scattered|--config $ref/c5205u.ini --frames scattered --reference $ref/tinymembench_c5205u_gap.csv"
  "tigerlake_l1_lru|--config $ref/tigerlake_l1_lru.ini --reference $ref/tinymembench_tigerlake_gap.csv"
  "g4600_l1_lru|--config $ref/g4600_l1_lru.ini --reference $ref/tinymembench_g4600_gap.csv"
  "c5205u_l1_lru|--config $ref/c5205u_l1_lru.ini --reference $ref/tinymembench_c5205u_gap.csv"
  "zen3|--preset zen3"
  "zen3_scattered|--preset zen3 --frames scattered"
)
for c in "${cases[@]}"; do
  name="${c%%|*}"
  args="${c#*|}"
  echo "fidelity: $name" >&2
  # shellcheck disable=SC2086 # the arguments are words
  nice -n 10 "$mmusim" latbench $args --sizes "$sizes" --count "$count" --walks \
    --csv "$out/$name.csv" >"$out/$name.txt"
done
/usr/bin/python3 "$root/scripts/plot_fidelity.py" "$out"
echo "fidelity: results in $out" >&2
