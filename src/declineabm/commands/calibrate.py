"""``declineabm calibrate``: fit a scenario's free parameters to its record (ABC-SMC)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from declineabm.commands.batch_options import add_execution_options, execution_options

HELP = "calibrate a scenario against its observed record (ABC-SMC): posterior and forecast"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm calibrate``."""
    parser.add_argument("scenario", help="scenario name in configs/ or path to a .toml file")
    parser.add_argument(
        "--calibration",
        required=True,
        metavar="FILE",
        help="calibration file (free parameters, priors, targets, budget), or the name of one "
        "in configs/calibration/ (e.g. northeast)",
    )
    parser.add_argument("--out", type=Path, required=True, help="results folder")
    parser.add_argument(
        "--until",
        type=int,
        default=None,
        help="fit only the record up to this year; later observations are forecast (default: "
        "the calibration file's)",
    )
    add_execution_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress, no report")


def main(args: argparse.Namespace) -> int:
    """Calibrate, then write the posterior, the predictive and the coverage table."""
    from declineabm.calibration import load_calibration
    from declineabm.calibration.results import write_all
    from declineabm.calibration.smc import calibrate, open_pool, prepare

    execution = execution_options(args)
    resume = execution.pop("resume")
    problem = prepare(args.scenario, load_calibration(args.calibration).with_until(args.until))
    progress = not args.quiet
    try:
        with open_pool(**execution) as pool:  # workers start once, for both
            database = calibrate(problem, args.out, resume=resume, progress=progress, pool=pool)
            write_all(problem, database, args.out.absolute(), progress=progress, pool=pool)
    except KeyboardInterrupt:
        print(
            f"declineabm calibrate: stopped; continue it with --resume --out {args.out}",
            file=sys.stderr,
        )
        raise
    if not args.quiet:
        print((args.out / "posterior.md").read_text())
        print((args.out / "coverage.md").read_text())
        print(
            f"wrote posterior.json, posterior.csv, diagnostics.csv, calibrated.toml, "
            f"marginals.png, predictive.png, coverage.md and coverage.png in {args.out}"
        )
    return 0
