"""``declineabm run``: run one scenario; write model.csv, cities.csv, run.json and summary.png."""

from __future__ import annotations

import argparse
from pathlib import Path

from declineabm.cli import seed

HELP = "run a scenario once and write its yearly indicators"


def add_overrides(parser: argparse.ArgumentParser) -> None:
    """The ``--set key=value`` option shared by commands that take a scenario."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set policy.enabled=false (repeatable)",
    )


def overrides_of(args: argparse.Namespace) -> dict[str, object]:
    """The ``--set`` assignments as a dotted-key mapping."""
    from declineabm.scenario import parse_assignment

    return dict(parse_assignment(text) for text in args.overrides)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm run``."""
    parser.add_argument("scenario", help="scenario name in configs/ or path to a .toml file")
    parser.add_argument("--seed", type=seed, default=None, help="random seed (default: drawn)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: results/<scenario>-seed<seed>)",
    )
    add_overrides(parser)
    from declineabm.commands.batch_options import add_posterior

    add_posterior(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    parser.add_argument("--no-figure", action="store_true", help="do not draw summary.png")


def main(args: argparse.Namespace) -> int:
    """Run the scenario; invalid input raises an InputError before anything is written."""
    from declineabm.commands.batch_options import posterior_of
    from declineabm.io.files import check_writable_folder
    from declineabm.run import draw_seed, run_to_folder, summary_table
    from declineabm.scenario import load_scenario

    overrides = overrides_of(args)
    posterior = posterior_of(args)
    chosen = draw_seed() if args.seed is None else args.seed
    if posterior is not None:  # the seed picks the parameter set
        overrides = {**posterior.overrides_for(chosen), **overrides}
    scenario = load_scenario(args.scenario, overrides)  # validate before the disk
    out = args.out or Path("results") / f"{scenario.name}-seed{chosen}"
    check_writable_folder(out)
    df = run_to_folder(
        scenario, out, seed=chosen, progress=not args.quiet, figure=not args.no_figure
    )
    if not args.quiet:
        print(summary_table(df))
        print(
            f"\nwrote {out / 'model.csv'}, {out / 'cities.csv'}, {out / 'run.json'}"
            + ("" if args.no_figure else f", {out / 'summary.png'}")
        )
    return 0
