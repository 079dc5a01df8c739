# SPDX-License-Identifier: Apache-2.0
# The RTL page walker (rtl/*.sv), included from the top-level CMakeLists.txt
# when MMU_RTL is on.
# Targets:
#   mmu_rtl_cc        Verilated --cc models for C++: every bridge variant
#                     (class V<name>) and, with MMU_TESTS, the parameter sets
#                     the walker test drives (Vwalker_min, Vwalker_lat2,
#                     Vwalker_psc), so they share one copy of the Verilator
#                     runtime.
#   mmu_rtl_vsc       Verilated --sc models, class V<name>_sc per bridge variant,
#                     for the SystemC bridge (links PkgConfig::SystemC, defines
#                     VM_SC=1 and SC_CPLUSPLUS=201703L for its users).
#   mmu_rtl_cc_trace  with MMU_RTL_TRACE: the bridge variants again, with FST
#                     tracing (class V<name>_trace), for mmusim-cosim-trace.
# mmu_rtl_cc and mmu_rtl_vsc are object libraries (position-independent): the
# RTL bridge library libmmusim-rtl-sc (mmu_rtl_sc, model/sc/sc.cmake) is
# archived from their objects, so it ships self-contained and a host never
# sees a Verilator build-tree directory.
# Each target also carries a generated header, mmu_rtl_variants.h, with the
# X-macro MMU_RTL_VARIANTS(XX) listing its bridge variants as
# XX(class, MAXPHYADDR, PAGE_1G, AD_ON_FAULT_USED, RETRY_LIMIT, LEVEL_LATENCY),
# the default first; model/sc/rtl_walker*.cc build their variant tables from it.
# Tests (MMU_TESTS): rtl.lint*, verilator --lint-only -Wall for several
# parameter sets, and the C-vs-RTL walker test (testbench/rtl).
# See ../shared/TOOLCHAIN.md: VERILATOR_CFLAGS is not applied by verilate()
# itself, and the verilated runtime does not build with our warning flags, so
# those stay on our own targets (MMU_WARNINGS) and the models are SYSTEM.

find_package(verilator 5.006 REQUIRED)
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::SystemC)
  pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc>=2.3.4)
endif()

option(MMU_RTL_TRACE "Also build mmusim-cosim-trace, whose RTL walker can write FST waveforms" OFF)
# Verilator --coverage (line, branch, toggle and walker.sv's FSM cover points)
# in the --cc models: the bridges and the RTL tests then collect coverage
# (model/sc/rtl_coverage.h). scripts/coverage.sh builds with it; it slows the
# models down, so normal builds leave it off.
option(MMU_RTL_COVERAGE "Verilate the bridges' --cc walker models with coverage points" OFF)
# What gets --coverage: the bridge variants (MMU_RTL_VARIANTS), which the
# coverage campaign co-simulates and the walker test drives as its default
# model, and of the walker test's own parameter sets only those listed here.
# walker_psc is the one instance of rtl/psc.sv (the bridges have no caches:
# the C core's sit in front), so it is instrumented; walker_min and
# walker_lat2 repeat parameter combinations the bridge variants already
# cover, and are built plain. Each --coverage model is a few MB of C++.
set(MMU_RTL_COVERAGE_TEST_VARIANTS "walker_psc" CACHE STRING
    "Walker-test variants also Verilated with --coverage under MMU_RTL_COVERAGE (;-list of names)")
# The C++ of a --coverage model is mostly straight-line toggle counting, one
# branch and one atomic add per bit, in functions of up to 1 MB. GCC's -O2
# and the debug info of such functions cost most of the build (see
# results/coverage.md, "Timing"), and the models' speed matters little in a
# campaign of tens of thousands of walks, so they are compiled with these
# flags instead (appended after CMAKE_CXX_FLAGS, so they win).
set(MMU_RTL_COVERAGE_CXXFLAGS "-O1;-g0" CACHE STRING
    "Compiler flags for the Verilated C++ of --coverage models (;-list)")
set(MMU_RTL_CC_KINDS)
if(MMU_RTL_COVERAGE)
  set(MMU_RTL_CC_KINDS COVERAGE OPT_FAST ${MMU_RTL_COVERAGE_CXXFLAGS} OPT_SLOW ${MMU_RTL_COVERAGE_CXXFLAGS})
endif()

set(MMU_RTL_DIR ${CMAKE_CURRENT_LIST_DIR})
# Package first: every module imports it.
set(MMU_RTL_SOURCES
  ${MMU_RTL_DIR}/mmu_pkg.sv
  ${MMU_RTL_DIR}/pte_check.sv
  ${MMU_RTL_DIR}/fault.sv
  ${MMU_RTL_DIR}/psc.sv
  ${MMU_RTL_DIR}/walker.sv
)

