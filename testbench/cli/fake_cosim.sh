#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Stand-in for mmusim-cosim in the `mmusim compare` tests: checks that it is
# called with the interface compare relies on, then answers as told by
# FAKE_COSIM_MODE: agree (default), mismatch, fail, garbage.
#   mmusim-cosim walks (--preset N | --config F) (--workload SPEC | --trace F --policy P)
#                --accesses K --walks W --json
[ "$1" = walks ] || { echo "fake_cosim: first argument '$1', want walks" >&2; exit 9; }
shift
k= w= json= src= pol= cfg=
while [ $# -gt 0 ]; do
  case "$1" in
    --preset|--config) cfg=1; shift ;;
    --workload) src=1; shift ;;
    --trace) src=1; shift ;;
    --policy) pol="$2"; shift ;;
    --accesses) k="$2"; shift ;;
    --walks) w="$2"; shift ;;
    --json) json=1 ;;
    *) echo "fake_cosim: unexpected argument '$1'" >&2; exit 9 ;;
  esac
  shift
done
[ -n "$k" ] && [ -n "$w" ] && [ -n "$json" ] && [ -n "$src" ] && [ -n "$cfg" ] ||
  { echo "fake_cosim: missing --accesses, --walks, --json, a workload or a configuration" >&2; exit 9; }
case "$pol" in ''|4k|thp|1g) ;; *) echo "fake_cosim: bad --policy $pol" >&2; exit 9 ;; esac
case "${FAKE_COSIM_MODE:-agree}" in
  agree) m=0 r=120.5 ;;
  mismatch) m=3 r=121.5 ;;
  fail) echo "fake_cosim: verilated model failed to start" >&2; exit 3 ;;
  garbage) echo "hello"; exit 0 ;;
esac
echo "cosim: $k accesses" >&2
printf '{"walks":40,"accesses":%s,"mismatches":%s,"c_walk_mean":120.5,"rtl_walk_mean":%s,"c_walk_p50":110,"rtl_walk_p50":110,"c_walk_p99":300,"rtl_walk_p99":300,"c_refs_per_walk":2.5,"rtl_refs_per_walk":2.5,"c_seconds":0.01,"rtl_seconds":0.02}\n' "$k" "$m" "$r"
[ "$m" = 0 ] || exit 1
