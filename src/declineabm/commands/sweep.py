"""``declineabm sweep``: run a sweep file's runs in parallel into a results folder."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from declineabm.cli import count, seconds
from declineabm.commands.batch_options import (
    add_execution_options,
    add_posterior,
    execution_options,
    posterior_of,
)
from declineabm.commands.run import add_overrides, overrides_of

HELP = "run a parameter sweep (a sweep file) on local processes or a Dask cluster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``declineabm sweep``."""
    parser.add_argument(
        "sweep", help="sweep file (TOML), or the name of one in configs/sweeps/ (e.g. causes)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (default: results/sweep-<name>)"
    )
    add_execution_options(parser)
    parser.add_argument(
        "--retries",
        type=count(0, 100),
        default=0,
        help="tries again a run that raises or times out N times (default 0)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="cancel and retry a run still going after this long (default: 10 times the "
        "slowest finished run, at least 60 s)",
    )
    big = count(1, 2**40)  # the sweep file's checks bound them by memory
    parser.add_argument("--samples", type=big, default=None, help="override the file's samples")
    parser.add_argument(
        "--replicates", type=big, default=None, help="override the file's replicates (seeds)"
    )
    parser.add_argument(
        "--years", type=count(1, 300), default=None, help="override the file's years"
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("csv", "parquet"),
        default=None,
        help="format of runs and timeseries tables (parquet for large sweeps; default csv)",
    )
    add_overrides(parser)
    add_posterior(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def sweep_path(name: str) -> Path:
    """A sweep file's path from a path or a name in ``configs/sweeps/``."""
    from declineabm.scenario import config_dir
    from declineabm.sweep.errors import SweepError

    path = Path(name)
    if path.suffix != ".toml" and "/" not in name:
        shipped = config_dir() / "sweeps" / f"{name}.toml"
        if shipped.is_file():
            return shipped
        names = ", ".join(sorted(p.stem for p in (config_dir() / "sweeps").glob("*.toml")))
        raise SweepError(f"sweep '{name}' not found (shipped sweeps: {names})")
    return path


@dataclass(frozen=True)
class Resumed:
    """What a sweep folder's manifest says its sweep was started with (nothing without --resume)."""

    samples: int | None = None
    replicates: int | None = None
    years: int | None = None
    fmt: str | None = None
    fixed: dict[str, Any] = field(default_factory=dict)  # its [set] and --set values


def resumed_options(args: argparse.Namespace) -> Resumed:
    """With --resume, the options the sweep in --out was started with, for those not given."""
    from declineabm.sweep import store

    if not args.resume or args.out is None or not args.out.is_dir():
        return Resumed()
    manifest = store.read_manifest(args.out)
    settings = (manifest or {}).get("sweep", {}).get("settings", {})
    if not isinstance(settings, dict):
        return Resumed()
    return Resumed(
        samples=settings.get("samples"),
        replicates=settings.get("replicates"),
        years=settings.get("years"),
        fmt=(manifest or {}).get("layout", {}).get("fmt"),
        fixed=settings.get("set") or {},
    )


def main(args: argparse.Namespace) -> int:
    """Check everything, then run; exit 1 if some runs failed."""
    from declineabm.io.files import check_writable_folder
    from declineabm.sweep import execute
    from declineabm.sweep.sweepfile import load_sweep

    execution = execution_options(args)
    before = resumed_options(args)  # --resume: what the folder's sweep was started with
    options = {
        name: getattr(args, name) if getattr(args, name) is not None else getattr(before, name)
        for name in ("samples", "replicates", "years")
    }
    fixed = {**before.fixed, **overrides_of(args)}
    sweep = load_sweep(sweep_path(args.sweep), options, fixed)
    settings = sweep.settings
    samples = settings.samples  # the sobol sampler has a number of samples (load_sweep checks)
    if settings.sampler == "sobol" and samples is not None and samples & (samples - 1):
        print(
            f"note: samples = {samples}; Sobol' sequences balance best with a power of two",
            file=sys.stderr,
        )
    out = args.out or Path("results") / f"sweep-{settings.name}"
    check_writable_folder(out)
    specs = list(sweep.runs)
    meta = sweep.manifest()
    posterior = posterior_of(args)
    if posterior is not None:  # each run's seed draws its parameter set; the sweep's axes win
        specs = [
            replace(s, overrides={**posterior.overrides_for(s.seed), **s.overrides}) for s in specs
        ]
        meta = {**meta, "posterior": str(posterior.path.absolute())}
    try:
        summary = execute(
            specs,
            out,
            **execution,
            retries=args.retries,
            timeout=args.timeout,
            progress=not args.quiet,
            fmt=args.fmt or before.fmt or "csv",
            indicators=settings.indicators,
            every=settings.every,
            parameters=[axis.name for axis in sweep.axes],
            meta=meta,
            files={"design.csv": sweep.design_csv()},
        )
    except KeyboardInterrupt:
        print(f"declineabm sweep: stopped; continue it with --resume --out {out}", file=sys.stderr)
        raise
    if not args.quiet:
        tables = ", ".join(p.name for p in (summary.runs_table, summary.timeseries_table))
        failed = f", {summary.failed} failed (see runs table)" if summary.failed else ""
        print(f"{summary.total} runs: {summary.ok} ok{failed}; wrote {tables} in {out}")
    return 1 if summary.failed else 0
