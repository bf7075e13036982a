"""The observed record a scenario is compared with: official figures, with ranges and sources.

A scenario names its record with ``observed = "northeast.csv"`` (a file in the project's
``data/`` folder, or a path). The file has one row an observation::

    indicator,year,value,low,high,unit,source,note

``indicator`` is the name of a model indicator (``output_share``, ``population``...), ``low`` and
``high`` a plausible range around ``value`` (rounding, differences between sources), ``source``
where the figure comes from and ``note`` what to know before using it (statistical breaks).
The project reads only its own copy (``data/``), never a shared folder at run time.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

from declineabm.scenario.errors import ScenarioError

COLUMNS = ("indicator", "year", "value", "low", "high", "unit", "source", "note")


@dataclass(frozen=True)
class Observation:
    """One observed figure."""

    indicator: str
    year: int
    value: float
    low: float
    high: float
    unit: str
    source: str
    note: str


def data_dir() -> Path:
    """The folder holding the shipped observed records (``data/``)."""
    env = os.environ.get("DECLINEABM_DATA_DIR")
    package = Path(__file__).resolve().parents[1]  # src/declineabm, or the installed package
    candidates = [Path(env)] if env else []
    candidates += [package.parents[1] / "data", package / "_data"]
    for path in candidates:
        if path.is_dir():
            return path
    raise ScenarioError("cannot find the data/ folder (set DECLINEABM_DATA_DIR)")


def resolve_observed_path(name: str | os.PathLike[str], relative_to: Path | None = None) -> Path:
    """A record's file name in ``data/`` (``northeast.csv``) or a path, as a path."""
    path = Path(name)
    if not path.is_absolute() and os.sep not in str(name):
        path = data_dir() / path
    elif relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if not path.is_file():
        raise ScenarioError(f"observed record '{name}' not found ({path})")
    return path


def load_observed(
    name: str | os.PathLike[str], indicators: frozenset[str] | None = None
) -> tuple[Observation, ...]:
    """Read and check an observed record; one line names the row and column of a bad entry.

    Args:
        name: A file name in ``data/`` or a path.
        indicators: If given, the indicator names the model knows; others are refused.
    """
    path = resolve_observed_path(name)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ScenarioError(f"{path}: missing column '{missing[0]}' (needs {COLUMNS})")
            rows = list(reader)
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ScenarioError(f"{path}: not a valid CSV file: {exc}") from None
    observations = []
    seen: set[tuple[str, int]] = set()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{path}, line {number}"
        try:
            year = int(row["year"])
            value, low, high = (float(row[c]) for c in ("value", "low", "high"))
        except (TypeError, ValueError):
            raise ScenarioError(f"{where}: year, value, low and high must be numbers") from None
        if not all(math.isfinite(x) for x in (value, low, high)):
            raise ScenarioError(f"{where}: value, low and high must be finite")
        if not low <= value <= high:
            raise ScenarioError(f"{where}: needs low <= value <= high ({low}, {value}, {high})")
        indicator = row["indicator"]
        if indicators is not None and indicator not in indicators:
            raise ScenarioError(f"{where}: unknown indicator '{indicator}'")
        if (indicator, year) in seen:
            raise ScenarioError(f"{where}: a second observation of {indicator} in {year}")
        seen.add((indicator, year))
        observations.append(
            Observation(indicator, year, value, low, high, row["unit"], row["source"], row["note"])
        )
    if not observations:
        raise ScenarioError(f"{path}: holds no observation")
    return tuple(observations)
