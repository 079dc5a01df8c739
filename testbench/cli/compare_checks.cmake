# SPDX-License-Identifier: Apache-2.0
# `mmusim compare` end to end on runs small enough for every CI.
# -DPART=model|rtl_fake|errors|rtl|plot selects the checks; MMUSIM, OUT, SRC
# (source tree) are always given; COSIM (the real mmusim-cosim path) for
# PART=rtl, PYTHON for PART=plot. Prints "SKIPPED: why" when a part cannot run
# (registered with SKIP_REGULAR_EXPRESSION).
cmake_minimum_required(VERSION 3.25) # policies: list() keeps empty elements (CMP0007)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# Reads DIR/compare.csv into HEADER (list of column names) and ROWS (count),
# and defines ROW_<i>_<column> for every row i and column.
function(read_csv dir)
  file(STRINGS ${dir}/compare.csv lines)
  list(POP_FRONT lines header)
  string(REPLACE "," ";" cols "${header}")
  set(HEADER "${header}" PARENT_SCOPE)
  set(COLS "${cols}" PARENT_SCOPE)
  list(LENGTH lines n)
  set(ROWS ${n} PARENT_SCOPE)
  set(i 0)
  foreach(line IN LISTS lines)
    # A quoted last field (status "n/a: ...") may hold commas: cut it off first.
    string(REGEX REPLACE ",\"[^\"]*\"$" ",n/a" line "${line}")
    string(REPLACE "," ";" vals "${line}")
    set(j 0)
    foreach(c IN LISTS cols)
      list(GET vals ${j} v)
      set(ROW_${i}_${c} "${v}" PARENT_SCOPE)
      math(EXPR j "${j} + 1")
    endforeach()
    math(EXPR i "${i} + 1")
  endforeach()
endfunction()

set(TINY --preset tiny --accesses 20000 --warmup 2000 --trace-accesses 20000)
set(WANT_HEADER "preset,workload,source,ws_bytes,mapped_bytes,page,walker,accesses,lat_mean,lat_mean_ns,lat_p50,lat_p99,lat_max,walk_mean,walk_p50,walk_p99,walk_diff,refs_per_walk,l1_hit_pct,l2_hit_pct,l1_misses_per_1k,walks_per_1k,walks,psc_pde_pct,psc_pdpte_pct,psc_pml4e_pct,psc_pml5e_pct,l1d_reach_bytes,l1i_reach_bytes,l2_reach_bytes,mismatches,seconds,status")

