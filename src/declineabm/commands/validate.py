"""``declineabm validate``: check the paper's patterns over many seeds."""

from __future__ import annotations

import argparse

from declineabm.analysis.validation import validate
from declineabm.commands.batch_options import add_experiment_arguments, experiment_options

HELP = "check that a scenario reproduces the paper's patterns together, over many seeds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm validate``."""
    add_experiment_arguments(parser, "results/validation")


def main(args: argparse.Namespace) -> int:
    """Validate; exit 1 if a pattern fails."""
    summary = validate(
        args.scenario, args.out, args.replicates, args.seed, **experiment_options(args)
    )
    if not args.quiet:
        print((args.out / "patterns.md").read_text())
        print(f"wrote {args.out / 'patterns.csv'}, patterns.md and figures/")
    return 0 if summary["pass"].all() else 1
