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
add_library(mmu_sc STATIC ${MMU_SC_DIR}/mmu_sc.cc ${MMU_SC_DIR}/sc_memory.cc
                          $<${MMU_SC_RTL}:${MMU_SC_DIR}/rtl_walker.cc>)
target_include_directories(mmu_sc PUBLIC ${MMU_SC_DIR})
target_link_libraries(mmu_sc PUBLIC mmu PkgConfig::SystemC PRIVATE $<${MMU_SC_RTL}:mmu_rtl_sc>)
# libsystemc is built as C++17; every TU that includes systemc.h must say so
# (../shared/TOOLCHAIN.md).
target_compile_definitions(mmu_sc PUBLIC SC_CPLUSPLUS=201703L MMU_SC_HAVE_RTL=${MMU_SC_RTL}
                                  PRIVATE $<${MMU_SC_RTL}:VM_SC=1>)
target_compile_options(mmu_sc PRIVATE ${MMU_WARNINGS})
# The parameters rtl/rtl.cmake verilates mmu_rtl_sc with: the walker's
# defaults, unless it publishes others in MMU_RTL_<NAME> variables.
foreach(p MAXPHYADDR=52 PAGE_1G=1 AD_ON_FAULT_USED=0 RETRY_LIMIT=16 LEVEL_LATENCY=1)
  string(REPLACE "=" ";" kv ${p})
  list(GET kv 0 k)
  list(GET kv 1 v)
  if(DEFINED MMU_RTL_${k})
    set(v ${MMU_RTL_${k}})
  endif()
  target_compile_definitions(mmu_sc PRIVATE MMU_RTL_${k}=${v})
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
target_link_libraries(mmusim-cosim PRIVATE mmu_sc mmusim_cli mmu_workloads mmu_traces)
target_link_libraries(mmusim-cosim PRIVATE mmusim_version)
target_compile_options(mmusim-cosim PRIVATE ${MMU_WARNINGS})
set_target_properties(mmusim-cosim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/model)

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
  foreach(bug result:7 write:5 late:9)
    string(REPLACE ":" "_" name ${bug})
    add_test(NAME cosim.catches_${name}
             COMMAND ${CMAKE_COMMAND} -DCOSIM=$<TARGET_FILE:mmusim-cosim> -DMMUSIM=$<TARGET_FILE:mmusim>
                     -DBUG=${bug} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cosim_${name}
                     -P ${PROJECT_SOURCE_DIR}/testbench/cosim/run_inject.cmake)
  endforeach()
endif()