if(PART STREQUAL "model")
  # tiny: fully associative 8-entry L1D for every size, so 16 KiB (4 pages)
  # lies inside the L1 reach with 4K, 2M and 1G pages; 256 MiB is beyond the
  # 4K and 2M reach of both levels.
  set(dir ${OUT}/cmp_model)
  file(REMOVE_RECURSE ${dir})
  run_mmusim(rc o e compare ${TINY} --workloads seq,stride,random,chase,awk
             --sizes 16k,256m --rtl-walks 0 --out ${dir})
  expect("compare: exit ${rc}: ${e}" rc EQUAL 0)
  foreach(f compare.md compare.csv compare_latency.csv)
    expect("compare: ${f} not written" EXISTS ${dir}/${f})
  endforeach()
  string(FIND "${o}" "PSC hit% PDE/PDPTE/PML4E" at)
  expect("compare: no table on stdout:\n${o}" NOT at EQUAL -1)
  string(FIND "${e}" "[27/27] awk trace 1G" at)
  expect("compare: no progress lines on stderr:\n${e}" NOT at EQUAL -1)
  read_csv(${dir})
  expect("CSV header:\n${HEADER}\nwant\n${WANT_HEADER}" HEADER STREQUAL WANT_HEADER)
  # (4 synthetic workloads x 2 sizes + 1 trace) x 3 page sizes x 2 walkers
  expect("CSV has ${ROWS} rows, want 54" ROWS EQUAL 54)
  math(EXPR last "${ROWS} - 1")
  foreach(i RANGE ${last})
    set(wl ${ROW_${i}_workload})
    set(ws ${ROW_${i}_ws_bytes})
    set(pg ${ROW_${i}_page})
    if(NOT ROW_${i}_walker STREQUAL "c")
      expect("row ${i}: rtl row status '${ROW_${i}_status}', want off" ROW_${i}_status STREQUAL "off")
      continue()
    endif()
    expect("row ${i}: ${ROW_${i}_accesses} accesses measured" ROW_${i}_accesses EQUAL 20000)
    # 1. Inside the L1 reach: no L1 misses, no walks after the warm-up.
    if(ws EQUAL 16384)
      expect("${wl} 16 KiB ${pg}: L1 misses/1000 = ${ROW_${i}_l1_misses_per_1k}, walks = ${ROW_${i}_walks}; want 0 (inside the L1 reach)"
             ROW_${i}_walks EQUAL 0 AND ROW_${i}_l1_misses_per_1k EQUAL 0 AND ROW_${i}_lat_p99 EQUAL 1)
    endif()
    set(refs_${wl}_${ws}_${pg} "${ROW_${i}_refs_per_walk}")
  endforeach()
  # 2. For the same working set, 2M and 1G pages never need more memory
  #    references per walk than 4K (where both walk at all).
  foreach(wl seq stride random chase awk)
    foreach(ws 16384 268435456)
      if(wl STREQUAL "awk")
        set(ws_ "")
        foreach(i RANGE ${last})
          if(ROW_${i}_workload STREQUAL "awk")
            set(ws_ ${ROW_${i}_ws_bytes})
          endif()
        endforeach()
        set(ws ${ws_})
      endif()
      set(r4 "${refs_${wl}_${ws}_4K}")
      foreach(pg 2M 1G)
        set(r "${refs_${wl}_${ws}_${pg}}")
        if(NOT r4 STREQUAL "" AND NOT r STREQUAL "")
          # CMake compares integers only: compare in 1/10000ths.
          string(REPLACE "." "" a "${r}")
          string(REPLACE "." "" b "${r4}")
          expect("${wl} ws ${ws}: ${pg} needs ${r} memory refs per walk, 4K ${r4}" a LESS_EQUAL b)
        endif()
      endforeach()
    endforeach()
  endforeach()
  # random over 256 MiB walks with 4K pages (beyond the 128 KiB L2 reach).
  foreach(i RANGE ${last})
    if(ROW_${i}_workload STREQUAL "random" AND ROW_${i}_ws_bytes EQUAL 268435456 AND
       ROW_${i}_page STREQUAL "4K" AND ROW_${i}_walker STREQUAL "c")
      expect("random 256 MiB 4K: ${ROW_${i}_walks} walks, want most accesses" ROW_${i}_walks GREATER 15000)
    endif()
  endforeach()
  # The same command twice gives the same numbers (seeded), except timings.
  run_mmusim(rc o2 e2 compare ${TINY} --workloads seq,stride,random,chase,awk
             --sizes 16k,256m --rtl-walks 0 --out ${dir}2)
  file(READ ${dir}/compare_latency.csv l1)
  file(READ ${dir}2/compare_latency.csv l2)
  expect("rerun: latency distribution differs" l1 STREQUAL l2)
  file(READ ${dir}/compare.md m)
  foreach(want "## Reading" "mmusim compare --preset tiny" "not run (`--rtl-walks 0`)" "## Files")
    string(FIND "${m}" "${want}" at)
    expect("compare.md lacks '${want}'" NOT at EQUAL -1)
  endforeach()

