"""The life course, for both regions: ageing, death and birth; who counts as young or working.

Everyone ages a year; deaths follow one Gompertz–Makeham schedule whose rates fall slowly over
time (the same in the Northeast and the rest of China: mortality is not a cause). Births come
from residents of childbearing age at the year's total fertility rate: the Northeast's own
(cause 5, §2.2.4: the earliest and lowest fertility in China) or the nation's. Moves between
places are in :mod:`declineabm.model.migration`.

The age groups the rules and indicators share are defined here, once: working age (from
``economy.working_age`` to ``economy.retirement_age``), the young adults of §2.2.4 ("young
people ... after graduation", 18-34) and childbearing ages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from declineabm.model.structure import EconomySection
    from declineabm.model.urban_decline import UrbanDeclineModel

YOUNG_AGES = (18, 35)  # the "young people ... after graduation" of §2.2.4: 18 to 34
CHILDBEARING_AGES = (20, 40)
WOMEN_SHARE = 0.5  # residents have no sex; half of them stand for women


def profile(points: list[tuple[int, float]], ages: np.ndarray) -> np.ndarray:
    """Evaluate an ``[[age, value], ...]`` profile at many ages (piecewise linear)."""
    xs = np.array([p[0] for p in points], dtype=np.float64)
    ys = np.array([p[1] for p in points], dtype=np.float64)
    return np.interp(ages, xs, ys)


def young(age: np.ndarray) -> np.ndarray:
    """Mask of young adults (18-34)."""
    return (age >= YOUNG_AGES[0]) & (age < YOUNG_AGES[1])


def working_age(age: np.ndarray, economy: EconomySection) -> np.ndarray:
    """Mask of people of working age."""
    return (age >= economy.working_age) & (age < economy.retirement_age)


def childbearing() -> slice:
    """The childbearing ages, as a slice over single years of age."""
    return slice(*CHILDBEARING_AGES)


def birth_rate(fertility: float) -> float:
    """Yearly births per person of childbearing age at a total fertility rate."""
    low, high = CHILDBEARING_AGES
    return fertility / (high - low) * WOMEN_SHARE


def cohort_mean_skill(economy: EconomySection, birth_years: np.ndarray) -> np.ndarray:
    """Mean skill of people born in ``birth_years`` (younger cohorts are better educated)."""
    return np.interp(
        birth_years, [p[0] for p in economy.skill_path], [p[1] for p in economy.skill_path]
    )


def cohort_skill(
    economy: EconomySection,
    birth_years: np.ndarray,
    rng: np.random.Generator,
    means: np.ndarray | None = None,
) -> np.ndarray:
    """Draw skills for people born in ``birth_years`` around their cohort's mean (or ``means``)."""
    centre = cohort_mean_skill(economy, birth_years) if means is None else means
    return np.clip(rng.normal(centre, economy.skill_dispersion), 0.0, 1.0).astype(np.float32)


def death_probability(model: UrbanDeclineModel, age: np.ndarray) -> np.ndarray:
    """This year's chance of dying at each age."""
    p = model.config.population
    years = model.year - model.config.simulation.start_year
    hazard = (
        p.mortality_base
        + p.mortality_scale
        * np.exp(p.mortality_slope * age)
        * (1.0 - p.mortality_improvement) ** years
    )
    return -np.expm1(-hazard)


def age_and_die(model: UrbanDeclineModel) -> int:
    """The Northeast's residents age a year, then deaths are drawn. Returns the deaths.

    Reads ``residents.age``; writes ``residents.age``; removes the residents who die.
    """
    residents = model.residents
    residents.age += 1
    dying = model.streams["population"].random(len(residents)) < death_probability(
        model, residents.age.astype(np.float64)
    )
    return model.remove_residents(np.flatnonzero(dying))


def give_birth(model: UrbanDeclineModel) -> int:
    """The Northeast's residents of childbearing age have children at this year's fertility.

    Reads ``residents.age, home``; creates residents aged 0 in their mothers' homes.
    """
    residents = model.residents
    rng = model.streams["population"]
    low, high = CHILDBEARING_AGES
    parents = np.flatnonzero((residents.age >= low) & (residents.age < high))
    mothers = parents[rng.random(len(parents)) < birth_rate(model.demography.fertility())]
    if len(mothers) == 0:
        return 0
    skill = cohort_skill(model.config.economy, np.full(len(mothers), model.year), rng)
    model.add_residents(age=np.zeros(len(mothers)), skill=skill, home=residents.home[mothers])
    return len(mothers)
