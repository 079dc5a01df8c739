# SPDX-License-Identifier: Apache-2.0
# `mmusim run`: every number says what it counts (README "Statistics").
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
macro(expect_in haystack needle)
  string(FIND "${haystack}" "${needle}" _at)
  expect("'${needle}' not in:\n${haystack}" NOT _at EQUAL -1)
endmacro()
macro(json_get var json)
  string(JSON ${var} GET "${json}" ${ARGN})
endmacro()

# 1. Read / write / read of one demand-paged page: the first touch misses
#    twice (the faulting lookup and the retry), the write is a hit with a
#    D-assist, the last read a plain hit; and the headline is the table's
#    counts per 1000 accesses.
run_mmusim(rc o e run --preset tiny --trace ${DIR}/rwr.lackey --policy 4k --json ${OUT}/st_rwr.json)
expect("rwr: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/st_rwr.json j)
foreach(kv "l1d_lookups=4" "l1d_hits=2" "l1d_misses=2" "l2_lookups=2" "l2_misses=2" "walks=3"
           "walks_miss=1" "walks_retry=1" "d_assists=1" "walks_rewalk=0" "walks_fault=1"
           "faults_pf_not_present=1")
  string(REPLACE "=" ";" p "${kv}")
  list(GET p 0 k)
  list(GET p 1 want)
  json_get(v "${j}" stats ${k})
  expect("rwr: ${k} = ${v}, want ${want}" v EQUAL want)
endforeach()
expect_in("${o}" "per 1000 accesses: L1 misses 666.67, L2 misses 666.67, walks 1000.00 (miss 333.33, fault-retry 333.33, D-assist 333.33, re-walk 0.00), #PF 333.33")
expect_in("${o}" "lackey: 3 records read, 3 accesses")
expect_in("${o}" "s wall, ")
expect_in("${o}" "s CPU")

# 2. Records and accesses are different things: small.lackey has 7 records
#    with an access, and its M line is a read and a write.
run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.lackey --policy 4k)
expect("small: exit ${rc}: ${e}" rc EQUAL 0)
expect_in("${o}" "lackey: 7 records read, 8 accesses")

# 3. Warm-up and stop by input record; one warm-up boundary for the MMU and
#    the OS counters (the demand fault of the measured part only).
run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.lackey --policy 4k --warmup-records 3
           --json ${OUT}/st_wr.json)
expect("warmup-records: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/st_wr.json j)
json_get(c "${j}" counted)
json_get(df "${j}" os demand_faults)
json_get(pf "${j}" stats faults_pf_not_present)
json_get(acc "${j}" os accesses)
expect("warmup-records 3: counted ${c}, want 5 (I, L, S are warm-up)" c EQUAL 5)
expect("warmup-records 3: demand_faults ${df} faults_pf_not_present ${pf} accesses ${acc}, want 1 1 5"
       df EQUAL 1 AND pf EQUAL 1 AND acc EQUAL 5)
foreach(case "4|4" "5|6")
  string(REPLACE "|" ";" p "${case}")
  list(GET p 0 recs)
  list(GET p 1 want)
  run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.lackey --policy 4k --records ${recs}
             --json ${OUT}/st_r.json)
  file(READ ${OUT}/st_r.json j)
  json_get(a "${j}" accesses)
  expect("--records ${recs}: exit ${rc}, ${a} accesses, want 0 and ${want}" rc EQUAL 0 AND a EQUAL want)
endforeach()

# 4. A warm-up that swallows the run is refused (known length) or reported as
#    "nothing measured" (a trace), never as p50 65535.
run_mmusim(rc o e run --preset tiny --workload seq:ws=16k,n=1000 --warmup 1000)
expect("synth warmup = n: exit ${rc}, want 2" rc EQUAL 2)
expect_in("${e}" "--warmup 1000: must be less than the workload's 1000 accesses")
run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.lackey --warmup 100)
expect("trace warmup > accesses: exit ${rc}, want 2" rc EQUAL 2)
expect_in("${e}" "nothing measured: the run ended after 8 accesses, all of them warm-up")
string(FIND "${o}" "65535" at)
expect("nothing measured printed 65535:\n${o}" at EQUAL -1)
run_mmusim(rc o e run --preset tiny --workload seq --warmup-records 3)
expect("--warmup-records without a trace: exit ${rc}" rc EQUAL 2)

