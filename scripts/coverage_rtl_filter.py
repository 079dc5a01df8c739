#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Applies the RTL coverage exclusions (rtl/coverage_exclusions.txt) to a
merged Verilator coverage.dat: writes the .dat without the excluded points
(what verilator_coverage --write-info and the summary then read) and a JSON
list of the exclusions with the points each removed, for the report.

An exclusion says that a point cannot be hit, so an excluded point with a
count above zero means the exclusion is wrong: that is an error (exit 1),
as is an exclusion that matches no point at all (stale after an RTL change).
Exit 2 on a malformed exclusion file, with file:line: what is wrong.

Exclusion file lines (a line starting with # is a comment):
  toggle SIGNAL... BITS | REASON
SIGNAL is a name below the walker instance as Verilator writes it
(`ec_q`, `i_fault.error_code_o`, `job_q.start_table`, `psc_table[3]`), `*`
matching any run of characters; BITS is `hi:lo`, one bit `n`, or `*` (every
bit, and signals of one bit). The reason is required."""
import argparse
import json
import os
import re
import sys


def parse_exclusions(path):
    rules = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            # Comments are whole lines: a reason may name #PF or #GP.
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            where = "%s:%d" % (path, no)
            if "|" not in text:
                raise SystemExit("%s: no '| reason' (every exclusion says why)" % where)
            spec, reason = (s.strip() for s in text.split("|", 1))
            if not reason:
                raise SystemExit("%s: empty reason" % where)
            tok = spec.split()
            if len(tok) < 3:
                raise SystemExit("%s: want 'KIND SIGNAL... BITS | REASON', got '%s'" % (where, spec))
            kind, sigs, bits = tok[0], tok[1:-1], tok[-1]
            if kind != "toggle":
                raise SystemExit("%s: kind '%s': only 'toggle' (code is excluded with "
                                 "coverage_off pragmas in the RTL)" % (where, kind))
            m = re.fullmatch(r"(\d+)(?::(\d+))?|\*", bits)
            if not m:
                raise SystemExit("%s: bits '%s': want hi:lo, n or *" % (where, bits))
            if bits == "*":
                lo, hi = None, None
            else:
                hi = int(m.group(1))
                lo = int(m.group(2)) if m.group(2) is not None else hi
                if lo > hi:
                    raise SystemExit("%s: bits '%s': hi below lo" % (where, bits))
            pats = [re.compile("^" + ".*".join(re.escape(p) for p in s.split("*")) + "$") for s in sigs]
            rules.append({"where": where, "kind": kind, "signals": sigs, "bits": bits,
                          "lo": lo, "hi": hi, "reason": reason, "pats": pats,
                          "points": 0, "hit": []})
    return rules


def point_fields(key):
    return dict(p.split("\x02", 1) for p in key.split("\x01") if "\x02" in p)


def toggle_name(fields):
    """(signal below the walker instance, bit or None) of a toggle point."""
    hier = fields.get("h", "")
    # Hierarchy "walker.walker[.sub...]": the model's name, then the top module.
    parts = hier.split(".")
    below = ".".join(parts[2:])
    o = fields.get("o", "")
    m = re.match(r"^(.*)\[(\d+)\]$", o)
    sig, bit = (m.group(1), int(m.group(2))) if m else (o, None)
    return (below + "." + sig if below else sig), bit


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dat", help="merged Verilator coverage.dat")
    ap.add_argument("--exclusions", required=True, help="exclusion file (rtl/coverage_exclusions.txt)")
    ap.add_argument("-o", "--out", required=True, help="the .dat without the excluded points")
    ap.add_argument("--json", required=True, help="the exclusions and what each removed")
    a = ap.parse_args()
    try:
        rules = parse_exclusions(a.exclusions)
    except SystemExit as e:
        print("coverage_rtl_filter.py: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("coverage_rtl_filter.py: %s: %s" % (a.exclusions, e.strerror), file=sys.stderr)
        return 2
    kept = []
    with open(a.dat, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                kept.append(line)
                continue
            fields = point_fields(m.group(1))
            rule = None
            if fields.get("page", "").startswith("v_toggle/"):
                sig, bit = toggle_name(fields)
                for r in rules:
                    if not any(p.match(sig) for p in r["pats"]):
                        continue
                    if r["lo"] is not None and (bit is None or not r["lo"] <= bit <= r["hi"]):
                        continue
                    rule = r
                    break
            if rule is None:
                kept.append(line)
                continue
            rule["points"] += 1
            if int(m.group(2)) > 0:
                rule["hit"].append("%s%s" % (sig, "" if bit is None else "[%d]" % bit))
    bad = 0
    for r in rules:
        if r["hit"]:
            bad = 1
            print("coverage_rtl_filter.py: %s: excluded as impossible, but hit: %s"
                  % (r["where"], ", ".join(r["hit"][:8]) + (" ..." if len(r["hit"]) > 8 else "")),
                  file=sys.stderr)
        elif r["points"] == 0:
            bad = 1
            print("coverage_rtl_filter.py: %s: matches no coverage point (%s %s)"
                  % (r["where"], " ".join(r["signals"]), r["bits"]), file=sys.stderr)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="latin-1") as f:
        f.writelines(kept)
    os.replace(tmp, a.out)
    out = [{"kind": r["kind"], "signals": r["signals"], "bits": r["bits"], "points": r["points"],
            "reason": r["reason"], "where": r["where"]} for r in rules]
    tmp = a.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, a.json)
    print("%d toggle points excluded by %d rules (%s)" % (sum(r["points"] for r in rules), len(rules),
                                                           a.exclusions))
    return bad


if __name__ == "__main__":
    sys.exit(main())
