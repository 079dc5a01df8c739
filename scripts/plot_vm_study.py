#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plots of `mmusim vm-study`, regenerated from its CSV (computes nothing
itself). Pure demand paging rows: vm_study.png, one panel per trace, page
faults per 1000 accesses against memory (as a share of the trace's working
set), one line per policy, OPT dashed in black as the lower bound; with runs
both without and with the TLB flush on clearing A, a second row of panels
shows the flushed ones. `--mode linux` rows: vm_study_linux.png, per trace
the faults and the cycles as a multiple of the unlimited run's.

usage: /usr/bin/python3 scripts/plot_vm_study.py [DIR] [--out DIR]
DIR holds vm_study.csv (default results/os); the PNG goes to --out (default
DIR). Needs matplotlib (Debian: python3-matplotlib, importable by
/usr/bin/python3); uses the Agg backend, so no display is needed.
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "fifo": ("tab:red", "o-"), "clock": ("tab:orange", "s-"), "lru": ("tab:blue", "^-"),
    "twolist": ("tab:green", "v-"), "mglru": ("tab:purple", "D-"), "lfu": ("tab:brown", "x-"),
    "ws": ("tab:pink", "P-"), "opt": ("black", "--"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="results/os")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    path = os.path.join(args.dir, "vm_study.csv")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        print(f"plot_vm_study: {e}", file=sys.stderr)
        return 2
    if not rows:
        print(f"plot_vm_study: {path}: no rows", file=sys.stderr)
        return 2
    out = args.out or args.dir
    os.makedirs(out, exist_ok=True)
    pure = [r for r in rows if r.get("mode", "pure") == "pure"]
    linux = [r for r in rows if r.get("mode") == "linux"]
    if pure:
        plot_pure(pure, out)
    if linux:
        plot_linux(linux, out)
    return 0


def save(fig, out, name):
    dest = os.path.join(out, name)
    tmp = dest + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, dest)
    print(f"plot_vm_study: {dest}")


def plot_linux(rows, out):
    traces = list(dict.fromkeys(r["trace"] for r in rows))
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    rows = [r for r in rows if int(r["flush_young"]) == min(int(x["flush_young"]) for x in rows)]
    fig, axes = plt.subplots(2, len(traces), figsize=(5.2 * len(traces), 8), squeeze=False)
    for j, tr in enumerate(traces):
        pts = [r for r in rows if r["trace"] == tr]
        for p in policies:
            pr = sorted((r for r in pts if r["policy"] == p), key=lambda r: float(r["mem_share"]))
            if not pr:
                continue
            color, fmt = STYLE.get(p, ("gray", ".-"))
            x = [100 * float(r["mem_share"]) for r in pr]
            axes[0][j].plot(x, [max(float(r["faults_per_1k"]), 1e-3) for r in pr], fmt, color=color,
                            label=p, markersize=4)
            axes[1][j].plot(x, [float(r["cycles_vs_unlimited"]) for r in pr], fmt, color=color,
                            label=p, markersize=4)
        axes[0][j].set_title(f"{tr}: Linux-like set-up (THP, kswapd, watermarks)", fontsize=9)
        axes[0][j].set_ylabel("page faults per 1000 accesses")
        axes[0][j].set_yscale("log")
        axes[1][j].set_ylabel("cycles / cycles with memory never short")
        axes[1][j].set_yscale("log")
        for i in range(2):
            axes[i][j].set_xlabel("memory (% of the working set)")
            axes[i][j].grid(True, which="both", alpha=0.3)
        if j == 0:
            axes[0][j].legend(fontsize=7)
    fig.suptitle(f"mmusim vm-study --mode linux (preset {rows[0].get('preset', '')})", fontsize=11)
    fig.tight_layout()
    save(fig, out, "vm_study_linux.png")


def plot_pure(rows, out):
    traces = list(dict.fromkeys(r["trace"] for r in rows))
    flushes = sorted({int(r["flush_young"]) for r in rows})
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    fig, axes = plt.subplots(len(flushes), len(traces), figsize=(5.2 * len(traces), 4.2 * len(flushes)),
                             squeeze=False)
    for i, fl in enumerate(flushes):
        for j, tr in enumerate(traces):
            ax = axes[i][j]
            pts = [r for r in rows if r["trace"] == tr and int(r["flush_young"]) == fl]
            for p in policies:
                pr = sorted((r for r in pts if r["policy"] == p), key=lambda r: float(r["mem_share"]))
                if not pr:
                    continue
                color, fmt = STYLE.get(p, ("gray", ".-"))
                ax.plot([100 * float(r["mem_share"]) for r in pr],
                        [max(float(r["faults_per_1k"]), 1e-3) for r in pr], fmt, color=color,
                        label="OPT (lower bound)" if p == "opt" else p, markersize=4,
                        linewidth=2 if p == "opt" else 1.2)
            ws = int(pts[0]["ws_pages"]) if pts else 0
            acc = int(pts[0]["accesses"]) if pts else 0
            ax.set_title(f"{tr}: {acc / 1e6:.0f} M accesses, working set {ws} pages\n"
                         f"A bits cleared {'with' if fl else 'without'} a TLB flush", fontsize=9)
            ax.set_xlabel("memory (% of the working set)")
            ax.set_ylabel("page faults per 1000 accesses")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
            if i == 0 and j == 0:
                ax.legend(fontsize=7)
    preset = rows[0].get("preset", "")
    fig.suptitle(f"mmusim vm-study (preset {preset}): pure demand paging of 4 KiB pages", fontsize=11)
    fig.tight_layout()
    save(fig, out, "vm_study.png")


if __name__ == "__main__":
    sys.exit(main())
