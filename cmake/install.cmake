# SPDX-License-Identifier: Apache-2.0
# Install rules, pkg-config files and the CMake package (MMU_INSTALL), for the
# layers that are built. `cmake --install BUILD --prefix P` lays out:
#   P/include/mmu/*.h, P/include/mmu/sc/*.h          public headers
#   P/lib/libmmusim.so.N (+ .a), libmmusim-config.*, libmmusim-sc.a,
#   libmmusim-rtl.a, libmmusim-rtl-sc.a               the layers' libraries
#   P/lib/pkgconfig/mmusim*.pc                         one per library
#   P/lib/cmake/mmusim/                                find_package(mmusim)
#   P/bin/mmusim, mmusim-cosim(-trace); P/share/mmusim/traces  programs, data
#   P/share/doc/mmusim/LICENSE
# Everything is relative to P: the .pc files find the prefix from their own
# place (${pcfiledir}), the CMake package from its own, the programs their data
# from theirs, so the tree works wherever it is installed or moved.
include(CMakePackageConfigHelpers)
set(MMU_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mmusim)
set(MMU_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH MMU_PC_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" MMU_PC_PREFIX "${MMU_PC_PREFIX}")
set(MMU_LICENSE Apache-2.0)

set(MMU_INC ${PROJECT_SOURCE_DIR}/include/mmu)
install(FILES ${MMU_INC}/mmu.h ${MMU_INC}/mmu_config.h ${MMU_INC}/mmu_mem.h ${MMU_INC}/mmu_stats.h
              ${MMU_INC}/mmu_walk.h ${PROJECT_BINARY_DIR}/include/mmu/mmu_version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mmu)
set(MMU_INSTALL_TARGETS mmu_shared mmu)
set(MMU_PCS mmusim)
set(MMU_COMPONENTS core)
if(MMU_CONFIG_FILES)
  install(FILES ${MMU_INC}/mmu_config_file.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mmu)
  list(APPEND MMU_INSTALL_TARGETS mmu_config_shared mmu_config)
  list(APPEND MMU_PCS mmusim-config)
  list(APPEND MMU_COMPONENTS config)
endif()
if(MMU_SYSTEMC)
  install(FILES ${MMU_SC_DIR}/mmu_sc.h ${MMU_SC_DIR}/sc_memory.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mmu/sc)
  list(APPEND MMU_INSTALL_TARGETS mmu_sc)
  list(APPEND MMU_PCS mmusim-sc)
  list(APPEND MMU_COMPONENTS sc)
endif()
if(MMU_RTL)
  install(FILES ${MMU_SC_DIR}/rtl_walker.h ${MMU_SC_DIR}/rtl_walker_cc.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mmu/sc)
  list(APPEND MMU_INSTALL_TARGETS mmu_rtl_bridge mmu_rtl_sc)
  list(APPEND MMU_PCS mmusim-rtl mmusim-rtl-sc)
  list(APPEND MMU_COMPONENTS rtl rtl_sc)
endif()
install(TARGETS ${MMU_INSTALL_TARGETS} EXPORT mmusimTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT mmusimTargets NAMESPACE mmusim:: DESTINATION ${MMU_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mmusimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/mmusimConfig.cmake
                              INSTALL_DESTINATION ${MMU_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mmusimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mmusimConfig.cmake
              ${PROJECT_BINARY_DIR}/mmusimConfigVersion.cmake
        DESTINATION ${MMU_CMAKE_DIR})
foreach(pc ${MMU_PCS})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${MMU_PC_DIR})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The programs and what they read at run time (<bindir>/${MMU_DATA_REL}).
if(MMU_CLI)
  install(TARGETS mmusim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/workloads/traces/
          DESTINATION ${CMAKE_INSTALL_DATADIR}/mmusim/traces
          FILES_MATCHING PATTERN "*.mtr" PATTERN "*.mtr.xz" PATTERN "*.mtr.gz" PATTERN "*.md")
endif()
if(MMU_RTL)
  install(TARGETS mmusim-cosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  if(TARGET mmusim-cosim-trace)
    install(TARGETS mmusim-cosim-trace RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endif()
