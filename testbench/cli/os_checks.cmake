# SPDX-License-Identifier: Apache-2.0
# `mmusim run --mem ...` and `mmusim vm-study` end to end on a generated text
# trace: reports, JSON, series CSV, OPT as the lower bound, and bad input
# (exit 2 and the exact message).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# A trace over 48 pages: a hot set of 8 and a sweep, 3000 accesses, a third writes.
set(t "${OUT}/os_small.txt")
set(lines "# mmusim text trace\n")
foreach(i RANGE 2999)
  math(EXPR m "${i} % 4")
  if(m EQUAL 0)
    math(EXPR p "(${i} / 4) % 48")
  else()
    math(EXPR p "(${i} * 7) % 8")
  endif()
  math(EXPR w "${i} % 3")
  math(EXPR a "0x10000000000 + ${p} * 4096" OUTPUT_FORMAT HEXADECIMAL)
  if(w EQUAL 0)
    string(APPEND lines "w ${a} 3\n")
  else()
    string(APPEND lines "r ${a} 3\n")
  endif()
endforeach()
file(WRITE ${t} "${lines}")

# 1. Memory pressure: the report, JSON and the series.
run_mmusim(rc o e run --preset tiny --trace ${t} --policy 4k --mem 96k --tables separate
           --swap 1m --reclaim clock --json ${OUT}/os.json --series 500 --series-csv ${OUT}/os_series.csv)
expect("run --mem: exit ${rc}: ${e}" rc EQUAL 0)
foreach(want "memory: 96 KiB = 24 frames" "reclaim: clock" "swap area 1: 1 MiB" "faults: "
             "page tables outside it")
  string(FIND "${o}" "${want}" at)
  expect("run --mem: '${want}' missing from:\n${o}" NOT at EQUAL -1)
endforeach()
file(READ ${OUT}/os.json j)
string(JSON minor GET "${j}" os minor_faults)
string(JSON major GET "${j}" os major_faults)
string(JSON outs GET "${j}" os swap_outs)
string(JSON frames GET "${j}" memory frames)
string(JSON nser LENGTH "${j}" series)
expect("json: 48 first touches, got minor ${minor}" minor GREATER_EQUAL 48)
expect("json: swap-ins with 24 frames for 48 pages, got ${major}" major GREATER 0)
expect("json: swap-outs ${outs}" outs GREATER 0)
expect("json: frames ${frames}" frames EQUAL 24)
expect("json: 5 samples (every 500 of 3000), got ${nser}" nser EQUAL 5)
file(STRINGS ${OUT}/os_series.csv csv)
list(LENGTH csv ncsv)
expect("series csv: header + 5 rows, got ${ncsv}" ncsv EQUAL 6)
list(GET csv 0 hdr)
expect("series csv header: ${hdr}" hdr STREQUAL "access,cycle,resident,free,swap_used,wss,minor,major")

# 1b. The OS options take "--opt=value" as every other option does: the same
#     run written that way gives the same report (JSON minus the wall clock).
run_mmusim(rc o2 e run --preset tiny --trace ${t} --policy=4k --mem=96k --tables=separate
           --swap=1m --reclaim=clock --json=${OUT}/os_eq.json --series=500)
