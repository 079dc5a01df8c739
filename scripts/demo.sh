#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job, from a fresh machine: installs what is missing, builds mmusim
# (and mmusim-cosim, the C-vs-RTL co-simulation, when the tree has it), runs
# `mmusim compare` with its defaults -- preset skylake; seq, stride, random and
# chase over 1 MiB .. 64 GiB and the sort/xz/awk traces; 4K, 2M and 1G pages --
# prints the table and writes results/: compare.md, compare.csv,
# compare_latency.csv, compare_misses.png and compare_latency.png.
# Arguments go to `mmusim compare` (e.g. --preset zen2 --out /tmp/zen2).
# Exit status: that of `mmusim compare` (1: the C and RTL walkers disagree).
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/demo.sh [mmusim compare options]
Installs what is missing, builds mmusim (and mmusim-cosim) in build/rel
(MMUSIM_BUILD_DIR overrides), runs `mmusim compare` (preset skylake, synthetic
streams over 1 MiB .. 64 GiB and the shipped traces, 4K/2M/1G pages) and
plots the results into results/ (or --out DIR). Options go to mmusim compare
(`mmusim compare --help`). Exit status: that of mmusim compare.
EOF
    exit 0 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh

t0=$SECONDS
dir="${MMUSIM_BUILD_DIR:-build/rel}"   # MMUSIM_BUILD_DIR: another build tree
if [ ! -f "$dir/CMakeCache.txt" ]; then
  gen=()
  command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
  # The same options as scripts/test.sh, so the two share this tree.
  cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_WERROR=ON >/dev/null
fi
# Only what the demo runs, not the test suite.
targets=(mmusim)
if cmake --build "$dir" --target help 2>/dev/null | grep -qE '(^|\.\.\. )mmusim-cosim(:|$)'; then
  targets+=(mmusim-cosim)
fi
echo "== building ${targets[*]} in $dir ==" >&2
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}" >&2
t_build=$((SECONDS - t0))

# Results go to results/ unless the arguments say --out.
out=results
args=("$@")
prev=
for a in "$@"; do
  [ "$prev" = --out ] && out="$a"
  case "$a" in --out=*) out="${a#--out=}" ;; esac
  prev="$a"
done
[ "$out" = results ] && args=(--out results "$@")
echo "== $dir/model/mmusim compare ${args[*]} ==" >&2
t1=$SECONDS
rc=0
"$dir/model/mmusim" compare "${args[@]}" || rc=$?
t_cmp=$((SECONDS - t1))
if [ "$rc" -le 1 ] && [ -f "$out/compare.csv" ]; then
  echo "== plots: /usr/bin/python3 scripts/plot_compare.py $out ==" >&2
  /usr/bin/python3 scripts/plot_compare.py "$out" || rc=2
fi
echo "demo: build ${t_build} s, compare ${t_cmp} s, total $((SECONDS - t0)) s; results in $out/" >&2
exit "$rc"
