#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Captures a real program's memory address stream with valgrind lackey and
# converts it into mmusim's native trace format, xz-compressed. The program's
# mappings (its /proc/PID/maps when the capture ends: the last snapshot, or
# the one taken at the --max cut) go first, as MAP records with their kind:
# anonymous, or file id + offset, private or shared (workloads/README.md).
#
# usage: scripts/trace_program.sh [-o OUT.mtr.xz] [--max N] -- CMD [ARGS...]
#   -o      output file (default build/traces/<cmd>.mtr.xz)
#   --max   keep only the first N lackey lines (instruction fetches and data
#           accesses), to bound the trace's size; 0 = everything (default)
# The exact command used for each shipped trace is in workloads/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="" max=0
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --max) max="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '/^# usage:/,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "usage: $0 [-o OUT.mtr.xz] [--max N] -- CMD [ARGS...]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-o OUT.mtr.xz] [--max N] -- CMD [ARGS...]" >&2; exit 2; }
[ -n "$out" ] || out="$root/build/traces/$(basename "$1").mtr.xz"

"$root/scripts/bootstrap.sh"
for tool in valgrind xz; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    pkg=$tool; [ "$tool" = xz ] && pkg=xz-utils
    echo "trace_program: installing $pkg" >&2
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "$pkg" >/dev/null
    else sudo apt-get install -y -qq "$pkg" >/dev/null; fi
  fi
done
"$root/scripts/build.sh" "$root/build/rel" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A snapshot of a process's mappings; kept only when whole.
snap() { cat "/proc/$1/maps" > "$tmp/maps.new" 2>/dev/null && mv "$tmp/maps.new" "$tmp/maps"; }
echo "trace_program: running $* under valgrind lackey" >&2
# lackey writes its trace to valgrind's log; the program's own output is kept
# apart. With --max the log goes through a FIFO into head, which stops after N
# lines; valgrind then gets a broken pipe but carries on (it ignores log write
# errors), so it is stopped here: a long program is not run to its end just to
# be cut.
if [ "$max" -gt 0 ]; then
  mkfifo "$tmp/log"
  head -n "$max" < "$tmp/log" > "$tmp/lackey.txt" &
  reader=$!
  valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/log" -- "$@" \
    >"$tmp/stdout" 2>"$tmp/stderr" &
  vg=$!
  wait "$reader"
  # /usr/bin/valgrind may be a wrapper around valgrind.bin: the process that
  # writes this run's log is found by its unique log path. Its mappings (the
  # program's, valgrind holding it in its own address space) at the cut, then
  # stop it.
  for p in $(pgrep -f -- "--log-file=$tmp/log" || true); do snap "$p"; done
  pkill -KILL -f -- "--log-file=$tmp/log" 2>/dev/null || true
  status=0
  wait "$vg" 2>/dev/null || status=$?  # no "Killed" job notice
  # Stopped after the first N lines (killed, or SIGPIPE): the expected end.
  if [ "$status" -ne 0 ] && [ "$(wc -l < "$tmp/lackey.txt")" -lt "$max" ]; then
    echo "trace_program: the program failed (status $status); its stderr:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
else
  valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/lackey.txt" -- "$@" \
    >"$tmp/stdout" 2>"$tmp/stderr" &
  vg=$!
  # The mappings as late as can be seen: a snapshot every 0.2 s while it runs.
  while kill -0 "$vg" 2>/dev/null; do snap "$vg"; sleep 0.2; done
  wait "$vg" || {
    echo "trace_program: the program failed; its stderr:" >&2; cat "$tmp/stderr" >&2; exit 1; }
fi
# The mappings as text-form MAP records (scripts/maps_to_trace.awk says how).
: > "$tmp/maps.txt"
if [ -s "$tmp/maps" ]; then
  awk -f "$root/scripts/maps_to_trace.awk" "$tmp/maps" > "$tmp/maps.txt"
  echo "trace_program: $(grep -c '^map' "$tmp/maps.txt") mappings from /proc/PID/maps" >&2
else
  echo "trace_program: no /proc/PID/maps snapshot: the trace has no MAP records" >&2
fi
mkdir -p "$(dirname "$out")"
"$root/build/rel/model/mmusim" convert --format lackey --prepend "$tmp/maps.txt" \
  "$tmp/lackey.txt" "$tmp/trace.mtr"
xz -9 -T1 -c "$tmp/trace.mtr" > "$out"
echo "trace_program: $(wc -l < "$tmp/lackey.txt") lackey lines -> $out ($(stat -c %s "$out") bytes)" >&2
