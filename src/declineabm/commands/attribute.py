"""``declineabm attribute``: which cause of decline mattered most, and how robustly."""

from __future__ import annotations

import argparse

from declineabm.analysis.definitions import DEFINITIONS, SHAPLEY_METHODS
from declineabm.cli import UsageError
from declineabm.commands.batch_options import add_experiment_arguments, experiment_options

HELP = "attribute the decline to its causes and the context: Shapley values, interactions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm attribute``."""
    parser.add_argument(
        "--shapley",
        choices=SHAPLEY_METHODS,
        default="auto",
        help="exact over all coalitions, or sampled antithetic orders per replicate (default "
        "auto: exact when affordable)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=4,
        help="antithetic pairs of orders per replicate with --shapley sampled (default 4)",
    )
    parser.add_argument(
        "--definitions",
        nargs="?",
        const="all",
        default="scenario",
        metavar="SETS",
        help="play the game under each definition set of 'switched off' and report whether "
        "the ranking survives: 'all' (the default with the bare option) or a comma-separated "
        f"list of {', '.join(DEFINITIONS)}",
    )
    add_experiment_arguments(parser, "results/attribution")


def definition_sets(text: str) -> list[str]:
    """The definition sets named by ``--definitions`` (checked)."""
    if text == "all":
        return list(DEFINITIONS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in DEFINITIONS:
            raise UsageError(
                f"--definitions {name}: unknown definition set (choose from "
                f"{', '.join(DEFINITIONS)} or all)"
            )
    return names or ["scenario"]


def main(args: argparse.Namespace) -> int:
    """Attribute and print the report."""
    from declineabm.analysis.attribution import attribute

    if args.pairs < 1:
        raise UsageError(f"--pairs {args.pairs}: must be at least 1")
    definitions = definition_sets(args.definitions)
    attribute(
        args.scenario,
        args.out,
        args.replicates,
        args.seed,
        args.shapley,
        args.pairs,
        definitions,
        **experiment_options(args),
    )
    if not args.quiet:
        print((args.out / "attribution.md").read_text())
        print(
            f"wrote {args.out / 'attribution.csv'}, interactions.csv, attribution.md and "
            "attribution.png"
        )
    return 0
