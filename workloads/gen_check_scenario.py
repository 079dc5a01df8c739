#!/usr/bin/env python3
"""Writes a large random `mmusim check` scenario: 4-level tables mapping
`--pages` 4 KiB user pages (plus a few 2 MiB ones), then `--accesses` random
r/w/x accesses at CPL 0 or 3. Used to measure check throughput; it computes
no expected results (the model does)."""
import argparse
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accesses", type=int, default=100_000)
    ap.add_argument("--pages", type=int, default=32768)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    r = random.Random(a.seed)
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
