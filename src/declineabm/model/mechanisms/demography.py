"""Cause 5 (abstract; §2.2.4): an ageing population and the out-migration of the young.

"In order to have a better life, many young people in the Northeast choose to leave their
hometown after graduation and go to the south to find job opportunities." Each resident's
yearly chance of leaving rises with unemployment, the wage gap to the growing outside economy
and poor amenity, and is far higher for young and skilled people, so ageing emerges from who
leaves. Fertility falls over time (the Northeast ages earliest in China). Some migrants arrive
when jobs are open and wages compare well.

Switched off, the region is a closed population with the start year's fertility: no one
leaves or arrives. Ageing by birth and death alone remains.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import (
    AT_START,
    AgeDensity,
    AgeFactors,
    FertilityPath,
    NonNegative,
    Rate,
    Section,
    path_value,
)

GAP_LIMIT = 3.0  # |log wage gap| beyond this adds no push (keeps exp() finite)


def profile(points: list[tuple[int, float]], ages: np.ndarray) -> np.ndarray:
    """Evaluate an ``[[age, value], ...]`` profile at many ages (piecewise linear)."""
    xs = np.array([p[0] for p in points], dtype=np.float64)
    ys = np.array([p[1] for p in points], dtype=np.float64)
    return np.interp(ages, xs, ys)


class DemographySection(Section):
    """Cause 5, §2.2.4: ageing, falling fertility and out-migration of the young."""

    enabled: bool = Field(description="Switch the cause on or off.")
    fertility_path: FertilityPath = Field(description="Total fertility rate by year.")
    mortality_base: Rate = Field(description="Gompertz–Makeham age-independent death rate.")
    mortality_scale: Rate = Field(description="Gompertz death rate at age 0.")
    mortality_slope: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="Gompertz rise of the death rate per year of age."
    )
    mortality_improvement: Annotated[float, Field(ge=0.0, le=0.2)] = Field(
        description="Yearly fall of age-specific death rates."
    )
    age_profile: AgeDensity = Field(
        description="Initial age distribution: [[age, relative density], ...].",
        json_schema_extra=AT_START,
    )
    outmigration_base: Rate = Field(description="Yearly out-migration chance of a young adult.")
    outmigration_age_profile: AgeFactors = Field(
        description="Out-migration propensity by age: [[age, factor], ...]."
    )
    skill_selectivity: NonNegative = Field(
        description="Extra out-migration propensity per unit of skill."
    )
    unemployment_push: NonNegative = Field(description="Log-odds push of being unemployed.")
    wage_gap_push: NonNegative = Field(
        description="Push per unit of log wage gap to the outside economy."
    )
    amenity_push: NonNegative = Field(description="Push per unit of amenity shortfall.")
    max_outmigration: Rate = Field(description="Upper bound of the yearly out-migration chance.")
    inmigration_base: Rate = Field(
        description="Yearly in-migrants as a share of the population, with no jobs on offer."
    )
    inmigration_pull: NonNegative = Field(
        description="Pull of open jobs (per unit job-vacancy rate) on in-migration."
    )


class AgeingAndMigration(Mechanism):
    """Fertility decline and selective migration (see the module docstring)."""

    section = "demography"
    switched_off = (
        "Switched off, the region is a closed population with the start year's fertility: "
        "no one leaves or arrives. Ageing by birth and death alone remains."
    )

    def fertility(self) -> float:
        """Total fertility rate this year (held at the start year's when switched off)."""
        year = self.model.year if self.enabled else self.model.config.simulation.start_year
        return path_value(self.params.fertility_path, year)

    def outmigration_probability(
        self,
        age: np.ndarray,
        skill: np.ndarray,
        unemployed: np.ndarray,
        log_wage_gap: np.ndarray,
        amenity_shortfall: np.ndarray,
    ) -> np.ndarray:
        """Yearly chance that each resident leaves the region."""
        if not self.enabled:
            return np.zeros(len(age))
        p = self.params
        base = (
            p.outmigration_base
            * profile(p.outmigration_age_profile, age)
            * (1.0 + p.skill_selectivity * skill)
        )
        push = np.exp(
            p.unemployment_push * unemployed
            + p.wage_gap_push * np.clip(log_wage_gap, -GAP_LIMIT, GAP_LIMIT)
            + p.amenity_push * amenity_shortfall
        )
        return np.minimum(base * push, p.max_outmigration)

    def expected_inmigrants(
        self, population: int, vacancy_rate: float, log_wage_gap: float
    ) -> float:
        """Expected number of in-migrant agents this year."""
        if not self.enabled or population == 0:
            return 0.0
        p = self.params
        pull = p.inmigration_pull * vacancy_rate - p.wage_gap_push * np.clip(
            log_wage_gap, -GAP_LIMIT, GAP_LIMIT
        )
        return float(population * p.inmigration_base * np.exp(pull))
