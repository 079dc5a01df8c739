# SystemC wrapper of the C core (model/sc/) and the C-versus-RTL
# co-simulation (testbench/cosim/, mmusim-cosim). Included from the top-level
# CMakeLists.txt after rtl/rtl.cmake, whose Verilated SystemC library
# mmu_rtl_sc (class Vwalker_sc) the RTL walker bridge is built against. Without
# that target the wrapper still builds, with the C walker only.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::SystemC)
  pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc>=2.3.4)
endif()

set(MMU_SC_DIR ${PROJECT_SOURCE_DIR}/model/sc)
# Whether the RTL walker is built in is decided when the build is generated
# ($<TARGET_EXISTS:...>), so the order of the two include lines does not matter.
set(MMU_SC_RTL $<TARGET_EXISTS:mmu_rtl_sc>)

# The direct bridge (rtl_walker_cc): the --cc walker behind walk_cb, plain
# C++. mmu_rtl_bridge_trace is the same source against the FST-traced models.
# The models' include directories stay PRIVATE: both model libraries carry a
# header named mmu_rtl_variants.h.
function(mmu_rtl_bridge target models trace)
  add_library(${target} STATIC ${MMU_SC_DIR}/rtl_walker_cc.cc)
  target_include_directories(${target} PUBLIC ${MMU_SC_DIR})
  target_link_libraries(${target} PUBLIC mmu PRIVATE ${models})
  target_compile_definitions(${target} PRIVATE MMU_RTL_TRACE=${trace})
  target_compile_options(${target} PRIVATE ${MMU_WARNINGS})
endfunction()
if(TARGET mmu_rtl_cc)
  mmu_rtl_bridge(mmu_rtl_bridge mmu_rtl_cc 0)
endif()
if(TARGET mmu_rtl_cc_trace)
  mmu_rtl_bridge(mmu_rtl_bridge_trace mmu_rtl_cc_trace 1)
endif()

# The wrapper's objects are compiled once; mmu_sc links them with the direct
# bridge, mmu_sc_trace with the traced one.
add_library(mmu_sc_objs OBJECT ${MMU_SC_DIR}/mmu_sc.cc ${MMU_SC_DIR}/sc_memory.cc
                               $<${MMU_SC_RTL}:${MMU_SC_DIR}/rtl_walker.cc>)
# libsystemc is built as C++17; every TU that includes systemc.h must say so
# (../shared/TOOLCHAIN.md).
function(mmu_sc_usage target)
  target_include_directories(${target} PUBLIC ${MMU_SC_DIR})
  target_link_libraries(${target} PUBLIC mmu PkgConfig::SystemC)
  target_compile_definitions(${target} PUBLIC SC_CPLUSPLUS=201703L MMU_SC_HAVE_RTL=${MMU_SC_RTL})
endfunction()
mmu_sc_usage(mmu_sc_objs)
target_link_libraries(mmu_sc_objs PRIVATE $<${MMU_SC_RTL}:mmu_rtl_sc>)
target_compile_definitions(mmu_sc_objs PRIVATE $<${MMU_SC_RTL}:VM_SC=1>)
target_compile_options(mmu_sc_objs PRIVATE ${MMU_WARNINGS})
function(mmu_sc_library target bridge)
  add_library(${target} STATIC $<TARGET_OBJECTS:mmu_sc_objs>)
  mmu_sc_usage(${target})
  target_link_libraries(${target} PRIVATE $<${MMU_SC_RTL}:mmu_rtl_sc> $<${MMU_SC_RTL}:${bridge}>)
endfunction()
mmu_sc_library(mmu_sc mmu_rtl_bridge)
if(TARGET mmu_rtl_bridge_trace)
  mmu_sc_library(mmu_sc_trace mmu_rtl_bridge_trace)
endif()

# The co-simulation. Built next to mmusim, which `mmusim compare` expects.
# `check` reads `mmusim check` scenarios with the CLI's own parser.
set(MMU_COSIM_SOURCES
  ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_main.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/bench.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_check.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_random.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_walks.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/scoreboard.cc
  ${PROJECT_SOURCE_DIR}/testbench/cosim/world.cc
  ${PROJECT_SOURCE_DIR}/model/cli/scenario.c
)
set_source_files_properties(${PROJECT_SOURCE_DIR}/model/cli/scenario.c PROPERTIES
                            COMPILE_DEFINITIONS _POSIX_C_SOURCE=200809L)
