#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/sweep_speed.sh and scripts/sweep_stack_speed.sh (sourced,
# not run): their options, the 16-point L2 sweep spec they time, and how a
# sweep is timed. Each script defines usage() and, for its own options,
# sweep_opt NAME VALUE (return 0 when it took the option) before sourcing.
#
# After sweep_parse "$@": M (the mmusim binary), T (the trace), N (accesses,
# 0 = the whole trace), and the working directory is the source tree.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then # run rather than sourced
  case "${1:-}" in
    -h|--help)
      cat <<'EOF'
usage: scripts/sweep_lib.sh
  Not a command: the options, spec and timing that scripts/sweep_speed.sh and
  scripts/sweep_stack_speed.sh share, sourced by them. Run one of those.
EOF
      exit 0 ;;
    *) echo "sweep_lib.sh: sourced by sweep_speed.sh and sweep_stack_speed.sh; run one of those" >&2
       exit 2 ;;
  esac
fi

M=build/rel/model/mmusim T=awk N=0
sweep_parse() {
  local me
  me=$(basename "$0")
  while [ $# -gt 0 ]; do
    case "$1" in
      --mmusim) M="$2"; shift 2 ;;
      --trace) T="$2"; shift 2 ;;
      --accesses) N="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *)
        if [ $# -ge 2 ] && sweep_opt "$1" "$2"; then
          shift 2
        else
          echo "$me: unexpected argument '$1'" >&2; usage >&2; exit 2
        fi ;;
    esac
  done
  cd "$(dirname "$0")/.."
}

# sweep_spec BATCH POLICY [SWEEP_LINES [L2_LINES [TAIL]]]: the spec of the
# sweep both scripts time, l2.4k2m entries 64..8192*2 x ways 4|8 (16 points),
# preset skylake, over $T ($N accesses unless 0), BATCH points to a batch;
# SWEEP_LINES go into [sweep], L2_LINES into [l2.4k2m], TAIL after it.
sweep_spec() {
  printf '[sweep]\npresets = skylake\nworkloads = %s\npolicies = %s\n' "$T" "$2"
  [ "$N" != 0 ] && printf 'accesses = %s\n' "$N"
  printf 'batch = %s\n' "$1"
  [ -n "${3:-}" ] && printf '%s\n' "$3"
  printf '\n[l2.4k2m]\nentries = 64..8192*2\nways = 4 | 8\n'
  [ -n "${4:-}" ] && printf '%s\n' "$4"
  [ -n "${5:-}" ] && printf '\n%s\n' "$5"
  return 0
}

# sweep_time TIMES SPEC OUT: run `mmusim sweep SPEC --out OUT -j 1`, its
# wall, user and system seconds appended to the file TIMES.
sweep_time() {
  /usr/bin/time -f "%e %U %S" -a -o "$1" "$M" sweep "$2" --out "$3" -j 1 >/dev/null 2>&1
}

# CPU (user + system) and wall seconds of a one-line TIMES file.
cpu() { awk '{print $2 + $3}' "$1"; }
wall() { awk '{print $1}' "$1"; }
