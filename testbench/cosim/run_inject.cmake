# SPDX-License-Identifier: Apache-2.0
# The scoreboard must catch a planted difference: mmusim-cosim random with
# --inject-bug BUG must fail (exit 1) with a field-by-field report and a
# reproduction (the world up to that access, OUT.scn + OUT.scn.ini). Then:
#  - `mmusim check` accepts the reproduction;
#  - `mmusim-cosim check`, run as the reproduction's header says, replays it
#    through both walkers, warm state included: they agree (the planted bug
#    is not in the RTL), and the access that differed gets the C answer the
#    campaign printed, to the cycle (done_at) and from the same
#    paging-structure-cache level;
#  - the same replay with the bug planted in that access's walk fails.
# -DCOSIM=mmusim-cosim -DMMUSIM=mmusim -DBUG=result:N|write:N|late:N -DOUT=prefix
# [-DDUT=rtl|rtl-sc]
if(NOT DUT)
  set(DUT rtl)
endif()
set(scn ${OUT}.scn)
file(REMOVE ${scn} ${scn}.ini)
execute_process(COMMAND ${COSIM} random --walks 3000 --seed 7 --quiet --inject-bug ${BUG}
                        --repro ${scn} --dut ${DUT}
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
if(NOT EXISTS ${scn} OR NOT EXISTS ${scn}.ini)
  message(FATAL_ERROR "--repro did not write ${scn} and ${scn}.ini")
endif()

execute_process(COMMAND ${MMUSIM} check ${scn}
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
if(NOT rc2 EQUAL 0)
  message(FATAL_ERROR "mmusim check rejected the reproduction (exit ${rc2}):\n${out2}${err2}")
endif()

# The campaign's C answer for the access that differed.
if(out MATCHES "C walker: +ok pa=(0x[0-9a-f]+)")
  set(want_result "ok ${CMAKE_MATCH_1}")
elseif(out MATCHES "C walker: +fault ([0-9]+) error_code=(0x[0-9a-f]+) cr2=(0x[0-9a-f]+)")
  set(want_result "fault ${CMAKE_MATCH_1} ${CMAKE_MATCH_2} ${CMAKE_MATCH_3}")
else()
  message(FATAL_ERROR "cannot find the C walker's answer in the report")
endif()
if(NOT out MATCHES "\n  done_at +(0x[0-9a-f]+)")
  message(FATAL_ERROR "cannot find done_at in the report")
endif()
math(EXPR want_done "${CMAKE_MATCH_1}")
if(NOT out MATCHES "\n  psc_level +(0x[0-9a-f]+)")
  message(FATAL_ERROR "cannot find psc_level in the report")
endif()
math(EXPR want_psc "${CMAKE_MATCH_1}")

# The replay command the reproduction names.
file(READ ${scn} text)
if(NOT text MATCHES "#   mmusim-cosim check ([^\n]+)")
  message(FATAL_ERROR "the reproduction does not say how to replay it")
endif()
separate_arguments(args UNIX_COMMAND "${CMAKE_MATCH_1}")
execute_process(COMMAND ${COSIM} check --timing ${args}
                RESULT_VARIABLE rc3 OUTPUT_VARIABLE out3 ERROR_VARIABLE err3)
message("mmusim-cosim check --timing ${args}:\n${out3}${err3}")
if(NOT rc3 EQUAL 0)
  message(FATAL_ERROR "the replay exited ${rc3}, expected 0 (the walkers agree without the planted bug)")
endif()
# The last result is the access that differed.
string(REGEX MATCHALL "result [0-9]+ [^\n]+\n[^#]*# timing [0-9]+: issued [0-9]+, done [0-9]+[^\n]*psc_level=[0-9]+[^\n]*\n# rtl walk [0-9]+"
       groups "${out3}")
list(GET groups -1 last)
if(NOT last MATCHES "result [0-9]+ ([^\n]+)\n.*done ([0-9]+) .*psc_level=([0-9]+).*# rtl walk ([0-9]+)")
  message(FATAL_ERROR "cannot parse the replay's last access:\n${last}")
endif()
set(got_result "${CMAKE_MATCH_1}")
set(got_done "${CMAKE_MATCH_2}")
set(got_psc "${CMAKE_MATCH_3}")
set(walk "${CMAKE_MATCH_4}")
if(NOT got_result STREQUAL want_result OR NOT got_done EQUAL want_done OR NOT got_psc EQUAL want_psc)
  message(FATAL_ERROR "the replay's last access gives '${got_result}', done ${got_done}, psc_level "
                      "${got_psc}; the campaign gave '${want_result}', done ${want_done}, psc_level ${want_psc}")
endif()

# Planted in that walk, the replay reports the difference.
execute_process(COMMAND ${COSIM} check ${args} --inject-bug result:${walk}
                RESULT_VARIABLE rc4 OUTPUT_VARIABLE out4 ERROR_VARIABLE err4)
if(NOT rc4 EQUAL 1 OR NOT out4 MATCHES "differs in: (pa|fault.error_code)"
   OR NOT out4 MATCHES "1 differences")
  message(FATAL_ERROR "the replay with a bug planted in RTL walk ${walk} exited ${rc4}:\n${out4}${err4}")
endif()
