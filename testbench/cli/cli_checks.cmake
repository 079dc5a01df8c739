# SPDX-License-Identifier: Apache-2.0
# The command line every mmusim command shares, end to end: -DPART= selects
# options | version | convert | expect | clock | json | check_config |
# progress | scripts. MMUSIM, OUT (scratch directory) and SRC (source tree)
# are always given; COSIM (mmusim-cosim's path) for PART=version. Prints
# "SKIPPED: why" when a part cannot run here.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(empty "")
set(W ${OUT}/cli_${PART})
file(REMOVE_RECURSE ${W})
file(MAKE_DIRECTORY ${W})

if(PART STREQUAL "options")
  # Every command: help on -h and --help, and the same words for the same mistake.
  foreach(cmd check run compare convert config presets latbench vm-study)
    foreach(h -h --help)
      run_mmusim(rc o e ${cmd} ${h})
      string(FIND "${o}" "usage: mmusim ${cmd} " at)
      expect("${cmd} ${h}: exit ${rc}, stdout:\n${o}" rc EQUAL 0 AND at EQUAL 0 AND e STREQUAL empty)
      string(FIND "${o}" "  -h, --help            print this help and exit\n" at)
      expect("${cmd} ${h}: the options are not listed:\n${o}" NOT at EQUAL -1)
    endforeach()
    expect_error("mmusim ${cmd}: unknown option '--bogus' (see 'mmusim ${cmd} --help')" ${cmd} --bogus)
  endforeach()
  foreach(cmd check run compare config latbench vm-study)
    expect_error("mmusim ${cmd}: --preset needs a value (NAME)" ${cmd} --preset)
    expect_error("mmusim ${cmd}: --preset given twice" ${cmd} --preset=tiny --preset tiny)
    expect_error("mmusim ${cmd}: --preset: empty value" ${cmd} --preset=)
    expect_error("mmusim ${cmd}: unknown option '--pres' (did you mean --preset?)" ${cmd} --pres tiny)
  endforeach()
  # --opt=value and --opt value mean the same.
  run_mmusim(rc a e config --preset tiny)
  run_mmusim(rc b e config --preset=tiny)
  expect("config --preset=tiny differs from --preset tiny" rc EQUAL 0 AND a STREQUAL b)
  # Numbers: digits only, range-checked, the option named.
  set(R run --preset tiny --workload seq:n=10)
  expect_error("mmusim run: --gap 'x': not a number (decimal digits only)" ${R} --gap x)
  expect_error("mmusim run: --gap '-1': not a number (decimal digits only)" ${R} --gap -1)
  expect_error("mmusim run: --gap '0x10': not a number (decimal digits only)" ${R} --gap 0x10)
  expect_error("mmusim run: --gap ' 1': not a number (decimal digits only)" ${R} "--gap= 1")
  expect_error("mmusim run: --levels 3: must be 4 or 5" ${R} --levels 3)
  expect_error("mmusim run: --procs 0: must be 1..2047" run --preset tiny --trace x --procs 0)
  expect_error("mmusim run: --policy '2m': must be 4k, thp, 1g or mixed" ${R} --policy 2m)
  expect_error("mmusim run: --interval 0: must be 1..4611686018427387904" ${R} --interval 0)
  expect_error("mmusim run: --kpti takes no value" ${R} --kpti=1)
  expect_error("mmusim run: --records 0: must be >= 1" run --preset tiny --trace x --records 0)
  expect_error("mmusim run: --records counts trace records: it needs --trace" ${R} --records 5)
  expect_error("mmusim run: --preset needs a value (NAME), not the option '--workload'" run --preset --workload seq)
  # Options the other driver would ignore are refused.
  expect_error("mmusim run: --policy applies to --trace only" ${R} --policy 4k)
  expect_error("mmusim run: --gap applies to --workload only (a trace is issued closed loop)"
               run --preset tiny --trace x --gap 3)
  expect_error("mmusim run: need one of --workload SPEC and --trace FILE" run --preset tiny)
  expect_error("mmusim run: need one of --preset NAME and --config FILE" run --workload seq)
  expect_error("mmusim run: unknown preset 'nope' (known: skylake, icelake, tigerlake, goldencove, zen2, zen3, tiny)"
               run --preset nope --workload seq)
  expect_error("mmusim convert: missing OUT (usage: mmusim convert [--format F] [--to native|text] [--prepend FILE] IN OUT)"
               convert in)
  expect_error("mmusim convert: unexpected argument 'c'" convert a b c)
  expect_error("mmusim check: missing FILE (usage: mmusim check [OPTIONS] FILE|-)" check)
  expect_error("mmusim presets: unexpected argument 'x'" presets x)
  # latbench: --opt=value, numbers and choices in the shared words, its own
  # checks after them, and its help (what it does, then the options).
  set(LB latbench --preset tiny --frequency 1000 --buffer 4m --sizes 1k,64k --count 16 --pages 4k)
  run_mmusim(rc a e ${LB})
  run_mmusim(rc2 b e2 latbench --preset=tiny --frequency=1000 --buffer=4m --sizes=1k,64k
             --count=16 --pages=4k)
  expect("latbench: exit ${rc}/${rc2}: ${e}${e2}" rc EQUAL 0 AND rc2 EQUAL 0)
  expect("latbench --opt=value differs from --opt value:\n${a}\n${b}" a STREQUAL b)
  run_mmusim(rc b e latbench --preset tiny --frequency 1000 --buffer 4m --sizes 1k,64k --count 16
             --pages 4k --data-lines=off --frames=contiguous --repeats=1)
  expect("latbench: the defaults given explicitly differ:\n${a}\n${b}" rc EQUAL 0 AND a STREQUAL b)
  # tiny leaves data lines out: --data-lines=on must change the numbers.
  run_mmusim(rc b e ${LB} --data-lines=on)
  expect("latbench --data-lines=on: exit ${rc}, output as without:\n${b}" rc EQUAL 0 AND NOT a STREQUAL b)
  expect_error("mmusim latbench: --count '1x': not a number (decimal digits, optionally with k, m or g)"
               latbench --preset tiny --count 1x)
  expect_error("mmusim latbench: --count '0x10': not a number (decimal digits, optionally with k, m or g)"
               latbench --preset tiny --count 0x10)
  expect_error("mmusim latbench: --count 8: must be 16..1000000000" latbench --preset tiny --count 8)
  expect_error("mmusim latbench: --count 100: must be a multiple of 16" latbench --preset tiny --count 100)
  expect_error("mmusim latbench: --repeats 0: must be 1..100" latbench --preset tiny --repeats 0)
  expect_error("mmusim latbench: --frequency 100001: must be 1..100000" latbench --preset tiny --frequency 100001)
  expect_error("mmusim latbench: --frames 'random': must be contiguous or scattered" latbench --preset tiny --frames random)
  expect_error("mmusim latbench: --data-lines 'yes': must be off or on" latbench --preset tiny --data-lines yes)
  expect_error("mmusim latbench: --detail takes no value" latbench --preset tiny --detail=1)
  expect_error("mmusim latbench: --buffer '3m': must be a power of two, 4m .. 64g" latbench --preset tiny --buffer=3m)
  expect_error("mmusim latbench: --pages: '1g': must be 4k or 2m, once" latbench --preset tiny --pages 4k,1g)
  expect_error("mmusim latbench: --sizes ',': no size in the list" latbench --preset tiny --sizes ,)
  expect_error("mmusim latbench: --count given twice" latbench --preset tiny --count 16 --count=32)
  expect_error("mmusim latbench: unknown option '--cnt' (see 'mmusim latbench --help')" latbench --preset tiny --cnt 16)
  expect_error("mmusim latbench: unknown option '--coun' (did you mean --count?)" latbench --preset tiny --coun 16)
  expect_error("mmusim latbench: unexpected argument 'tiny'" latbench --preset tiny tiny)
  expect_error("mmusim latbench: need one of --preset NAME and --config FILE" latbench --count 16)
  expect_error("mmusim latbench: need one of --preset NAME and --config FILE" latbench --preset tiny --config x.ini)
  run_mmusim(rc o e latbench -h)
  foreach(want "usage: mmusim latbench (--preset NAME | --config FILE)" "tinymembench's memory-latency test on the model"
               "  --count N             reads per test, a multiple of 16" "Exit 0, or 2 on bad input.\n")
    string(FIND "${o}" "${want}" at)
    expect("latbench -h lacks '${want}':\n${o}" NOT at EQUAL -1)
  endforeach()
  # vm-study: the same, on a small trace.
  set(T ${SRC}/testbench/traces/small.lackey)
  run_mmusim(rc a e vm-study --preset tiny --traces ${T} --mems 50% --policies clock,opt
             --max-accesses 1k --flush-young both --swap-dev ssd --out ${W}/vm1)
  run_mmusim(rc2 b e2 vm-study --preset=tiny --traces=${T} --mems=50% --policies=clock,opt
             --max-accesses=1000 --flush-young=both --swap-dev=ssd --mode=pure --out=${W}/vm2)
  expect("vm-study: exit ${rc}/${rc2}: ${e}${e2}" rc EQUAL 0 AND rc2 EQUAL 0)
  # stdout names the CSV and says how long things took: neither is compared.
  foreach(v a b)
    string(REGEX REPLACE "${W}/vm[12]" "" ${v} "${${v}}")
    string(REGEX REPLACE "[0-9.]+ s\n" "\n" ${v} "${${v}}")
  endforeach()
  expect("vm-study --opt=value differs from --opt value:\n${a}\n${b}" a STREQUAL b)
  file(READ ${W}/vm1/vm_study.csv c1)
  file(READ ${W}/vm2/vm_study.csv c2)
  expect("vm-study --opt=value: another CSV:\n${c1}\n${c2}" c1 STREQUAL c2)
  file(STRINGS ${W}/vm2/vm_study.csv rows)
  list(LENGTH rows n)
  expect("vm-study: 1 + 2 policies x 2 flush settings rows, got ${n}" n EQUAL 5)
  # The swap device's latency is in the cycles: --swap-dev=ssd took effect.
  run_mmusim(rc o e vm-study --preset tiny --traces ${T} --mems 50% --policies clock,opt
             --max-accesses 1k --flush-young both --out ${W}/vm3)
  file(READ ${W}/vm3/vm_study.csv c3)
  expect("vm-study: exit ${rc}, --swap-dev ssd changed nothing:\n${c3}" rc EQUAL 0 AND NOT c1 STREQUAL c3)
  set(V vm-study --preset tiny --traces ${T} --out ${W}/vm_bad)
  expect_error("mmusim vm-study: --max-accesses '1x': not a number (decimal digits, optionally with k, m or g)"
               ${V} --max-accesses 1x)
  expect_error("mmusim vm-study: --max-accesses 0: must be >= 1" ${V} --max-accesses=0)
  expect_error("mmusim vm-study: --flush-young 'yes': must be off, on or both" ${V} --flush-young yes)
  expect_error("mmusim vm-study: --swap-dev 'tape': must be nvme, ssd, hdd or zswap" ${V} --swap-dev tape)
  expect_error("mmusim vm-study: --mode 'bsd': must be pure or linux" ${V} --mode bsd)
  expect_error("mmusim vm-study: --out: empty value" vm-study --preset tiny --out=)
  expect_error("mmusim vm-study: --policies ',': nothing in the list" ${V} --policies ,)
  expect_error("mmusim vm-study: --preset and --config exclude each other" ${V} --config x.ini)
  expect_error("mmusim vm-study: unknown option '--mem' (did you mean --mems?)" ${V} --mem 64m)
  expect_error("mmusim vm-study: unknown option '--bogus' (see 'mmusim vm-study --help')" ${V} --bogus=1)
  expect_error("mmusim vm-study: unexpected argument 'sort'" ${V} sort)
  run_mmusim(rc o e vm-study --help)
  foreach(want "usage: mmusim vm-study [--preset NAME | --config FILE]" "with OPT as the\nlower bound.\n"
               "  --policies LIST       replacement policies (default all:"
               "Exit 0; 1 when a policy took fewer faults than OPT; 2 on bad input.\n")
    string(FIND "${o}" "${want}" at)
    expect("vm-study --help lacks '${want}':\n${o}" NOT at EQUAL -1)
  endforeach()
  # The top level.
  run_mmusim(rc o e)
  expect("mmusim with no command: exit ${rc}" rc EQUAL 2)
  expect_error("mmusim: unknown command 'nope' (see 'mmusim --help')" nope)

