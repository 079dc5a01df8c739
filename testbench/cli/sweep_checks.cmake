# SPDX-License-Identifier: Apache-2.0
# `mmusim sweep` end to end, small enough for every CI.
# -DPART=model|errors|plot selects the checks; MMUSIM, OUT (scratch), SRC
# (source tree) are always given, PYTHON for plot (SKIPPED without matplotlib).
#  model:  impossible points listed with the spec's line; every row equals a
#          separate `mmusim run --json` of that point (synthetic stream and
#          trace, 4K and THP); a batch of many points equals batches of one;
#          a changed spec is refused unless --restart; --merge.
#  errors: bad specs give "spec:line: what", exit 2, and run nothing.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# The row of sweep.csv in `dir` whose columns point, workload and policy match:
# sets ROW_<column> for every column. Fields never hold commas here.
function(csv_row dir point workload policy)
  file(STRINGS ${dir}/sweep.csv lines)
  list(POP_FRONT lines header)
  string(REPLACE "," ";" cols "${header}")
  foreach(line IN LISTS lines)
    string(REPLACE "," ";" vals "${line}")
    set(i 0)
    foreach(c IN LISTS cols)
      list(GET vals ${i} v)
      set(R_${c} "${v}")
      math(EXPR i "${i} + 1")
    endforeach()
    if(R_point STREQUAL "${point}" AND R_workload STREQUAL "${workload}" AND
       R_policy STREQUAL "${policy}")
      foreach(c IN LISTS cols)
        set(ROW_${c} "${R_${c}}" PARENT_SCOPE)
      endforeach()
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "no row for point ${point} ${workload} ${policy} in ${dir}/sweep.csv")
endfunction()

# Every number of `mmusim run --json` (file json) equals the row's column.
function(expect_same_as_run json what)
  file(READ ${json} j)
  string(JSON n LENGTH "${j}" stats)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON k MEMBER "${j}" stats ${i})
    string(JSON v GET "${j}" stats ${k})
    expect("${what}: ${k} = ${ROW_${k}} in the sweep, ${v} in mmusim run" "${v}" STREQUAL "${ROW_${k}}")
  endforeach()
  foreach(k sum p50 p90 p99 max)
    string(JSON v GET "${j}" latency ${k})
    expect("${what}: lat_${k} = ${ROW_lat_${k}} in the sweep, ${v} in mmusim run" "${v}" STREQUAL "${ROW_lat_${k}}")
  endforeach()
  foreach(k accesses counted)
    string(JSON v GET "${j}" ${k})
    expect("${what}: ${k}" "${v}" STREQUAL "${ROW_${k}}")
  endforeach()
  string(JSON os ERROR_VARIABLE noos GET "${j}" os)
  if(NOT noos)
    string(JSON n LENGTH "${j}" os)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON k MEMBER "${j}" os ${i})
      string(JSON v GET "${j}" os ${k})
      expect("${what}: os ${k} = ${ROW_os_${k}} in the sweep, ${v} in mmusim run" "${v}" STREQUAL "${ROW_os_${k}}")
    endforeach()
  endif()
endfunction()

