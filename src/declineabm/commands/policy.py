"""``declineabm policy``: compare revitalization portfolios on the same seeds."""

from __future__ import annotations

import argparse

from declineabm.commands.batch_options import add_experiment_arguments, experiment_options

HELP = "compare policy portfolios (none, the paper's, infrastructure, new industries, ...)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm policy``."""
    add_experiment_arguments(parser, "results/policy")


def main(args: argparse.Namespace) -> int:
    """Compare and print the report."""
    from declineabm.analysis.portfolios import compare_policies

    compare_policies(
        args.scenario, args.out, args.replicates, args.seed, **experiment_options(args)
    )
    if not args.quiet:
        print((args.out / "policies.md").read_text())
        print(f"wrote {args.out / 'policies.csv'}, policies.md and policies.png")
    return 0
