"""Plot training curves from run folders' ``metrics.csv`` into one PNG (for model cards):

    .venv/bin/python scripts/training_curves.py OUT.png RUN[:COLUMN,COLUMN…] [RUN…]

One panel per run: the named columns (default: ``loss``) against the step, raw in a light
line and smoothed (exponential, over ~5 % of the run) in a strong one. ``--offset RUN=N``
shifts a run's steps (a run started from another model's step N).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def read_metrics(run: Path) -> dict[str, np.ndarray]:
    with (run / "metrics.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{run}/metrics.csv: no rows")
    cols: dict[str, np.ndarray] = {}
    for key in rows[0]:
        values = [float(r[key]) if r.get(key) not in (None, "") else np.nan for r in rows]
        cols[key] = np.asarray(values, dtype=np.float64)
    return cols


def smooth(y: np.ndarray, span: int) -> np.ndarray:
    a = 2.0 / (span + 1.0)
    out = np.empty_like(y)
    acc = np.nan
    for i, v in enumerate(y):
        if np.isfinite(v):
            acc = v if not np.isfinite(acc) else a * v + (1 - a) * acc
        out[i] = acc
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("runs", nargs="+", help="RUN or RUN:COL1,COL2")
    ap.add_argument("--offset", action="append", default=[], metavar="RUN=N")
    ap.add_argument("--title", action="append", default=[], metavar="RUN=TEXT")
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    offsets = dict(o.split("=", 1) for o in args.offset)
    titles = dict(t.split("=", 1) for t in args.title)
    fig, axes = plt.subplots(len(args.runs), 1, figsize=(8, 2.6 * len(args.runs)), squeeze=False)
    for ax, spec in zip(axes[:, 0], args.runs, strict=True):
        run, _, cols = spec.partition(":")
        metrics = read_metrics(Path(run))
        step = metrics["step"] + float(offsets.get(run, 0))
        span = max(3, len(step) // 20)
        for i, col in enumerate((cols or "loss").split(",")):
            if col not in metrics:
                raise SystemExit(f"{run}/metrics.csv: no column {col!r}")
            colour = f"C{i}"
            ax.plot(step, metrics[col], color=colour, alpha=0.25, lw=0.8)
            ax.plot(step, smooth(metrics[col], span), color=colour, lw=1.8, label=col)
        ax.set_title(titles.get(run, run), fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
