"""The outcomes the paired experiments report, grouped by the paper's four aspects of decline.

An effect is a difference between arms of the same replicate, reported in the outcome's unit:
percentage points for shares (``pp``), per cent of the reference arm's value for counts and
indices without a natural zero (``%``), index points for the vitality index (``pts``). The
conversion is linear within a replicate, so effects that add up (Shapley values) still do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from declineabm.model.indicators import KIND_SEPARATOR


@dataclass(frozen=True)
class Outcome:
    """An indicator in 2022, its aspect of decline, its label and the unit of its effects.

    Attributes:
        indicator: Indicator name (``name@kind`` for the cities of one kind).
        aspect: ``economic``, ``social``, ``environmental`` or ``cultural`` (§2.3).
        label: What it is, in words.
        unit: ``pp`` (a share, effects in percentage points), ``%`` (effects in per cent of the
            reference arm's value) or ``pts`` (effects in the indicator's own points).
        decline: +1 if a rise means decline, -1 if a fall does.
    """

    indicator: str
    aspect: str
    label: str
    unit: str
    decline: int

    @property
    def kind(self) -> str:
        """The kind of city (``region`` for the whole Northeast)."""
        return self.indicator.partition(KIND_SEPARATOR)[2] or "region"

    def effect(self, difference: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Differences of the indicator in the outcome's unit (``reference``: per replicate)."""
        difference = np.asarray(difference, dtype=np.float64)
        if self.unit == "pp":
            return 100.0 * difference
        if self.unit == "%":
            reference = np.asarray(reference, dtype=np.float64)
            return 100.0 * np.divide(
                difference, reference, out=np.zeros_like(difference), where=reference != 0
            )
        return difference


ASPECT_OUTCOMES = (
    Outcome("output_share", "economic", "share of national output", "pp", -1),
    Outcome("unemployment_rate", "economic", "unemployment rate", "pp", 1),
    Outcome("population", "social", "population", "%", -1),
    Outcome("share_65plus", "social", "share aged 65+", "pp", 1),
    Outcome("housing_vacancy_rate", "social", "vacant housing", "pp", 1),
    Outcome("mean_infrastructure", "environmental", "infrastructure quality", "%", -1),
    Outcome("mean_pollution", "environmental", "air pollution", "%", 1),
    Outcome("young_adult_share", "cultural", "share aged 18-34", "pp", -1),
    Outcome("vitality_index", "cultural", "vitality index", "pts", -1),
)
"""The region's outcomes, by aspect of decline."""

CITY_KINDS = ("capital", "port", "industrial", "resource")
KIND_OUTCOMES = tuple(
    Outcome(f"{name}{KIND_SEPARATOR}{kind}", aspect, f"{label}, {kind} cities", unit, decline)
    for kind in CITY_KINDS
    for name, aspect, label, unit, decline in (
        ("output_share", "economic", "share of national output", "pp", -1),
        ("population", "social", "population", "%", -1),
        ("share_65plus", "social", "share aged 65+", "pp", 1),
    )
)
"""The same for the cities of each kind (resource towns against provincial capitals)."""
