# SPDX-License-Identifier: Apache-2.0
# `mmusim latbench --walks`: the 4K-2M gap of a single read decomposed into
# the STLB part, the walk part (P(walk) x W) and the data part. Checked on a
# small Tiger Lake run: the geometry's walk share, the preset's STLB-hit cost,
# one page-table fetch per walk (PDE-cache hits), the three parts adding up to
# the measured gap, and the implied cycles per walk of a published gap.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# Empty CSV fields are list elements too.
cmake_policy(SET CMP0007 NEW)
file(MAKE_DIRECTORY ${OUT})

# fixed(OUT STR DIGITS): the decimal STR as an integer in units of
# 10^-DIGITS (the CSV prints fixed decimals; CMake's math is integer only).
function(fixed out str digits)
  set(neg "")
  if(str MATCHES "^-")
    set(neg "-")
    string(SUBSTRING "${str}" 1 -1 str)
  endif()
  if(NOT str MATCHES "^([0-9]+)(\\.([0-9]*))?$")
    message(FATAL_ERROR "not a decimal number: '${str}'")
  endif()
  set(i "${CMAKE_MATCH_1}")
  set(f "${CMAKE_MATCH_3}0000000000")
  string(SUBSTRING "${f}" 0 ${digits} f)
  math(EXPR v "${neg}(${i}${f})")
  set(${out} ${v} PARENT_SCOPE)
endfunction()

# A published gap of 3.4 ns at 8 MiB (the Tiger Lake curve's value).
file(WRITE ${OUT}/walks_ref.csv "block_bytes,single_ns\n8388608,3.4\n")
run_mmusim(rc out err latbench --preset tigerlake --buffer 16m --sizes 8m,16m --count 32000
           --walks --reference ${OUT}/walks_ref.csv --csv ${OUT}/walks.csv)
expect("latbench --walks: exit ${rc}: ${err}" rc EQUAL 0)
expect_has("${out}" "the 4K-2M gap of a single read, decomposed" "latbench --walks")
expect_has("${out}" "implied W = (gap - STLB part) / P(walk)" "latbench --walks")

file(STRINGS ${OUT}/walks.csv rows)
list(GET rows 0 head)
string(REPLACE "," ";" cols "${head}")
foreach(name block_bytes page single_cycles l1_tlb_miss_pct walk_pct stlb_hit_cycles
             walk_cycles walk_pt_l1 walk_pt_l2 walk_pt_llc walk_pt_dram data_cycles
             implied_walk_cycles published_implied_walk_cycles)
  list(FIND cols ${name} c_${name})
  expect("CSV header lacks ${name}: ${head}" NOT c_${name} EQUAL -1)
endforeach()
list(LENGTH cols ncols)

# field(OUT ROW NAME): a field of a CSV row by column name.
function(field out row name)
  string(REPLACE "," ";" f "${row}")
  list(GET f ${c_${name}} v)
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

list(REMOVE_AT rows 0)
set(seen 0)
foreach(size 8388608 16777216)
  foreach(r ${rows})
    string(REPLACE "," ";" f "${r}")
    list(LENGTH f n)
    expect("CSV row has ${n} fields, want ${ncols}: ${r}" n EQUAL ${ncols})
    field(b "${r}" block_bytes)
    field(p "${r}" page)
    if(b STREQUAL size)
      set(row_${p} "${r}")
    endif()
  endforeach()
  # 4K pages: the STLB (1024 entries) covers 4 MiB, so uniform reads over
  # 8 / 16 MiB walk for half / three quarters of them.
  field(w "${row_4K}" walk_pct)
  fixed(w ${w} 2)
  if(size EQUAL 8388608)
    set(lo 4700)
    set(hi 5300)
  else()
    set(lo 7200)
    set(hi 7800)
  endif()
  expect("${size}: 4K walks ${w} (x0.01 %), want ${lo}..${hi}" w GREATER_EQUAL ${lo} AND
         w LESS_EQUAL ${hi})
  field(s "${row_4K}" stlb_hit_cycles)
  expect("${size}: STLB-hit cycles ${s}, want the preset's 7" s STREQUAL "7.000")
  # Every walk hits the PDE cache: one page-table fetch each, wherever served.
  set(sum 0)
  foreach(k l1 l2 llc dram)
    field(v "${row_4K}" walk_pt_${k})
    fixed(v ${v} 4)
    math(EXPR sum "${sum} + ${v}")
  endforeach()
  expect("${size}: ${sum} (x1e-4) page-table fetches per walk, want 1" sum GREATER_EQUAL 9990
         AND sum LESS_EQUAL 10010)
  field(v "${row_2M}" walk_pct)
  expect("${size}: 2M pages walk (${v} %) inside the 2M L1 DTLB's reach" v STREQUAL "0.00")

  # gap = STLB part + walk part + data part, in 1e-7 cycles (pct x100 =
  # probability x1e4, cycles x1e3); the CSV's rounding is far below 0.01.
  set(parts 0)
  foreach(pg 4K 2M)
    field(m "${row_${pg}}" l1_tlb_miss_pct)
    field(s "${row_${pg}}" stlb_hit_cycles)
    field(w "${row_${pg}}" walk_pct)
    field(wc "${row_${pg}}" walk_cycles)
    field(d "${row_${pg}}" data_cycles)
    foreach(x m s w wc d)
      fixed(${x} ${${x}} 3)
    endforeach()
    # pct read with 3 digits is probability x1e5: scale to x1e4 by /10 after
    # the product, keeping the precision.
    math(EXPR part "(${m} * ${s} + ${w} * ${wc}) / 10 + ${d} * 10000")
    if(pg STREQUAL "4K")
      math(EXPR parts "${parts} + ${part}")
      set(stlb4 "${m} * ${s} / 10")
      math(EXPR stlb4 "${stlb4}")
      set(p4 ${w})
    else()
      math(EXPR parts "${parts} - ${part}")
      math(EXPR stlb4 "${stlb4} - ${m} * ${s} / 10")
    endif()
  endforeach()
  field(g "${row_4K-2M}" single_cycles)
  fixed(g ${g} 3)
  math(EXPR diff "${g} * 10000 - ${parts}")
  if(diff LESS 0)
    math(EXPR diff "-(${diff})")
  endif()
  expect("${size}: gap ${g} (x1e-3) != STLB + walk + data parts ${parts} (x1e-7)"
         diff LESS 100000)

  # The published gap's implied W: (3.4 ns x 4.7 GHz - STLB part) / P(walk).
  field(wp "${row_4K-2M}" published_implied_walk_cycles)
  if(size EQUAL 8388608)
    fixed(wp ${wp} 3)
    # 3.4 x 4700 / 1000 = 15.98 cycles = 159800000 x1e-7; p4 is P(walk) x1e5.
    math(EXPR want "(159800000 - ${stlb4}) * 10 / ${p4}")
    math(EXPR diff "${wp} - ${want}")
    if(diff LESS 0)
      math(EXPR diff "-(${diff})")
    endif()
    expect("8 MiB: published implied W ${wp} (x1e-3), want ${want}" diff LESS 20)
    math(EXPR seen "${seen} + 1")
  else()
    set(empty "")
    expect("16 MiB has no published value, yet implied W '${wp}'" wp STREQUAL empty)
  endif()
endforeach()
expect("no published implied W checked" seen EQUAL 1)

# The decomposition compares the two page sizes: it needs both.
expect_error("mmusim latbench: --walks compares 4K with 2M pages: it needs --pages 4k,2m"
             latbench --preset tigerlake --walks --pages 4k)
