# SPDX-License-Identifier: Apache-2.0
# `mmusim-cosim check` on a `mmusim check` scenario: the RTL walker must agree
# with the C model on every access (exit 0, "0 differences"), and the C
# side's output, timing lines included, must be exactly what `mmusim check
# --timing` prints for the same file (the replay is the check, warm).
# -DCOSIM=mmusim-cosim -DMMUSIM=mmusim -DSCN=file.scn -DOUT=prefix
# [-DMAXPHYADDR=N: run a copy with `maxphyaddr N`, for scenarios written for
#  another MAXPHYADDR than the RTL's] [-DARGS="--dut rtl-sc ..."]
set(input ${SCN})
if(MAXPHYADDR)
  file(READ ${SCN} text)
  string(REGEX REPLACE "\nmaxphyaddr [0-9]+" "\nmaxphyaddr ${MAXPHYADDR}" text "${text}")
  set(input ${OUT}.scn)
  file(WRITE ${input} "${text}")
endif()
separate_arguments(extra UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${MMUSIM} check --timing ${input}
                RESULT_VARIABLE rc1 OUTPUT_VARIABLE c_out ERROR_VARIABLE c_err)
if(NOT rc1 EQUAL 0)
  message(FATAL_ERROR "mmusim check ${input} exited ${rc1}:\n${c_out}${c_err}")
endif()
execute_process(COMMAND ${COSIM} check --timing ${extra} ${input}
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc2 EQUAL 0 OR NOT out MATCHES "\ncosim check: [0-9]+ scenarios, [0-9]+ accesses, [1-9][0-9]* RTL walks, 0 differences")
  message(FATAL_ERROR "mmusim-cosim check ${extra} ${input} exited ${rc2}, expected 0 with walks and no differences")
endif()
string(REGEX REPLACE "# rtl walk [0-9]+\n" "" mine "${out}")
string(REGEX REPLACE "cosim check: [^\n]*\n$" "" mine "${mine}")
if(NOT mine STREQUAL c_out)
  file(WRITE ${OUT}.mmusim.out "${c_out}")
  file(WRITE ${OUT}.cosim.out "${mine}")
  message(FATAL_ERROR "the C side's output differs from `mmusim check --timing`: see ${OUT}.mmusim.out "
                      "and ${OUT}.cosim.out")
endif()
