#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plots of `mmusim compare`, regenerated from its CSV files (computes nothing
itself): compare_misses.png (page walks and L1 misses per 1000 accesses against
working-set size, one line per page size, each TLB level's reach marked) and
compare_latency.png (translation-latency distribution per page size).

usage: /usr/bin/python3 scripts/plot_compare.py [DIR] [--out DIR]
DIR holds compare.csv and compare_latency.csv (default: results); the PNGs go
to --out (default: DIR). Needs matplotlib (Debian: python3-matplotlib, which
only /usr/bin/python3 imports); uses the Agg backend, so no display is needed.
"""
import argparse
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAGES = ["4K", "2M", "1G"]
COLORS = {"4K": "tab:blue", "2M": "tab:orange", "1G": "tab:green"}


def human(b):
    for unit in ["B", "KiB", "MiB", "GiB", "TiB"]:
        if b < 1024 or unit == "TiB":
            return f"{b:g} {unit}"
        b /= 1024
    return str(b)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def plot_misses(rows, out):
    synth = [r for r in rows if r["walker"] == "c" and r["source"] == "synthetic"]
    workloads = list(dict.fromkeys(r["workload"] for r in synth))
    if not workloads:
        print("plot_compare: no synthetic workloads in compare.csv", file=sys.stderr)
        return False
    n = len(workloads)
    cols = 2 if n > 1 else 1
    nrows = (n + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6.5 * cols, 4.2 * nrows), squeeze=False)
    preset = synth[0]["preset"]
    for ax, wl in zip(axes.flat, workloads):
        pts = [r for r in synth if r["workload"] == wl]
        xs_all = sorted({int(r["ws_bytes"]) for r in pts})
        for page in PAGES:
            pr = sorted((r for r in pts if r["page"] == page), key=lambda r: int(r["ws_bytes"]))
            if not pr:
                continue
            x = [int(r["ws_bytes"]) for r in pr]
            ax.plot(x, [float(r["walks_per_1k"]) for r in pr], "o-", color=COLORS[page],
                    label=f"{page}: walks (L2 misses)")
            ax.plot(x, [float(r["l1_misses_per_1k"]) for r in pr], ".--", color=COLORS[page],
                    alpha=0.45, linewidth=1, label=f"{page}: L1 misses")
            # Reach of each level for this page size, where it falls on the axis.
            for col, style, name in (("l1d_reach_bytes", ":", "L1D"), ("l2_reach_bytes", "-.", "L2")):
                reach = int(pr[0][col] or 0)
                if reach and xs_all[0] / 4 <= reach <= xs_all[-1] * 4:
                    ax.axvline(reach, color=COLORS[page], linestyle=style, linewidth=1, alpha=0.8)
                    ax.text(reach, 1.01, f"{name} {page}", transform=ax.get_xaxis_transform(),
                            rotation=90, fontsize=7, color=COLORS[page], ha="right", va="bottom")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs_all)
        ax.set_xticklabels([human(x) for x in xs_all], rotation=45, fontsize=8)
        ax.set_ylim(-20, 1050)
        ax.set_title(wl, pad=28)
        ax.set_xlabel("working set")
        ax.set_ylabel("per 1000 accesses")
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
    fig.suptitle(f"mmusim compare ({preset}): misses per 1000 accesses; "
                 "dotted = L1D reach, dash-dot = L2 reach", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 0.96))
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return True


def plot_latency(lat, out):
    if not lat:
        print("plot_compare: compare_latency.csv is empty", file=sys.stderr)
        return False
    # Per page size: one curve per workload, all its working sets pooled
    # (every configuration measures the same number of accesses).
    hist = defaultdict(lambda: defaultdict(int))  # (page, workload) -> lo -> count
    for r in lat:
        hist[(r["page"], r["workload"])][int(r["lat_lo"])] += int(r["count"])
    workloads = list(dict.fromkeys(r["workload"] for r in lat))
    cmap = plt.get_cmap("tab10")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), sharey=True)
    for ax, page in zip(axes, PAGES):
        for i, wl in enumerate(workloads):
            h = hist.get((page, wl))
            if not h:
                continue
            total = sum(h.values())
            xs, ys, above = [], [], total
            for lo in sorted(h):
                above -= h[lo]
                xs.append(lo)
                ys.append(max(above / total, 1e-7))
            ax.step(xs, ys, where="post", color=cmap(i % 10), label=wl)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 1.5)
        ax.set_title(f"{page} pages")
        ax.set_xlabel("translation latency (cycles)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("fraction of translations slower")
    axes[-1].legend(fontsize=8)
    preset = lat[0]["preset"]
    fig.suptitle(f"mmusim compare ({preset}): translation-latency distribution per page size "
                 "(all working sets of a workload pooled)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?", default="results")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    out = a.out or a.dir
    os.makedirs(out, exist_ok=True)
    try:
        rows = read_csv(os.path.join(a.dir, "compare.csv"))
        lat = read_csv(os.path.join(a.dir, "compare_latency.csv"))
    except OSError as e:
        print(f"plot_compare: {e}", file=sys.stderr)
        return 2
    ok = plot_misses(rows, os.path.join(out, "compare_misses.png"))
    ok = plot_latency(lat, os.path.join(out, "compare_latency.png")) and ok
    if ok:
        print(f"plot_compare: wrote {out}/compare_misses.png, {out}/compare_latency.png",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
