#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a large random `mmusim check` scenario: 4-level tables mapping
`--pages` 4 KiB user pages (plus a few 2 MiB ones), then `--accesses` random
r/w/x accesses at CPL 0 or 3. Used to measure check throughput; it computes
no expected results (the model does)."""
import argparse
import random


def many(a, r):
    """--scenarios N: N scenarios of accesses/N accesses (the first ones get
    the remainder), each mapping 16 user 4 KiB pages."""
    out = []
    per, extra = divmod(a.accesses, a.scenarios)
    k = 0
    for s in range(a.scenarios):
        out += ["scenario s%d" % s, "ctl wp=1 smep=1 smap=1 nxe=1", "cr3 0x1000",
                "mem 0x1000 0x2007", "mem 0x2000 0x3007", "mem 0x3000 0x4007"]
        for p in range(16):
            out.append("mem 0x%x 0x%x" % (0x4000 + 8 * p, (0x100000 + p * 0x1000) | 7))
        for _ in range(per + (1 if s < extra else 0)):
            out.append("access %d 0x%x %s %d" % (k, (r.randrange(16) << 12) | r.randrange(4096),
                                                r.choice("rwx"), r.choice((0, 3))))
            k += 1
        out.append("end")
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accesses", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=32768)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenarios", type=int, default=1,
                    help="split the accesses over this many scenarios, each with its "
                         "own small page tables (16 pages), as co-verification files are")
    a = ap.parse_args()
    r = random.Random(a.seed)
    if a.scenarios > 1:
        many(a, r)
        return
    out = ["scenario bench", "levels 4", "maxphyaddr 46",
           "ctl wp=1 smep=1 smap=1 nxe=1", "cr3 0x1000",
           "mem 0x1000 0x2007", "mem 0x2000 0x3007"]
    pts = (a.pages + 511) // 512
    for i in range(pts):                      # PD entries -> page tables
        out.append("mem 0x%x 0x%x" % (0x3000 + 8 * i, (0x100000 + i * 0x1000) | 7))
    for p in range(a.pages):                  # PTEs: user, writable, some XD
        xd = (1 << 63) if p % 7 == 0 else 0
        out.append("mem 0x%x 0x%x" % (0x100000 + 8 * p, (0x40000000 + p * 0x1000) | 7 | xd))
    for i in range(pts, pts + 8):             # a few 2 MiB pages after them
        out.append("mem 0x%x 0x%x" % (0x3000 + 8 * i, (0x80000000 + i * 0x200000) | 0x87))
    for k in range(a.accesses):
        if k % 10 == 9:
            va = ((pts + r.randrange(8)) << 21) | r.randrange(1 << 21)
        else:
            va = (r.randrange(a.pages) << 12) | r.randrange(4096)
        out.append("access %d 0x%x %s %d" % (k, va, r.choice("rwx"), r.choice((0, 3))))
    out.append("end")
    print("\n".join(out))


if __name__ == "__main__":
    main()
