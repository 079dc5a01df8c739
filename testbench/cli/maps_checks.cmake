# SPDX-License-Identifier: Apache-2.0
# scripts/maps_to_trace.awk (what trace_program.sh turns /proc/PID/maps into)
# on a sample maps file: every kind of line, and mmusim reads the result.
execute_process(COMMAND awk -f ${SRC}/scripts/maps_to_trace.awk ${SRC}/testbench/traces/sample.maps
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "maps_to_trace.awk: exit ${rc}: ${e}")
endif()
set(want "# mmusim text trace: the MAP records of the program's /proc/PID/maps
map 0x00108000 8192 P|US|XD 4k file 1 0x00000000 private
map 0x0010a000 20480 P|US 4k file 1 0x00002000 private
map 0x0010f000 8192 P|US|XD 4k file 1 0x00007000 private
map 0x00111000 4096 P|US|RW|XD 4k file 1 0x00009000 private
map 0x00112000 4096 P|US|RW|XD 4k file 1 0x0000a000 private
map 0x00113000 135168 P|US|RW|XD 4k
map 0x0483d000 28672 P|US|XD 4k file 2 0x00000000 shared
map 0x04847000 155648 P|US|XD 4k file 3 0x00000000 private
map 0x0486d000 1400832 P|US 4k file 3 0x00026000 private
map 0x04a16000 16384 P|US|RW|XD 4k file 3 0x001cf000 private
map 0x04a1a000 8192 P|US|RW|XD 4k file 3 0x001d3000 private
map 0x0a786000 4096 0 4k
map 0x7ffd1c9a5000 135168 P|US|RW|XD 4k
")
if(NOT o STREQUAL want)
  message(FATAL_ERROR "maps_to_trace.awk gave:\n${o}\nwant:\n${want}")
endif()
file(WRITE ${OUT}/sample_maps.txt "${o}")
execute_process(COMMAND ${MMUSIM} convert ${OUT}/sample_maps.txt ${OUT}/sample_maps.mtr
                RESULT_VARIABLE rc ERROR_VARIABLE e)
if(NOT rc EQUAL 0 OR NOT e MATCHES "convert: 13 records")
  message(FATAL_ERROR "mmusim convert of the MAP records: exit ${rc}: ${e}")
endif()
