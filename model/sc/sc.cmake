# SystemC wrapper of the C core (model/sc/), included from the top-level
# CMakeLists.txt when MMU_SYSTEMC is on; with MMU_RTL also the RTL bridge and
# the C-versus-RTL co-simulation (testbench/cosim/, mmusim-cosim).
#   mmu_sc      libmmusim-sc: the sc_module around mmu_t, the TLM memory
#               model, the C walker. Never links a Verilated model.
#   mmu_rtl_sc  libmmusim-rtl-sc: the bridge that plugs the Verilated RTL
#               walker (rtl/rtl.cmake's mmu_rtl_vsc, archived in) into the
#               wrapper's walker slot (rtl_walker::slot()).
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
  add_library(mmu_rtl_sc STATIC ${MMU_SC_DIR}/rtl_walker.cc $<TARGET_OBJECTS:mmu_rtl_vsc>)
  # The Verilated model's headers are for rtl_walker.cc alone (rtl_walker.h
  # hides the model), so its build-tree include directories never reach a host.
  target_include_directories(mmu_rtl_sc SYSTEM PRIVATE
                             $<TARGET_PROPERTY:mmu_rtl_vsc,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(mmu_rtl_sc PRIVATE VM_SC=1)
  find_package(Threads REQUIRED)
  # The Verilator runtime needs threads and atomics.
  target_link_libraries(mmu_rtl_sc PUBLIC mmu_sc Threads::Threads atomic)
  target_compile_options(mmu_rtl_sc PRIVATE ${MMU_WARNINGS})
  set_target_properties(mmu_rtl_sc PROPERTIES OUTPUT_NAME mmusim-rtl-sc
                                              POSITION_INDEPENDENT_CODE ON)
  add_library(mmusim::mmu_rtl_sc ALIAS mmu_rtl_sc)
  # The parameters rtl/rtl.cmake verilates mmu_rtl_vsc with: the walker's
  # defaults, unless it publishes others in MMU_RTL_<NAME> variables.
  foreach(p MAXPHYADDR=52 PAGE_1G=1 AD_ON_FAULT_USED=0 RETRY_LIMIT=16 LEVEL_LATENCY=1)
    string(REPLACE "=" ";" kv ${p})
    list(GET kv 0 k)
    list(GET kv 1 v)
    if(DEFINED MMU_RTL_${k})
      set(v ${MMU_RTL_${k}})
    endif()
    target_compile_definitions(mmu_rtl_sc PRIVATE MMU_RTL_${k}=${v})
  endforeach()

  # The co-simulation. Built next to mmusim, which `mmusim compare` expects.
  add_executable(mmusim-cosim
    ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_main.cc
    ${PROJECT_SOURCE_DIR}/testbench/cosim/bench.cc
    ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_random.cc
    ${PROJECT_SOURCE_DIR}/testbench/cosim/cosim_walks.cc
    ${PROJECT_SOURCE_DIR}/testbench/cosim/scoreboard.cc
    ${PROJECT_SOURCE_DIR}/testbench/cosim/world.cc
  )
  target_link_libraries(mmusim-cosim PRIVATE mmu_rtl_sc mmu_config mmu_workloads mmu_traces)
  target_compile_options(mmusim-cosim PRIVATE ${MMU_WARNINGS})
  set_target_properties(mmusim-cosim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/model)
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
  # Co-simulation: zero mismatches over >= 20,000 walks, 4- and 5-level.
  add_test(NAME cosim.random.4level
           COMMAND mmusim-cosim random --walks 20000 --seed 1 --levels 4 --quiet)
  add_test(NAME cosim.random.5level
           COMMAND mmusim-cosim random --walks 20000 --seed 2 --levels 5 --quiet)
  add_test(NAME cosim.walks
           COMMAND mmusim-cosim walks --preset skylake --workload random:ws=64m,n=3000,seed=3
                   --accesses 3000 --json)
  add_test(NAME cosim.walks_trace
           COMMAND mmusim-cosim walks --preset zen2 --trace ${PROJECT_SOURCE_DIR}/workloads/traces/awk.mtr.xz
                   --policy 4k --accesses 50000 --levels 5 --json)
  set_tests_properties(cosim.walks cosim.walks_trace PROPERTIES
                       PASS_REGULAR_EXPRESSION "\"mismatches\":0,")
  # --walks stops the stream at the access that made the W-th walk.
  add_test(NAME cosim.walks_limit
           COMMAND mmusim-cosim walks --preset skylake --workload random:ws=64m,n=100000,seed=3
                   --accesses 100000 --walks 300 --json)
  set_tests_properties(cosim.walks_limit PROPERTIES
                       PASS_REGULAR_EXPRESSION "{\"walks\":300,\"accesses\":[0-9]+,\"mismatches\":0,")
  # The scoreboard must catch a planted difference and print a reproduction
  # that `mmusim check` accepts.
  if(MMU_CLI)
    foreach(bug result:7 write:5 late:9)
      string(REPLACE ":" "_" name ${bug})
      add_test(NAME cosim.catches_${name}
               COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                       -DBUG=${bug} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_${name}
                       -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_inject.cmake)
    endforeach()
  endif()
endif()
