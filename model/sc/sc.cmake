# SPDX-License-Identifier: Apache-2.0
# SystemC wrapper of the C core (model/sc/), included from the top-level
# CMakeLists.txt when MMU_SYSTEMC is on; with MMU_RTL (after rtl/rtl.cmake)
# also the RTL bridges and the C-versus-RTL co-simulation (testbench/cosim/,
# mmusim-cosim).
#   mmu_sc          libmmusim-sc: the sc_module around mmu_t, the TLM memory
#                   model, the C walker. Never links a Verilated model.
#   mmu_rtl_bridge  libmmusim-rtl (mmusim::mmu_rtl): the direct bridge
#                   (rtl_walker_cc), the --cc walker behind walk_cb, plain
#                   C++, no SystemC.
#   mmu_rtl_sc      libmmusim-rtl-sc: the SystemC bridge (rtl_walker), which
#                   plugs the Verilated walker into the wrapper's walker slot
#                   (rtl_walker::slot()), with its direct engine, archived with
#                   both Verilated model sets (rtl/rtl.cmake's mmu_rtl_vsc and
#                   mmu_rtl_cc), so a host links one library.
#   *_trace         with MMU_RTL_TRACE: the same against the FST-traced models,
#                   for mmusim-cosim-trace.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::SystemC)
  pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc>=2.3.4)
endif()

set(MMU_SC_DIR ${PROJECT_SOURCE_DIR}/model/sc)
# Installed as <include>/mmu/sc/*.h; hosts include "mmu_sc.h" (pkg-config and
# the CMake package put that directory on the include path) or "mmu/sc/mmu_sc.h".
set(MMU_SC_INCLUDES $<BUILD_INTERFACE:${MMU_SC_DIR}>
                    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/mmu/sc>)
add_library(mmu_sc STATIC ${MMU_SC_DIR}/mmu_sc.cc ${MMU_SC_DIR}/sc_memory.cc)
target_include_directories(mmu_sc PUBLIC ${MMU_SC_INCLUDES})
# The core: the static archive in this tree, the shared library once installed.
target_link_libraries(mmu_sc PUBLIC $<BUILD_INTERFACE:mmu> $<INSTALL_INTERFACE:mmusim::mmu>
                                    PkgConfig::SystemC)
# libsystemc is built as C++17; every TU that includes systemc.h must say so
# (../shared/TOOLCHAIN.md).
target_compile_definitions(mmu_sc PUBLIC SC_CPLUSPLUS=201703L)
target_compile_options(mmu_sc PRIVATE ${MMU_WARNINGS})
set_target_properties(mmu_sc PROPERTIES OUTPUT_NAME mmusim-sc POSITION_INDEPENDENT_CODE ON)
add_library(mmusim::mmu_sc ALIAS mmu_sc)

