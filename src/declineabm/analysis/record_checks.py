"""Levels and timings against the observed record, for ``declineabm validate``.

The patterns of :mod:`declineabm.analysis.patterns` are the paper's qualitative claims; these
checks hold the model to the record's numbers. Every observation of the scenario's record that
the model can say something about becomes a **level** check: it passes when the model's 5-95 %
band over seeds overlaps the record's own range (``low``-``high``). An indicator whose record
peaks between its first and last observation also gets a **timing** check: the median year of
the model's peak must fall between the observations on either side of the record's peak (not
for an indicator with a statistical break, whose published peak may be over-reporting).

How each observation is compared comes from the observation model of a calibration (``relative
to`` a base year, reporting terms for the statistical breaks; see :mod:`declineabm.calibration`):
a posterior file's, with each seed's drawn over-reporting, or a calibration file's, with the
terms at their prior medians. Without either, the record is taken at face value. With a
posterior, the record's indicators that its calibration did not target are checked as well, at
face value, and say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from declineabm.calibration.observation import Compared, compared_observations, predict
from declineabm.calibration.posterior import Posterior
from declineabm.calibration.spec import Calibration
from declineabm.io.observed import Observation
from declineabm.model.indicators import INDICATOR_NAMES


@dataclass(frozen=True)
class ObservationModel:
    """What validate compares, and each seed's reporting terms."""

    compared: tuple[Compared, ...]
    source: str
    posterior: Posterior | None = None
    reporting: Mapping[str, float] | None = None
    unfitted: frozenset[str] = frozenset()

    def reporting_for(self, seed: int) -> Mapping[str, float]:
        """The reporting terms a run with this model seed is compared with."""
        if self.posterior is not None:
            values = self.posterior.draw_for(seed).values
            return {name: values[name] for name in self._terms()}
        return dict(self.reporting or {})

    def _terms(self) -> set[str]:
        return {name for c in self.compared for name in c.reporting}


def observation_model(
    record: Sequence[Observation],
    calibration: Calibration | None = None,
    posterior: Posterior | None = None,
) -> ObservationModel:
    """The observation model validate uses (see the module docstring)."""
    if posterior is not None:
        compared = tuple(
            Compared(**{**c, "reporting": tuple(c["reporting"])})
            for c in posterior.document.get("observations", [])
        )
        # Indicators of the record the fit did not target are checked too, at face value: a
        # calibration must not make the record look shorter than it is. (A targeted
        # indicator's other years stay out: the fit left them out for a reason, e.g. the start
        # year, and a timing check must not mix levels with changes.)
        fitted = {c.indicator for c in compared}
        unfitted = tuple(c for c in _face_value(record) if c.indicator not in fitted)
        return ObservationModel(
            compared + unfitted,
            f"the posterior {posterior.path}",
            posterior=posterior,
            unfitted=frozenset(c.key for c in unfitted),
        )
    if calibration is not None:
        everything = calibration.with_until(max(o.year for o in record))
        medians = {r.name: r.prior.median() for r in calibration.reporting}
        return ObservationModel(
            compared_observations(everything, record),
            f"the calibration file {calibration.path} (reporting terms at their prior medians)",
            reporting=medians,
        )
    return ObservationModel(_face_value(record), "the record at face value")


def _face_value(record: Sequence[Observation]) -> tuple[Compared, ...]:
    """Every observation of a model indicator, compared as published."""
    known = set(INDICATOR_NAMES)
    return tuple(
        Compared(
            f"{o.indicator}_{o.year}",
            o.indicator,
            o.year,
            o.value,
            o.low,
            o.high,
            1.0,
            1.0,
            None,
            True,
            (),
            o.note,
        )
        for o in record
        if o.indicator in known
    )


def _series(frame: pd.DataFrame) -> dict[str, dict[int, float]]:
    years = frame["year"].astype(int).tolist()
    return {c: dict(zip(years, frame[c].tolist(), strict=True)) for c in frame.columns}


def record_values(runs: Mapping[int, pd.DataFrame], model: ObservationModel) -> pd.DataFrame:
    """Per seed (rows): every level check's predicted value and every timing check's peak year."""
    rows = {}
    for seed, frame in runs.items():
        series = _series(frame)
        row = predict(series, model.compared, model.reporting_for(seed))
        for indicator, (first, last, _, _) in timing_brackets(model.compared).items():
            window = frame[(frame["year"] >= first) & (frame["year"] <= last)]
            row[f"{indicator}_peak"] = float(
                window["year"].iloc[int(np.argmax(window[indicator].to_numpy()))]
            )
        rows[seed] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def timing_brackets(compared: Sequence[Compared]) -> dict[str, tuple[int, int, int, int]]:
    """Indicators whose record peaks inside its span.

    Returns:
        Per indicator: first and last year, and the observation years on either side of the
        record's peak.
    """
    result = {}
    for indicator in dict.fromkeys(c.indicator for c in compared):
        if any(c.reporting for c in compared if c.indicator == indicator):
            continue  # a statistical break moves the record's peak: no timing to trust
        points = sorted((c.year, c.value) for c in compared if c.indicator == indicator)
        if len(points) < 3:
            continue
        peak = int(np.argmax([v for _, v in points]))
        if 0 < peak < len(points) - 1:
            result[indicator] = (
                points[0][0],
                points[-1][0],
                points[peak - 1][0],
                points[peak + 1][0],
            )
    return result


def summarize_record(values: pd.DataFrame, model: ObservationModel) -> pd.DataFrame:
    """Median, 5-95 % band over seeds and pass/fail of every level and timing check."""
    rows = []
    for c in model.compared:
        column = values[c.key].to_numpy(np.float64)
        low, median, high = np.nanquantile(column, [0.05, 0.5, 0.95])
        base = f", relative to {c.relative_to}" if c.relative_to else ""
        terms = f", with over-reporting {', '.join(c.reporting)}" if c.reporting else ""
        terms += ", not a target of the calibration" if c.key in model.unfitted else ""
        rows.append(
            {
                "check": c.key,
                "kind": "level",
                "description": f"{c.indicator} in {c.year}{base}{terms}",
                "target": f"{c.low:.4g} – {c.high:.4g}",
                "median": float(median),
                "p05": float(low),
                "p95": float(high),
                "pass": bool(low <= c.high and high >= c.low),
            }
        )
    for indicator, (_, _, before, after) in timing_brackets(model.compared).items():
        column = values[f"{indicator}_peak"].to_numpy(np.float64)
        low, median, high = np.quantile(column, [0.05, 0.5, 0.95])
        rows.append(
            {
                "check": f"{indicator}_peak",
                "kind": "timing",
                "description": f"year {indicator} peaks (the record peaks between {before} "
                f"and {after})",
                "target": f"{before} – {after}",
                "median": float(median),
                "p05": float(low),
                "p95": float(high),
                "pass": bool(before <= median <= after),
            }
        )
    return pd.DataFrame(rows)
