# The scoreboard must catch a planted difference: mmusim-cosim random with
# --inject-bug BUG must fail (exit 1) with a field-by-field report and a
# reproduction, and `mmusim check` must run that reproduction and give the C
# walker's answer.
# -DCOSIM=mmusim-cosim -DMMUSIM=mmusim -DBUG=result:N|write:N|late:N -DOUT=prefix
execute_process(COMMAND ${COSIM} random --walks 3000 --seed 7 --quiet --inject-bug ${BUG}
                        --repro ${OUT}.scn
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "mmusim-cosim exited ${rc}, expected 1 (the planted ${BUG} was not caught)")
endif()
foreach(want "MISMATCH at access" "differs in:" "<--" "reproduction \\(mmusim check scenario\\)"
             "cosim: [0-9]+ walks, 1 mismatches \\(seed 0x7\\)")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "output lacks '${want}'")
  endif()
endforeach()
execute_process(COMMAND ${MMUSIM} check ${OUT}.scn
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
message("mmusim check ${OUT}.scn:\n${out2}${err2}")
if(NOT rc2 EQUAL 0)
  message(FATAL_ERROR "mmusim check rejected the reproduction (exit ${rc2})")
endif()
# A cold replay of a walk from the root gives the C walker's answer.
if(NOT out MATCHES "below a paging-structure-cache hit")
  if(out MATCHES "C walker: +ok pa=(0x[0-9a-f]+)")
    set(expect "result 1 ok ${CMAKE_MATCH_1}")
  elseif(out MATCHES "C walker: +fault ([0-9]+) error_code=(0x[0-9a-f]+) cr2=(0x[0-9a-f]+)")
    set(expect "result 1 fault ${CMAKE_MATCH_1} ${CMAKE_MATCH_2} ${CMAKE_MATCH_3}")
  else()
    message(FATAL_ERROR "cannot find the C walker's answer in the report")
  endif()
  string(FIND "${out2}" "${expect}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mmusim check does not give the C walker's answer '${expect}'")
  endif()
endif()