expect("run --mem=96k: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/os.json j1)
file(READ ${OUT}/os_eq.json j2)
foreach(k minor_faults major_faults swap_outs swap_ins)
  string(JSON v1 GET "${j1}" os ${k})
  string(JSON v2 GET "${j2}" os ${k})
  expect("--opt=value: os.${k} ${v2}, with --opt value ${v1}" v1 EQUAL v2)
endforeach()
string(JSON f2 GET "${j2}" memory frames)
expect("--mem=96k: frames ${f2}" f2 EQUAL 24)
run_mmusim(rc o e run --preset tiny --trace ${t} --mem=96k --flush-young=1)
string(STRIP "${e}" e)
expect("--flush-young=1: exit ${rc}, '${e}'" rc EQUAL 2 AND e STREQUAL "mmusim run: --flush-young: takes no value")
run_mmusim(rc o e run --preset tiny --trace ${t} --mem=)
string(STRIP "${e}" e)
expect("--mem=: exit ${rc}, '${e}'" rc EQUAL 2 AND e STREQUAL "mmusim run: --mem : must be a size, a non-zero multiple of 4 KiB (e.g. 64m)")

# 2. OPT takes no more faults than Clock on it; exact LRU no more than FIFO here.
foreach(p opt clock)
  run_mmusim(rc o e run --preset tiny --trace ${t} --policy 4k --mem 96k --tables separate
             --watermarks none --kswapd off --batch 1 --readahead 1 --swap 1m --reclaim ${p}
             --json ${OUT}/os_${p}.json)
  expect("run --reclaim ${p}: exit ${rc}: ${e}" rc EQUAL 0)
  file(READ ${OUT}/os_${p}.json j)
  string(JSON a GET "${j}" os minor_faults)
  string(JSON b GET "${j}" os major_faults)
  math(EXPR f_${p} "${a} + ${b}")
endforeach()
expect("OPT ${f_opt} > Clock ${f_clock}" f_opt LESS_EQUAL f_clock)

# 3. vm-study: one CSV row per memory x policy, OPT the lower bound, exit 0.
run_mmusim(rc o e vm-study --preset tiny --traces ${t} --mems 25%,50%,1m --out ${OUT}/vmst)
expect("vm-study: exit ${rc}: ${e}\n${o}" rc EQUAL 0)
string(FIND "${o}" "OPT the lower bound in every row: yes" at)
expect("vm-study: no OPT line in:\n${o}" NOT at EQUAL -1)
string(FIND "${o}" "one page reclaimed per fault); policies fifo, clock, lru, twolist, mglru, lfu, ws, opt\n" at)
expect("vm-study: the header lists every policy run:\n${o}" NOT at EQUAL -1)
file(STRINGS ${OUT}/vmst/vm_study.csv rows)
list(LENGTH rows n)
expect("vm-study csv: 1 + 3 x 8 rows, got ${n}" n EQUAL 25)

# 3b. vm-study --mode linux: cycles against an unlimited run, OPT left out.
run_mmusim(rc o e vm-study --preset tiny --traces ${t} --mode linux --mems 50% --policies clock,opt
           --out ${OUT}/vmst_linux)
expect("vm-study --mode linux: exit ${rc}: ${e}\n${o}" rc EQUAL 0)
string(FIND "${o}" "memory never short (4x the working set): " at)
expect("vm-study --mode linux: no baseline line in:\n${o}" NOT at EQUAL -1)
string(FIND "${o}" "; policies clock, opt (OPT left out: it is defined for pure demand paging)\n" at)
expect("vm-study --mode linux: the header names the policies asked for:\n${o}" NOT at EQUAL -1)
file(STRINGS ${OUT}/vmst_linux/vm_study.csv rows)
list(LENGTH rows n)
expect("vm-study --mode linux csv: 1 + 1 rows, got ${n}" n EQUAL 2)

# 3c. The plots regenerate from those CSVs (when Python has matplotlib).
if(PYTHON AND EXISTS ${PYTHON})
  execute_process(COMMAND ${PYTHON} -c "import matplotlib" RESULT_VARIABLE nomp OUTPUT_QUIET ERROR_QUIET)
  if(nomp EQUAL 0)
    foreach(d vmst vmst_linux)
      execute_process(COMMAND ${PYTHON} ${SRC}/scripts/plot_vm_study.py ${OUT}/${d}
                      RESULT_VARIABLE prc ERROR_VARIABLE perr OUTPUT_QUIET)
      expect("plot_vm_study.py ${d}: exit ${prc}: ${perr}" prc EQUAL 0)
    endforeach()
    expect("vm_study.png missing" EXISTS ${OUT}/vmst/vm_study.png)
    expect("vm_study_linux.png missing" EXISTS ${OUT}/vmst_linux/vm_study_linux.png)
  endif()
endif()

# 4. Bad input: exit 2 and what is wrong.
set(base run --preset tiny --trace ${t})
foreach(case
    "--mem|4k|mmusim run: memory of 4 KiB (1 frame) is smaller than the 7 frames the page tables of 1 process and one page need"
    "--mem|0|mmusim run: --mem 0: must be a size, a non-zero multiple of 4 KiB (e.g. 64m)"
    "--mem|5000|mmusim run: --mem 5000: must be a size, a non-zero multiple of 4 KiB (e.g. 64m)"
    "--mem;1m;--swap|0|mmusim run: --swap 0: the size must be a multiple of 4 KiB of at least 8 KiB (a header page and one slot)"
    "--mem;1m;--reclaim|foo|mmusim run: --reclaim foo: unknown policy (fifo, clock, lru, twolist, mglru, lfu, ws, opt)"
    "--swap|1m|mmusim run: --swap needs --mem SIZE (memory pressure options)"
    "--mem;1m;--swappiness|300|mmusim run: --swappiness 300: must be 0..200"
    "--mem;1m;--swap-dev|floppy|mmusim run: --swap-dev floppy: must be nvme, ssd, hdd or zswap"
    "--mem;1m;--procs;2;--reclaim|opt|mmusim run: reclaim opt: defined for one process with 4 KiB pages (--procs 1 --policy 4k)"
    "--mem;1m;--readahead|3|mmusim run: --readahead 3: must be a power of two from 1 (off) to 256 pages")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts -1 want)
  list(REMOVE_AT parts -1)
  run_mmusim(rc o e ${base} ${parts})
  string(STRIP "${e}" e)
  expect("${parts}: exit ${rc}, want 2" rc EQUAL 2)
  expect("${parts}: stderr\n  '${e}'\nwant\n  '${want}'" e STREQUAL want)
