"""The labour market: retirement, layoffs, hiring within commuting reach.

Profitable firms open positions in proportion to their margin; loss-making firms shed workers
(state-owned ones slowly, or not at all before the market reform: cause 1). Job seekers, the
residents of working age without a job, apply to open positions within commuting reach over a
few rounds; a firm takes its most skilled applicants first, and high-tech firms hire skilled
workers only (§2: the new economy needs skills the old one did not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.allocation import (
    accept_within_capacity,
    pick_per_group,
    sample_within_reach,
)
from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to an integer up or down with the probability of the fraction (unbiased)."""
    floor = np.floor(values)
    return (floor + (rng.random(len(values)) < values - floor)).astype(np.int64)


def retire(model: UrbanDeclineModel) -> None:
    """Workers reaching retirement age leave their jobs."""
    residents = model.residents
    leaving = (residents.employer >= 0) & (residents.age >= model.config.economy.retirement_age)
    residents.employer[leaving] = -1


def adjust_workforce(model: UrbanDeclineModel) -> None:
    """Set each firm's positions from its profit, and lay off where it makes losses."""
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    rng = model.streams["labour"]
    workforce = firms.workforce.astype(np.float64)
    margin = np.divide(firms.profit, firms.output, out=np.zeros(len(firms)), where=firms.output > 0)
    growth = economy.expansion_rate * np.clip(margin / economy.target_margin, 0.0, 1.0)
    expand = stochastic_round(workforce * growth, rng)
    protected = model.industry.protected()
    losing = (firms.profit < 0) & ~protected
    fire = np.where(losing, stochastic_round(workforce * model.industry.layoff_rate(), rng), 0)
    # Positions are re-posted every year: a firm that could not fill its openings does not
    # keep piling them up. A new firm with no workers yet keeps the positions it opened with.
    positions = np.where(
        losing,
        firms.workforce - fire,
        np.where(firms.workforce > 0, firms.workforce + expand, firms.positions),
    )
    firms.positions[:] = positions

    if fire.sum() > 0:
        employed = np.flatnonzero(residents.employer >= 0)
        employer = residents.employer[employed]
        laid_off = pick_per_group(employer, fire, rng)
        residents.employer[employed[laid_off]] = -1
        firms.workforce[:] -= np.bincount(employer[laid_off], minlength=len(firms))


def job_seekers(model: UrbanDeclineModel) -> np.ndarray:
    """Rows of working-age residents without a job."""
    residents = model.residents
    economy = model.config.economy
    return np.flatnonzero(
        (residents.employer < 0)
        & (residents.age >= economy.working_age)
        & (residents.age < economy.retirement_age)
    )


def match(model: UrbanDeclineModel, only: np.ndarray | None = None, everyone: bool = False) -> int:
    """Fill open positions with job seekers within commuting reach; returns the hires.

    Older job seekers search only in some years: laid-off workers past their forties, whose
    skills belonged to the old plants, rarely found new work (the Northeast's "4050" workers).

    Args:
        model: The model.
        only: Optional mask of the firms whose positions are open in this call.
        everyone: Every job seeker searches (the planned allocation of the start year).
    """
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    rng = model.streams["labour"]
    geo = model.geography
    reach = min(economy.commute_reach, max(geo.width, geo.height))
    high_tech = firms.sector == Sector.HIGHTECH
    searching = (
        np.ones(len(residents), dtype=bool)
        if everyone
        else (residents.age < economy.older_worker_age)
        | (rng.random(len(residents)) < economy.older_search_rate)
    )
    hires = 0
    for _ in range(economy.match_rounds):
        seekers = job_seekers(model)
        seekers = seekers[searching[seekers]]
        vacancies = np.maximum(firms.positions - firms.workforce, 0)
        if only is not None:
            vacancies = np.where(only, vacancies, 0)
        if len(seekers) == 0 or vacancies.sum() == 0:
            break
        skilled = residents.skill[seekers] >= economy.high_skill
        choice = np.full(len(seekers), -1, dtype=np.int64)
        x, y = geo.xy(residents.home[seekers])
        for is_skilled in (True, False):
            group = skilled == is_skilled
            weights = vacancies if is_skilled else np.where(high_tech, 0, vacancies)
            choice[group] = sample_within_reach(
                x[group], y[group], firms.cell, weights, (geo.width, geo.height), reach, rng
            )
        applied = choice >= 0
        applicants, targets = seekers[applied], choice[applied]
        # best-skilled first; the random part breaks ties without favouring low row numbers
        priority = residents.skill[applicants] + 1e-3 * rng.random(len(applicants))
        hired = accept_within_capacity(targets, priority, vacancies)
        residents.employer[applicants[hired]] = targets[hired]
        residents.years_unemployed[applicants[hired]] = 0
        firms.workforce[:] += np.bincount(targets[hired], minlength=len(firms))
        hires += int(hired.sum())
    return hires


def end_of_year(model: UrbanDeclineModel) -> None:
    """Count another year of unemployment for everyone still looking."""
    model.residents.years_unemployed[job_seekers(model)] += 1
