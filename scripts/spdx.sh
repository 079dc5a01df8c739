#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Puts the license line into every source file of the tree that lacks it
#   scripts/spdx.sh           add it (idempotent: files that have it are left alone)
#   scripts/spdx.sh --check   list the files without it; exit 1 if there are any
# Source files: C/C++ (/* ... */ on the first line), SystemVerilog (// ...),
# CMake, shell, Python and pkg-config templates (# ..., after a shebang).
# Data files are not touched: traces, scenarios and goldens, the preset INI
# files (their first line is the preset's description), Markdown, plots.
set -euo pipefail
check=0
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/spdx.sh [--check]
Puts "SPDX-License-Identifier: Apache-2.0" into every source file of the tree
that lacks it (C/C++, SystemVerilog, CMake, shell, Python, pkg-config
templates); data files (traces, scenarios, goldens, presets) are left alone.
--check: change nothing, list the files without it, exit 1 if there are any.
EOF
    exit 0 ;;
  --check) check=1 ;;
  '') ;;
  *) echo "spdx.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tag="SPDX-License-Identifier: Apache-2.0"

missing=0
# An interrupted run leaves no half-written temporary file behind.
tmp=""
trap 'if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT
while IFS= read -r -d '' f; do
  head -n 3 "$f" | grep -q "SPDX-License-Identifier" && continue
  if [ $check -eq 1 ]; then
    echo "$f: no $tag"
    missing=$((missing + 1))
    continue
  fi
  case "$f" in
    *.c | *.h | *.cc | *.h.in) line="/* $tag */" ;;
    *.sv) line="// $tag" ;;
    *) line="# $tag" ;;
  esac
  tmp="$(mktemp "$f.XXXXXX")"
  if head -n 1 "$f" | grep -q '^#!'; then
    { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } > "$tmp"
  else
    { echo "$line"; cat "$f"; } > "$tmp"
  fi
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
  echo "spdx: $f"
done < <(find . \( -path ./.git -o -path './build*' -o -name __pycache__ \) -prune -o -type f \
           \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.h.in' -o -name '*.sv' \
              -o -name CMakeLists.txt -o -name '*.cmake' -o -name '*.cmake.in' -o -name '*.pc.in' \
              -o -name '*.sh' -o -name '*.py' -o -path ./.ci/run \) -print0 | sort -z)

if [ $check -eq 1 ] && [ $missing -gt 0 ]; then
  echo "spdx: $missing file(s) without the license line; run scripts/spdx.sh" >&2
  exit 1
fi
exit 0
