# SPDX-License-Identifier: Apache-2.0
# Runs `mmusim ${SUBCMD} <CASE><EXT>` inside DIR (SUBCMD may hold several words,
# separated by ';') and compares exit status and stderr with <CASE>.err, whose
# first line may be "exit N" (default 2). Bad input must print nothing on stdout.
execute_process(COMMAND ${MMUSIM} ${SUBCMD} ${CASE}${EXT}
                WORKING_DIRECTORY ${DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ ${DIR}/${CASE}.err expected)
set(want_rc 2)
if(expected MATCHES "^exit ([0-9]+)\n")
  set(want_rc ${CMAKE_MATCH_1})
  string(REGEX REPLACE "^exit [0-9]+\n" "" expected "${expected}")
endif()
if(NOT rc EQUAL want_rc)
  message(FATAL_ERROR "${CASE}: exit status ${rc}, want ${want_rc}\nstderr:\n${err}")
endif()
if(NOT err STREQUAL expected)
  message(FATAL_ERROR "${CASE}: stderr differs\n--- want\n${expected}--- got\n${err}")
endif()
if(NOT out STREQUAL "")
  message(FATAL_ERROR "${CASE}: bad input must run and print nothing, but stdout was:\n${out}")
endif()
