# SPDX-License-Identifier: Apache-2.0
# `mmusim sweep` with [sweep] stack_distance = yes (model/cli/sweep_stack.c).
# -DPART=equal|refuse; MMUSIM, OUT (scratch), SRC (source tree) always given.
#  equal:  every number a stack-distance sweep writes equals the same spec's
#          sweep run point by point (each point simulated), for a synthetic
#          stream with writes (D assists), a shipped trace under 4K and THP
#          demand paging, set-associative and fully associative geometries and
#          several set counts; the columns it leaves empty are the ones it
#          says it does not give.
#  refuse: specs and runs the pass cannot give exactly: "spec:line: why" and
#          exit 2 before anything runs, or a row whose status says why.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(W ${OUT}/sweep_stack_${PART})
file(REMOVE_RECURSE ${W})
file(MAKE_DIRECTORY ${W})

# Columns a stack-distance row must fill (and the rest it must leave empty).
set(GIVEN accesses counted l1_misses_per_1k l2_misses_per_1k walks_per_1k tlb_entries
    l2_entries psc_entries total_entries translations l2_lookups l2_hits l2_misses l2_4k_hits
    l2_2m_hits l2_1g_hits walks)

# Run `spec` (text) with stack_distance = yes and = no; every non-empty field of
# the first equals the second's; returns in ${rows_var} the rows compared.
function(stack_equals name spec rows_var)
  string(REPLACE "@STACK@" "yes" s1 "${spec}")
  string(REPLACE "@STACK@" "no" s2 "${spec}")
  file(WRITE ${W}/${name}_s.ini "${s1}")
  file(WRITE ${W}/${name}_p.ini "${s2}")
  run_mmusim(rc o e sweep ${W}/${name}_s.ini --out ${W}/${name}_s -j 1
             --traces ${SRC}/workloads/traces)
  expect("${name}: stack sweep failed (${rc}): ${e}" rc EQUAL 0)
  run_mmusim(rc o e sweep ${W}/${name}_p.ini --out ${W}/${name}_p -j 2
             --traces ${SRC}/workloads/traces)
  expect("${name}: point-by-point sweep failed (${rc}): ${e}" rc EQUAL 0)
  file(STRINGS ${W}/${name}_s/sweep.csv a)
  file(STRINGS ${W}/${name}_p/sweep.csv b)
  list(LENGTH a na)
  list(LENGTH b nb)
  expect("${name}: ${na} rows vs ${nb}" na EQUAL nb)
  list(POP_FRONT a ha)
  list(POP_FRONT b hb)
  expect("${name}: headers differ" "${ha}" STREQUAL "${hb}")
  string(REPLACE "," ";" cols "${ha}")
  math(EXPR last "${na} - 2")
  set(compared 0)
  foreach(r RANGE ${last})
    list(GET a ${r} la)
    list(GET b ${r} lb)
    string(REPLACE "," ";" va "${la}")
    string(REPLACE "," ";" vb "${lb}")
    set(i 0)
    set(stack_row 0)
    foreach(c IN LISTS cols)
      list(GET va ${i} x)
      list(GET vb ${i} y)
      if(c STREQUAL "status")
        expect("${name} row ${r}: status '${x}'" x STREQUAL "ok")
      endif()
      if(c STREQUAL "lat_mean" AND x STREQUAL "")
        set(stack_row 1)
      endif()
      if(NOT c MATCHES "^(batch_seconds|pareto)$" AND NOT x STREQUAL "" AND NOT x STREQUAL y)
        message(FATAL_ERROR "${name} row ${r} (${la}): ${c} = ${x} from the stack pass, ${y} simulated")
      endif()
      if(stack_row AND c MATCHES "^l1[id]_|^(accesses|counted|translations|l2_lookups|l2_hits|l2_misses|l2_4k_hits|l2_2m_hits|l2_1g_hits|walks|l1_misses_per_1k|l2_misses_per_1k|walks_per_1k|tlb_entries|l2_entries|psc_entries|total_entries)$")
        if(x STREQUAL "")
          message(FATAL_ERROR "${name} row ${r}: ${c} is empty")
        endif()
      elseif(stack_row AND NOT c MATCHES "^(run|point|preset|workload|policy|status|batch_seconds|pareto|l2\\.)")
        if(NOT x STREQUAL "")
          message(FATAL_ERROR "${name} row ${r}: ${c} = '${x}', a column the pass does not give")
        endif()
      endif()
      math(EXPR i "${i} + 1")
    endforeach()
    math(EXPR compared "${compared} + ${stack_row}")
  endforeach()
  set(${rows_var} ${compared} PARENT_SCOPE)
