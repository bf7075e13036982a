"""Sensitivity indices of a finished sweep, computed with SALib.

* Sobol' (a sweep sampled with ``sobol``): first-order ``S1`` (the share of an indicator's
  variance a parameter explains alone) and total-order ``ST`` (alone and through interactions),
  each with the half-width of its 95 % bootstrap confidence interval.
* Morris (a sweep sampled with ``morris``): ``mu_star`` (mean absolute elementary effect, with
  its confidence half-width), ``mu`` and ``sigma`` (spread: interactions or non-linearity).

The output of a sample is an indicator's value in the final year, averaged over the sample's
replicates (they share seeds across samples, so the average is a smooth function of the
parameters). Everything needed is in the folder: the design (``design.csv``), the results
(runs table) and the sampler's settings (``manifest.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from declineabm.io.files import read_csv_exact
from declineabm.sweep import store
from declineabm.sweep.errors import SweepError
from declineabm.sweep.samplers import Axis, problem

METHODS = ("sobol", "morris")
MEASURES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
}
CONFIDENCE = 0.95
RESAMPLES = 1000


@dataclass(frozen=True)
class SweepResults:
    """A finished sweep read back from its folder.

    Attributes:
        folder: The results folder.
        manifest: Its manifest.
        design: ``design.csv`` (sample, replicate, seed, run_id, parameter values).
        runs: The runs table.
    """

    folder: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    runs: pd.DataFrame

    @property
    def settings(self) -> dict[str, Any]:
        """The sweep file's settings as run."""
        return self.manifest["sweep"]["settings"]

    @property
    def axes(self) -> list[Axis]:
        """The varied parameters with their ranges."""
        parameters = self.settings["parameters"]
        axes = []
        for name in self.manifest["sweep"]["parameters"]:
            spec = parameters[name]
            if isinstance(spec, dict) and "low" in spec:
                axes.append(Axis(name, low=spec["low"], high=spec["high"]))
            else:
                axes.append(Axis(name, values=tuple(spec if isinstance(spec, list) else [])))
        return axes

    @property
    def indicators(self) -> list[str]:
        """Indicators kept by the sweep."""
        return list(self.manifest["layout"]["indicators"])


