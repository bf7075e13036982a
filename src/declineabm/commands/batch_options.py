"""Options shared by the commands that run many runs: where and how to run them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from declineabm.cli import UsageError, count, seed
from declineabm.commands.run import add_overrides, overrides_of


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """Local workers or a Dask cluster, and resuming an interrupted batch."""
    parser.add_argument(
        "--workers",
        type=count(1, 4096),
        default=None,
        help="local worker processes (default: every core)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the batch already in --out (after a crash or Ctrl-C); failed runs are "
        "tried again",
    )


def execution_options(args: argparse.Namespace) -> dict[str, Any]:
    """The checked execution options as keyword arguments of the batch executor."""
    if args.workers is not None and args.scheduler is not None:
        raise UsageError("--workers and --scheduler exclude each other: a Dask cluster has its own")
    if args.scheduler is not None:
        from declineabm.sweep.address import check_reachable
        from declineabm.sweep.pools import quiet_dask_logs

        # before the scenarios are resolved and Dask is imported: a wrong address is told at once
        check_reachable(args.scheduler)
        quiet_dask_logs()
    return {"workers": args.workers, "scheduler": args.scheduler, "resume": args.resume}


def add_experiment_arguments(
    parser: argparse.ArgumentParser, out: str, replicates: int = 20
) -> None:
    """Arguments of the paired experiments (validate, attribute, policy)."""
    parser.add_argument("scenario", help="scenario name in configs/ or path to a .toml file")
    parser.add_argument(
        "--out", type=Path, default=Path(out), help=f"output folder (default: {out})"
    )
    parser.add_argument(
        "--replicates",
        type=count(1, 100_000),
        default=replicates,
        help=f"seeds; every arm runs the same ones (default {replicates})",
    )
    parser.add_argument(
        "--seed", type=seed, default=2003, help="seed the replicate seeds derive from"
    )
    add_execution_options(parser)
    add_overrides(parser)
    add_posterior(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no report")


def add_posterior(parser: argparse.ArgumentParser) -> None:
    """The ``--posterior FILE`` option: each replicate draws its parameters from a posterior."""
    parser.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="FILE",
        help="posterior.json of declineabm calibrate: each seed draws its parameter set from "
        "it (--set still wins)",
    )


def posterior_of(args: argparse.Namespace) -> Any:
    """The ``--posterior`` file, read and checked (None without the option)."""
    if args.posterior is None:
        return None
    from declineabm.calibration import load_posterior

    return load_posterior(args.posterior)


def experiment_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :func:`declineabm.analysis.arms.run_arms` (checked)."""
    from declineabm.io.files import check_writable_folder

    if args.replicates < 2:
        raise UsageError(f"--replicates {args.replicates}: need at least 2 for an interval")
    check_writable_folder(args.out)
    return {
        **execution_options(args),
        "overrides": overrides_of(args),
        "progress": not args.quiet,
        "posterior": posterior_of(args),
    }
