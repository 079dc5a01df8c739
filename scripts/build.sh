#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds one build tree: scripts/build.sh DIR [cmake -D options...]
set -euo pipefail
usage() {
  cat <<'EOF'
usage: scripts/build.sh DIR [cmake -D options...]
Configures DIR (Ninja when installed) with the options on first use, then
builds everything in it, e.g.
  scripts/build.sh build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_WERROR=ON
EOF
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  '') usage >&2; exit 2 ;;
  -*) echo "build.sh: the first argument is the build directory, not '$1' (see --help)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"; shift
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$dir" "${gen[@]}" "$@" >/dev/null
else
  cmake -S "$root" -B "$dir" "$@" >/dev/null
fi
cmake --build "$dir" -j "$(nproc)"
