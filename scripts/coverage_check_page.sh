#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# coverage_check_page.sh PAGE WORKDIR: render the coverage summary page in
# headless Chromium (Debian's `chromium`) and fail unless the DOM it built has
# the summary table with its rows and the screenshot is not blank.
set -euo pipefail
case "${1:-}" in
  -h|--help)
    echo "usage: scripts/coverage_check_page.sh PAGE.html WORKDIR"
    echo "Renders PAGE in headless Chromium; exit 1 when the summary table is missing"
    echo "from the DOM dump or the screenshot is blank, 2 on bad arguments."
    exit 0 ;;
esac
[ $# -eq 2 ] || { echo "coverage_check_page.sh: need PAGE and WORKDIR (see --help)" >&2; exit 2; }
page="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -f "$page" ] || { echo "coverage_check_page.sh: $1: no such file" >&2; exit 2; }
work="$2"
command -v chromium >/dev/null 2>&1 || { echo "coverage_check_page.sh: chromium is not installed (scripts/bootstrap.sh)" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work"
work="$(cd "$work" && pwd)"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --hide-scrollbars)
# A fresh profile per run: nothing from an earlier run or another user.
timeout 120 chromium "${flags[@]}" --user-data-dir="$work/profile1" --dump-dom "file://$page" \
  > "$work/dom.html" 2>"$work/chromium-dom.log" || { tail -5 "$work/chromium-dom.log" >&2; exit 1; }
timeout 120 chromium "${flags[@]}" --user-data-dir="$work/profile2" --window-size=1024,900 \
  --screenshot="$work/page.png" "file://$page" >/dev/null 2>"$work/chromium-shot.log" ||
  { tail -5 "$work/chromium-shot.log" >&2; exit 1; }
/usr/bin/python3 - "$work/dom.html" "$work/page.png" <<'PY'
import re, struct, sys, zlib
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r'<table id="summary">(.*?)</table>', dom, re.S)
if not m:
    sys.exit("coverage_check_page.sh: the summary table is not in the DOM Chromium built")
rows = re.findall(r"<tr", m.group(1))
if len(rows) < 4 or "Functional bins" not in m.group(1):
    sys.exit("coverage_check_page.sh: the summary table has %d rows and no functional row" % len(rows))
# Decode the PNG (8-bit RGB/RGBA, no interlace, as Chromium writes it) and
# count distinct colours: a blank page has one.
data = open(sys.argv[2], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("coverage_check_page.sh: the screenshot is not a PNG")
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
if depth != 8 or ctype not in (2, 6):
    sys.exit("coverage_check_page.sh: unexpected PNG format (depth %d, colour type %d)" % (depth, ctype))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
dark = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 4):
        px = bytes(line[x:x + 3])
        colours.add(px)
        dark += sum(px) < 200
    prev = line
if len(colours) < 3 or dark < 50:
    sys.exit("coverage_check_page.sh: the screenshot looks blank (%d colours, %d dark samples)" % (len(colours), dark))
print("page check: summary table with %d rows in the DOM; screenshot %dx%d, %d colours, %d dark samples"
      % (len(rows), w, h, len(colours), dark))
PY