add_library(mmusim_cosim_objs OBJECT ${MMU_COSIM_SOURCES})
target_include_directories(mmusim_cosim_objs PRIVATE ${PROJECT_SOURCE_DIR}/model/cli)
target_link_libraries(mmusim_cosim_objs PRIVATE mmu_sc_objs mmusim_cli mmu_workloads mmu_traces)
target_compile_options(mmusim_cosim_objs PRIVATE ${MMU_WARNINGS})
function(mmu_cosim_program target sc)
  add_executable(${target} $<TARGET_OBJECTS:mmusim_cosim_objs>)
  target_link_libraries(${target} PRIVATE ${sc} mmusim_cli mmu_workloads mmu_traces)
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/model)
endfunction()
mmu_cosim_program(mmusim-cosim mmu_sc)
if(TARGET mmu_sc_trace)
  # The same program with FST tracing in its RTL walker (`check --walk N
  # --fst FILE`); the campaign program stays untraced.
  mmu_cosim_program(mmusim-cosim-trace mmu_sc_trace)
endif()

if(MMU_TESTS AND TARGET mmu_rtl_bridge)
  # The direct bridge from plain C++ (no SystemC).
  add_executable(test_rtl_bridge ${PROJECT_SOURCE_DIR}/testbench/rtl/test_rtl_bridge.cc)
  target_link_libraries(test_rtl_bridge PRIVATE mmu_rtl_bridge GTest::gtest_main)
  target_compile_options(test_rtl_bridge PRIVATE ${MMU_WARNINGS})
  gtest_discover_tests(test_rtl_bridge TEST_PREFIX rtl. DISCOVERY_TIMEOUT 60)
endif()

