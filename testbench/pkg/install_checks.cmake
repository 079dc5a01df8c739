# SPDX-License-Identifier: Apache-2.0
# The installed package, used the way hosts use it. Run by CTest as
#   cmake -DSTEP=<step> -DBUILD=<build dir> -DOUT=<scratch dir> -DSRC=<source dir>
#         -DCC=<c compiler> -DCXX=<c++ compiler> -DGEN=<generator> [-DSAN=<flags>]
#         [-DHAVE_CONFIG=1] [-DHAVE_SC=1] [-DHAVE_RTL=1] [-DHAVE_CLI=1]
#         -P install_checks.cmake
# STEP=install: `cmake --install BUILD --prefix OUT/stage`, then the tree is
#   moved to OUT/prefix (it must not care where it lives) and checked: the
#   files each layer ships, and no source or build path in the package files.
# STEP=c: testbench/examples/trace_sim.c through pkg-config, shared and static.
# STEP=cmake: testbench/pkg/consumer through find_package (and a version
#   request the package must refuse); with the RTL layer also the direct
#   bridge without SystemC (rtl_direct.cc).
# STEP=sc: testbench/examples/vp (SystemC virtual platform; RTL bridge check).
# STEP=programs: the installed mmusim finds its shipped traces.
# Nothing here may use the source or build tree but to read example sources.
cmake_minimum_required(VERSION 3.25)
set(P ${OUT}/prefix)
set(LIB ${P}/lib)
separate_arguments(SAN)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}${err}")
  endif()
  set(OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# A project of its own, configured against the installed prefix only.
function(build_project name src)
  set(dir ${OUT}/${name})
  file(REMOVE_RECURSE ${dir})
  string(JOIN " " san ${SAN})
  run("configure ${name}" ${CMAKE_COMMAND} -S ${src} -B ${dir} -G ${GEN}
      -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
      "-DCMAKE_C_FLAGS=${san}" "-DCMAKE_CXX_FLAGS=${san}" "-DCMAKE_EXE_LINKER_FLAGS=${san}"
      -DCMAKE_PREFIX_PATH=${P} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${ARGN})
  run("build ${name}" ${CMAKE_COMMAND} --build ${dir})
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${OUT}/stage ${P})
  run("install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${OUT}/stage)
  file(RENAME ${OUT}/stage ${P})
  set(want include/mmu/mmu.h include/mmu/mmu_config.h include/mmu/mmu_mem.h
           include/mmu/mmu_stats.h include/mmu/mmu_walk.h include/mmu/mmu_version.h
           lib/libmmusim.so lib/libmmusim.a lib/pkgconfig/mmusim.pc
           lib/cmake/mmusim/mmusimConfig.cmake lib/cmake/mmusim/mmusimConfigVersion.cmake
           lib/cmake/mmusim/mmusimTargets.cmake share/doc/mmusim/LICENSE)
  if(HAVE_CONFIG)
    list(APPEND want include/mmu/mmu_config_file.h lib/libmmusim-config.so
                     lib/libmmusim-config.a lib/pkgconfig/mmusim-config.pc)
  endif()
  if(HAVE_SC)
    list(APPEND want include/mmu/sc/mmu_sc.h include/mmu/sc/sc_memory.h lib/libmmusim-sc.a
                     lib/pkgconfig/mmusim-sc.pc)
  endif()
  if(HAVE_RTL)
    list(APPEND want include/mmu/sc/rtl_walker.h include/mmu/sc/rtl_walker_cc.h
                     lib/libmmusim-rtl.a lib/libmmusim-rtl-sc.a lib/pkgconfig/mmusim-rtl.pc
                     lib/pkgconfig/mmusim-rtl-sc.pc bin/mmusim-cosim)
  endif()
  if(HAVE_CLI)
    list(APPEND want bin/mmusim share/mmusim/traces/sort.mtr.xz share/mmusim/traces/xz.mtr.xz
                     share/mmusim/traces/awk.mtr.xz)
  endif()
  foreach(f ${want})
    if(NOT EXISTS ${P}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  # The package files must not point into the tree it was built from
  # (Verilator's build-tree include directories in particular).
  file(GLOB_RECURSE pkgfiles ${LIB}/cmake/mmusim/* ${LIB}/pkgconfig/*)
  foreach(f ${pkgfiles})
    file(READ ${f} text)
    foreach(tree ${SRC} ${BUILD} ${OUT}/stage)
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${f} names ${tree}")
      endif()
    endforeach()
  endforeach()
  file(GLOB_RECURSE pcs ${LIB}/pkgconfig/*.pc)
  foreach(f ${pcs})
    file(STRINGS ${f} lic REGEX "^License: Apache-2.0$")
    if(NOT lic)
      message(FATAL_ERROR "${f}: no 'License: Apache-2.0'")
    endif()
  endforeach()
  run("readelf" readelf -d ${LIB}/libmmusim.so)
  if(NOT OUTPUT MATCHES "Library soname: \\[libmmusim\\.so\\.[0-9]+\\]")
    message(FATAL_ERROR "libmmusim.so has no versioned SONAME:\n${OUTPUT}")
  endif()
  message(STATUS "installed and moved to ${P}: ${want}")

elseif(STEP STREQUAL "c")
  set(ENV{PKG_CONFIG_PATH} ${LIB}/pkgconfig)
  run("pkg-config" pkg-config --modversion mmusim)
  string(STRIP "${OUTPUT}" v)
  run("pkg-config" pkg-config --cflags --libs mmusim)
  separate_arguments(flags UNIX_COMMAND "${OUTPUT}")
  run("pkg-config" pkg-config --variable=libdir mmusim)
  string(STRIP "${OUTPUT}" libdir)
  set(src ${SRC}/testbench/examples/trace_sim.c)
  set(cflags -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 ${SAN})
  run("cc (shared)" ${CC} ${cflags} ${src} -o ${OUT}/trace_sim ${flags} -Wl,-rpath,${libdir})
  run("trace_sim (shared)" ${OUT}/trace_sim)
  message(STATUS "pkg-config mmusim ${v}: ${OUTPUT}")
  if(NOT OUTPUT MATCHES "trace_sim: 20000 translations in [0-9]+ cycles .* wrong 0\n")
    message(FATAL_ERROR "trace_sim printed:\n${OUTPUT}")
  endif()
  set(shared_out "${OUTPUT}")
  # The static archive, same program, same answers.
  run("pkg-config" pkg-config --cflags mmusim)
  separate_arguments(inc UNIX_COMMAND "${OUTPUT}")
  run("cc (static)" ${CC} ${cflags} ${inc} ${src} -o ${OUT}/trace_sim_static ${libdir}/libmmusim.a)
  run("trace_sim (static)" ${OUT}/trace_sim_static)
  if(NOT OUTPUT STREQUAL shared_out)
    message(FATAL_ERROR "static and shared differ:\n${OUTPUT}${shared_out}")
  endif()
  run("ldd" ldd ${OUT}/trace_sim_static)
  if(OUTPUT MATCHES "libmmusim")
    message(FATAL_ERROR "the static build still needs libmmusim.so:\n${OUTPUT}")
  endif()

elseif(STEP STREQUAL "cmake")
  build_project(consumer ${SRC}/testbench/pkg/consumer)
  foreach(exe consumer consumer_static)
    run(${exe} ${OUT}/consumer/${exe})
    message(STATUS "${OUTPUT}")
    if(NOT OUTPUT MATCHES ": ok\n$")
      message(FATAL_ERROR "${exe} printed:\n${OUTPUT}")
    endif()
  endforeach()
  if(HAVE_RTL)
    run(rtl_direct ${OUT}/consumer/rtl_direct)
    message(STATUS "${OUTPUT}")
    if(NOT OUTPUT MATCHES ": ok\n$")
      message(FATAL_ERROR "rtl_direct printed:\n${OUTPUT}")
    endif()
  endif()
  run("ldd" ldd ${OUT}/consumer/consumer)
  if(NOT OUTPUT MATCHES "libmmusim\\.so\\.[0-9]+ => ${LIB}/")
    message(FATAL_ERROR "consumer does not use the installed libmmusim.so:\n${OUTPUT}")
  endif()
  # A version the package does not provide is refused (0.x: same minor only).
  file(REMOVE_RECURSE ${OUT}/consumer_v)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/testbench/pkg/consumer -B ${OUT}/consumer_v
                          -G ${GEN} -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX}
                          -DCMAKE_PREFIX_PATH=${P} -DWANT_VERSION=0.2
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "version: 0\\.1\\.0")
    message(FATAL_ERROR "find_package(mmusim 0.2) was not refused:\n${err}")
  endif()

elseif(STEP STREQUAL "sc")
  build_project(vp ${SRC}/testbench/examples/vp)
  run("vp" ${OUT}/vp/vp)
  message(STATUS "${OUTPUT}")
  if(NOT OUTPUT MATCHES "vp: 128 loads through the MMU in [0-9]+ ns \\(= the sum of the annotated delays\\).*: ok\n")
    message(FATAL_ERROR "vp printed:\n${OUTPUT}")
  endif()
  if(HAVE_RTL)
    run("rtl_check" ${OUT}/vp/rtl_check)
    message(STATUS "${OUTPUT}")
    if(NOT OUTPUT MATCHES ": ok\n")
      message(FATAL_ERROR "rtl_check printed:\n${OUTPUT}")
    endif()
  endif()

elseif(STEP STREQUAL "programs")
  # The default traces directory is the installed one, found from the program.
  run("mmusim compare --help" ${P}/bin/mmusim compare --help)
  string(FIND "${OUTPUT}" "${P}/share/mmusim/traces" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mmusim does not look for its traces in ${P}/share/mmusim/traces:\n${OUTPUT}")
  endif()
  file(REMOVE_RECURSE ${OUT}/cmp)
  run("mmusim compare" ${P}/bin/mmusim compare --preset tiny --workloads awk --sizes 1m
      --accesses 2000 --warmup 0 --trace-accesses 2000 --rtl-walks 0 --out ${OUT}/cmp)
  if(NOT OUTPUT MATCHES "awk")
    message(FATAL_ERROR "mmusim compare did not run the shipped awk trace:\n${OUTPUT}")
  endif()
  run("mmusim presets" ${P}/bin/mmusim presets)
  message(STATUS "installed mmusim ran the shipped awk trace; presets:\n${OUTPUT}")
else()
  message(FATAL_ERROR "STEP=${STEP}?")
endif()
