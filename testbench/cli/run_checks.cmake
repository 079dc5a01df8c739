# SPDX-License-Identifier: Apache-2.0
# `mmusim run` end to end, on runs small enough for every CI.
# 1. A working set inside the L1 reach has no misses after warm-up, and every
#    counted translation takes exactly the L1 latency.
execute_process(COMMAND ${MMUSIM} run --preset tiny --workload seq:ws=16k,n=20k
                        --warmup 1000 --json ${OUT}/run_l1.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run failed (${rc}): ${err}")
endif()
file(READ ${OUT}/run_l1.json j)
foreach(k l1d_misses l2_lookups l2_misses walks faults_pf_not_present)
  string(JSON v GET "${j}" stats ${k})
  if(NOT v EQUAL 0)
    message(FATAL_ERROR "inside the L1 reach: ${k} = ${v}, want 0")
  endif()
endforeach()
string(JSON c GET "${j}" counted)
string(JSON h GET "${j}" stats l1d_4k_hits)
string(JSON p99 GET "${j}" latency p99)
if(NOT c EQUAL 19000 OR NOT h EQUAL 19000 OR NOT p99 EQUAL 1)
  message(FATAL_ERROR "counted=${c} hits=${h} p99=${p99}, want 19000 19000 1")
endif()
# 2. Beyond the L2 reach, random accesses walk, and 2M pages need fewer
#    memory references per walk than 4K ones over the same working set.
foreach(ps 4k 2m)
  execute_process(COMMAND ${MMUSIM} run --preset tiny
                          --workload random:ws=256m,page=${ps},n=20k --json ${OUT}/run_${ps}.json
                  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run ${ps} failed (${rc}): ${err}")
  endif()
  file(READ ${OUT}/run_${ps}.json j)
  string(JSON w GET "${j}" stats walks)
  string(JSON r GET "${j}" stats walk_reads)
  math(EXPR rpw "1000 * ${r} / ${w}")
  set(reads_${ps} ${rpw})
endforeach()
if(NOT reads_2m LESS reads_4k)
  message(FATAL_ERROR "reads per 1000 walks: 2M ${reads_2m} not below 4K ${reads_4k}")
endif()
# 3. Bad input: exit 2 and a message that names the problem.
foreach(case "--preset;nope;--workload;seq|unknown preset 'nope'"
             "--preset;tiny;--workload;seq:ws=0|workload 'seq:ws=0': ws: must be > 0"
             "--preset;tiny;--workload;random:ws=64t|does not fit below MAXPHYADDR"
             "--config;${OUT}/missing.ini;--workload;seq|missing.ini")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts -1 want)
  list(REMOVE_AT parts -1)
  execute_process(COMMAND ${MMUSIM} run ${parts} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  string(FIND "${err}" "${want}" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1)
    message(FATAL_ERROR "run ${parts}: exit ${rc}, stderr '${err}', want 2 and '${want}'")
  endif()
endforeach()