if(MMU_RTL)
  find_package(Threads REQUIRED)
  # The direct bridge, compiled once per model set. The models' include
  # directories stay PRIVATE: both model sets carry a header named
  # mmu_rtl_variants.h.
  function(mmu_rtl_bridge_objs target models trace)
    add_library(${target} OBJECT ${MMU_SC_DIR}/rtl_walker_cc.cc)
    target_include_directories(${target} PUBLIC ${MMU_SC_DIR})
    target_link_libraries(${target} PUBLIC mmu PRIVATE ${models})
    target_compile_definitions(${target} PRIVATE MMU_RTL_TRACE=${trace})
    target_compile_options(${target} PRIVATE ${MMU_WARNINGS})
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endfunction()
  mmu_rtl_bridge_objs(mmu_rtl_bridge_objs mmu_rtl_cc 0)
  # libmmusim-rtl (mmusim::mmu_rtl): the direct bridge and the --cc models
  # with their Verilator runtime, for a host without SystemC.
  add_library(mmu_rtl_bridge STATIC $<TARGET_OBJECTS:mmu_rtl_bridge_objs>
                                    $<TARGET_OBJECTS:mmu_rtl_cc>)
  target_include_directories(mmu_rtl_bridge PUBLIC ${MMU_SC_INCLUDES})
  # The Verilator runtime needs threads and atomics.
  target_link_libraries(mmu_rtl_bridge PUBLIC $<BUILD_INTERFACE:mmu> $<INSTALL_INTERFACE:mmusim::mmu>
                                              Threads::Threads atomic)
  set_target_properties(mmu_rtl_bridge PROPERTIES OUTPUT_NAME mmusim-rtl EXPORT_NAME mmu_rtl
                                                  POSITION_INDEPENDENT_CODE ON)
  add_library(mmusim::mmu_rtl ALIAS mmu_rtl_bridge)

  # The SystemC bridge; the parameters of its variants come from the
  # generated mmu_rtl_variants.h of the models.
  add_library(mmu_rtl_sc_objs OBJECT ${MMU_SC_DIR}/rtl_walker.cc)
  target_link_libraries(mmu_rtl_sc_objs PUBLIC mmu_sc PRIVATE mmu_rtl_vsc)
  target_compile_definitions(mmu_rtl_sc_objs PRIVATE VM_SC=1)
  target_compile_options(mmu_rtl_sc_objs PRIVATE ${MMU_WARNINGS})
  set_target_properties(mmu_rtl_sc_objs PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # mmu_rtl_sc_library(TARGET OBJECTS...): the SystemC bridge with a direct
  # bridge and the models, as one archive.
  function(mmu_rtl_sc_library target)
    add_library(${target} STATIC $<TARGET_OBJECTS:mmu_rtl_sc_objs>
                                 $<TARGET_OBJECTS:mmu_rtl_vsc> ${ARGN})
    target_link_libraries(${target} PUBLIC mmu_sc Threads::Threads atomic)
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endfunction()
  mmu_rtl_sc_library(mmu_rtl_sc $<TARGET_OBJECTS:mmu_rtl_bridge_objs>
                                $<TARGET_OBJECTS:mmu_rtl_cc>)
  set_target_properties(mmu_rtl_sc PROPERTIES OUTPUT_NAME mmusim-rtl-sc)
  add_library(mmusim::mmu_rtl_sc ALIAS mmu_rtl_sc)
  if(TARGET mmu_rtl_cc_trace)
    mmu_rtl_bridge_objs(mmu_rtl_bridge_trace_objs mmu_rtl_cc_trace 1)
    mmu_rtl_sc_library(mmu_rtl_sc_trace $<TARGET_OBJECTS:mmu_rtl_bridge_trace_objs>)
    target_link_libraries(mmu_rtl_sc_trace PRIVATE mmu_rtl_cc_trace)
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
  target_link_libraries(mmusim_cosim_objs PRIVATE mmu_rtl_sc_objs mmu_config mmu_workloads mmu_traces
                                                  mmusim_version)
  target_compile_options(mmusim_cosim_objs PRIVATE ${MMU_WARNINGS})
  function(mmu_cosim_program target rtl_sc)
    add_executable(${target} $<TARGET_OBJECTS:mmusim_cosim_objs>)
    target_link_libraries(${target} PRIVATE ${rtl_sc} mmu_config mmu_workloads mmu_traces mmusim_version)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/model)
  endfunction()
  mmu_cosim_program(mmusim-cosim mmu_rtl_sc)
  if(TARGET mmu_rtl_sc_trace)
    # The same program with FST tracing in its RTL walker (`check --walk N
    # --fst FILE`); the campaign program stays untraced.
    mmu_cosim_program(mmusim-cosim-trace mmu_rtl_sc_trace)
  endif()
endif()

if(MMU_TESTS AND MMU_RTL)
  # The direct bridge from plain C++ (no SystemC).
  add_executable(test_rtl_bridge ${PROJECT_SOURCE_DIR}/testbench/rtl/test_rtl_bridge.cc)
  target_link_libraries(test_rtl_bridge PRIVATE mmu_rtl_bridge GTest::gtest_main)
  target_compile_options(test_rtl_bridge PRIVATE ${MMU_WARNINGS})
  gtest_discover_tests(test_rtl_bridge TEST_PREFIX rtl. DISCOVERY_TIMEOUT 60)
endif()

if(MMU_TESTS)
  # SystemC wrapper tests: one process per test (a SystemC simulation cannot
  # be elaborated twice in one process). The RTL ones need the bridge.
  add_executable(test_mmu_sc ${PROJECT_SOURCE_DIR}/testbench/sc/test_mmu_sc.cc)
  set(MMU_SC_TESTS tlm_translate_c tlm_translate_c_callback delay_annotation_c
                   control_and_invalidation memory_through_socket bad_config_refused)
  if(MMU_RTL)
    target_link_libraries(test_mmu_sc PRIVATE mmu_rtl_sc)
    target_compile_definitions(test_mmu_sc PRIVATE MMU_TEST_RTL=1)
    list(APPEND MMU_SC_TESTS tlm_translate_rtl delay_annotation_rtl rtl_outside_thread_fails
                             rtl_cycles_exact rtl_job_at_edge rtl_clock_gated)
  else()
    target_link_libraries(test_mmu_sc PRIVATE mmu_sc)
    target_compile_definitions(test_mmu_sc PRIVATE MMU_TEST_RTL=0)
  endif()
  target_compile_options(test_mmu_sc PRIVATE ${MMU_WARNINGS})
  foreach(t ${MMU_SC_TESTS})
    add_test(NAME sc.${t} COMMAND test_mmu_sc ${t})
  endforeach()
endif()

if(MMU_TESTS AND MMU_RTL)
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
  if(MMU_CLI)
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
  endif()
  # Bad input: file:line and exit 2, nothing run.
  set(scn ${PROJECT_SOURCE_DIR}/testbench/scenarios)
  foreach(case bad_syntax bad_maxphyaddr bad_option)
    add_test(NAME cosim.check.${case}
             COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DCASE=${case}
                     -DSCN=${scn}/worked_example.scn
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
