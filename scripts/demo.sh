#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job. Until the C-vs-RTL
# comparison exists, the main job is `mmusim check` on the shipped example
# scenario: page walks, faults and A/D updates, each derived by hand from the
# SDM and compared with the model's answers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap.sh
echo "== building ==" >&2
scripts/build.sh build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
scn=testbench/scenarios/demo.scn
echo "== build/rel/model/mmusim check $scn ==" >&2
build/rel/model/mmusim check "$scn"
echo "== the same, compared with the hand-derived golden output ==" >&2
build/rel/model/mmusim check --expect "${scn%.scn}.expected" "$scn"
