# SPDX-License-Identifier: Apache-2.0
# Functional-coverage files end to end: `check|run|compare --coverage`,
# `mmusim coverage merge` (counts add up), `mmusim coverage report` (summary
# agrees with the file, holes listed, a count in an unreachable bin fails) and
# every kind of bad file (exit 2, "file: what"). MMUSIM, OUT and SRC given.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# count of bin NAME in coverage file FILE (0 when not listed)
function(bin_count file name out)
  file(READ ${file} j)
  string(JSON n ERROR_VARIABLE err GET "${j}" counts ${name})
  if(err)
    set(n 0)
  endif()
  set(${out} ${n} PARENT_SCOPE)
endfunction()
set(empty "")
set(W ${OUT}/cli_coverage)
file(REMOVE_RECURSE ${W})
file(MAKE_DIRECTORY ${W})
set(S ${SRC}/testbench/scenarios)

# check: every scenario's MMU counts into one file.
run_mmusim(rc o e check --coverage ${W}/a.json ${S}/demo.scn)
expect("check --coverage: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${W}/a.json a)
string(JSON fmt GET "${a}" format)
string(JSON bins GET "${a}" bins)
string(JSON id GET "${a}" bin_list)
expect("a.json: format ${fmt}" fmt STREQUAL "mmusim-coverage")
expect("a.json: bins ${bins}" bins GREATER 1000)
string(JSON nhit LENGTH "${a}" counts)
expect("check --coverage counted nothing:\n${a}" nhit GREATER 5)
# The demo's first access is a 4-level user read that walks from the root.
bin_count(${W}/a.json xlat.l4.read.cpl3.4k.walk_root.ok demo_walk)
expect("demo: no root walk counted" demo_walk GREATER 0)

# Same input twice: merge doubles every count; an input may be the output.
run_mmusim(rc o e check --coverage ${W}/b.json ${S}/not_present.scn)
expect("check --coverage b: exit ${rc}: ${e}" rc EQUAL 0)
run_mmusim(rc o e coverage merge ${W}/a.json ${W}/b.json -o ${W}/m.json)
expect("merge: exit ${rc}: ${e}" rc EQUAL 0)
file(READ ${W}/b.json b)
string(JSON nb LENGTH "${b}" counts)
foreach(i RANGE 0 9)
  if(i LESS nb)
    string(JSON k MEMBER "${b}" counts ${i})
    bin_count(${W}/a.json ${k} x)
    bin_count(${W}/b.json ${k} y)
    bin_count(${W}/m.json ${k} z)
    math(EXPR s "${x} + ${y}")
    expect("merge: ${k}: ${x} + ${y} != ${z}" s EQUAL z)
  endif()
endforeach()
run_mmusim(rc o e coverage merge ${W}/m.json ${W}/m.json --output=${W}/m.json)
expect("merge into an input: exit ${rc}: ${e}" rc EQUAL 0)
bin_count(${W}/m.json xlat.l4.read.cpl3.4k.walk_root.ok twice)
bin_count(${W}/b.json xlat.l4.read.cpl3.4k.walk_root.ok bw)
math(EXPR want "2 * (${demo_walk} + ${bw})")
expect("merge m m: ${twice}, want ${want}" twice EQUAL want)

# report: the total line agrees with the file; holes are listed by name.
run_mmusim(rc o e coverage report ${W}/a.json)
expect("report: exit ${rc}: ${e}\n${o}" rc EQUAL 0)
string(REGEX MATCH "\ntotal +([0-9]+) +([0-9]+) +([0-9]+) +([0-9.]+)%" m "${o}")
expect("report: no total line:\n${o}" NOT m STREQUAL empty)
set(rbins ${CMAKE_MATCH_1})
set(reach ${CMAKE_MATCH_2})
set(rhit ${CMAKE_MATCH_3})
expect("report: ${rbins} bins, file says ${bins}" rbins EQUAL bins)
expect("report: ${rhit} reachable bins hit, the file lists ${nhit} hit bins" rhit EQUAL nhit)
math(EXPR holes "${reach} - ${rhit}")
string(FIND "${o}" "holes: ${holes} reachable bins never hit\n" at)
expect("report: holes line wrong (want ${holes}):\n${o}" NOT at EQUAL -1)
string(FIND "${o}" "    xlat.l5.fetch.cpl012.1g.walk_root.ok\n" at)
expect("report: a known hole is not listed:\n${o}" NOT at EQUAL -1)
run_mmusim(rc o e coverage report --all ${W}/a.json)
string(REGEX MATCH "\n  xlat.l4.read.cpl3.4k.walk_root.ok +([0-9]+)\n" m "${o}")
expect("report --all: root walk count ${CMAKE_MATCH_1}, want ${demo_walk}" CMAKE_MATCH_1 EQUAL demo_walk)

# A count in a bin declared unreachable (a #GP has no page size) is an error.
string(JSON bad SET "${a}" counts xlat.l4.read.cpl3.4k.l1.gp 3)
file(WRITE ${W}/unreach.json "${bad}")
run_mmusim(rc o e coverage report ${W}/unreach.json)
string(FIND "${o}" "ERROR: 1 bins declared unreachable were hit" at)
expect("report: unreachable hit not flagged (exit ${rc}):\n${o}" rc EQUAL 1 AND NOT at EQUAL -1)
string(REGEX MATCH "xlat.l4.read.cpl3.4k.l1.gp: 3 \\(rule [0-9]+: [^)]+\\)" m "${o}")
expect("report: the rule is not named:\n${o}" NOT m STREQUAL empty)

# run and compare write files too.
run_mmusim(rc o e run --preset tiny --workload random:ws=4m,page=4k,n=20k,seed=1 --coverage ${W}/run.json)
expect("run --coverage: exit ${rc}: ${e}" rc EQUAL 0)
bin_count(${W}/run.json xlat.l4.read.cpl3.4k.l1.ok l1)
expect("run: no L1 hits counted" l1 GREATER 0)
run_mmusim(rc o e compare --workloads random --sizes 1m --accesses 2k --warmup 0 --rtl-walks 0
           --out ${W}/cmp --coverage ${W}/cmp.json)
expect("compare --coverage: exit ${rc}: ${e}" rc EQUAL 0)
bin_count(${W}/cmp.json xlat.l4.read.cpl3.1g.walk_root.ok g)
expect("compare: no 1G walk counted (all three page sizes run)" g GREATER 0)

# Bad files: exit 2, "file: what", and merge writes nothing.
file(WRITE ${W}/notjson.json "{\"format\": \"mmusim-coverage\",\n  oops}\n")
expect_error("mmusim coverage report: ${W}/notjson.json:2: not valid JSON: string or '}' expected near 'oops'"
             coverage report ${W}/notjson.json)
file(WRITE ${W}/other.json "{\"format\": \"other\"}")
expect_error("mmusim coverage report: ${W}/other.json: not a coverage file (no \"format\": \"mmusim-coverage\")"
             coverage report ${W}/other.json)
string(JSON x SET "${a}" version 2)
file(WRITE ${W}/v2.json "${x}")
expect_error("mmusim coverage merge: ${W}/v2.json: unsupported coverage file version (this mmusim reads version 1)"
             coverage merge ${W}/a.json ${W}/v2.json -o ${W}/never.json)
expect("merge wrote a file after a bad input" NOT EXISTS ${W}/never.json)
string(JSON x SET "${a}" bin_list "\"0123456789abcdef\"")
file(WRITE ${W}/list.json "${x}")
expect_error("mmusim coverage report: ${W}/list.json: made from a different bin list (bin_list 0123456789abcdef, ${bins} bins; this mmusim has ${id}, ${bins} bins)"
             coverage report ${W}/list.json)
string(JSON x SET "${a}" counts xlat.l4.read.cpl3.4k.l9.ok 1)
file(WRITE ${W}/unknown.json "${x}")
expect_error("mmusim coverage report: ${W}/unknown.json: counts: unknown bin \"xlat.l4.read.cpl3.4k.l9.ok\""
             coverage report ${W}/unknown.json)
string(JSON x SET "${a}" counts xlat.l4.read.cpl3.4k.walk_root.ok -1)
file(WRITE ${W}/neg.json "${x}")
expect_error("mmusim coverage report: ${W}/neg.json: counts: \"xlat.l4.read.cpl3.4k.walk_root.ok\": not a count (an integer >= 0)"
             coverage report ${W}/neg.json)
expect_error("mmusim coverage report: ${W}/absent.json: unable to open ${W}/absent.json: No such file or directory"
             coverage report ${W}/absent.json)
expect_error("mmusim coverage merge: missing -o M.json (usage: mmusim coverage merge A.json [B.json ...] -o M.json)"
             coverage merge ${W}/a.json)
expect_error("mmusim coverage: unknown subcommand 'show' (merge or report; see 'mmusim coverage --help')"
             coverage show)
# A coverage file that cannot be written: check still checks, then exit 2.
run_mmusim(rc o e check --coverage ${W}/no/such/dir/c.json ${S}/demo.scn)
expect("check --coverage into a missing directory: exit ${rc}" rc EQUAL 2)
message(STATUS "coverage files: ${nhit} bins hit by demo.scn, ${reach} reachable of ${bins}")
