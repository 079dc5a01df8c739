# SPDX-License-Identifier: Apache-2.0
# The layers, from the outside: a build with every optional layer off, and a
# host that uses the source tree through add_subdirectory(). Both must need
# nothing but CMake and a C compiler: the C++ compiler is a path that does not
# exist, and Verilator, pkg-config (SystemC, inih, liblzma) and zlib cannot be
# found. Run as
#   cmake -DSTEP=all_off|subdirectory -DSRC=<source> -DOUT=<scratch> -DCC=<cc>
#         -DGEN=<generator> -P layers_check.cmake
cmake_minimum_required(VERSION 3.25)
set(NO_EXTRAS -DCMAKE_CXX_COMPILER=/nonexistent/c++ -DCMAKE_DISABLE_FIND_PACKAGE_verilator=ON
              -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON
              -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_Threads=ON)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}${err}")
  endif()
  set(OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# No layer but the core may have looked for its dependencies.
function(expect_core_only cache)
  file(STRINGS ${cache} lines REGEX "^(CMAKE_CXX_COMPILER|verilator_DIR|INIH_|SystemC_|ZLIB_|LIBLZMA_|GTest_DIR)")
  foreach(l ${lines})
    if(NOT l MATCHES "^CMAKE_CXX_COMPILER:UNINITIALIZED=/nonexistent/c\\+\\+$" AND NOT l MATCHES "-NOTFOUND$")
      message(FATAL_ERROR "${cache}: a layer that is off still looked for something: ${l}")
    endif()
  endforeach()
endfunction()

set(dir ${OUT}/${STEP})
file(REMOVE_RECURSE ${dir})
if(STEP STREQUAL "all_off")
  run("configure (all layers off)" ${CMAKE_COMMAND} -S ${SRC} -B ${dir} -G ${GEN}
      -DCMAKE_C_COMPILER=${CC} -DMMU_WERROR=ON ${NO_EXTRAS}
      -DMMU_CONFIG_FILES=OFF -DMMU_WORKLOADS=OFF -DMMU_CLI=OFF -DMMU_SYSTEMC=OFF -DMMU_RTL=OFF
      -DMMU_TESTS=OFF)
  expect_core_only(${dir}/CMakeCache.txt)
  run("build (all layers off)" ${CMAKE_COMMAND} --build ${dir})
  run("install (all layers off)" ${CMAKE_COMMAND} --install ${dir} --prefix ${dir}/prefix)
  foreach(f lib/libmmusim.so lib/libmmusim.a include/mmu/mmu.h lib/pkgconfig/mmusim.pc
            lib/cmake/mmusim/mmusimConfig.cmake)
    if(NOT EXISTS ${dir}/prefix/${f})
      message(FATAL_ERROR "all layers off: ${f} not installed")
    endif()
  endforeach()
  foreach(f lib/libmmusim-config.so lib/libmmusim-sc.a bin/mmusim)
    if(EXISTS ${dir}/prefix/${f})
      message(FATAL_ERROR "all layers off: ${f} installed anyway")
    endif()
  endforeach()
  message(STATUS "all layers off: the core alone configured, built and installed with a C compiler")
elseif(STEP STREQUAL "subdirectory")
  run("configure (add_subdirectory host)" ${CMAKE_COMMAND} -S ${SRC}/testbench/pkg/subdir -B ${dir}
      -G ${GEN} -DCMAKE_C_COMPILER=${CC} -DMMUSIM_SOURCE_DIR=${SRC} ${NO_EXTRAS})
  expect_core_only(${dir}/CMakeCache.txt)
  run("build (add_subdirectory host)" ${CMAKE_COMMAND} --build ${dir})
  foreach(exe trace_sim trace_sim_static)
    run(${exe} ${dir}/${exe})
    if(NOT OUTPUT MATCHES "wrong 0\n")
      message(FATAL_ERROR "${exe} printed:\n${OUTPUT}")
    endif()
  endforeach()
  message(STATUS "add_subdirectory host: ${OUTPUT}")
else()
  message(FATAL_ERROR "STEP=${STEP}?")
endif()
