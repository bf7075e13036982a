"""``declineabm attribute``: which cause of decline mattered most."""

from __future__ import annotations

import argparse

from declineabm.analysis.attribution import SHAPLEY_METHODS, attribute
from declineabm.cli import UsageError
from declineabm.commands.batch_options import add_experiment_arguments, experiment_options

HELP = "attribute the decline to its causes: switch-off effects and a Shapley decomposition"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm attribute``."""
    parser.add_argument(
        "--shapley",
        choices=SHAPLEY_METHODS,
        default="auto",
        help="exact over all subsets of causes, sampled permutations, or off (default auto: "
        "exact when affordable)",
    )
    parser.add_argument(
        "--permutations",
        type=int,
        default=10,
        help="orders of the causes to sample with --shapley sampled (default 10)",
    )
    add_experiment_arguments(parser, "results/attribution")


def main(args: argparse.Namespace) -> int:
    """Attribute and print the report."""
    if args.permutations < 1:
        raise UsageError(f"--permutations {args.permutations}: must be at least 1")
    attribute(
        args.scenario,
        args.out,
        args.replicates,
        args.seed,
        args.shapley,
        args.permutations,
        **experiment_options(args),
    )
    if not args.quiet:
        print((args.out / "attribution.md").read_text())
        print(f"wrote {args.out / 'attribution.csv'}, attribution.md and attribution.png")
    return 0
