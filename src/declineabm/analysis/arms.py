"""Paired experiments: the same replicates run under several arms (sets of overrides).

Validation (policy on/off), attribution (each cause off, every subset of causes) and policy
portfolios all compare arms replicate by replicate: common random numbers make the differences
between arms far less noisy than the arms themselves. A replicate is a model seed and, given a
source of parameter draws (:class:`ParameterDraws`, e.g. a calibration's posterior), the
parameter set drawn for that seed: every arm of the replicate runs with the same seed and the
same parameters, so intervals over replicates cover parameter uncertainty as well as chance.
The runs go through the batch executor (:func:`declineabm.sweep.execute`), so they run in
parallel, locally or on Dask, and resume.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from declineabm.io.files import read_csv_exact
from declineabm.sweep import RunSpec, SweepError, execute

CONFIDENCE = 0.90
"""Confidence level of every interval the analysis reports."""


@dataclass(frozen=True)
class Arm:
    """One arm of a paired experiment: a name and the overrides that define it."""

    name: str
    overrides: Mapping[str, Any] = field(default_factory=dict)


class ParameterDraws(Protocol):
    """Where a replicate's parameters come from: one parameter set per model seed."""

    def overrides_for(self, seed: int) -> Mapping[str, Any]:
        """Scenario overrides of the parameter set the replicate with model seed ``seed`` uses."""
        ...


def replicate_seeds(seed: int, count: int) -> list[int]:
    """``count`` model seeds derived from one seed (numpy SeedSequence, platform-independent)."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]


def run_arms(
    scenario: str | os.PathLike[str] | Any,
    arms: Sequence[Arm],
    seeds: Sequence[int],
    out: Path,
    **options: Any,
) -> pd.DataFrame:
    """Run every arm with every seed: :func:`run_cells` over all (arm, seed) pairs."""
    return run_cells(scenario, [(arm, seed) for arm in arms for seed in seeds], out, **options)


def run_cells(
    scenario: str | os.PathLike[str] | Any,
    cells: Sequence[tuple[Arm, int]],
    out: Path,
    *,
    end_year: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    progress: bool = True,
    indicators: Sequence[str] | None = None,
    every: int = 1,
    posterior: ParameterDraws | None = None,
) -> pd.DataFrame:
    """Run each (arm, seed) pair (into ``out``) and return their yearly indicators.

    Args:
        scenario: Base scenario (name, path or object).
        cells: The runs: an arm and the model seed of a replicate. Pairs that are the same run
            (same overrides, same seed) are computed once.
        out: Folder of the batch (``runs.csv``, ``timeseries.csv``, ``manifest.json``).
        end_year: Last year to simulate (default: the scenario's).
        overrides: Overrides common to every arm (e.g. a smaller city).
        workers: Local worker processes.
        scheduler: Dask scheduler address or client.
        resume: Continue an interrupted batch in ``out``.
        progress: Show a progress bar.
        indicators: Indicators to keep (default: all).
        every: Keep every ``every``-th year (and always the first and the last).
        posterior: Draw each seed's parameters from this source (the same draw in every arm,
            under ``overrides`` and the arm's own).

    Returns:
        Long table: ``arm``, ``seed``, ``year`` and the indicators.

    Raises:
        SweepError: A run failed (the batch can be resumed after the cause is fixed).
    """
    common = dict(overrides or {})
    drawn = {s: dict(posterior.overrides_for(s)) if posterior else {} for _, s in cells}
    specs: dict[tuple[str, int], RunSpec] = {}
    start = None
    for arm, seed in cells:
        spec = RunSpec(scenario, {**drawn[seed], **common, **arm.overrides}, seed=seed)
        if end_year is not None:
            start = start if start is not None else spec.resolve().simulation.start_year
            spec = RunSpec(scenario, spec.overrides, seed=seed, years=end_year - start)
        specs[(arm.name, seed)] = spec
    summary = execute(
        specs.values(),
        out,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        indicators=indicators,
        every=every,
        parameters=(),
    )
    if summary.failed:
        raise SweepError(
            f"{summary.failed} of {summary.total} runs failed (see {summary.runs_table}); "
            "fix the cause and run again with --resume"
        )
    series = read_table(summary.timeseries_table)
    by_run = dict(tuple(series.groupby("run_id", sort=False)))
    frames = [
        by_run[spec.run_id].drop(columns="run_id").assign(arm=arm, seed=seed)
        for (arm, seed), spec in specs.items()
    ]
    columns = ["arm", "seed", *[c for c in frames[0].columns if c not in ("arm", "seed")]]
    return pd.concat(frames, ignore_index=True)[columns]


def read_table(path: Path) -> pd.DataFrame:
    """Read a batch table (CSV with exact floats, or Parquet)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return read_csv_exact(path)


def at_year(series: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per (arm, seed): the indicators in ``year``."""
    rows = series[series["year"] == year]
    if rows.empty:
        raise SweepError(f"no results for the year {year}")
    return rows.set_index(["arm", "seed"]).drop(columns="year")


def paired_interval(differences: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Mean of paired differences and its two-sided t confidence interval."""
    values = np.asarray(differences, dtype=np.float64)
    mean = float(values.mean())
    if len(values) < 2 or np.allclose(values, mean):
        return mean, mean, mean
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std(ddof=1)
    half /= np.sqrt(len(values))
    return mean, float(mean - half), float(mean + half)