endfunction()

if(PART STREQUAL "equal")
  # Writes (30%, the default) without pretouch: first writes to a page cached with D=0 are D
  # assists, which follow some L2 hits and not others. Set counts 16..256.
  stack_equals(synth "[sweep]
presets = skylake
workloads = random:ws=64m | zipf:ws=256m
policies = 4k | thp
accesses = 60k
warmup = 10k
stack_distance = @STACK@

[l2.4k2m]
entries = 64..1024*2
ways = 4 | 8
index = low
" n)
  expect("synth: ${n} stack-distance rows compared" n EQUAL 36)
  # Fully associative (ways = entries) next to set-associative points of the
  # same sizes; impossible ones (ways > entries) are skipped by both. zen2
  # without its PTE coalescing, which the pass refuses.
  stack_equals(fa "[sweep]
presets = zen2
workloads = random:ws=16m
accesses = 40k
stack_distance = @STACK@

[mmu]
coalesce = 0

[l2.4k2m1g]
entries = 16..128*2
ways = 16..128*2
index = low
" n)
  expect("fa: ${n} stack-distance rows compared" n GREATER 4)
  # A shipped trace under demand paging (its not-present faults included),
  # 4K and THP.
  stack_equals(awk "[sweep]
presets = skylake
workloads = awk
policies = 4k | thp
accesses = 400k
stack_distance = @STACK@

[l2.4k2m]
entries = 32..512*2
ways = 4 | 16
index = low
" n)
  expect("awk: ${n} stack-distance rows compared" n GREATER 10)
elseif(PART STREQUAL "refuse")
  set(head "[sweep]\npresets = skylake\nworkloads = random:ws=16m\naccesses = 10k\nstack_distance = yes\n")
  # name | extra spec text | message | line of it
  set(cases
    "presets|[sweep]\npresets = skylake | zen2\nworkloads = random:ws=16m\nstack_distance = yes\n[l2.4k2m]\nindex = low\n|presets vary|4"
    "psc|[l2.4k2m]\nindex = low\n[psc.pde]\nentries = 0 | 32\n|[psc.pde] entries varies|9"
    "latency|[l2]\nlatency = 7 | 9\n[l2.4k2m]\nindex = low\n|[l2] latency varies|7"
    "plru|[l2.4k2m]\nentries = 512 | 1024\nways = 8\nrepl = plru\nindex = low\n|replacement is plru|5"
    "xor|[l2.4k2m]\nentries = 768 | 1536\n|XOR set indexing|5"
    "inclusive|[mmu]\nl2_inclusive = 1\n[l2.4k2m]\nentries = 768 | 1536\nindex = low\n|the L2 is inclusive|5"
    "coalesce|[mmu]\ncoalesce = 4\n[l2.4k2m]\nentries = 768 | 1536\nindex = low\n|PTE coalescing|5"
    "absent|[l2.4k2m]\nentries = 0 | 1536\nindex = low\n|entries = 0|5")
  foreach(cs IN LISTS cases)
    string(REPLACE "|" ";" parts "${cs}")
    # The alternatives' own '|' split too: rejoin all but the first and the
    # last two fields.
    list(POP_FRONT parts name)
    list(POP_BACK parts line)
    list(POP_BACK parts msg)
    list(JOIN parts "|" body)
    string(REPLACE "\\n" "\n" body "${body}")
    if(name STREQUAL "presets")
      set(text "${body}")
    else()
      set(text "${head}${body}")
    endif()
    file(WRITE ${W}/${name}.ini "${text}")
    run_mmusim(rc o e sweep ${W}/${name}.ini --out ${W}/${name})
    expect("${name}: exit ${rc}, not 2: ${e}" rc EQUAL 2)
    expect_has("${e}" "${W}/${name}.ini:${line}: " "${name}: the spec's line")
    expect_has("${e}" "${msg}" "${name}: the reason")
    expect("${name}: ran something" NOT EXISTS ${W}/${name}/parts)
  endforeach()
  # Runs the conditions do not hold in, found from the run's own counters:
  # a trace that invalidates (INVLPG, a MOV to CR3, an munmap) makes every
  # row of its batch an error naming what happened; the others still run.
  set(acc "")
  foreach(i RANGE 0 400)
    math(EXPR a "0x10000000 + (${i} % 97) * 4096")
    math(EXPR b "0x20000000 + (${i} % 61) * 4096")
    string(APPEND acc "r ${a} 3\nw ${b} 3\n")
  endforeach()
  file(WRITE ${W}/ok.trace "# mmusim text trace\n${acc}${acc}")
  file(WRITE ${W}/invlpg.trace "# mmusim text trace\n${acc}invlpg 0x10000000\n${acc}")
  file(WRITE ${W}/unmap.trace "# mmusim text trace\n${acc}unmap 0x10000000 0x4000\n${acc}")
  file(WRITE ${W}/cr3.trace "# mmusim text trace\n${acc}cr3 0x2000\n${acc}")
  set(spec "[sweep]\npresets = skylake\nworkloads = ${W}/ok.trace | ${W}/invlpg.trace | ${W}/unmap.trace | ${W}/cr3.trace\nstack_distance = yes\n[l2.4k2m]\nentries = 16 | 32 | 64\nways = 4\nindex = low\n")
  file(WRITE ${W}/dyn.ini "${spec}")
  run_mmusim(rc o e sweep ${W}/dyn.ini --out ${W}/dyn -j 1)
  expect("dyn: exit ${rc}, not 2: ${e}" rc EQUAL 2)
  expect_has("${e}" "invlpg.trace, 4k): error: stack distance does not apply to this run: it had 1 INVLPGs (inv_invlpg)" "dyn: invlpg")
  expect_has("${e}" "unmap.trace, 4k): error: stack distance does not apply to this run: it had 4 INVLPGs" "dyn: unmap")
  expect_has("${e}" "cr3.trace, 4k): error: stack distance does not apply to this run: it had 1 MOV to CR3" "dyn: cr3")
  file(STRINGS ${W}/dyn/sweep.csv rows REGEX "ok.trace,4k,ok,")
  list(LENGTH rows n)
  expect("dyn: ${n} good rows of ok.trace, not 3" n EQUAL 3)
  # 1G pages with no L2 array for them: cached splintered as 2M entries of the
  # swept array, and a splinter is copied into the L1 on an L2 hit where a
  # walk would fill the whole page.
  file(WRITE ${W}/spl.ini "[sweep]\npresets = skylake\nworkloads = random:ws=4g\npolicies = 1g\naccesses = 20k\nstack_distance = yes\n[l2.1g]\nentries = 0\n[l2.4k2m]\nentries = 768 | 1536\nindex = low\n")
  run_mmusim(rc o e sweep ${W}/spl.ini --out ${W}/spl -j 1)
  expect("spl: exit ${rc}, not 2: ${e}" rc EQUAL 2)
  expect_has("${e}" "1g): error: stack distance does not apply to this run: it had 8 pages cached splintered in the L2 (l2_splinters)" "spl")
else()
  message(FATAL_ERROR "PART=${PART}: equal or refuse")
endif()