# The walker variants the bridges can run, one verilate() per variant and
# model kind: NAME:MAXPHYADDR:PAGE_1G:AD_ON_FAULT_USED:RETRY_LIMIT:LEVEL_LATENCY.
# The first is the default (what `mmusim-cosim random` runs). A variant has no
# paging-structure caches of its own: the C core's sit in front of it. To add
# one, append an entry; the bridges pick the variant whose parameters equal
# the configuration's (maxphyaddr, page_1g, ad_on_fault, ad_retry_limit,
# walk_level_latency).
# The default; walker_m46 (MAXPHYADDR 46, no 1G pages, A on faults, 4 tries,
# no level step) and walker_m36 (MAXPHYADDR 36, A on faults, 2 tries, two
# cycles per level) give the co-simulation reserved physical-address bits,
# PDPTE.PS as a reserved bit, A/D-on-fault `used`, the retry limit and the
# FSM's step-free and multi-step paths.
set(MMU_RTL_VARIANTS "walker:52:1:0:16:1;walker_m46:46:0:1:4:0;walker_m36:36:1:1:2:2" CACHE STRING
    "RTL walker variants for the bridges (NAME:MAXPHYADDR:PAGE_1G:AD_ON_FAULT_USED:RETRY_LIMIT:LEVEL_LATENCY;...)")