# 5. Periodic statistics: one row per N accesses (the last may be partial),
#    and the measured rows add up to the report's counters.
foreach(ext csv jsonl)
  run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.lackey --policy 4k --stats-every 3
             --stats-file ${OUT}/st_rows.${ext} --json ${OUT}/st_all.json)
  expect("stats-every ${ext}: exit ${rc}: ${e}" rc EQUAL 0)
  file(STRINGS ${OUT}/st_rows.${ext} rows)
  list(LENGTH rows n)
  if(ext STREQUAL csv)
    expect("csv: ${n} lines, want a header and 3 rows (3 + 3 + 2 accesses)" n EQUAL 4)
    list(GET rows 0 header)
    string(REPLACE "," ";" header "${header}")
    list(FIND header walks wi)
    set(sum 0)
    foreach(i 1 2 3)
      list(GET rows ${i} r)
      string(REPLACE "," ";" r "${r}")
      list(GET r ${wi} w)
      math(EXPR sum "${sum} + ${w}")
    endforeach()
  else()
    expect("jsonl: ${n} lines, want 3" n EQUAL 3)
    set(sum 0)
    foreach(r IN LISTS rows)
      json_get(w "${r}" walks)
      math(EXPR sum "${sum} + ${w}")
    endforeach()
    list(GET rows 2 last)
    json_get(la "${last}" accesses)
    expect("jsonl: last row has ${la} accesses, want 2" la EQUAL 2)
  endif()
  file(READ ${OUT}/st_all.json j)
  json_get(w "${j}" stats walks)
  expect("${ext}: rows add up to ${sum} walks, the report says ${w}" sum EQUAL w)
endforeach()
run_mmusim(rc o e run --preset tiny --workload seq --stats-every 10)
expect("--stats-every without --stats-file: exit ${rc}" rc EQUAL 2)

# Open loop (--interval) goes through mmu_translate_batch, in batches cut at
# the warm-up and at every --stats-every row. With a row per access every
# batch holds one access, so the run is the one-at-a-time loop: the JSON
# reports (every counter, latency and histogram) must be the same.
set(ol run --preset skylake --workload random:ws=4g,page=4k,n=30000,seed=5 --interval 3 --warmup 1234)
run_mmusim(rc o e ${ol} --json ${OUT}/st_ol_batch.json)
expect("open loop: exit ${rc}: ${e}" rc EQUAL 0)
run_mmusim(rc o e ${ol} --json ${OUT}/st_ol_one.json --stats-every 1 --stats-file ${OUT}/st_ol_rows.csv)
expect("open loop, a row per access: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/st_ol_batch.json jb)
file(READ ${OUT}/st_ol_one.json j1)
foreach(section stats latency accesses counted)
  json_get(a "${jb}" ${section})
  json_get(b "${j1}" ${section})
  expect("open loop: '${section}' differs between batches and one at a time:\n${a}\n${b}" a STREQUAL b)
endforeach()
json_get(w "${jb}" stats walks)
expect("open loop: ${w} walks, want most of 30000" w GREATER 20000)
# Rows every 1000 accesses (not a multiple of the batch): 30 rows of 1000.
run_mmusim(rc o e ${ol} --stats-every 1000 --stats-file ${OUT}/st_ol_rows.jsonl)
expect("open loop, rows: exit ${rc}: ${e}" rc EQUAL 0)
file(STRINGS ${OUT}/st_ol_rows.jsonl rows)
list(LENGTH rows nrows)
expect("open loop: ${nrows} rows, want 30" nrows EQUAL 30)
foreach(r IN LISTS rows)
  json_get(n "${r}" accesses)
  expect("open loop: a row of ${n} accesses, want 1000" n EQUAL 1000)
endforeach()
