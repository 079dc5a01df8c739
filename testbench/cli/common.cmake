# SPDX-License-Identifier: Apache-2.0
# What every `mmusim` CLI check script shares: include() it first.

# run_mmusim(RC OUT ERR args...): runs ${MMUSIM} with args, keeps the exit
# status, stdout and stderr apart so each can be checked on its own.
function(run_mmusim out_rc out_stdout out_stderr)
  execute_process(COMMAND ${MMUSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_stdout} "${o}" PARENT_SCOPE)
  set(${out_stderr} "${e}" PARENT_SCOPE)
endfunction()

# expect("message" CONDITION...): fails the check unless the condition holds.
# A function, not a macro: a macro would expand the condition's text again
# (escapes in regexes). Compare strings through variable names, since a value
# holding ';' splits into several arguments.
function(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${what}")
  endif()
endfunction()

# expect_error(WANT args...): mmusim args must exit 2, print nothing on stdout
# and exactly WANT (one line) on stderr.
function(expect_error want)
  run_mmusim(rc o e ${ARGN})
  set(want_nl "${want}\n")
  set(empty "")
  expect("mmusim ${ARGN}: exit ${rc} (want 2)\nstderr: ${e}" rc EQUAL 2)
  expect("mmusim ${ARGN}: stderr\n${e}want\n${want}\n" e STREQUAL want_nl)
  expect("mmusim ${ARGN}: bad input printed on stdout:\n${o}" o STREQUAL empty)
endfunction()

# expect_has(TEXT NEEDLE WHAT): fails with WHAT and the text unless NEEDLE is in
# TEXT.
macro(expect_has text needle what)
  string(FIND "${text}" "${needle}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${what}: no '${needle}' in:\n${text}")
  endif()
endmacro()