# mmu_rtl_variants(TARGET SUFFIX [verilate() options]): verilate
# every variant into TARGET as class V<name><SUFFIX> and write TARGET's
# mmu_rtl_variants.h.
function(mmu_rtl_variants target suffix)
  # ARGN goes to verilate() as it is (SYSTEMC, TRACE_FST, COVERAGE, OPT_*).
  set(kinds ${ARGN})
  set(includes "")
  set(rows "")
  foreach(v ${MMU_RTL_VARIANTS})
    string(REPLACE ":" ";" f "${v}")
    list(LENGTH f n)
    if(NOT n EQUAL 6)
      message(FATAL_ERROR "MMU_RTL_VARIANTS: '${v}' is not NAME:MAXPHYADDR:PAGE_1G:AD_ON_FAULT_USED:RETRY_LIMIT:LEVEL_LATENCY")
    endif()
    list(GET f 0 name)
    list(GET f 1 maxphyaddr)
    list(GET f 2 page_1g)
    list(GET f 3 ad)
    list(GET f 4 retry)
    list(GET f 5 step)
    set(prefix V${name}${suffix})
    verilate(${target} ${kinds} PREFIX ${prefix} TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
             VERILATOR_ARGS -Wall -GMAXPHYADDR=${maxphyaddr} -GPAGE_1G=${page_1g}
                            -GAD_ON_FAULT_USED=${ad} -GRETRY_LIMIT=${retry} -GLEVEL_LATENCY=${step})
    string(APPEND includes "#include \"${prefix}.h\"\n")
    string(APPEND rows " \\\n    XX(${prefix}, ${maxphyaddr}, ${page_1g}, ${ad}, ${retry}, ${step})")
  endforeach()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_variants)
  file(GENERATE OUTPUT ${dir}/mmu_rtl_variants.h CONTENT
"/* Generated by rtl/rtl.cmake from MMU_RTL_VARIANTS: the walker variants of ${target}. */
#ifndef MMU_RTL_VARIANTS_H
#define MMU_RTL_VARIANTS_H
${includes}
/* XX(class, MAXPHYADDR, PAGE_1G, AD_ON_FAULT_USED, RETRY_LIMIT, LEVEL_LATENCY), default first */
#define MMU_RTL_VARIANTS(XX)${rows}

#endif
")
  target_include_directories(${target} PUBLIC ${dir})
  target_compile_options(${target} PRIVATE ${VERILATOR_CFLAGS})
  set_target_properties(${target} PROPERTIES SYSTEM ON)
endfunction()

add_library(mmu_rtl_cc OBJECT)
mmu_rtl_variants(mmu_rtl_cc "" ${MMU_RTL_CC_KINDS})
set_target_properties(mmu_rtl_cc PROPERTIES POSITION_INDEPENDENT_CODE ON)
if(MMU_RTL_COVERAGE)
  # verilate() defines VM_COVERAGE on the models only; their users need it too.
  target_compile_definitions(mmu_rtl_cc INTERFACE VM_COVERAGE=1)
endif()

add_library(mmu_rtl_vsc OBJECT)
mmu_rtl_variants(mmu_rtl_vsc _sc SYSTEMC)
target_link_libraries(mmu_rtl_vsc PUBLIC PkgConfig::SystemC)
target_compile_definitions(mmu_rtl_vsc PUBLIC SC_CPLUSPLUS=201703L INTERFACE VM_SC=1)
set_target_properties(mmu_rtl_vsc PROPERTIES POSITION_INDEPENDENT_CODE ON)

if(MMU_RTL_TRACE)
  # FST needs zlib (Debian's zlib1g-dev, in scripts/bootstrap.sh).
  find_package(ZLIB REQUIRED)
  add_library(mmu_rtl_cc_trace STATIC)
  mmu_rtl_variants(mmu_rtl_cc_trace _trace TRACE_FST)
  target_link_libraries(mmu_rtl_cc_trace PUBLIC ZLIB::ZLIB)
  target_compile_definitions(mmu_rtl_cc_trace INTERFACE VM_TRACE=1 VM_TRACE_FST=1)
endif()

if(MMU_TESTS)

  # Lint: the defaults, every option switched the other way (no 1G pages,
  # A on faults, one attempt, no level step, smallest MAXPHYADDR), and the
  # paging-structure caches (one level absent, one of a single entry).
  set(MMU_RTL_LINT verilator --lint-only -Wall --top-module walker ${MMU_RTL_SOURCES})
  add_test(NAME rtl.lint COMMAND ${MMU_RTL_LINT})
  add_test(NAME rtl.lint_options
           COMMAND ${MMU_RTL_LINT} -GMAXPHYADDR=36 -GPAGE_1G=0 -GAD_ON_FAULT_USED=1
                   -GRETRY_LIMIT=1 -GLEVEL_LATENCY=0)
  add_test(NAME rtl.lint_psc
           COMMAND ${MMU_RTL_LINT} -GMAXPHYADDR=46 -GLEVEL_LATENCY=3 -GPSC_PDE=4 -GPSC_PDPTE=0
                   -GPSC_PML4E=1 -GPSC_PML5E=2)

  # Variants for the walker test, in mmu_rtl_cc (one runtime). Keep these
  # parameters in step with the Variant table in test_rtl_walker.cc; its
  # default (Vwalker) is the first bridge variant.
  # NAME:verilator arguments (comma-separated)
  set(test_variants
      "walker_min:-GMAXPHYADDR=36,-GPAGE_1G=0,-GAD_ON_FAULT_USED=1,-GRETRY_LIMIT=3,-GLEVEL_LATENCY=0"
      "walker_lat2:-GMAXPHYADDR=46,-GAD_ON_FAULT_USED=1,-GRETRY_LIMIT=2,-GLEVEL_LATENCY=2"
      "walker_psc:-GMAXPHYADDR=46,-GLEVEL_LATENCY=1,-GPSC_PDE=4,-GPSC_PDPTE=0,-GPSC_PML4E=2,-GPSC_PML5E=1")
  foreach(tv ${test_variants})
    string(REPLACE ":" ";" f "${tv}")
    list(GET f 0 name)
    list(GET f 1 args)
    string(REPLACE "," ";" args "${args}")
    set(kinds)
    if(MMU_RTL_COVERAGE AND name IN_LIST MMU_RTL_COVERAGE_TEST_VARIANTS)
      set(kinds ${MMU_RTL_CC_KINDS})
    endif()
    verilate(mmu_rtl_cc ${kinds} PREFIX V${name} TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
             VERILATOR_ARGS -Wall ${args})
  endforeach()

  find_package(GTest 1.12 CONFIG REQUIRED)
  include(GoogleTest)
  add_executable(test_rtl_walker ${PROJECT_SOURCE_DIR}/testbench/rtl/test_rtl_walker.cc)
  # rtl_coverage.cc: the test hands its models' Verilator coverage to
  # scripts/coverage.sh (MMU_RTL_COVERAGE_DIR) as the bridges do.
  target_sources(test_rtl_walker PRIVATE ${PROJECT_SOURCE_DIR}/model/sc/rtl_coverage.cc)
  target_include_directories(test_rtl_walker PRIVATE ${PROJECT_SOURCE_DIR}/model/sc)
  target_link_libraries(test_rtl_walker PRIVATE mmu mmu_rtl_cc GTest::gtest_main)
  target_compile_options(test_rtl_walker PRIVATE ${MMU_WARNINGS})
  gtest_discover_tests(test_rtl_walker TEST_PREFIX rtl. DISCOVERY_TIMEOUT 60)
endif()
