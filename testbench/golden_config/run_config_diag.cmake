# Runs `mmusim config --config <CASE>.ini` inside DIR and compares exit status
# and stderr with <CASE>.err (first line of the .err may be "exit N"; default 2).
execute_process(COMMAND ${MMUSIM} config --config ${CASE}.ini
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
  message(FATAL_ERROR "${CASE}: a bad config must print nothing, but stdout was:\n${out}")
endif()
