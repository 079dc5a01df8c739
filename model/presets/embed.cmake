# SPDX-License-Identifier: Apache-2.0
# Turns the preset INI files into a C table (mmu_presets[] of model/presets.h).
# Run at build time by model/CMakeLists.txt:
#   cmake -DDIR=<presets dir> -DNAMES=a,b,c -DOUT=<presets_gen.c> -P embed.cmake
# Each file becomes a byte array: string literals longer than 4095 characters
# would trip -Wpedantic (-Woverlength-strings).
string(REPLACE "," ";" names "${NAMES}")
set(body "/* Generated from the model/presets INI files by model/presets/embed.cmake; do not edit. */\n")
string(APPEND body "#include \"presets.h\"\n\n")
set(table "")
foreach(name IN LISTS names)
  file(READ "${DIR}/${name}.ini" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # 16 bytes per line keeps the generated file readable (CMake regexes have no {n}).
  string(REPEAT "0x[0-9a-f][0-9a-f]," 16 row)
  string(REGEX REPLACE "(${row})" "\\1\n    " bytes "${bytes}")
  string(APPEND body "static const unsigned char preset_${name}[] = {\n    ${bytes}0x00};\n\n")
  string(APPEND table "    {\"${name}\", (const char *)preset_${name}},\n")
endforeach()
list(LENGTH names count)
string(APPEND body "const mmu_preset_t mmu_presets[] = {\n${table}};\n")
string(APPEND body "const size_t mmu_preset_count = ${count};\n")
file(WRITE "${OUT}" "${body}")