elseif(PART STREQUAL "rtl_fake")
  # The RTL column through a stand-in for mmusim-cosim (fake_cosim.sh).
  set(fake ${SRC}/testbench/cli/fake_cosim.sh)
  set(args ${TINY} --workloads random,awk --sizes 1m --rtl-walks 100)
  set(ENV{FAKE_COSIM_MODE} agree)
  run_mmusim(rc o e compare ${args} --cosim ${fake} --out ${OUT}/cmp_agree)
  expect("agree: exit ${rc}: ${e}" rc EQUAL 0)
  read_csv(${OUT}/cmp_agree)
  expect("agree: ${ROWS} rows, want 12" ROWS EQUAL 12)
  # Every row asks for the accesses of the C run: --warmup + --accesses
  # (synthetic rows 1 3 5), --warmup + --trace-accesses (trace rows 7 9 11);
  # the stand-in echoes them.
  foreach(i 1 3 5 7 9 11)
    set(want_k 22000)
    expect("agree row ${i}: walker ${ROW_${i}_walker} status ${ROW_${i}_status} mismatches ${ROW_${i}_mismatches} diff ${ROW_${i}_walk_diff} accesses ${ROW_${i}_accesses}, want ${want_k}"
           ROW_${i}_walker STREQUAL "rtl" AND ROW_${i}_status STREQUAL "ok" AND
           ROW_${i}_mismatches EQUAL 0 AND ROW_${i}_walk_diff STREQUAL "0.0000" AND
           ROW_${i}_accesses EQUAL want_k)
  endforeach()
  string(FIND "${o}" "C walker vs RTL walker" at)
  expect("agree: no C/RTL table on stdout:\n${o}" NOT at EQUAL -1)

  set(ENV{FAKE_COSIM_MODE} mismatch)
  run_mmusim(rc o e compare ${args} --cosim ${fake} --out ${OUT}/cmp_mismatch)
  string(FIND "${e}" "C/RTL MISMATCH" at)
  expect("mismatch: exit ${rc} (want 1), stderr: ${e}" rc EQUAL 1 AND NOT at EQUAL -1)
  expect("mismatch: CSV not written" EXISTS ${OUT}/cmp_mismatch/compare.csv)

  foreach(case "fail|mmusim-cosim exited with status 3: fake_cosim: verilated model failed to start"
               "garbage|mmusim-cosim printed no JSON line"
               "absent|mmusim-cosim not built (no ")
    string(REPLACE "|" ";" parts "${case}")
    list(GET parts 0 mode)
    list(GET parts 1 want)
    set(ENV{FAKE_COSIM_MODE} ${mode})
    set(cosim ${fake})
    if(mode STREQUAL "absent")
      set(cosim ${OUT}/no-such-cosim)
    endif()
    run_mmusim(rc o e compare ${args} --cosim ${cosim} --out ${OUT}/cmp_${mode})
    string(FIND "${o}" "RTL walker: n/a: ${want}" at)
    expect("${mode}: exit ${rc} (want 0), stdout lacks 'RTL walker: n/a: ${want}':\n${o}\n${e}"
           rc EQUAL 0 AND NOT at EQUAL -1)
    file(READ ${OUT}/cmp_${mode}/compare.csv csv)
    string(FIND "${csv}" "\"n/a: ${want}" at)
    expect("${mode}: compare.csv lacks the reason" NOT at EQUAL -1)
  endforeach()

