# SPDX-License-Identifier: Apache-2.0
# `mmusim run --trace` and `mmusim convert` end to end on the tiny traces in
# testbench/traces/.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

# 1. lackey -> native -> text keeps every record (M is a read then a write).
run_mmusim(rc o e convert ${DIR}/small.lackey ${OUT}/small.mtr)
expect("convert lackey: exit ${rc}: ${e}" rc EQUAL 0)
string(FIND "${e}" "convert: 8 records" at)
expect("convert lackey: want 8 records, stderr: ${e}" NOT at EQUAL -1)
run_mmusim(rc o e convert --to text ${OUT}/small.mtr ${OUT}/small.txt)
expect("convert native->text: exit ${rc}: ${e}" rc EQUAL 0)
file(STRINGS ${OUT}/small.txt lines REGEX "^(@[0-9]+ )?[rwx] ")
list(LENGTH lines n)
expect("text form has ${n} access lines, want 8" n EQUAL 8)

# 2. A good trace runs with demand paging: every page it touches is mapped
#    once, and each access is translated.
run_mmusim(rc o e run --preset tiny --trace ${OUT}/small.mtr --policy 4k --json ${OUT}/tr.json)
expect("run good trace: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${OUT}/tr.json j)
string(JSON acc GET "${j}" accesses)
string(JSON df GET "${j}" os demand_faults)
string(JSON p4 GET "${j}" os pages_4k)
expect("accesses ${acc}, want 8" acc EQUAL 8)
expect("demand faults ${df}, 4K pages ${p4}" df EQUAL p4 AND df GREATER 0)

# 3. Bad records: the statistics of everything before them, then where and
#    what, exit 2.
foreach(case "bad.lackey|4 records|bad.lackey:5: bad address"
             "truncated.mtr|accesses|truncated.mtr: byte ")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 file)
  list(GET parts 1 want_out)
  list(GET parts 2 want_err)
  run_mmusim(rc o e run --preset tiny --trace ${DIR}/${file})
  string(FIND "${o}" "${want_out}" at_o)
  string(FIND "${e}" "${want_err}" at_e)
  expect("run ${file}: exit ${rc}, want 2" rc EQUAL 2)
  expect("run ${file}: statistics missing from stdout:\n${o}" NOT at_o EQUAL -1)
  expect("run ${file}: stderr '${e}' lacks '${want_err}'" NOT at_e EQUAL -1)
  run_mmusim(rc o e convert ${DIR}/${file} ${OUT}/bad_out.mtr)
  expect("convert ${file}: exit ${rc}, want 2" rc EQUAL 2)
endforeach()

# 4. Errors the OS model raises for a record name the record's line (text) or
#    byte offset (binary), not a record number.
run_mmusim(rc o e run --preset tiny --trace ${DIR}/os_error.txt)
expect("run os_error.txt: exit ${rc}, want 2" rc EQUAL 2)
expect("run os_error.txt: stderr '${e}'"
       e STREQUAL "mmusim run: ${DIR}/os_error.txt:5: MAP [0xffff800000000000, +0x1000): not in the user half\n")
run_mmusim(rc o e convert ${DIR}/os_error.txt ${OUT}/os_error.mtr)
expect("convert os_error.txt: exit ${rc}: ${e}" rc EQUAL 0)
run_mmusim(rc o e run --preset tiny --trace ${OUT}/os_error.mtr)
# 24 header bytes, a read (8 bytes: a 6-byte address delta) and a write (3):
# the MAP record is at 35.
expect("run os_error.mtr: exit ${rc}, want 2" rc EQUAL 2)
expect("run os_error.mtr: stderr '${e}'"
       e STREQUAL "mmusim run: ${OUT}/os_error.mtr: byte 35: MAP [0xffff800000000000, +0x1000): not in the user half\n")

# 5. A binary trace forced through a text format is an error at its first
#    line, not an empty trace that succeeds.
run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.champsim)
expect("run small.champsim: exit ${rc}: ${e}" rc EQUAL 0)
foreach(fmt lackey text)
  run_mmusim(rc o e run --preset tiny --trace ${DIR}/small.champsim --format ${fmt})
  expect("champsim as ${fmt}: exit ${rc}, want 2" rc EQUAL 2)
  string(FIND "${e}" "small.champsim:1: NUL byte in column 1 (binary data in a text trace)" at)
  expect("champsim as ${fmt}: stderr '${e}'" NOT at EQUAL -1)
endforeach()
