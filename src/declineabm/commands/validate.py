"""``declineabm validate``: check the paper's patterns over many seeds."""

from __future__ import annotations

import argparse
from pathlib import Path

from declineabm.analysis.validation import validate
from declineabm.commands.batch_options import add_experiment_options, experiment_options

HELP = "check that a scenario reproduces the paper's patterns together, over many seeds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm validate``."""
    parser.add_argument("scenario", help="scenario name in configs/ or path to a .toml file")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/validation"),
        help="output folder (default: results/validation)",
    )
    add_experiment_options(parser, replicates=20)


def main(args: argparse.Namespace) -> int:
    """Validate; exit 1 if a pattern fails."""
    summary = validate(
        args.scenario, args.out, args.replicates, args.seed, **experiment_options(args)
    )
    if not args.quiet:
        print((args.out / "patterns.md").read_text())
        print(f"wrote {args.out / 'patterns.csv'}, patterns.md and figures/")
    return 0 if summary["pass"].all() else 1
