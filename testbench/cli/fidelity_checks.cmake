# SPDX-License-Identifier: Apache-2.0
# The tools of the fidelity study, end to end on runs small enough for CI:
# run's chains, sub-page working sets, pre-touched mappings, ns and the latency
# CSV; latbench's output, CSV and reference comparison, and their bad input.

file(MAKE_DIRECTORY ${OUT})

function(run_ok out_var)
  execute_process(COMMAND ${MMUSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mmusim ${ARGN}: exit ${rc}: ${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(run_fails want)
  execute_process(COMMAND ${MMUSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  string(FIND "${err}" "${want}" at)
  if(NOT rc EQUAL 2 OR at EQUAL -1)
    message(FATAL_ERROR "mmusim ${ARGN}: exit ${rc}, stderr '${err}', want 2 and '${want}'")
  endif()
endfunction()

# The measured cycles of a run's JSON-less output: "... cycles (N measured)".
function(measured_cycles out text)
  string(REGEX MATCH "cycles \\(([0-9]+) measured\\)" m "${text}")
  if(NOT m)
    message(FATAL_ERROR "no measured cycles in: ${text}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

# 1. Chains: inside the L1 TLB reach every access costs the same 1 cycle (tiny
#    has no data lines), so N chains in flight finish in 1/N of the time.
foreach(k 1 2 4)
  run_ok(out run --preset tiny --workload seq:ws=16k,n=20k,chains=${k} --warmup 4000)
  measured_cycles(c "${out}")
  math(EXPR want "16000 / ${k}")
  if(NOT c EQUAL want)
    message(FATAL_ERROR "chains=${k}: ${c} measured cycles, want ${want}")
  endif()
endforeach()
# ... and whatever the latencies, a lockstep round waits for its slowest
# access, so lockstep is never faster than free-running chains.
foreach(ls 0 1)
  run_ok(out run --preset skylake --workload random:ws=64m,n=20k,chains=2,lockstep=${ls}
         --warmup 5000)
  measured_cycles(c${ls} "${out}")
endforeach()
if(c1 LESS c0)
  message(FATAL_ERROR "lockstep ${c1} cycles is faster than free chains ${c0}")
endif()
run_fails("excludes the workload's chains" run --preset tiny
          --workload seq:ws=16k,chains=2 --interval 10)

# 2. A working set smaller than its page: 512 KiB inside one 2 MiB page is
#    mapped as that page and walks once.
run_ok(out run --preset skylake --workload random:ws=512k,page=2m,n=10k,writes=0
       --json ${OUT}/sub.json)
string(FIND "${out}" "mapped 2 MiB with 2M pages" at)
string(FIND "${out}" "workload random:ws=512k," at2)
if(at EQUAL -1 OR at2 EQUAL -1)
  message(FATAL_ERROR "sub-page set not mapped as one 2M page: ${out}")
endif()
file(READ ${OUT}/sub.json j)
string(JSON w GET "${j}" stats walks)
if(NOT w EQUAL 1)
  message(FATAL_ERROR "512 KiB in one 2M page: ${w} walks, want 1")
endif()

# 3. A pre-touched mapping has A and D set: its walks write nothing; a fresh
#    mapping's walks set them.
foreach(pt 0 1)
  run_ok(out run --preset skylake --workload random:ws=64m,n=5k,pretouch=${pt}
         --json ${OUT}/pt${pt}.json)
  file(READ ${OUT}/pt${pt}.json j)
  string(JSON u${pt} GET "${j}" stats walk_ad_updates)
endforeach()
if(NOT u1 EQUAL 0 OR u0 EQUAL 0)
  message(FATAL_ERROR "A/D updates: pre-touched ${u1} (want 0), fresh ${u0} (want > 0)")
endif()

# 4. ns next to cycles, and the latency CSV: its counts are the measured
#    accesses and its ns are cycles at the preset's frequency.
run_ok(out run --preset tigerlake --workload random:ws=16m,n=5k,pretouch=1 --warmup 1000
       --latency-csv ${OUT}/lat.csv)
foreach(want "translation latency (ns at 4700 MHz): mean"
             "access latency, translation + data line (cycles): mean"
             "access latency, translation + data line (ns at 4700 MHz)")
  string(FIND "${out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "run output lacks '${want}': ${out}")
  endif()
endforeach()

# A latency CSV: its header, the translations and accesses its rows count
# (want `want` each), and the ns printed for 47 cycles if that row exists.
function(check_lat_csv file want)
  file(STRINGS ${file} rows)
  list(GET rows 0 head)
  if(NOT head STREQUAL "cycles,ns,translations,accesses")
    message(FATAL_ERROR "${file}: header ${head}")
  endif()
  list(REMOVE_AT rows 0)
  set(nt 0)
  set(na 0)
  foreach(r ${rows})
    string(REPLACE "," ";" f "${r}")
    list(GET f 0 cyc)
    list(GET f 1 ns)
    list(GET f 2 t)
    list(GET f 3 l)
    math(EXPR nt "${nt} + ${t}")
    math(EXPR na "${na} + ${l}")
    if(cyc STREQUAL "47" AND NOT ns STREQUAL "10.000")
      message(FATAL_ERROR "${file}: 47 cycles at 4700 MHz printed as ${ns} ns")
    endif()
  endforeach()
  if(NOT nt EQUAL want OR NOT na EQUAL want)
    message(FATAL_ERROR "${file}: counts ${nt} translations, ${na} accesses; want ${want} each")
  endif()
endfunction()
check_lat_csv(${OUT}/lat.csv 4000)
run_fails("cannot write" run --preset tiny --workload seq:n=100
          --latency-csv ${OUT}/no/such/dir/lat.csv)

# A trace run writes the same CSV (it once wrote nothing, silently), counting
# the accesses measured after the warm-up records.
file(REMOVE ${OUT}/lat_trace.csv)
run_ok(out run --preset tigerlake --trace ${TRACE} --records 20k --warmup-records 5k
       --latency-csv ${OUT}/lat_trace.csv)
string(REGEX MATCH "\\(([0-9]+) measured after" m "${out}")
set(measured ${CMAKE_MATCH_1})
if(NOT measured GREATER 0)
  message(FATAL_ERROR "no measured accesses in: ${out}")
endif()
check_lat_csv(${OUT}/lat_trace.csv ${measured})

# 5. latbench: the tinymembench test on a small buffer. Each size prints one
#    line per page size and one gap line; a reference file is compared.
file(WRITE ${OUT}/ref.csv "# test reference\nblock_bytes,single_ns\n1048576,0.5\n4194304,99\n")
run_ok(out latbench --preset tigerlake --buffer 4m --sizes 1k,64k,1m,4m --count 1600
       --reference ${OUT}/ref.csv --csv ${OUT}/lb.csv)
foreach(want "[4K pages, as MADV_NOHUGEPAGE]" "[2M pages, as MADV_HUGEPAGE]"
             "extra latency of 4K over 2M pages")
  string(FIND "${out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "latbench output lacks '${want}': ${out}")
  endif()
endforeach()
# 99 ns is far from any 4 MiB gap: that size is never within the target.
if(NOT out MATCHES "within 10% or 0.1 ns of [^\n]*ref.csv at [01] of 2 sizes" OR
   NOT out MATCHES "\n +4194304 [^\n]* 99[.]00 [^\n]* no\n")
  message(FATAL_ERROR "latbench reference comparison: ${out}")
endif()
# A 1 KiB block (inside one page, an L1 hit) costs nothing over the baseline.
string(REGEX MATCH "\n +1024 : +0[.]0 ns +/ +0[.]0 ns" zero "${out}")
if(NOT zero)
  message(FATAL_ERROR "1 KiB block is not 0.0 ns: ${out}")
endif()
file(STRINGS ${OUT}/lb.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 13) # header + 4 sizes x (4K, 2M, 4K-2M)
  message(FATAL_ERROR "latbench CSV has ${n} lines, want 13")
endif()
list(GET rows 0 head)
if(NOT head MATCHES "^block_bytes,page,single_cycles,dual_cycles,single_ns,dual_ns,")
  message(FATAL_ERROR "latbench CSV header: ${head}")
endif()
file(WRITE ${OUT}/bad_ref.csv "block_bytes,single_ns\n1048576,0.5\n3000,1.0\n")
run_fails("bad_ref.csv:3: expected 'block_bytes,single_ns[,dual_ns]'" latbench --preset tiny
          --frequency 1000 --buffer 4m --sizes 1k --count 16 --reference ${OUT}/bad_ref.csv)
run_fails("--count 100: must be a multiple of 16" latbench --preset tiny --count 100)
run_fails("--sizes: '3k': must be a power of two" latbench --preset tiny --sizes 3k)
run_fails("--sizes: 8388608 is larger than the buffer" latbench --preset tiny --buffer 4m
          --sizes 8m)
run_fails("mmusim latbench: need one of --preset NAME and --config FILE" latbench --count 16)
file(WRITE ${OUT}/nofreq.ini "[mmu]\nfrequency_mhz = 0\n")
run_fails("has no frequency_mhz" latbench --config ${OUT}/nofreq.ini --reference ${OUT}/ref.csv)
