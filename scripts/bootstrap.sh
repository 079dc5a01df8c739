#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages mmusim needs, when they are missing.
# Idempotent and silent when everything is already there.
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'EOF'
usage: scripts/bootstrap.sh
Installs the Debian packages mmusim needs to build and test (apt-get, as root
or through sudo) when some are missing; prints nothing when all are there.
EOF
    exit 0 ;;
  '') ;;
  *) echo "bootstrap.sh: unexpected argument '$1' (see --help)" >&2; exit 2 ;;
esac

PACKAGES=(
  build-essential cmake ninja-build pkg-config   # C11/C++17 build
  libgtest-dev libgmock-dev                      # unit tests
  libinih-dev                                    # config files (INI parser)
  libjansson-dev                                 # JSON: run --json, compare reading mmusim-cosim
  libbenchmark-dev                               # translation-rate benchmarks
  zlib1g-dev liblzma-dev                         # compressed traces (.gz, .xz)
  verilator libsystemc-dev                       # RTL walker, SystemC co-simulation
  python3-matplotlib                             # plots of `mmusim compare` (scripts/plot_compare.py)
  lcov gcovr                                     # C code coverage (scripts/coverage.sh)
  chromium                                       # the coverage page checked in a real browser
  slurmctld slurmd slurm-client munge            # mmusim sweep --slurm, tested on a private single-node Slurm
  clang libclang-rt-14-dev                       # libFuzzer harnesses (scripts/fuzz.sh, testbench/fuzz)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