elseif(PART STREQUAL "version")
  set(re "^[0-9]+\\.[0-9]+(\\.[0-9]+)? \\(git ([0-9a-f]+(-dirty)?|[A-Za-z0-9._+-]+|unknown)\\)\n$")
  run_mmusim(rc o e --version)
  expect("mmusim --version: exit ${rc}, '${o}'" rc EQUAL 0 AND o MATCHES "^mmusim ")
  string(REGEX REPLACE "^mmusim " "" v "${o}")
  expect("mmusim --version: '${o}' is not 'mmusim VERSION (git COMMIT)'" v MATCHES "${re}")
  if(EXISTS "${COSIM}")
    execute_process(COMMAND ${COSIM} --version RESULT_VARIABLE rc OUTPUT_VARIABLE co)
    expect("mmusim-cosim --version: exit ${rc}, '${co}' (mmusim says '${o}')"
           rc EQUAL 0 AND co STREQUAL "mmusim-cosim ${v}")
  endif()
  # The generator: "unknown" outside a checkout; the commit inside one,
  # "-dirty" with local changes, a new commit at once, and no rewrite of an
  # unchanged file (nothing relinks).
  set(gen ${SRC}/model/cli/version.cmake)
  file(MAKE_DIRECTORY ${W}/notgit)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${W}/notgit -DVERSION=9.8 -DOUT=${W}/v.c -P ${gen})
  file(READ ${W}/v.c t)
  string(FIND "${t}" "\"9.8 (git unknown)\"" at)
  expect("outside git: ${t}" NOT at EQUAL -1)
  find_program(GIT git)
  if(NOT GIT)
    message("SKIPPED: no git to test the commit part of the version")
    return()
  endif()
  set(repo ${W}/repo)
  file(MAKE_DIRECTORY ${repo})
  set(g ${GIT} -C ${repo} -c user.name=t -c user.email=t@t -c commit.gpgsign=false)
  execute_process(COMMAND ${g} init -q)
  file(WRITE ${repo}/f "1\n")
  execute_process(COMMAND ${g} add f)
  execute_process(COMMAND ${g} commit -q -m one)
  execute_process(COMMAND ${g} rev-parse --short HEAD OUTPUT_VARIABLE h1 OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(run_gen ${CMAKE_COMMAND} -DSRC=${repo} -DVERSION=9.8 -DOUT=${W}/v.c -P ${gen})
  execute_process(COMMAND ${run_gen})
  file(READ ${W}/v.c t)
  string(FIND "${t}" "\"9.8 (git ${h1})\"" at)
  expect("clean checkout: want ${h1} in\n${t}" NOT at EQUAL -1)
  file(TIMESTAMP ${W}/v.c t1 "%s")
  execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
  execute_process(COMMAND ${run_gen})
  file(TIMESTAMP ${W}/v.c t2 "%s")
  expect("an unchanged version file was rewritten" t1 STREQUAL t2)
  file(WRITE ${repo}/f "2\n")
  execute_process(COMMAND ${run_gen})
  file(READ ${W}/v.c t)
  string(FIND "${t}" "\"9.8 (git ${h1}-dirty)\"" at)
  expect("modified checkout: want ${h1}-dirty in\n${t}" NOT at EQUAL -1)
  execute_process(COMMAND ${g} commit -q -a -m two)
  execute_process(COMMAND ${g} rev-parse --short HEAD OUTPUT_VARIABLE h2 OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${run_gen})
  file(READ ${W}/v.c t)
  string(FIND "${t}" "\"9.8 (git ${h2})\"" at)
  expect("new commit: want ${h2} in\n${t}" NOT at EQUAL -1 AND NOT h1 STREQUAL h2)
  # A directory inside someone else's checkout is not that checkout.
  file(MAKE_DIRECTORY ${repo}/sub)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${repo}/sub -DVERSION=9.8 -DOUT=${W}/v.c -P ${gen})
  file(READ ${W}/v.c t)
  string(FIND "${t}" "\"9.8 (git unknown)\"" at)
  expect("a subdirectory borrowed the enclosing repository's commit:\n${t}" NOT at EQUAL -1)

