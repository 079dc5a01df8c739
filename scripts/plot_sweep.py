#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plots of `mmusim sweep`, regenerated from DIR/sweep.csv (computes nothing
the CLI has not: every plotted number is a column of the CSV):

  sweep_misses.png   L2 TLB misses per 1000 accesses against L2 entries
  sweep_latency.png  mean translation latency against L2 entries
                     (one panel per workload, one line per page policy and
                     per value of the other varied keys)
  sweep_pareto.png   total entries, TLBs and PSCs (an area proxy), against mean latency,
                     one panel per workload x policy, the Pareto frontier
                     (CSV column pareto) drawn and its points labelled

usage: /usr/bin/python3 scripts/plot_sweep.py DIR [--out DIR]
Needs matplotlib (Debian: python3-matplotlib); Agg backend, no display.
"""
import argparse
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"4k": "o-", "thp": "s--", "1g": "^:", "mixed": "d-."}


def read(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = [dict(zip(header, row)) for row in r]
    varied = header[header.index("preset") + 1:header.index("workload")]
    return header, varied, [x for x in rows if x["status"] == "ok"]


def short(col):
    return col.replace(".entries", "").replace("l2.", "L2 ").replace("psc.", "PSC ")


def label_of(row, keys):
    return ", ".join(f"{short(k)}={row[k]}" for k in keys)


def curves(rows, varied, ycol, ylabel, out, title):
    """One panel per workload; x = l2_entries; a line per policy and per value
    of the varied keys that do not set L2 entries."""
    others = [k for k in varied if not (k.startswith("l2.") and k.endswith(".entries"))]
    if len({r["preset"] for r in rows}) > 1:
        others = ["preset"] + others
    wls = list(dict.fromkeys(r["workload"] for r in rows))
    cols = 2 if len(wls) > 1 else 1
    nr = (len(wls) + cols - 1) // cols
    fig, axes = plt.subplots(nr, cols, figsize=(6.5 * cols, 4.2 * nr), squeeze=False)
    for ax, wl in zip(axes.flat, wls):
        lines = defaultdict(list)
        for r in rows:
            # Rows of a stack-distance pass have no latency: left out there.
            if r["workload"] == wl and r[ycol] != "":
                lines[(r["policy"],) + tuple(r[k] for k in others)].append(r)
        for key, pts in lines.items():
            pts.sort(key=lambda r: int(r["l2_entries"]))
            lab = key[0] + ("" if not others else " " + label_of(pts[0], others))
            ax.plot([int(r["l2_entries"]) for r in pts], [float(r[ycol]) for r in pts],
                    STYLE.get(key[0], "o-"), label=lab, markersize=4)
        ax.set_xscale("log", base=2)
        ax.set_title(os.path.basename(wl) if "/" in wl else wl, fontsize=10)
        ax.set_xlabel("L2 TLB entries")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(wls):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def pareto(rows, varied, out):
    groups = list(dict.fromkeys((r["workload"], r["policy"]) for r in rows))
    cols = 2 if len(groups) > 1 else 1
    nr = (len(groups) + cols - 1) // cols
    fig, axes = plt.subplots(nr, cols, figsize=(6.5 * cols, 4.4 * nr), squeeze=False)
    for ax, (wl, pol) in zip(axes.flat, groups):
        pts = [r for r in rows if r["workload"] == wl and r["policy"] == pol and r["lat_mean"] != ""]
        ax.scatter([int(r["total_entries"]) for r in pts], [float(r["lat_mean"]) for r in pts],
                   s=10, color="tab:gray", alpha=0.6, label="points")
        front = sorted((r for r in pts if r["pareto"] == "1"), key=lambda r: int(r["total_entries"]))
        ax.plot([int(r["total_entries"]) for r in front], [float(r["lat_mean"]) for r in front],
                "o-", color="tab:red", markersize=4, label="Pareto frontier")
        for r in front:
            ax.annotate(label_of(r, varied), (int(r["total_entries"]), float(r["lat_mean"])),
                        fontsize=5, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log", base=2)
        ax.set_title(f"{os.path.basename(wl) if '/' in wl else wl}, {pol}", fontsize=10)
        ax.set_xlabel("entries: L1I + L1D + L2 TLBs + PSCs")
        ax.set_ylabel("mean translation latency (cycles)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle("area proxy against latency")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(
        prog="scripts/plot_sweep.py",
        usage="/usr/bin/python3 scripts/plot_sweep.py DIR [--out DIR]",
        description="Plots of mmusim sweep from DIR/sweep.csv.")
    ap.add_argument("dir")
    ap.add_argument("--out")
    a = ap.parse_args()
    path = os.path.join(a.dir, "sweep.csv")
    try:
        header, varied, rows = read(path)
    except (OSError, StopIteration, ValueError) as e:
        print(f"plot_sweep: {path}: {e}", file=sys.stderr)
        return 2
    need = {"status", "workload", "policy", "l2_entries", "total_entries", "lat_mean",
            "l2_misses_per_1k", "pareto"}
    if not need <= set(header):
        print(f"plot_sweep: {path}: missing columns {sorted(need - set(header))}", file=sys.stderr)
        return 2
    if not rows:
        print(f"plot_sweep: {path}: no row with status ok", file=sys.stderr)
        return 2
    out = a.out or a.dir
    os.makedirs(out, exist_ok=True)
    curves(rows, varied, "l2_misses_per_1k", "L2 TLB misses per 1000 accesses",
           os.path.join(out, "sweep_misses.png"), "L2 misses against L2 size")
    curves(rows, varied, "lat_mean", "mean translation latency (cycles)",
           os.path.join(out, "sweep_latency.png"), "latency against L2 size")
    pareto(rows, varied, os.path.join(out, "sweep_pareto.png"))
    print(f"plot_sweep: {out}/sweep_misses.png, sweep_latency.png, sweep_pareto.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
