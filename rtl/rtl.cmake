# The RTL page walker (rtl/*.sv), included from the top-level CMakeLists.txt
# when MMU_RTL is on.
# Targets:
#   mmu_rtl_cc  Verilated --cc model, class Vwalker (default parameters), for
#               C++ testbenches; with MMU_TESTS it also holds the parameter
#               variants the walker test drives (Vwalker_min, Vwalker_lat2,
#               Vwalker_psc), so they share one copy of the Verilator runtime.
#   mmu_rtl_vsc Verilated --sc model, class Vwalker_sc, with its runtime: an
#               object library that the RTL bridge library (mmu_rtl_sc,
#               model/sc/sc.cmake) is archived from, so the bridge ships as one
#               self-contained libmmusim-rtl-sc.a (links PkgConfig::SystemC,
#               defines VM_SC=1 and SC_CPLUSPLUS=201703L for its users).
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

set(MMU_RTL_DIR ${CMAKE_CURRENT_LIST_DIR})
# Package first: every module imports it.
set(MMU_RTL_SOURCES
  ${MMU_RTL_DIR}/mmu_pkg.sv
  ${MMU_RTL_DIR}/pte_check.sv
  ${MMU_RTL_DIR}/fault.sv
  ${MMU_RTL_DIR}/psc.sv
  ${MMU_RTL_DIR}/walker.sv
)

add_library(mmu_rtl_cc STATIC)
verilate(mmu_rtl_cc PREFIX Vwalker TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
         VERILATOR_ARGS -Wall)
target_compile_options(mmu_rtl_cc PRIVATE ${VERILATOR_CFLAGS})
set_target_properties(mmu_rtl_cc PROPERTIES SYSTEM ON)

add_library(mmu_rtl_vsc OBJECT)
verilate(mmu_rtl_vsc SYSTEMC PREFIX Vwalker_sc TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
         VERILATOR_ARGS -Wall)
target_link_libraries(mmu_rtl_vsc PUBLIC PkgConfig::SystemC)
target_compile_definitions(mmu_rtl_vsc PUBLIC SC_CPLUSPLUS=201703L INTERFACE VM_SC=1)
target_compile_options(mmu_rtl_vsc PRIVATE ${VERILATOR_CFLAGS})
# Archived into a static library a host may link into a shared object.
set_target_properties(mmu_rtl_vsc PROPERTIES SYSTEM ON POSITION_INDEPENDENT_CODE ON)

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
  # parameters in step with the Variant table in test_rtl_walker.cc.
  verilate(mmu_rtl_cc PREFIX Vwalker_min TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
           VERILATOR_ARGS -Wall -GMAXPHYADDR=36 -GPAGE_1G=0 -GAD_ON_FAULT_USED=1
                          -GRETRY_LIMIT=3 -GLEVEL_LATENCY=0)
  verilate(mmu_rtl_cc PREFIX Vwalker_lat2 TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
           VERILATOR_ARGS -Wall -GMAXPHYADDR=46 -GAD_ON_FAULT_USED=1 -GRETRY_LIMIT=2
                          -GLEVEL_LATENCY=2)
  verilate(mmu_rtl_cc PREFIX Vwalker_psc TOP_MODULE walker SOURCES ${MMU_RTL_SOURCES}
           VERILATOR_ARGS -Wall -GMAXPHYADDR=46 -GLEVEL_LATENCY=1 -GPSC_PDE=4 -GPSC_PDPTE=0
                          -GPSC_PML4E=2 -GPSC_PML5E=1)

  find_package(GTest 1.12 CONFIG REQUIRED)
  include(GoogleTest)
  add_executable(test_rtl_walker ${PROJECT_SOURCE_DIR}/testbench/rtl/test_rtl_walker.cc)
  target_link_libraries(test_rtl_walker PRIVATE mmu mmu_rtl_cc GTest::gtest_main)
  target_compile_options(test_rtl_walker PRIVATE ${MMU_WARNINGS})
  gtest_discover_tests(test_rtl_walker TEST_PREFIX rtl. DISCOVERY_TIMEOUT 60)
endif()
