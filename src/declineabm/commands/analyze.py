"""``declineabm analyze``: sensitivity indices of a finished sweep, as CSV and PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("sobol", "morris")  # declineabm.sweep.analysis.METHODS, without its imports
HELP = "sensitivity indices of a finished sweep (Sobol' or Morris): CSV and PNG"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm analyze``."""
    parser.add_argument("folder", type=Path, help="results folder of a finished sweep")
    parser.add_argument(
        "--method",
        choices=METHODS,
        default=None,
        help="sobol (first- and total-order indices) or morris (mu*, sigma); default: the "
        "sweep's sampler",
    )
    parser.add_argument(
        "--indicator",
        dest="indicators",
        action="append",
        default=None,
        metavar="NAME",
        help="indicator to analyse (repeatable; default: every indicator the sweep kept)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the CSV and PNG (default: FOLDER)"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def main(args: argparse.Namespace) -> int:
    """Compute the indices, write sensitivity-<method>.csv and .png, print a short table."""
    from declineabm.io.files import check_writable_folder, csv_line, write_atomic
    from declineabm.io.sensitivity import sensitivity_figure
    from declineabm.sweep.analysis import read_results, sensitivity

    results = read_results(args.folder)
    table, skipped = sensitivity(results, args.method, args.indicators)
    method = args.method or results.settings["sampler"]
    out = args.out or args.folder
    check_writable_folder(out)
    csv_path, png_path = out / f"sensitivity-{method}.csv", out / f"sensitivity-{method}.png"
    text = csv_line(table.columns) + "".join(csv_line(row) for row in table.itertuples(False))
    write_atomic(csv_path, text)
    title = f"{results.settings['name']}: {method} sensitivity of the final year's indicators"
    sensitivity_figure(table, method, png_path, title)
    if skipped:
        print(f"note: not analysed, constant across samples: {', '.join(skipped)}", file=sys.stderr)
    if not args.quiet:
        print(summary(table, method))
        print(f"\nwrote {csv_path} and {png_path}")
    return 0


def summary(table: pd.DataFrame, method: str) -> str:
    """The most influential parameters of each indicator, as text."""
    key, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    lines = []
    for indicator, part in table.groupby("indicator", sort=False):
        ranked = part.sort_values(key, ascending=False).head(3)
        cells = [f"{r.parameter} {r[key]:.3g} ± {r[conf]:.2g}" for _, r in ranked.iterrows()]
        lines.append(f"{indicator:>24}  {key}: " + ";  ".join(cells))
    return "\n".join(lines)