elseif(PART STREQUAL "errors")
  # Bad input: exit 2 and a message that names the problem.
  foreach(case "--workloads;seq,nope|unknown workload 'nope'"
               "--sizes;1m,12x|--sizes: '12x': not a working-set size"
               "--sizes;0|--sizes: '0'"
               "--preset;nope|unknown preset 'nope'"
               "--config;${OUT}/missing.ini|missing.ini"
               "--sizes;64t|does not fit below MAXPHYADDR"
               "--accesses;0|mmusim compare: --accesses 0: must be 1..1000000000000000"
               "--accesses;1e6|mmusim compare: --accesses '1e6': not a number"
               "--bogus|mmusim compare: unknown option '--bogus'"
               "--workloads;,|mmusim compare: --workloads ',': item 1 is empty"
               "--workloads;seq,,chase|--workloads 'seq,,chase': item 2 is empty"
               "--workloads;seq,|--workloads 'seq,': item 2 is empty"
               "--sizes;,|mmusim compare: --sizes ',': item 1 is empty"
               "--sizes=|mmusim compare: --sizes: empty value"
               "--workloads;seq,chase,seq|--workloads: 'seq' given twice"
               "--sizes;1m,4m,1024k|--sizes: '1m' and '1024k' are the same size (1 MiB)"
               "--sizes;0x100000|--sizes: '0x100000': not a working-set size"
               "--rtl-timeout;-1|--rtl-timeout '-1': must be a number of seconds > 0"
               "--rtl-timeout;inf|--rtl-timeout 'inf': must be a number of seconds > 0")
    string(REPLACE "|" ";" parts "${case}")
    list(GET parts -1 want)
    list(REMOVE_AT parts -1)
    run_mmusim(rc o e compare ${parts} --out ${OUT}/cmp_bad)
    string(FIND "${e}" "${want}" at)
    expect("compare ${parts}: exit ${rc}, stderr '${e}', want 2 and '${want}'" rc EQUAL 2 AND NOT at EQUAL -1)
  endforeach()
  # A trace that goes bad half-way: what was computed before is still written.
  set(dir ${OUT}/cmp_partial)
  file(REMOVE_RECURSE ${dir})
  run_mmusim(rc o e compare ${TINY} --rtl-walks 0 --sizes 1m
             --workloads seq,${SRC}/testbench/traces/bad.lackey --out ${dir})
  string(FIND "${e}" "bad.lackey:5: bad address" at)
  expect("partial: exit ${rc}, stderr '${e}'" rc EQUAL 2 AND NOT at EQUAL -1)
  read_csv(${dir})
  expect("partial: ${ROWS} rows, want the 6 of seq" ROWS EQUAL 6)
  file(READ ${dir}/compare.md m)
  string(FIND "${m}" "**Incomplete**" at)
  expect("partial: compare.md does not say it is incomplete" NOT at EQUAL -1)

elseif(PART STREQUAL "rtl")
  # C and RTL walk latencies agree, through the real co-simulation.
  if(NOT EXISTS "${COSIM}")
    message("SKIPPED: ${COSIM} is not built")
    return()
  endif()
  set(dir ${OUT}/cmp_rtl)
  run_mmusim(rc o e compare ${TINY} --workloads random,chase,awk --sizes 64k,256m
             --rtl-walks 500 --cosim ${COSIM} --out ${dir})
  expect("rtl: exit ${rc}: ${e}\n${o}" rc EQUAL 0)
  read_csv(${dir})
  math(EXPR last "${ROWS} - 1")
  foreach(i RANGE ${last})
    if(ROW_${i}_walker STREQUAL "rtl")
      expect("rtl row ${i} (${ROW_${i}_workload} ${ROW_${i}_ws_bytes} ${ROW_${i}_page}): status '${ROW_${i}_status}' mismatches '${ROW_${i}_mismatches}' walk_diff '${ROW_${i}_walk_diff}'"
             ROW_${i}_status STREQUAL "ok" AND ROW_${i}_mismatches EQUAL 0 AND
             (ROW_${i}_walk_diff STREQUAL "0.0000" OR ROW_${i}_walk_diff STREQUAL "-0.0000"))
    endif()
  endforeach()

elseif(PART STREQUAL "plot")
  # The plot script makes both PNGs from a small CSV.
  execute_process(COMMAND ${PYTHON} -c "import matplotlib" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message("SKIPPED: ${PYTHON} cannot import matplotlib")
    return()
  endif()
  set(dir ${OUT}/cmp_plot)
  file(REMOVE_RECURSE ${dir})
  run_mmusim(rc o e compare ${TINY} --workloads random,awk --sizes 16k,1m,256m --rtl-walks 0 --out ${dir})
  expect("plot: compare exit ${rc}: ${e}" rc EQUAL 0)
  execute_process(COMMAND ${PYTHON} ${SRC}/scripts/plot_compare.py ${dir}
                  RESULT_VARIABLE rc ERROR_VARIABLE e)
  expect("plot_compare.py: exit ${rc}: ${e}" rc EQUAL 0)
  foreach(png compare_misses.png compare_latency.png)
    file(SIZE ${dir}/${png} sz)
    expect("${png}: ${sz} bytes" sz GREATER 10000)
  endforeach()
else()
  message(FATAL_ERROR "compare_checks.cmake: unknown PART '${PART}'")
endif()