if(MMU_TESTS)
  # SystemC wrapper tests: one process per test (a SystemC simulation cannot
  # be elaborated twice in one process).
  add_executable(test_mmu_sc ${PROJECT_SOURCE_DIR}/testbench/sc/test_mmu_sc.cc)
  target_link_libraries(test_mmu_sc PRIVATE mmu_sc)
  target_compile_options(test_mmu_sc PRIVATE ${MMU_WARNINGS})
  foreach(t tlm_translate_c tlm_translate_c_callback tlm_translate_rtl delay_annotation_c
            delay_annotation_rtl control_and_invalidation memory_through_socket
            bad_config_refused rtl_outside_thread_fails rtl_cycles_exact rtl_job_at_edge
            rtl_clock_gated)
    add_test(NAME sc.${t} COMMAND test_mmu_sc ${t})
  endforeach()

  # Co-simulation: zero mismatches over >= 20,000 walks, 4- and 5-level, on
  # the direct engine (what campaigns run); the SystemC engine, and both
  # engines clocked through every cycle of their memory waits, on fewer.
  add_test(NAME cosim.random.4level
           COMMAND mmusim-cosim random --walks 20000 --seed 1 --levels 4 --quiet)
  add_test(NAME cosim.random.5level
           COMMAND mmusim-cosim random --walks 20000 --seed 2 --levels 5 --quiet)
  add_test(NAME cosim.random.systemc
           COMMAND mmusim-cosim random --walks 10000 --seed 3 --quiet --dut rtl-sc)
  add_test(NAME cosim.random.every_edge
           COMMAND mmusim-cosim random --walks 5000 --seed 4 --quiet --no-skip)
  add_test(NAME cosim.random.systemc_every_edge
           COMMAND mmusim-cosim random --walks 3000 --seed 5 --quiet --dut rtl-sc --no-skip)
  add_test(NAME cosim.walks
           COMMAND mmusim-cosim walks --preset skylake --workload random:ws=64m,n=3000,seed=3
                   --accesses 3000 --json)
  add_test(NAME cosim.walks_trace
           COMMAND mmusim-cosim walks --preset zen2 --trace ${PROJECT_SOURCE_DIR}/workloads/traces/awk.mtr.xz
                   --policy 4k --accesses 50000 --levels 5 --json)
  add_test(NAME cosim.walks_systemc
           COMMAND mmusim-cosim walks --preset skylake --workload random:ws=64m,n=1000,seed=3
                   --accesses 1000 --json --dut rtl-sc)
  set_tests_properties(cosim.walks cosim.walks_trace cosim.walks_systemc PROPERTIES
                       PASS_REGULAR_EXPRESSION "\"mismatches\":0,")
  # --walks stops the stream at the access that made the W-th walk.
  add_test(NAME cosim.walks_limit
           COMMAND mmusim-cosim walks --preset skylake --workload random:ws=64m,n=100000,seed=3
                   --accesses 100000 --walks 300 --json)
  set_tests_properties(cosim.walks_limit PROPERTIES
                       PASS_REGULAR_EXPRESSION "{\"walks\":300,\"accesses\":[0-9]+,\"mismatches\":0,")
  # The scoreboard must catch a planted difference, and its reproduction must
  # replay through both walkers, warm, with the campaign's answer.
  foreach(bug result:7 write:5 late:9 result:40)
    string(REPLACE ":" "_" name ${bug})
    set(dut rtl)
    if(bug STREQUAL "result:40")
      set(dut rtl-sc)
      set(name ${name}_systemc)
    endif()
    add_test(NAME cosim.catches_${name}
             COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                     -DBUG=${bug} -DDUT=${dut} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_${name}
                     -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_inject.cmake)
  endforeach()
  # `mmusim-cosim check` on the shipped scenarios: the RTL agrees and the C
  # side prints what `mmusim check --timing` prints. Those written for
  # another MAXPHYADDR run as copies with the RTL's (their reserved-bit cases
  # then read as address bits, which is fine for a comparison of walkers).
  set(scn ${PROJECT_SOURCE_DIR}/testbench/scenarios)
  foreach(case canonical_48 five_level large_pages nx_smep permissions_us_rw_wp pkeys smap
               worked_example demo not_present)
    add_test(NAME cosim.check.${case}
             COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                     -DSCN=${scn}/${case}.scn -DMAXPHYADDR=52 -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_check_${case}
                     -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_check.cmake)
  endforeach()
  add_test(NAME cosim.check.warm_invalidation
           COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                   -DSCN=${PROJECT_SOURCE_DIR}/testbench/scenarios_warm/invalidation.scn -DMAXPHYADDR=52
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_check_warm
                   -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_check.cmake)
  # (One scenario: on a SystemC clock time only moves forward, so a second
  # scenario would not start at cycle 0 as in `mmusim check`.)
  add_test(NAME cosim.check.systemc
           COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                   -DSCN=${scn}/worked_example.scn "-DARGS=--dut rtl-sc"
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_check_systemc
                   -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_check.cmake)
  # Bad input: file:line and exit 2, nothing run.
  foreach(case bad_syntax bad_maxphyaddr bad_option)
    add_test(NAME cosim.check.${case}
             COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DCASE=${case}
                     -DSCN=${PROJECT_SOURCE_DIR}/testbench/scenarios/worked_example.scn
                     -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_check_${case}
                     -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_check_bad.cmake)
  endforeach()
  if(TARGET mmusim-cosim-trace)
    add_test(NAME cosim.fst
             COMMAND ${CMAKE_COMMAND} -DCOSIM_TRACE=$<TARGET_FILE:mmusim-cosim-trace>
                     -DSCN=${scn}/worked_example.scn -DWALK=2
                     -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_walk2
                     -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_fst.cmake)
  endif()
  # The campaign program has no tracing: it says so.
  add_test(NAME cosim.check.fst_needs_trace_build
           COMMAND mmusim-cosim check --walk 1 --fst ${CMAKE_CURRENT_BINARY_DIR}/no.fst ${scn}/worked_example.scn)
  set_tests_properties(cosim.check.fst_needs_trace_build PROPERTIES
                       PASS_REGULAR_EXPRESSION "use mmusim-cosim-trace")
endif()
