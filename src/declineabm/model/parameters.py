"""The vocabulary of scenario parameters: sections, bounded numbers and time paths.

Every section of a scenario (a cause's, or a core process's) is a :class:`Section`: unknown keys
are errors and values are immutable. The bounded types say what a number means physically
(``Rate`` is a yearly share, ``Year`` a calendar year); paths are piecewise-linear over years or
ages. The sections themselves live next to the rules that read them: each cause's in its
module under :mod:`declineabm.model.mechanisms`, the city's structure in
:mod:`declineabm.model.structure`; :mod:`declineabm.scenario` assembles them.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic.json_schema import JsonDict

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Year = Annotated[int, Field(ge=1900, le=2200)]


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are immutable.

    Types are strict: a number field takes numbers only (a whole number for a float, as TOML
    writes ``1`` for ``1.0``, but not ``true`` or ``"1"``), a switch takes ``true`` or
    ``false`` only (not ``1`` or ``"yes"``), and every number is finite (no NaN, no infinity:
    ``1e400`` reads as infinity).

    A section's validator is built when it first validates (``defer_build``): a scenario
    validates every section inside its own validator, and building each section's too, as
    its class was defined, was about a seventh of the time a refused input takes.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, defer_build=True
    )


def _check_points(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    keys = [key for key, _ in points]
    if not points:
        raise ValueError("needs at least one pair")
    if keys != sorted(set(keys)):
        raise ValueError("the first entries of the pairs must be strictly increasing")
    return points


def _points(key_low: int, key_high: int, lower: float | None, upper: float | None) -> Any:
    value = Annotated[float, Field(ge=lower, le=upper)]
    key = Annotated[int, Field(ge=key_low, le=key_high)]
    # Strict(False) on the pair only: TOML and JSON write a pair as a list; its items stay strict.
    return Annotated[
        list[Annotated[tuple[key, value], Strict(False)]], AfterValidator(_check_points)
    ]


def time_path(lower: float | None = None, upper: float | None = None) -> Any:
    """A piecewise-linear path over calendar years, written as ``[[year, value], ...]``.

    Before the first year the first value holds, after the last year the last value holds.
    """
    return _points(1900, 2200, lower, upper)


def age_points(lower: float | None = None, upper: float | None = None) -> Any:
    """A piecewise-linear profile over ages 0-120, written as ``[[age, value], ...]``."""
    return _points(0, 120, lower, upper)


def path_value(points: list[tuple[int, float]], year: float) -> float:
    """Evaluate a time path (see :func:`time_path`) at ``year``."""
    years = [p[0] for p in points]
    values = [p[1] for p in points]
    if year <= years[0]:
        return float(values[0])
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return float(v0 + (v1 - v0) * (year - y0) / (y1 - y0))
    return float(values[-1])


def _someone_lives(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    # A population's first persons are drawn from this density over ages 0-100: it needs mass.
    if not any(path_value(points, age) > 0 for age in range(101)):
        raise ValueError("the density is zero at every age from 0 to 100: no one to start")
    return points


# Path types shared by several sections.
def _age_density() -> Any:
    return Annotated[age_points(0.0, 1000.0), AfterValidator(_someone_lives)]


AgeDensity = _age_density()
AgeFactors = age_points(0.0, 10.0)
GrowthPath = time_path(-0.5, 0.5)
SharePath = time_path(0.0, 1.0)
IndexPath = time_path(0.0, 100.0)
MultiplierPath = time_path(0.0, 20.0)
PricePath = time_path(0.01, 10.0)
FertilityPath = time_path(0.0, 8.0)


AT_START: JsonDict = {"mid_run": False}
"""``json_schema_extra`` of a cause's parameter that shapes only the initial state.

A cause's parameters are read afresh every year, so a running model can take new values from
its next year on (``UrbanDeclineModel.set_causes``); a parameter marked with this, such as the
initial age profile, would change nothing once the city exists, so a running model refuses it.
"""
