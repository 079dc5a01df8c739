#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the coverage summary of one scripts/coverage.sh run: a small,
self-contained HTML page and a Markdown table. Inputs (all made by
coverage.sh): the functional report text of `mmusim coverage report`, gcovr's
JSON summary of the C code, and Verilator's merged coverage.dat of the RTL.
Only the standard library: the page has no scripts, styles or images from
elsewhere."""
import argparse
import html
import json
import os
import re
import sys


def functional(path):
    """Group rows, totals and holes from `mmusim coverage report` output."""
    groups, holes, cur = [], {}, None
    total = None
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\w+) +(\d+) +(\d+) +(\d+) +([0-9.]+)%$", line.rstrip())
            if m and m.group(1) != "group":
                row = (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
                if m.group(1) == "total":
                    total = row
                else:
                    groups.append(row)
                continue
            m = re.match(r"^  (\w+): (\d+)$", line.rstrip())
            if m:
                cur = m.group(1)
                holes[cur] = []
                continue
            m = re.match(r"^    (\S+)$", line.rstrip())
            if m and cur:
                holes[cur].append(m.group(1))
    if total is None:
        sys.exit("coverage_report.py: %s: no total line (not `mmusim coverage report` output)" % path)
    return groups, total, holes


def gcovr_summary(path, prefix):
    """(lines covered, lines, branches covered, branches) of files under prefix."""
    with open(path) as f:
        j = json.load(f)
    lc = lt = bc = bt = 0
    for fl in j["files"]:
        if not fl["filename"].startswith(prefix):
            continue
        lc += fl["line_covered"]
        lt += fl["line_total"]
        bc += fl["branch_covered"]
        bt += fl["branch_total"]
    return lc, lt, bc, bt


def rtl_kinds(path):
    """Per kind (line, branch, toggle, user = FSM cover points): points hit,
    points, from Verilator's coverage.dat. Keys hold \\x01field\\x02value
    pairs; the page field is v_<kind>/<module>."""
    kinds = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                continue
            fields = dict(p.split("\x02", 1) for p in m.group(1).split("\x01") if "\x02" in p)
            page = fields.get("page", "")
            kind = page.split("/")[0][2:] if page.startswith("v_") else page
            k = kinds.setdefault(kind, [0, 0])
            k[1] += 1
            k[0] += int(m.group(2)) > 0
    return kinds


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--functional", required=True, help="`mmusim coverage report` output")
    ap.add_argument("--gcovr", required=True, help="gcovr --json-summary file")
    ap.add_argument("--rtl", help="Verilator coverage.dat (merged); absent: no RTL row")
    ap.add_argument("--rtl-exclusions", help="coverage_rtl_filter.py --json output: what was excluded and why")
    ap.add_argument("--links", default="", help="comma-separated label=relative-URL of detail pages")
    ap.add_argument("--note", default="", help="one line on how this was made")
    ap.add_argument("--html", required=True)
    ap.add_argument("--md", required=True)
    a = ap.parse_args()

    groups, total, holes = functional(a.functional)
    core = gcovr_summary(a.gcovr, "model/") if a.gcovr else None
    core_c = None
    with open(a.gcovr) as f:
        j = json.load(f)
    # model/*.c (the core library) alone, and model/ + workloads/ together.
    lc = lt = bc = bt = 0
    for fl in j["files"]:
        n = fl["filename"]
        if re.match(r"^model/[^/]+\.c$", n):
            lc += fl["line_covered"]; lt += fl["line_total"]
            bc += fl["branch_covered"]; bt += fl["branch_total"]
    core_c = (lc, lt, bc, bt)
    allc = [0, 0, 0, 0]
    for pre in ("model/", "workloads/"):
        s = gcovr_summary(a.gcovr, pre)
        allc = [x + y for x, y in zip(allc, s)]
    rtl = rtl_kinds(a.rtl) if a.rtl and os.path.exists(a.rtl) else None
    excl = []
    if a.rtl_exclusions:
        with open(a.rtl_exclusions) as f:
            excl = json.load(f)
    nexcl = sum(x["points"] for x in excl)

    rows = []  # (what, hit, of, percent, target)
    rows.append(("Functional bins (reachable)", total[3], total[2], pct(total[3], total[2]), "100 %"))
    rows.append(("C lines, model/*.c", core_c[0], core_c[1], pct(core_c[0], core_c[1]), ">= 95 %"))
    rows.append(("C branches, model/*.c", core_c[2], core_c[3], pct(core_c[2], core_c[3]), ">= 85 %"))
    rows.append(("C lines, model/ + workloads/", allc[0], allc[1], pct(allc[0], allc[1]), ""))
    rows.append(("C branches, model/ + workloads/", allc[2], allc[3], pct(allc[2], allc[3]), ""))
    if rtl:
        for kind, label, target in (("line", "RTL lines", ">= 95 %"), ("branch", "RTL branches", ""),
                                    ("toggle", "RTL toggle", ">= 90 %"),
                                    ("user", "RTL FSM states and transitions", "")):
            if kind in rtl:
                h, n = rtl[kind]
                if kind == "toggle" and excl:
                    label += " (%d constant bits excluded)" % nexcl
                rows.append((label, h, n, pct(h, n), target))
    else:
        rows.append(("RTL (not collected in this run)", 0, 0, float("nan"), ""))

    md = ["| measure | covered | of | % | target |", "|---|---:|---:|---:|---|"]
    for w, h, n, p, t in rows:
        md.append("| %s | %s | %s | %s | %s |" % (w, h, n, "n/a" if p != p else "%.1f" % p, t))
    md.append("")
    md.append("| functional group | bins | reachable | hit | % |")
    md.append("|---|---:|---:|---:|---:|")
    for g, nb, r, h in groups:
        md.append("| %s | %d | %d | %d | %.1f |" % (g, nb, r, h, pct(h, r)))
    if excl:
        md.append("")
        md.append("RTL toggle points excluded (rtl/coverage_exclusions.txt; a hit on one fails the run):")
        md.append("")
        md.append("| signals | bits | points | why they cannot toggle |")
        md.append("|---|---|---:|---|")
        for x in excl:
            md.append("| %s | %s | %d | %s |" % (" ".join("`%s`" % n for n in x["signals"]), x["bits"],
                                                x["points"], x["reason"].replace("|", "/")))
    # An existing file keeps its prose: only the part between the markers is
    # replaced (results/coverage.md); otherwise the table is the whole file.
    table = "\n".join(md) + "\n"
    if a.note:
        table = "Made by `%s`.\n\n%s" % (a.note, table)
    text = table
    begin, end = "<!-- summary:begin -->\n", "<!-- summary:end -->\n"
    if os.path.exists(a.md):
        old = open(a.md).read()
        if begin in old and end in old:
            text = old[:old.index(begin) + len(begin)] + table + old[old.index(end):]
    tmp = a.md + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, a.md)

    e = html.escape
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>mmusim coverage</title>",
           "<style>body{font-family:sans-serif;margin:2em;color:#111;background:#fff}"
           "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #888;padding:.3em .7em}"
           "td.n{text-align:right}tr.low td{background:#fdd}tr.ok td{background:#dfd}"
           "details{margin:.3em 0}code{font-size:90%}</style></head><body>",
           "<h1>mmusim coverage</h1>"]
    if a.note:
        out.append("<p>%s</p>" % e(a.note))
    out.append("<table id=\"summary\"><caption>Summary</caption>"
               "<tr><th>measure</th><th>covered</th><th>of</th><th>%</th><th>target</th></tr>")
    for w, h, n, p, t in rows:
        met = ""
        if t and p == p:
            met = "ok" if p >= float(re.sub(r"[^0-9.]", "", t)) else "low"
        out.append("<tr class=\"%s\"><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                   "<td class=\"n\">%s</td><td>%s</td></tr>"
                   % (met, e(w), h, n, "n/a" if p != p else "%.1f" % p, e(t)))
    out.append("</table>")
    out.append("<h2>Functional coverage by group</h2><table id=\"groups\">"
               "<tr><th>group</th><th>bins</th><th>reachable</th><th>hit</th><th>%</th></tr>")
    for g, nb, r, h in groups:
        out.append("<tr><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                   "<td class=\"n\">%.1f</td></tr>" % (e(g), nb, r, h, pct(h, r)))
    out.append("</table>")
    if excl:
        out.append("<h2>RTL toggle points excluded</h2><p>From rtl/coverage_exclusions.txt; "
                   "a hit on an excluded point fails the run.</p><table id=\"excluded\">"
                   "<tr><th>signals</th><th>bits</th><th>points</th><th>why they cannot toggle</th></tr>")
        for x in excl:
            out.append("<tr><td><code>%s</code></td><td>%s</td><td class=\"n\">%d</td><td>%s</td></tr>"
                       % (e(" ".join(x["signals"])), e(x["bits"]), x["points"], e(x["reason"])))
        out.append("</table>")
    out.append("<h2>Functional holes (reachable bins never hit)</h2>")
    if not holes:
        out.append("<p>None.</p>")
    for g, names in holes.items():
        out.append("<details><summary>%s: %d</summary><pre>%s</pre></details>"
                   % (e(g), len(names), e("\n".join(names))))
    links = [l.split("=", 1) for l in a.links.split(",") if "=" in l]
    if links:
        out.append("<h2>Details</h2><ul>")
        for label, url in links:
            out.append("<li><a href=\"%s\">%s</a></li>" % (e(url), e(label)))
        out.append("</ul>")
    out.append("</body></html>")
    tmp = a.html + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, a.html)


if __name__ == "__main__":
    main()
