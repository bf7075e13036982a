"""Residents' life course: ageing, death, birth, leaving and arriving.

Everyone ages a year; deaths follow a Gompertz–Makeham schedule whose rates fall slowly over
time. Births come from residents of childbearing age (20–39) at the year's total fertility rate,
which falls over time (§2.2.4; cause 5). Out-migration and in-migration follow the rules of the
ageing-and-migration mechanism (:mod:`declineabm.model.mechanisms.demography`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.allocation import accept_within_capacity, sample_weighted
from declineabm.model.housing import amenity, vacant_units
from declineabm.model.mechanisms.policy import YOUNG_AGES

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel

CHILDBEARING_AGES = (20, 40)
WOMEN_SHARE = 0.5  # residents have no sex; half of them stand for women


def cohort_skill(
    model: UrbanDeclineModel, birth_years: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw skills for people born in ``birth_years`` (younger cohorts are better educated)."""
    economy = model.config.economy
    means = np.interp(
        birth_years,
        [p[0] for p in economy.skill_path],
        [p[1] for p in economy.skill_path],
    )
    return np.clip(rng.normal(means, economy.skill_dispersion), 0.0, 1.0).astype(np.float32)


def age_and_die(model: UrbanDeclineModel) -> int:
    """Everyone ages a year, then deaths are drawn. Returns the number of deaths."""
    residents = model.residents
    residents.age += 1
    p = model.config.demography
    years = model.year - model.config.simulation.start_year
    hazard = (
        p.mortality_base
        + p.mortality_scale
        * np.exp(p.mortality_slope * residents.age)
        * (1.0 - p.mortality_improvement) ** years
    )
    dying = model.streams["population"].random(len(residents)) < -np.expm1(-hazard)
    return model.remove_residents(np.flatnonzero(dying))


def give_birth(model: UrbanDeclineModel) -> int:
    """Residents of childbearing age have children at this year's fertility rate."""
    residents = model.residents
    rng = model.streams["population"]
    low, high = CHILDBEARING_AGES
    parents = np.flatnonzero((residents.age >= low) & (residents.age < high))
    rate = model.demography.fertility() / (high - low) * WOMEN_SHARE
    mothers = parents[rng.random(len(parents)) < rate]
    if len(mothers) == 0:
        return 0
    skill = cohort_skill(model, np.full(len(mothers), model.year), rng)
    model.add_residents(age=np.zeros(len(mothers)), skill=skill, home=residents.home[mothers])
    return len(mothers)


def log_wage_gap(
    model: UrbanDeclineModel, local_income: np.ndarray, skill: np.ndarray
) -> np.ndarray:
    """Log of what the outside economy pays each person over what they can expect here."""
    outside = model.national.outside_wage(model.year) * (
        1.0 + model.config.national.outside_skill_premium * skill
    )
    return np.log(outside / np.maximum(local_income, 1e-9))


def leave(model: UrbanDeclineModel) -> tuple[int, int]:
    """Residents leave the region. Returns (leavers, leavers aged 18-34)."""
    residents = model.residents
    economy = model.config.economy
    rng = model.streams["migration"]
    age = residents.age
    working_age = (age >= economy.working_age) & (age < economy.retirement_age)
    unemployed = working_age & (residents.employer < 0)
    # Expected local income: one's wage if employed, else the city's wage times the chance
    # of finding a job, plus any support for young people.
    employment_rate = 1.0 - model.unemployment_rate
    expected = np.where(
        residents.employer >= 0,
        residents.income,
        employment_rate * model.average_wage + model.young_support_per_person * _young(age),
    )
    shortfall = model.best_amenity - amenity(model)[residents.home]
    probability = model.demography.outmigration_probability(
        age.astype(np.float64),
        residents.skill.astype(np.float64),
        unemployed.astype(np.float64),
        log_wage_gap(model, expected, residents.skill),
        shortfall,
    )
    leaving = np.flatnonzero(rng.random(len(residents)) < probability)
    young = int(_young(age[leaving]).sum())
    return model.remove_residents(leaving), young


def _young(age: np.ndarray) -> np.ndarray:
    return (age >= YOUNG_AGES[0]) & (age < YOUNG_AGES[1])


def arrive(model: UrbanDeclineModel) -> int:
    """Young adults arrive when jobs are open and wages compare well. Returns the arrivals."""
    rng = model.streams["migration"]
    geo = model.geography
    gap = float(log_wage_gap(model, np.array([model.average_wage]), np.array([0.0]))[0])
    expected = model.demography.expected_inmigrants(len(model.residents), model.vacancy_rate, gap)
    count = int(rng.poisson(expected)) if expected > 0 else 0
    vacant = vacant_units(geo)
    attraction = vacant * np.exp(amenity(model))
    cells = sample_weighted(attraction, count, rng)
    if len(cells) == 0:
        return 0
    housed = accept_within_capacity(cells, rng.random(len(cells)), vacant)
    cells = cells[housed]
    ages = rng.integers(YOUNG_AGES[0], YOUNG_AGES[1], len(cells))
    skill = cohort_skill(model, model.year - ages, rng)
    model.add_residents(age=ages, skill=skill, home=cells)
    return len(cells)