endforeach()
run_mmusim(rc o e run --preset tiny --workload random --mem 1m)
expect("--workload --mem: exit ${rc}" rc EQUAL 2)
run_mmusim(rc o e vm-study --preset tiny --traces ${t} --mems 0 --out ${OUT}/vmst_bad)
expect("vm-study --mems 0: exit ${rc}" rc EQUAL 2)
string(STRIP "${e}" e)
expect("vm-study --mems 0: '${e}'" e STREQUAL "mmusim vm-study: --mems: '0': not a share (0.5, 50%) or a size that is a multiple of 4 KiB (64k, 4m)")
run_mmusim(rc o e vm-study --preset tiny --traces ${t} --policies nope --out ${OUT}/vmst_bad)
expect("vm-study --policies nope: exit ${rc}" rc EQUAL 2)
run_mmusim(rc o e vm-study --preset tiny --traces nosuchtrace --out ${OUT}/vmst_bad)
expect("vm-study --traces nosuchtrace: exit ${rc}" rc EQUAL 2)

# 5. A file mapping put in front with convert --prepend (what trace_program.sh
#    does with /proc/PID/maps): its pages are file pages; the written ones go
#    back to the file, the others are dropped.
file(WRITE ${OUT}/os_pre.txt "# mmusim text trace\nmap 0x10000000000 0x30000 P|US|RW|XD 4k file 2 0 shared\n")
run_mmusim(rc o e convert --prepend ${OUT}/os_pre.txt ${t} ${OUT}/os_file.mtr)
expect("convert --prepend: exit ${rc}: ${e}" rc EQUAL 0)
string(FIND "${e}" "convert: 1 records from ${OUT}/os_pre.txt, then 3000 records" at)
expect("convert --prepend: stderr '${e}'" NOT at EQUAL -1)
run_mmusim(rc o e run --preset tiny --trace ${OUT}/os_file.mtr --policy 4k --mem 96k --tables separate
           --swap 1m --json ${OUT}/os_file.json)
expect("run file trace: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/os_file.json j)
string(JSON wb GET "${j}" os writebacks)
string(JSON fd GET "${j}" os file_drops)
string(JSON so GET "${j}" os swap_outs)
string(JSON fr GET "${j}" os file_reads)
expect("file trace: write-backs ${wb}, drops ${fd}, swap-outs ${so}, reads ${fr}"
       wb GREATER 0 AND so EQUAL 0 AND fr GREATER 0)
