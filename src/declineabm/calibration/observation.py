"""The observation model: what the record would show if the model's city were the real one.

A simulated run becomes a set of predicted observations, one per observation of the record
that a target names:

* the model's indicator in the observation's year;
* divided by its value in ``relative_to`` when the target says so (both sides: the record's
  figure is divided by the record's own base-year figure), so that a scenario standing for
  fewer people than the record counts is compared on changes, not levels;
* times ``1 + x`` for every reporting term (``[observation.NAME]``) that covers the year: the
  statistical breaks of the record (over-reported output before a revision) are fitted, with
  priors from the record's notes, rather than ignored.

Each observation's error scale combines the record's own range (half of ``high - low``) with
the target's model discrepancy (a share of the value) in quadrature; the ABC distance is the
Euclidean norm of the errors divided by their scales (times the square root of the weights).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from declineabm.calibration.spec import Calibration, CalibrationError, ReportingTerm
from declineabm.io.observed import Observation, load_observed


@dataclass(frozen=True)
class Compared:
    """One observation of the record as the fit compares it.

    Attributes:
        key: Its name among the summary statistics (``output_share_2002``).
        indicator: The model indicator.
        year: The year.
        value: The record's value (divided by its base-year value if ``relative_to``).
        low: Low end of the record's range (same scale).
        high: High end of the record's range (same scale).
        scale: Error scale: record half-range and model discrepancy in quadrature.
        weight: Weight in the distance.
        relative_to: Base year, or None for levels.
        in_sample: Whether the fit sees it (year at most the window's end).
        reporting: Names of the reporting terms that inflate the record in this year.
        note: The record's note on the figure.
    """

    key: str
    indicator: str
    year: int
    value: float
    low: float
    high: float
    scale: float
    weight: float
    relative_to: int | None
    in_sample: bool
    reporting: tuple[str, ...]
    note: str

    @property
    def distance_weight(self) -> float:
        """Factor of this observation's error in the distance."""
        return math.sqrt(self.weight) / self.scale


def gather_record(calibration: Calibration, observed: str) -> tuple[Observation, ...]:
    """The scenario's record and the calibration's other ``records``, as one.

    An indicator and year observed in two of the files is refused: which to fit would be a guess.
    """
    record: list[Observation] = []
    seen: dict[tuple[str, int], str] = {}
    for name in (observed, *calibration.records):
        for o in load_observed(name):
            if (o.indicator, o.year) in seen:
                raise CalibrationError(
                    f"{calibration.path}: records: {o.indicator} {o.year} is in both "
                    f"{seen[(o.indicator, o.year)]} and {name}"
                )
            seen[(o.indicator, o.year)] = name
            record.append(o)
    return tuple(record)


def compared_observations(
    calibration: Calibration, record: Sequence[Observation]
) -> tuple[Compared, ...]:
    """Every observation the targets name, in-sample (up to ``until``) and held out."""
    by_key = {(o.indicator, o.year): o for o in record}
    result: list[Compared] = []
    for target in calibration.targets:
        years = target.years or sorted(o.year for o in record if o.indicator == target.indicator)
        base = by_key[(target.indicator, target.relative_to)] if target.relative_to else None
        if target.relative_to is not None and target.relative_to > calibration.until:
            raise CalibrationError(
                f"{calibration.path}: a {target.indicator} target is relative to "
                f"{target.relative_to}, after the window's end ({calibration.until})"
            )
        for year in years:
            if year == target.relative_to:
                continue  # 1 by construction on both sides
            observation = by_key[(target.indicator, year)]
            divisor = base.value if base is not None else 1.0
            value, low, high = (
                x / divisor for x in (observation.value, observation.low, observation.high)
            )
            half_range = (high - low) / 2.0
            scale = math.hypot(half_range, target.discrepancy * abs(value))
            if scale <= 0:
                raise CalibrationError(
                    f"{calibration.path}: {target.indicator} {year} has no error scale (the "
                    "record gives no range); give the target a discrepancy"
                )
            reporting = tuple(
                t.name for t in calibration.reporting if t.covers(target.indicator, year)
            )
            result.append(
                Compared(
                    key=f"{target.indicator}_{year}",
                    indicator=target.indicator,
                    year=year,
                    value=value,
                    low=low,
                    high=high,
                    scale=scale,
                    weight=target.weight,
                    relative_to=target.relative_to,
                    in_sample=year <= calibration.until,
                    reporting=reporting,
                    note=observation.note,
                )
            )
    keys = [c.key for c in result]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})[0]
        raise CalibrationError(f"{calibration.path}: two targets compare {twice}")
    if not any(c.in_sample for c in result):
        raise CalibrationError(
            f"{calibration.path}: no target observation falls in the window up to "
            f"{calibration.until}"
        )
    return tuple(result)


def predict(
    series: Mapping[str, Mapping[int, float]],
    compared: Sequence[Compared],
    reporting: Mapping[str, float],
) -> dict[str, float]:
    """What the record would show for one run.

    Args:
        series: The run's indicators: ``series[indicator][year]``.
        compared: The observations to predict.
        reporting: Values of the reporting terms (over-reporting shares), by name.
    """
    predicted = {}
    for c in compared:
        values = series[c.indicator]
        value = float(values[c.year])
        if c.relative_to is not None:
            base = float(values[c.relative_to])
            value = value / base if base else math.nan
        for name in c.reporting:
            value *= 1.0 + float(reporting[name])
        predicted[c.key] = value
    return predicted


def reporting_values(
    terms: Sequence[ReportingTerm], theta: Mapping[str, float]
) -> dict[str, float]:
    """The reporting terms' values from a particle's parameters."""
    return {t.name: float(theta[t.name]) for t in terms}


def last_year(compared: Sequence[Compared], in_sample_only: bool) -> int:
    """The last year a run must reach to predict the observations."""
    years = [c.year for c in compared if c.in_sample or not in_sample_only]
    years += [c.relative_to for c in compared if c.relative_to is not None]
    return max(years)
