# SPDX-License-Identifier: Apache-2.0
# `mmusim-cosim check` on bad input: a message naming the file and line (or
# the option), exit 2, and nothing run (no output on stdout).
# -DCOSIM=mmusim-cosim -DCASE=bad_syntax|bad_maxphyaddr|bad_option -DSCN=a good scenario -DOUT=prefix
file(READ ${SCN} text)
set(input ${OUT}.scn)
set(args)
if(CASE STREQUAL "bad_syntax")
  # A bad access as the last line of the scenario.
  string(REGEX REPLACE "\nend\n" "\naccess 9 0xzz r 3\nend\n" text "${text}")
  set(want "${input}:[0-9]+: access 9: address '0xzz' is not a 64-bit number")
elseif(CASE STREQUAL "bad_maxphyaddr")
  # The RTL walker is built for MAXPHYADDR 52: the line that asks for 40 is named.
  string(REGEX REPLACE "\nmaxphyaddr [0-9]+\n" "\n" text "${text}")
  string(REGEX REPLACE "(scenario [^\n]+\n)" "\\1\nmaxphyaddr 40\n" text "${text}")
  set(want "${input}:[0-9]+: scenario [^:]+: maxphyaddr=40: the RTL walker was built with 52")
else()
  set(args --interfere 2000:1)
  set(want "--interfere '2000:1': must be PERMILLE:KEY with PERMILLE <= 1000")
endif()
file(WRITE ${input} "${text}")
execute_process(COMMAND ${COSIM} check ${args} ${input}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit ${rc}\nstdout: ${out}\nstderr: ${err}")
if(NOT rc EQUAL 2 OR NOT err MATCHES "${want}" OR NOT out STREQUAL "")
  message(FATAL_ERROR "expected exit 2, '${want}' on stderr and nothing on stdout")
endif()
# The line named is the offending one.
if(err MATCHES "^${input}:([0-9]+):")
  set(n ${CMAKE_MATCH_1})
  string(REGEX MATCH "\n(access 9|maxphyaddr 40)" bad "${text}")
  string(FIND "${text}" "${bad}" at)
  string(SUBSTRING "${text}" 0 ${at} before)
  string(REGEX MATCHALL "\n" newlines "${before}")
  list(LENGTH newlines k)
  math(EXPR want_line "${k} + 2")
  if(NOT n EQUAL want_line)
    message(FATAL_ERROR "the message names line ${n}; the bad line is ${want_line}")
  endif()
endif()
