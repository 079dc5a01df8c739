#!/usr/bin/env bash
# C-vs-RTL co-simulation: configures and builds mmusim-cosim if needed, then
# runs the random campaign. Usage: scripts/cosim.sh [--walks N] [--seed S]
# [other `mmusim-cosim random` options]. Builds into build/rel (override with
# MMU_BUILD_DIR, relative to the repository or absolute). Works from any
# directory; exits with mmusim-cosim's status (1 on a mismatch).
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/cosim.sh [--walks N] [--seed S] [other `mmusim-cosim random` options]
Configures and builds mmusim-cosim in build/rel (MMU_BUILD_DIR overrides) if
needed, then runs the random C-vs-RTL co-simulation campaign. Exit status:
mmusim-cosim's (1 on a mismatch). `mmusim-cosim random --help` lists the options.
EOF
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
