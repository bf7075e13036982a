"""``declineabm validate``: check the paper's patterns and the record over many seeds."""

from __future__ import annotations

import argparse

from declineabm.commands.batch_options import add_experiment_arguments, experiment_options

HELP = "check that a scenario reproduces the paper's patterns and its record, over many seeds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm validate``."""
    add_experiment_arguments(parser, "results/validation")
    parser.add_argument(
        "--wrong-models",
        metavar="FILE",
        default=None,
        help="also run the wrong models of this file (a name in configs/validation/, e.g. "
        "wrong-models) and report which tests reject each",
    )
    parser.add_argument(
        "--calibration",
        metavar="FILE",
        default=None,
        help="compare with the record through this calibration file's observation model "
        "(a --posterior brings its own)",
    )


def main(args: argparse.Namespace) -> int:
    """Validate; exit 1 if a pattern or record check fails."""
    from declineabm.analysis.validation import validate
    from declineabm.calibration import load_calibration

    calibration = load_calibration(args.calibration) if args.calibration else None
    summary = validate(
        args.scenario,
        args.out,
        args.replicates,
        args.seed,
        wrong_models=args.wrong_models,
        calibration=calibration,
        **experiment_options(args),
    )
    if not args.quiet:
        print((args.out / "patterns.md").read_text())
        print(f"wrote {args.out / 'patterns.csv'}, patterns.md and figures/")
    return 0 if summary["pass"].all() else 1
