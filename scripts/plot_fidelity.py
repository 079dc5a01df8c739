#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plot the fidelity study from the CSVs `mmusim latbench --csv` wrote.

usage: scripts/plot_fidelity.py DIR

Reads DIR/<case>.csv (rows page=4K-2M: the model's 4K-2M gap and the published
one) and writes DIR/fidelity.png: one panel per machine with a published curve,
the model's gap beside it, and for Tiger Lake the sensitivity runs. It plots
what mmusim computed; it computes nothing itself.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def gaps(path):
    """(sizes, model ns, published ns or None) of the 4K-2M rows."""
    sizes, model, pub = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["page"] != "4K-2M":
                continue
            sizes.append(int(row["block_bytes"]))
            model.append(float(row["single_ns"]))
            p = row["published_single_ns"]
            pub.append(float(p) if p else None)
    return sizes, model, pub


def label(b):
    for unit, name in ((1 << 20, "M"), (1 << 10, "K")):
        if b >= unit:
            return f"{b // unit}{name}"
    return str(b)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    d = sys.argv[1]
    panels = [
        ("tigerlake", "Tiger Lake i7-1165G7, 4.7 GHz (preset tigerlake)",
         [("tigerlake_no_data_lines", "no data lines"),
          ("tigerlake_walk_skip_l1", "walker loads from L2"),
          ("tigerlake_scattered", "4K frames scattered"),
          ("tigerlake_stlb_2048", "2048-entry STLB reading"),
          ("tigerlake_no_pair", "no pair prefetch")]),
        ("g4600", "Pentium G4600 (Kaby Lake), 3.59 GHz (skylake + its L3)",
         [("g4600_walk_skip_l1", "walker loads from L2")]),
        ("c5205u", "Celeron 5205U (Comet Lake), 1.89 GHz (skylake + its L3)",
         [("c5205u_scattered", "4K frames scattered"),
          ("c5205u_walk_skip_l1", "walker loads from L2")]),
    ]
    panels = [p for p in panels if os.path.exists(os.path.join(d, p[0] + ".csv"))]
    if not panels:
        print(f"plot_fidelity.py: no <case>.csv in {d}", file=sys.stderr)
        return 2
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
    for ax, (case, title, extra) in zip(axes[0], panels):
        sizes, model, pub = gaps(os.path.join(d, case + ".csv"))
        ps = [(s, p) for s, p in zip(sizes, pub) if p is not None]
        if ps:
            ax.plot([s for s, _ in ps], [p for _, p in ps], "ko-", lw=2, label="published")
            # The target band: 10 % or 0.1 ns, whichever is larger.
            lo = [p - max(0.1 * p, 0.1) for _, p in ps]
            hi = [p + max(0.1 * p, 0.1) for _, p in ps]
            ax.fill_between([s for s, _ in ps], lo, hi, color="0.85", label="±10 % / 0.1 ns")
        ax.plot(sizes, model, "s-", color="tab:blue", lw=2, label="model (preset)")
        for name, lab in extra:
            path = os.path.join(d, name + ".csv")
            if os.path.exists(path):
                s2, m2, _ = gaps(path)
                ax.plot(s2, m2, "--", lw=1, label=lab)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes)
        ax.set_xticklabels([label(s) for s in sizes], fontsize=8)
        ax.set_xlabel("block size (tinymembench)")
        ax.set_ylabel("extra latency of 4K over 2M pages (ns)")
        ax.set_title(title, fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = os.path.join(d, "fidelity.png")
    fig.savefig(out, dpi=110)
    print(f"plot_fidelity.py: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