elseif(PART STREQUAL "convert")
  # convert onto its own input, by any name: refused, the input kept byte for byte.
  set(in ${W}/in.mtr)
  run_mmusim(rc o e convert ${SRC}/testbench/traces/small.lackey ${in})
  expect("convert: exit ${rc}: ${e}" rc EQUAL 0)
  file(SHA256 ${in} before)
  file(CREATE_LINK ${in} ${W}/hard.mtr)
  file(CREATE_LINK ${in} ${W}/soft.mtr SYMBOLIC)
  foreach(out ${in} ${W}/./in.mtr ${W}/../cli_convert/in.mtr ${W}/hard.mtr ${W}/soft.mtr)
    foreach(to native text)
      run_mmusim(rc o e convert --to ${to} ${in} ${out})
      file(SHA256 ${in} after)
      string(FIND "${e}" "mmusim convert: ${in} and ${out} are the same file" at)
      expect("convert ${in} ${out}: exit ${rc} (want 2), stderr: ${e}" rc EQUAL 2 AND NOT at EQUAL -1)
      expect("convert ${in} ${out}: the input changed" before STREQUAL after)
    endforeach()
  endforeach()
  run_mmusim(rc o e convert ${W}/soft.mtr ${in})
  expect("convert through a link onto its target: exit ${rc}" rc EQUAL 2)
  # A good conversion replaces OUT and leaves no temporary file; a failed
  # write (to a missing directory) says where.
  file(WRITE ${W}/out.txt "old\n")
  run_mmusim(rc o e convert --to text ${in} ${W}/out.txt)
  expect("convert to text: exit ${rc}: ${e}" rc EQUAL 0)
  file(GLOB left ${W}/.*tmp*)
  expect("temporary files left: ${left}" left STREQUAL empty)
  file(STRINGS ${W}/out.txt first LIMIT_COUNT 1)
  expect("out.txt not replaced: ${first}" first STREQUAL "# mmusim text trace")
  expect_error("mmusim convert: ${W}/no/out.mtr: cannot create a file in its directory: No such file or directory"
               convert ${in} ${W}/no/out.mtr)
  # A bad record half-way: the records before it are still written, exit 2.
  run_mmusim(rc o e convert --to text ${SRC}/testbench/traces/bad.lackey ${W}/part.txt)
  string(FIND "${e}" "bad.lackey:5: bad address" at)
  expect("convert bad.lackey: exit ${rc}, stderr ${e}" rc EQUAL 2 AND NOT at EQUAL -1)
  file(STRINGS ${W}/part.txt recs REGEX "^(@[0-9]+ )?[rwx] ")
  list(LENGTH recs n)
  expect("convert bad.lackey: ${n} records before the bad line written, want > 0" n GREATER 0)

