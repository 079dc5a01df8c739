#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# C-vs-RTL co-simulation: configures and builds mmusim-cosim if needed, then
# runs the random campaign. Usage: scripts/cosim.sh [--walks N] [--seed S]
# [other `mmusim-cosim random` options]. Builds into build/rel (override with
# MMU_BUILD_DIR, relative to the repository or absolute). Works from any
# directory; exits with mmusim-cosim's status (1 on a mismatch).
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'USAGE'
usage: scripts/cosim.sh [--walks N] [--seed S] [mmusim-cosim random options...]
  Builds mmusim-cosim in build/rel (MMU_BUILD_DIR overrides) if needed, then
  runs `mmusim-cosim random` with the options given: random page tables,
  control state and accesses through the C walker and the RTL walker, every
  answer, write and cycle count compared. `mmusim-cosim random --help` lists
  the options. Exit 0, 1 on a mismatch, 2 on bad input.
USAGE
    exit 0 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${MMU_BUILD_DIR:-build/rel}"
case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
if [ ! -f "$dir/CMakeCache.txt" ]; then
  gen=()
  command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
  cmake -S "$root" -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_WERROR=ON >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" --target mmusim-cosim >/dev/null
exec "$dir/model/mmusim-cosim" random "$@"