# sweep.csv without its timing column (the last one).
function(csv_no_time dir var)
  file(STRINGS ${dir}/sweep.csv lines)
  set(out "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE ",[^,]*$" "" line "${line}")
    string(APPEND out "${line}\n")
  endforeach()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

set(W ${OUT}/sweep_${PART})
file(REMOVE_RECURSE ${W})
file(MAKE_DIRECTORY ${W})

if(PART STREQUAL "model")
  # A short trace: the first 15000 records of awk, as text.
  execute_process(COMMAND ${MMUSIM} convert ${SRC}/workloads/traces/awk.mtr.xz - --to text
                  COMMAND head -n 15001 OUTPUT_FILE ${W}/small.txt RESULT_VARIABLE rc)
  file(WRITE ${W}/spec.ini "# test sweep
[sweep]
workloads = random:ws=64m | ${W}/small.txt
policies = 4k | thp
warmup = 2000
accesses = 20000
batch = 8

[l2.4k2m]
entries = 64..512*2
ways = 4 | 12

[psc.pde]
entries = 0 | 32
")
  run_mmusim(rc o e sweep ${W}/spec.ini --out ${W}/a -j 2)
  expect("sweep: exit ${rc}: ${e}" rc EQUAL 0)
  # 64, 128, 256, 512 entries with 12 ways: impossible, listed with line 11.
  foreach(n 64 128 256 512)
    expect_has("${e}" "spec.ini:11: [l2.4k2m] entries=${n} not divisible by ways=12" "impossible point")
  endforeach()
  file(STRINGS ${W}/a/sweep.csv lines)
  list(LENGTH lines n)
  expect("sweep.csv: ${n} lines, want 1 + 8 points x 2 workloads x 2 policies" n EQUAL 33)
  list(GET lines 0 header)
  expect_has("${header}" "run,point,preset,l2.4k2m.entries,l2.4k2m.ways,psc.pde.entries,workload,policy,status" "header")
  expect_has("${header}" ",walks,walks_miss," "header: mmu statistics")
  expect_has("${header}" ",os_pages_4k," "header: OS statistics")
  file(READ ${W}/a/sweep.md md)
  expect_has("${md}" "## Impossible points (skipped)" "sweep.md")
  # Not a terminal: a plain line per run, [k/N] counting to the end.
  expect_has("${e}" "sweep: [32/32] point " "progress lines")
  # A terminal (script(1) gives one): a progress bar with an ETA, rewritten in place.
  find_program(SCRIPT script)
  if(SCRIPT)
    execute_process(COMMAND ${SCRIPT} -qec "${MMUSIM} sweep ${W}/spec.ini --out ${W}/tty -j 2 >/dev/null" /dev/null
                    OUTPUT_VARIABLE tty ERROR_VARIABLE tty_err)
    expect("no progress bar on a terminal:\n${tty}${tty_err}"
           tty MATCHES "\r.\\[Ksweep: 32/32 runs \\(100%\\), [0-9hms]+, ETA 0s")
  endif()

  # Each row is what a separate `mmusim run` of that point gives. Point 2:
  # entries 64, ways 4, psc.pde 32? No: points count presets, then entries,
  # ways, psc in that order: point 1 = 64 entries, 4 ways, PDE cache 32.
  file(WRITE ${W}/p1.ini "[mmu]\npreset = skylake\n[l2.4k2m]\nentries = 64\nways = 4\n[psc.pde]\nentries = 32\n")
  file(WRITE ${W}/p13.ini "[mmu]\npreset = skylake\n[l2.4k2m]\nentries = 512\nways = 4\n[psc.pde]\nentries = 32\n")
  run_mmusim(rc o e run --config ${W}/p1.ini --workload random:ws=64m,n=22000,page=4k --warmup 2000 --json ${W}/r1.json)
  expect("run: ${e}" rc EQUAL 0)
  csv_row(${W}/a 1 random:ws=64m 4k)
  expect("row status ${ROW_status}" ROW_status STREQUAL "ok")
  expect_same_as_run(${W}/r1.json "point 1, random, 4k")
  run_mmusim(rc o e run --config ${W}/p13.ini --workload random:ws=64m,n=22000,page=2m --warmup 2000 --json ${W}/r2.json)
  expect("run: ${e}" rc EQUAL 0)
  csv_row(${W}/a 13 random:ws=64m thp)
  expect_same_as_run(${W}/r2.json "point 13, random, thp")
  # The trace: whole (15000 records hold fewer than warmup + accesses).
  foreach(pol 4k thp)
    run_mmusim(rc o e run --config ${W}/p13.ini --trace ${W}/small.txt --policy ${pol} --warmup 2000 --json ${W}/t_${pol}.json)
    expect("run --trace: ${e}" rc EQUAL 0)
    csv_row(${W}/a 13 ${W}/small.txt ${pol})
    expect_same_as_run(${W}/t_${pol}.json "point 13, trace, ${pol}")
  endforeach()

  # One batch of 8 points equals 8 batches of one point (the lanes of a batch
  # do not disturb each other), apart from the timing column.
  file(READ ${W}/spec.ini spec)
  string(REPLACE "batch = 8" "batch = 1" spec1 "${spec}")
  file(WRITE ${W}/spec1.ini "${spec1}")
  run_mmusim(rc o e sweep ${W}/spec1.ini --out ${W}/b -j 2)
  expect("sweep batch 1: ${e}" rc EQUAL 0)
  csv_no_time(${W}/a ca)
  csv_no_time(${W}/b cb)
  expect("batch = 8 and batch = 1 differ" "${ca}" STREQUAL "${cb}")

  # A changed spec is refused in a directory holding another spec's results.
  run_mmusim(rc o e sweep ${W}/spec1.ini --out ${W}/a -j 2)
  expect("changed spec accepted" rc EQUAL 2)
  expect_has("${e}" "holds results of a different spec" "changed spec")
  run_mmusim(rc o e sweep ${W}/spec1.ini --out ${W}/a -j 2 --restart)
  expect("--restart: ${e}" rc EQUAL 0)
  csv_no_time(${W}/a ca)
  expect("--restart gives another result" "${ca}" STREQUAL "${cb}")
  # Nothing left to run: the rerun only merges, and --merge alone too.
  run_mmusim(rc o e sweep ${W}/spec1.ini --out ${W}/a)
  expect("rerun: ${e}" rc EQUAL 0)
  expect_has("${e}" "32 of 32 runs already done" "rerun")
  file(REMOVE ${W}/a/parts/b000003.csv)
  run_mmusim(rc o e sweep ${W}/spec1.ini --out ${W}/a --merge)
  expect("--merge with a missing batch: ${rc}" rc EQUAL 2)
  expect_has("${e}" "1 of 32 batches have no result" "--merge")
  expect_has("${e}" "batches: 3)" "--merge")

elseif(PART STREQUAL "plot")
  execute_process(COMMAND ${PYTHON} -c "import matplotlib" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message("SKIPPED: ${PYTHON} cannot import matplotlib")
    return()
  endif()
  file(WRITE ${W}/spec.ini "[sweep]\nworkloads = random:ws=16m | zipf:ws=16m\npolicies = 4k | thp\n"
             "accesses = 5000\n[l2.4k2m]\nentries = 64..256*2\nways = 4\n[psc.pde]\nentries = 0 | 32\n")
  run_mmusim(rc o e sweep ${W}/spec.ini --out ${W}/a -j 2)
  expect("sweep: ${e}" rc EQUAL 0)
  execute_process(COMMAND ${PYTHON} ${SRC}/scripts/plot_sweep.py ${W}/a --out ${W}/png
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  expect("plot_sweep.py: exit ${rc}: ${e}" rc EQUAL 0)
  foreach(f sweep_misses sweep_latency sweep_pareto)
    file(SIZE ${W}/png/${f}.png sz)
    expect("${f}.png: ${sz} bytes" sz GREATER 10000)
  endforeach()
  # A CSV that is not a sweep's: a clear message, exit 2.
  file(WRITE ${W}/bad/sweep.csv "a,b\n1,2\n")
  execute_process(COMMAND ${PYTHON} ${SRC}/scripts/plot_sweep.py ${W}/bad
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  expect("plot_sweep.py on a bad CSV: exit ${rc}: ${e}" rc EQUAL 2 AND e MATCHES "sweep.csv")

elseif(PART STREQUAL "errors")
  file(WRITE ${W}/t.txt "# mmusim text trace\nr 0x1000 3 1\n")
  set(base "[sweep]\nworkloads = seq:ws=1m\n")
  set(cases
    "[l2.4k2m]\nentries = 64\nwayz = 4\n|5|[l2.4k2m] unknown key 'wayz'"
    "[l2.4k2m]\nentries = 512..64*2\n|4|512 is above 64"
    "[l2.4k2m]\nentries = 64..512*1\n|4|factor >= 2"
    "[l2.4k2m]\nentries = 64..x\n|4|expected LO..HI"
    "[l2.4k2m]\nentries = 64||128\n|4|alternative 2 of"
    "[l2.4k2m]\nrepl = lru|mru\n|4|mru"
    "[l2.4k9m]\n|3|unknown section [l2.4k9m]"
    "[mmu]\npreset = skylake\n|4|names its presets in [sweep]"
    "[sweep]\n|3|[sweep] given twice"
    "[sweep2]\nx = 1\n|3|unknown section [sweep2]")
  set(i 0)
  foreach(c IN LISTS cases)
    string(REPLACE "|" ";" parts "${c}")
    # The case's text may hold '|' itself: the last two fields are line and message.
    list(LENGTH parts np)
    math(EXPR li "${np} - 2")
    math(EXPR mi "${np} - 1")
    list(GET parts ${li} line)
    list(GET parts ${mi} want)
    list(SUBLIST parts 0 ${li} body)
    list(JOIN body "|" body)
    file(WRITE ${W}/e${i}.ini "${base}${body}")
    run_mmusim(rc o e sweep ${W}/e${i}.ini --out ${W}/out${i})
    expect("case ${i}: exit ${rc}: ${e}" rc EQUAL 2)
    expect_has("${e}" "e${i}.ini:${line}: " "case ${i}: location")
    expect_has("${e}" "${want}" "case ${i}")
    expect("case ${i}: ran something" NOT EXISTS ${W}/out${i})
    math(EXPR i "${i} + 1")
  endforeach()
  # [sweep] keys, workloads and traces.
  set(cases2
    "workloads = nosuchthing\n|2|nosuchthing"
    "workloads = ${W}/missing.mtr\n|2|missing.mtr"
    "workloads = seq:ws=1m,page=2m\n|2|page= is chosen by [sweep] policies"
    "workloads = seq:ws=1m\npolicies = 4k|huge\n|3|'huge' is not a policy"
    "workloads = seq:ws=1m\npresets = skylake|nosuch\n|3|unknown preset 'nosuch'"
    "workloads = seq:ws=1m\naccesses = lots\n|3|[sweep] accesses 'lots'"
    "workloads = seq:ws=1m\nbatchsize = 4\n|3|[sweep] unknown key 'batchsize'"
    "policies = 4k\n|1|workloads: not set")
  foreach(c IN LISTS cases2)
    string(REPLACE "|" ";" parts "${c}")
    list(LENGTH parts np)
    math(EXPR li "${np} - 2")
    math(EXPR mi "${np} - 1")
    list(GET parts ${li} line)
    list(GET parts ${mi} want)
    list(SUBLIST parts 0 ${li} body)
    list(JOIN body "|" body)
    file(WRITE ${W}/e${i}.ini "[sweep]\n${body}")
    run_mmusim(rc o e sweep ${W}/e${i}.ini --out ${W}/out${i})
    expect("case ${i}: exit ${rc}: ${e}" rc EQUAL 2)
    expect_has("${e}" "e${i}.ini:${line}: " "case ${i}: location")
    expect_has("${e}" "${want}" "case ${i}")
    expect("case ${i}: ran something" NOT EXISTS ${W}/out${i})
    math(EXPR i "${i} + 1")
  endforeach()
  # Options.
  file(WRITE ${W}/ok.ini "[sweep]\nworkloads = seq:ws=1m,n=1000\n")
  run_mmusim(rc o e sweep ${W}/ok.ini)
  expect("no --out: ${rc}" rc EQUAL 2)
  expect_has("${e}" "--out DIR is required" "no --out")
  run_mmusim(rc o e sweep ${W}/nosuch.ini --out ${W}/x)
  expect("missing spec: ${rc}" rc EQUAL 2)
  expect_has("${e}" "nosuch.ini: cannot open" "missing spec")
  # Every point impossible: said, exit 2.
  file(WRITE ${W}/imp.ini "[sweep]\nworkloads = seq:ws=1m,n=1000\n[l2.4k2m]\nentries = 100\nways = 8\n")
  run_mmusim(rc o e sweep ${W}/imp.ini --out ${W}/imp)
  expect("all impossible: ${rc}" rc EQUAL 2)
  expect_has("${e}" "imp.ini:5: [l2.4k2m] entries=100 not divisible by ways=8" "all impossible")
  expect_has("${e}" "no possible point" "all impossible")
else()
  message(FATAL_ERROR "PART=${PART}?")
endif()
