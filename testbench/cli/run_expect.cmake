# SPDX-License-Identifier: Apache-2.0
# `mmusim check --expect` on a deliberately wrong golden: exit 1 and exactly
# the differences in <CASE>.out.
execute_process(COMMAND ${MMUSIM} check --expect ${CASE}.expected ${CASE}.scn
                WORKING_DIRECTORY ${DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
file(READ ${DIR}/${CASE}.out want)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "exit status ${rc}, want 1\n${out}")
endif()
if(NOT out STREQUAL want)
  message(FATAL_ERROR "output differs\n--- want\n${want}--- got\n${out}")
endif()
