# SPDX-License-Identifier: Apache-2.0
# The ABI of one shared library against its committed record, so that every
# change to it is deliberate. Run as
#   cmake -DLIB=<.so> -DRECORD=<.abi> -DHEADERS=<h1|h2|...> [-DDUMP=<abi_dump>]
#         [-DNM=nm] [-DREADELF=readelf] -P check_abi.cmake
# Checks:
#  1. the library exports exactly the functions the headers declare (nothing
#     internal leaks, nothing declared is missing its MMU_API);
#  2. SONAME, exported symbols and (with DUMP) struct sizes and enum values
#     equal the record. On a difference it prints both sides: if the change is
#     meant, update the record (-DUPDATE=1 rewrites it; the build target
#     pkg_abi_update does that for every library), and bump MMU_ABI in
#     CMakeLists.txt when a host built against the old headers could break.
cmake_minimum_required(VERSION 3.25)
if(NOT NM)
  set(NM nm)
endif()
if(NOT READELF)
  set(READELF readelf)
endif()

# What the library is.
execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed")
endif()
string(REGEX MATCHALL "[^\n]+" nm_lines "${nm_out}")
set(exported)
foreach(l IN LISTS nm_lines)
  if(l MATCHES "^[0-9a-f]+ [TDBRVWiu] ([A-Za-z_][A-Za-z0-9_]*)$")
    list(APPEND exported ${CMAKE_MATCH_1})
  endif()
endforeach()
list(SORT exported)
execute_process(COMMAND ${READELF} -d ${LIB} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(rc OR NOT dyn MATCHES "Library soname: \\[([^]]+)\\]")
  message(FATAL_ERROR "${LIB}: no SONAME")
endif()
set(actual "soname ${CMAKE_MATCH_1}")
foreach(s IN LISTS exported)
  list(APPEND actual "symbol ${s}")
endforeach()
if(DUMP)
  execute_process(COMMAND ${DUMP} OUTPUT_VARIABLE dump RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${DUMP} failed")
  endif()
  string(REGEX MATCHALL "[^\n]+" dump_lines "${dump}")
  list(APPEND actual ${dump_lines})
endif()

# 1. What the headers declare: every `mmu_name(` outside comments, but for
#    the static inline wrappers defined there.
set(declared)
string(REPLACE "|" ";" HEADERS "${HEADERS}")
foreach(h IN LISTS HEADERS)
  file(READ ${h} text)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}") # block comments
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  string(REGEX MATCHALL "[^A-Za-z0-9_]mmu_[a-z0-9_]+[ \t\n]*\\(" calls "${text}")
  foreach(c IN LISTS calls)
    string(REGEX REPLACE "^.(mmu_[a-z0-9_]+).*$" "\\1" name "${c}")
    list(APPEND declared ${name})
  endforeach()
  # Inline wrappers live in the header, not in the library.
  string(REGEX MATCHALL "static inline [^;{(]*[ *]mmu_[a-z0-9_]+[ \t\n]*\\(" inl "${text}")
  foreach(c IN LISTS inl)
    string(REGEX REPLACE "^.*[ *](mmu_[a-z0-9_]+)[ \t\n]*\\($" "\\1" name "${c}")
    list(APPEND inline ${name})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES declared)
if(inline)
  list(REMOVE_ITEM declared ${inline})
endif()
list(SORT declared)
set(problems "")
foreach(s IN LISTS exported)
  if(NOT s IN_LIST declared)
    string(APPEND problems "  exported but not declared in a public header: ${s}\n")
  endif()
endforeach()
foreach(s IN LISTS declared)
  if(NOT s IN_LIST exported)
    string(APPEND problems "  declared in a public header but not exported (MMU_API missing?): ${s}\n")
  endif()
endforeach()

# 2. The record.
if(UPDATE)
  set(head "")
  if(EXISTS ${RECORD})
    file(STRINGS ${RECORD} old)
    foreach(l IN LISTS old)
      if(l MATCHES "^#")
        string(APPEND head "${l}\n")
      endif()
    endforeach()
  endif()
  list(JOIN actual "\n" body)
  file(WRITE ${RECORD} "${head}${body}\n")
  message(STATUS "wrote ${RECORD}")
endif()
file(STRINGS ${RECORD} record_lines)
set(record)
foreach(l IN LISTS record_lines)
  if(NOT l MATCHES "^#" AND NOT l STREQUAL "")
    list(APPEND record "${l}")
  endif()
endforeach()
foreach(l IN LISTS actual)
  if(NOT l IN_LIST record)
    string(APPEND problems "  + ${l}   (library, not in ${RECORD})\n")
  endif()
endforeach()
foreach(l IN LISTS record)
  if(NOT l IN_LIST actual)
    string(APPEND problems "  - ${l}   (${RECORD}, not in the library)\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "${LIB}: the ABI differs from its record:\n${problems}"
          "If the change is meant, update ${RECORD} (build target pkg_abi_update); bump "
          "MMU_ABI in CMakeLists.txt (the SONAME) when a host built against the old headers "
          "could break.")
endif()
list(LENGTH exported n)
message(STATUS "${LIB}: ${n} exported functions, as declared and recorded")