elseif(PART STREQUAL "expect")
  set(scn ${SRC}/testbench/scenarios/worked_example.scn)
  expect_error("mmusim check: ${W}: is a directory" check --expect ${W} ${scn})
  expect_error("mmusim check: ${W}/absent: cannot open: No such file or directory"
               check --expect ${W}/absent ${scn})
  # A malformed golden stops the command before anything runs (and, in the
  # ASan build, frees everything: a leak fails this test).
  file(WRITE ${W}/bad.expected "scenario worked_example\nresult 1 ok 0xabcde234\nupdate 1 0x2b80\nend\n")
  expect_error("mmusim check: ${W}/bad.expected:3: expected 'result ID ok PA', 'result ID fault VECTOR CODE CR2', 'update ID PA VALUE' or 'end'"
               check --expect ${W}/bad.expected --print ${scn})
  file(WRITE ${W}/open.expected "scenario worked_example\nresult 1 ok 0xabcde234\n")
  expect_error("mmusim check: ${W}/open.expected:2: end of file inside scenario 'worked_example': missing 'end'"
               check --expect ${W}/open.expected ${scn})
  # Streaming keeps the comparison exact: a golden with an extra scenario
  # after the input's, and stdin as input.
  execute_process(COMMAND ${MMUSIM} check ${scn} OUTPUT_FILE ${W}/good.expected RESULT_VARIABLE rc)
  file(READ ${W}/good.expected good)
  file(WRITE ${W}/more.expected "${good}scenario extra\nend\n")
  execute_process(COMMAND ${MMUSIM} check --expect ${W}/more.expected - INPUT_FILE ${scn}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  expect("extra golden scenario: exit ${rc} (want 1)\n${o}${e}" rc EQUAL 1)
  expect("extra golden scenario: output\n${o}"
         o MATCHES "^scenario extra: expected, but the input has no such scenario\ncheck: 1 scenarios, [0-9]+ accesses, 1 differences from ")

elseif(PART STREQUAL "clock")
  # Cycle counts cannot wrap: values that would pass 2^62 are refused up front.
  set(R run --preset tiny)
  expect_error("mmusim run: --interval 18446744073709551615: must be 1..4611686018427387904"
               ${R} --workload seq:n=1m --interval 18446744073709551615)
  expect_error("mmusim run: --interval 4611686018427387903: 3 accesses that far apart would take the model's clock past 2^62 cycles; at most 2305843009213693951 for this run"
               ${R} --workload seq:n=3 --interval 4611686018427387903)
  expect_error("mmusim run: --gap 4611686018427387904: 2 accesses that far apart would take the model's clock past 2^62 cycles; at most 4611686018427387903 for this run"
               ${R} --workload seq:n=2 --gap 4611686018427387904)
  # The largest allowed spacing runs and reports a clock that did not wrap.
  run_mmusim(rc o e ${R} --workload seq:n=2 --interval 4611686018427387903)
  string(REGEX MATCH "; ([0-9]+) cycles" m "${o}")
  expect("largest interval: exit ${rc}\n${o}${e}" rc EQUAL 0 AND m)
  set(c ${CMAKE_MATCH_1})
  string(LENGTH "${c}" len)
  expect("largest interval: ${c} cycles, want 4611686018427387904 or a little more"
         len EQUAL 19 AND c STRGREATER "4611686018427387903")
  set(scn ${SRC}/testbench/scenarios/worked_example.scn)
  expect_error("mmusim check: --gap 18446744073709551615: must be at most 4611686018427387904"
               check --gap 18446744073709551615 --timing ${scn})
  run_mmusim(rc o e check --timing ${scn})
  string(REGEX MATCHALL "\n# timing" n "${o}")
  list(LENGTH n accesses)
  math(EXPR most "4611686018427387903 / (${accesses} - 1)")
  math(EXPR over "${most} + 1")
  file(STRINGS ${scn} lines)
  list(FIND lines "scenario worked_example" at)
  math(EXPR line "${at} + 1")
  expect_error("mmusim check: --gap ${over}: ${scn}:${line}: scenario worked_example issues ${accesses} accesses; that far apart they would take the model's clock past 2^62 cycles (at most ${most} here)"
               check --gap ${over} --timing ${scn})
  run_mmusim(rc o e check --gap ${most} --timing ${scn})
  string(REGEX MATCH "# timing 1: issued 0, done ([0-9]+) " m1 "${o}")
  set(done1 ${CMAKE_MATCH_1})
  string(REGEX MATCH "# timing 2: issued ([0-9]+)," m2 "${o}")
  set(issued2 "${CMAKE_MATCH_1}")
  math(EXPR want "${done1} + ${most}")
  expect("--gap ${most}: access 2 issued at ${issued2}, want ${want}\n${o}${e}"
         rc EQUAL 0 AND issued2 STREQUAL want)
  expect_error("mmusim check: --gap only changes the cycles --timing prints; add --timing"
               check --gap 5 ${scn})

elseif(PART STREQUAL "json")
  # A config path with a quote and a backslash still gives valid JSON that
  # reads back the same path.
  set(cfg "${W}/we\"ird\\name.ini")
  file(WRITE "${cfg}" "[l2]\nlatency = 9\n")
  run_mmusim(rc o e run --config "${cfg}" --workload seq:n=1000 --json ${W}/r.json)
  expect("run --json: exit ${rc}: ${e}" rc EQUAL 0)
  file(READ ${W}/r.json j)
  string(JSON got ERROR_VARIABLE jerr GET "${j}" config)
  expect("run --json wrote invalid JSON (${jerr}):\n${j}" jerr STREQUAL "NOTFOUND")
  expect("run --json: config '${got}', want '${cfg}'" got STREQUAL cfg)
  string(JSON n GET "${j}" accesses)
  string(JSON t GET "${j}" stats translations)
  expect("run --json: accesses ${n}, translations ${t}, want 1000" n EQUAL 1000 AND t EQUAL 1000)
  file(GLOB left ${W}/.*tmp*)
  expect("temporary files left: ${left}" left STREQUAL empty)
  # An unwritable --json: exit 2 after the statistics, which are printed.
  run_mmusim(rc o e run --preset tiny --workload seq:n=100 --json ${W}/no/r.json)
  expect("run --json into a missing directory: exit ${rc}, stderr ${e}"
         rc EQUAL 2 AND e MATCHES "mmusim run: --json ${W}/no/r.json: cannot create a file in its directory")
  string(FIND "${o}" "translation latency" at)
  expect("run --json failure: the statistics were not printed:\n${o}" NOT at EQUAL -1)
  # --stats-file is a result file too: whole, and replaced only when complete.
  file(WRITE ${W}/rows.csv "old\n")
  run_mmusim(rc o e run --preset tiny --workload seq:n=1000 --stats-every 300 --stats-file ${W}/rows.csv)
  file(STRINGS ${W}/rows.csv rows)
  list(LENGTH rows n)
  expect("--stats-every 300 over 1000 accesses: exit ${rc}, ${n} lines, want a header and 4 rows: ${e}"
         rc EQUAL 0 AND n EQUAL 5)
  file(GLOB left ${W}/.*tmp*)
  expect("temporary files left: ${left}" left STREQUAL empty)
  expect_error("mmusim run: --stats-file ${W}/no/rows.csv: cannot create a file in its directory: No such file or directory"
               run --preset tiny --workload seq:n=1000 --stats-every 300 --stats-file ${W}/no/rows.csv)

elseif(PART STREQUAL "check_config")
  set(scn ${SRC}/testbench/scenarios/worked_example.scn)
  # Neither option: the defaults (L1 1, L2 8), as every golden assumes.
  run_mmusim(rc o e check --timing ${scn})
  expect("check --timing: exit ${rc}" rc EQUAL 0 AND o MATCHES "# timing 1: [^\n]* l1=1 l2=8 ")
  # A config file sets the timing; results and writes are those of the
  # scenario whatever the configuration.
  file(WRITE ${W}/slow.ini "[l1d]\nlatency = 3\n\n[l2]\nlatency = 11\n")
  run_mmusim(rc o2 e check --timing --config ${W}/slow.ini ${scn})
  expect("check --config: exit ${rc}: ${e}" rc EQUAL 0 AND o2 MATCHES "# timing 1: [^\n]* l1=3 l2=11 ")
  string(REGEX REPLACE "# timing[^\n]*\n" "" a "${o}")
  string(REGEX REPLACE "# timing[^\n]*\n" "" b "${o2}")
  expect("check --config changed a result or a write" a STREQUAL b)
  run_mmusim(rc o3 e check --timing --preset tiny --config ${W}/slow.ini ${scn})
  expect("check --preset + --config: exit ${rc}: ${e}" rc EQUAL 0 AND o3 MATCHES "l1=3 l2=11 ")
  # The scenario's maxphyaddr line wins over the configuration's; without
  # one, the configuration's applies.
  file(WRITE ${W}/narrow.ini "[mmu]\nmaxphyaddr = 40\n")
  set(body "cr3 0x1000\nmem 0x1000 0x2007\nmem 0x10000000000 0x7\naccess 1 0x0 r 0\nend\n")
  file(WRITE ${W}/own.scn "scenario own\nmaxphyaddr 46\n${body}")
  file(WRITE ${W}/none.scn "scenario none\n${body}")
  run_mmusim(rc o e check --config ${W}/narrow.ini ${W}/own.scn)
  expect("scenario maxphyaddr 46 over a 40-bit config: exit ${rc}: ${e}" rc EQUAL 0)
  expect_error("mmusim check: ${W}/none.scn:4: mem: physical address beyond MAXPHYADDR"
               check --config ${W}/narrow.ini ${W}/none.scn)
  run_mmusim(rc o e check ${W}/none.scn)
  expect("no config: the scenario default (52 bits) applies: exit ${rc}: ${e}" rc EQUAL 0)
  # Command-line switches apply on top of the configuration.
  file(WRITE ${W}/g.scn "scenario g\ncr3 0x1000\nmem 0x1000 0x2007\nmem 0x2000 0x87\naccess 1 0x0 r 0\nend\n")
  run_mmusim(rc o e check --preset skylake ${W}/g.scn)
  expect("1G page with skylake: ${o}" rc EQUAL 0 AND o MATCHES "result 1 ok 0x0\n")
  run_mmusim(rc o e check --preset skylake --no-1g ${W}/g.scn)
  expect("--no-1g over skylake: ${o}" rc EQUAL 0 AND o MATCHES "result 1 fault 14 0x9 0x0\n")
  expect_error("mmusim check: unknown preset 'nope' (known: skylake, icelake, tigerlake, goldencove, zen2, zen3, tiny)"
               check --preset nope ${scn})

elseif(PART STREQUAL "progress")
  # The trace arrives on stdin after 1.5 s, so the run has taken a second
  # when its first records are counted, however fast the machine; it is
  # stopped after 5 s, however slow the build (a progress line, if any, has
  # been written by then).
  set(trace ${SRC}/workloads/traces/sort.mtr.xz)
  set(cmd "(sleep 1.5; cat ${trace}) | timeout -s INT 5 ${MMUSIM} run --preset tiny --trace - --policy 4k >/dev/null")
  find_program(TIMEOUT timeout)
  if(NOT TIMEOUT)
    message("SKIPPED: no timeout(1)")
    return()
  endif()
  # Not a terminal: no progress line (logs and tests stay clean).
  execute_process(COMMAND sh -c "${cmd}" ERROR_VARIABLE e)
  string(FIND "${e}" "\r" at)
  expect("progress written to a pipe: stderr '${e}'" at EQUAL -1)
  # A terminal (script(1) gives one): a progress line.
  find_program(SCRIPT script)
  if(NOT SCRIPT)
    message("SKIPPED: no script(1) to give mmusim a terminal")
    return()
  endif()
  execute_process(COMMAND ${SCRIPT} -qec "${cmd}" /dev/null OUTPUT_VARIABLE tty ERROR_VARIABLE tty_err)
  expect("no progress line on a terminal:\n${tty}${tty_err}"
         tty MATCHES "\rmmusim run: [0-9.]+ M records, [0-9.]+ M accesses in [0-9]+ s")

elseif(PART STREQUAL "scripts")
  # Every script prints its usage on --help and -h, and does nothing else.
  file(GLOB scripts ${SRC}/scripts/*.sh)
  foreach(s ${scripts})
    get_filename_component(name ${s} NAME)
    foreach(h --help -h)
      execute_process(COMMAND ${s} ${h} RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e
                      TIMEOUT 20)
      expect("${name} ${h}: exit ${rc}, stdout '${o}', stderr '${e}'"
             rc EQUAL 0 AND o MATCHES "^usage: (scripts/)?${name}" AND e STREQUAL empty)
      expect("${name} ${h} did more than print its usage:\n${o}" NOT o MATCHES "== ")
    endforeach()
  endforeach()
  foreach(s test.sh bootstrap.sh)
    execute_process(COMMAND ${SRC}/scripts/${s} --bogus RESULT_VARIABLE rc ERROR_VARIABLE e OUTPUT_QUIET)
    expect("${s} --bogus: exit ${rc} (want 2), stderr '${e}'" rc EQUAL 2 AND e MATCHES "unexpected argument")
  endforeach()

else()
  message(FATAL_ERROR "unknown PART '${PART}'")
endif()