def read_results(folder: str | Path) -> SweepResults:
    """Read a finished sweep's folder; raises SweepError naming the file (and row) if damaged."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SweepError(
            f"{folder}: no such folder" if not folder.exists() else f"{folder}: a file"
        )
    manifest = store.read_manifest(folder)
    if manifest is None:
        raise SweepError(f"{folder}: no manifest.json, not a sweep's results folder")
    if "sweep" not in manifest:
        raise SweepError(f"{folder}: these runs were not made from a sweep file")
    if manifest.get("status") != "finished":
        raise SweepError(
            f"{folder}: the sweep is not finished (status {manifest.get('status')}); "
            "finish it with declineabm sweep ... --resume"
        )
    try:
        layout = manifest["layout"]
        sweep = manifest["sweep"]
        fmt, indicators = layout["fmt"], list(layout["indicators"])
        names, total = list(sweep["parameters"]), int(manifest["runs"]["total"])
        rows = int(sweep["samples"]) * len(sweep["seeds"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SweepError(f"{folder / store.MANIFEST}: damaged (no {exc} entry)") from None
    design = _read_table(folder / "design.csv")
    _check_table(
        design,
        folder / "design.csv",
        ["sample", "replicate", "seed", "run_id", *names],
        rows,
        unique=["sample", "replicate"],
    )
    runs_path = folder / f"runs.{fmt}"
    runs = _read_table(runs_path)
    _check_table(runs, runs_path, ["run_id", "status", *indicators], total, unique=["run_id"])
    bad = runs[(runs["status"] == "ok") & runs[indicators].isna().any(axis=1)]
    if len(bad):
        row = int(bad.index[0])
        column = next(c for c in indicators if pd.isna(bad.iloc[0][c]))
        raise SweepError(f"{runs_path}, {_row(runs_path, row)}: {column} is missing or NaN")
    return SweepResults(folder, manifest, design, runs)


DAMAGED = "the sweep's own files are gone once it finished: run it again into a new folder"


def _row(path: Path, index: int) -> str:
    return f"line {index + 2}" if path.suffix == ".csv" else f"row {index + 1}"


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet table; SweepError naming the file if it is missing or unreadable."""
    if not path.is_file():
        raise SweepError(f"{path}: missing; {DAMAGED}")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return read_csv_exact(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SweepError(f"{path}: damaged ({first}); {DAMAGED}") from None


def _check_table(
    table: pd.DataFrame, path: Path, columns: list[str], rows: int, unique: list[str]
) -> None:
    """Refuse a table that lacks columns or rows, repeats a row, or was cut short."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SweepError(f"{path}: no column '{missing[0]}'; {DAMAGED}")
    repeated = table.duplicated(unique)  # before the count: a repeated row can be named
    if repeated.any():
        row = int(repeated.idxmax())
        key = ", ".join(f"{c} {table.loc[row, c]}" for c in unique)
        raise SweepError(f"{path}, {_row(path, row)}: {key} appears twice; {DAMAGED}")
    if len(table) != rows:
        raise SweepError(f"{path}: {len(table)} rows, the sweep has {rows}; {DAMAGED}")
    blank = (
        table[columns].isna().any(axis=1)
        if "status" not in columns
        else table[["run_id", "status"]].isna().any(axis=1)
    )
    if blank.any():
        raise SweepError(f"{path}, {_row(path, int(blank.idxmax()))}: a cell is empty (cut short?)")


def outputs(results: SweepResults, indicators: list[str]) -> pd.DataFrame:
    """Final value of each indicator per sample, averaged over replicates (rows: samples)."""
    runs = results.runs.set_index("run_id")
    merged = results.design.join(runs[["status", *indicators]], on="run_id")
    bad = merged[merged["status"] != "ok"]
    if len(bad):
        raise SweepError(
            f"{results.folder}: {bad['run_id'].nunique()} of {merged['run_id'].nunique()} runs "
            f"failed (e.g. run {bad['run_id'].iloc[0]}); the indices need every run: fix the "
            "cause and resume the sweep"
        )
    values = merged[indicators].apply(pd.to_numeric)
    return values.groupby(merged["sample"]).mean().sort_index()


def sensitivity(
    results: SweepResults, method: str | None = None, indicators: list[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Sensitivity indices of each indicator to each parameter.

    Args:
        results: A finished sweep sampled with ``sobol`` or ``morris``.
        method: ``sobol`` or ``morris`` (default: the sweep's sampler).
        indicators: Indicators to analyse (default: every kept one).

    Returns:
        A long table (indicator, parameter, the method's measures) and the indicators skipped
        because they do not vary across samples.
    """
    sampler = results.settings["sampler"]
    if method is not None and method not in METHODS:
        raise SweepError(f"--method {method}: unknown (choose from {', '.join(METHODS)})")
    if sampler != (method or sampler) or sampler not in METHODS:
        wanted = f'"{method}"' if method else '"sobol" or "morris"'
        raise SweepError(
            f"{results.folder}: {method or 'sensitivity'} indices need a sweep sampled with "
            f'sampler = {wanted}; this one used "{sampler}"'
        )
    method = sampler
    indicators = indicators or results.indicators
    for name in indicators:
        if name not in results.indicators:
            raise SweepError(
                f"indicator '{name}' was not kept by this sweep (kept: "
                f"{', '.join(results.indicators)})"
            )
    axes = results.axes
    spec = problem(axes)
    y = outputs(results, indicators)
    x = (
        results.design[results.design["replicate"] == 0]
        .sort_values("sample")[[axis.name for axis in axes]]
        .to_numpy(dtype=float)
    )
    seed = int(results.manifest["sweep"]["sampler_seed"])
    rows, skipped = [], []
    for name in indicators:
        values = y[name].to_numpy(dtype=float)
        if np.ptp(values) == 0:
            skipped.append(name)
            continue
        indices = _analyze(method, spec, x, values, results.settings, seed)
        for j, axis in enumerate(axes):
            row: dict[str, str | float] = {"indicator": name, "parameter": axis.name}
            row.update({m: float(indices[m][j]) for m in MEASURES[method]})
            rows.append(row)
    columns = ["indicator", "parameter", *MEASURES[method]]
    return pd.DataFrame(rows, columns=columns), skipped


def _analyze(
    method: str,
    spec: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    settings: dict[str, Any],
    seed: int,
) -> dict[str, np.ndarray]:
    if method == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(
            spec,
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            seed=seed,
        )
    from SALib.analyze import morris

    return morris.analyze(
        spec,
        x,
        y,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        num_levels=settings["morris_levels"],
        seed=seed,
    )
