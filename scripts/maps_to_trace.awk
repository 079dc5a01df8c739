# SPDX-License-Identifier: Apache-2.0
# A process's /proc/PID/maps as mmusim text-form MAP records (workloads/README.md,
# "Text form"), for scripts/trace_program.sh: PROT_* from the permissions (no
# access at all: a PROT_NONE mapping), anonymous for unnamed, [heap], [stack]
# and [anon:...] mappings, else the file (numbered in order of appearance) at
# its offset, private or shared. A read-only private file mapping followed
# right away by a writable one of the same file is its RELRO segment: the
# loader writes it (relocations) before mprotect makes it read-only, which a
# snapshot taken later cannot show, so it is mapped writable (the writes copy
# its pages, as they did). Left out: the kernel's [vvar]/[vdso]/[vsyscall],
# anything above the 47-bit user half, and valgrind's own tool image and pipe
# (the traced program's accesses never reach them).
# usage: awk -f scripts/maps_to_trace.awk /proc/PID/maps > maps.txt
    function hex(h,   i, v) { v = 0; h = tolower(h)
      for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
      return v }
    {
      split($1, r, "-"); path = ""; for (i = 6; i <= NF; i++) path = path (i > 6 ? " " : "") $i
      n++; lo[n] = r[1]; hi[n] = r[2]; perms[n] = $2; off[n] = $3; name[n] = path
    }
    END {
      print "# mmusim text trace: the MAP records of the program's /proc/PID/maps"
      for (k = 1; k <= n; k++) {
        path = name[k]; p = perms[k]
        if (path ~ /^\[(vvar|vvar_vclock|vdso|vsyscall)\]$/) continue
        if (path ~ /\/valgrind\/[a-z]+-[a-z0-9]+-linux$/ || path ~ /^\/tmp\/vgdb-pipe/) continue
        if (length(lo[k]) > 12) continue                  # above the 47-bit user half
        file = path != "" && path !~ /^\[/
        relro = file && p == "r--p" && k < n && name[k + 1] == path && lo[k + 1] == hi[k] &&
                substr(perms[k + 1], 1, 2) == "rw"
        rd = substr(p, 1, 1) == "r"; wr = substr(p, 2, 1) == "w" || relro; ex = substr(p, 3, 1) == "x"
        flags = (rd || wr || ex) ? "P|US" : "0"
        if (wr) flags = flags "|RW"
        if (!ex && flags != "0") flags = flags "|XD"
        kind = ""
        if (file) {
          if (!(path in id)) id[path] = ++nfile
          kind = sprintf(" file %d 0x%s %s", id[path], off[k], substr(p, 4, 1) == "s" ? "shared" : "private")
        }
        printf "map 0x%s %.0f %s 4k%s\n", lo[k], hex(hi[k]) - hex(lo[k]), flags, kind
      }
    }
