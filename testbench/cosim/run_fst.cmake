# SPDX-License-Identifier: Apache-2.0
# mmusim-cosim-trace check --walk N --fst OUT.fst: the waveform is written, it
# is an FST file (header block first), and it covers exactly RTL walk N: from
# half a cycle before the walk's first cycle (the job on the request port) to
# the cycle its result rises, taken from the replay's own `# timing` line
# (done - walk cycles). A walk number beyond the replay's walks writes nothing
# and fails.
# -DCOSIM_TRACE=mmusim-cosim-trace -DSCN=file.scn -DWALK=N -DOUT=prefix
set(fst ${OUT}.fst)
file(REMOVE ${fst} ${fst}.tmp)
execute_process(COMMAND ${COSIM_TRACE} check --timing --walk ${WALK} --fst ${fst} ${SCN}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "RTL walk ${WALK} \\(scenario [^)]+\\) written to")
  message(FATAL_ERROR "mmusim-cosim-trace exited ${rc} without writing walk ${WALK}")
endif()
if(NOT out MATCHES "# timing [0-9]+: issued [0-9]+, done ([0-9]+) [^\n]* walk=([0-9]+)[^\n]*\n# rtl walk ${WALK}\n")
  message(FATAL_ERROR "cannot find the timing of RTL walk ${WALK}")
endif()
math(EXPR want_end "${CMAKE_MATCH_1} * 1000")
math(EXPR want_start "(${CMAKE_MATCH_1} - ${CMAKE_MATCH_2}) * 1000 - 500")
if(NOT EXISTS ${fst} OR EXISTS ${fst}.tmp)
  message(FATAL_ERROR "${fst} missing, or its temporary file left behind")
endif()
file(SIZE ${fst} size)
# FST header block: type 0, length, start time, end time (big-endian 64-bit),
# an endianness test double, memory used, scopes, variables.
file(READ ${fst} hex LIMIT 73 HEX)
string(SUBSTRING "${hex}" 0 2 type)
string(SUBSTRING "${hex}" 18 16 start)
string(SUBSTRING "${hex}" 34 16 end)
string(SUBSTRING "${hex}" 98 16 vars)
math(EXPR start "0x${start}")
math(EXPR end "0x${end}")
math(EXPR vars "0x${vars}")
message("${fst}: ${size} bytes, header block ${type}, time ${start}..${end} ps, ${vars} variables")
if(NOT type STREQUAL "00" OR size LESS 1000 OR vars LESS 50)
  message(FATAL_ERROR "${fst} is not an FST file with the walker's signals")
endif()
if(NOT start EQUAL want_start OR NOT end EQUAL want_end)
  message(FATAL_ERROR "${fst} spans ${start}..${end} ps; walk ${WALK} spans ${want_start}..${want_end}")
endif()

# No such walk: nothing written, exit 2.
file(REMOVE ${fst})
execute_process(COMMAND ${COSIM_TRACE} check --walk 100000 --fst ${fst} ${SCN}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR EXISTS ${fst} OR EXISTS ${fst}.tmp OR NOT err MATCHES "no waveform written")
  message(FATAL_ERROR "--walk beyond the walks: exit ${rc}, ${err}")
endif()
