# SPDX-License-Identifier: Apache-2.0
# `mmusim config --preset PRESET` > WORK/PRESET.rt.ini, then
# `mmusim config --config` that file must print the same text.
execute_process(COMMAND ${MMUSIM} config --preset ${PRESET}
                RESULT_VARIABLE rc OUTPUT_VARIABLE first ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "config --preset ${PRESET}: exit ${rc}\n${err}")
endif()
file(WRITE ${WORK}/${PRESET}.rt.ini "${first}")
execute_process(COMMAND ${MMUSIM} config --config ${WORK}/${PRESET}.rt.ini
                RESULT_VARIABLE rc OUTPUT_VARIABLE second ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "config --config ${PRESET}.rt.ini: exit ${rc}\n${err}")
endif()
if(NOT first STREQUAL second)
  message(FATAL_ERROR "${PRESET}: the printed config does not load back to itself\n"
                      "--- first\n${first}--- second\n${second}")
endif()
