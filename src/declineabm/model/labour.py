"""The labour market: retirement, layoffs, hiring in each city and across the region.

Profitable firms open positions in proportion to their margin; loss-making firms shed workers
(state-owned ones slowly, or not at all before the market reform: cause 1). Workers a reformed
state firm lays off while the re-employment centres run keep a tie to it, and some retire early
(the layoff shock of cause 1). Job seekers, the cities' residents of working age without a job
(farm workers must move to a city first), are matched to openings in their own city, then
what is left across the region's cities (the hired move to the job); a firm takes its most
skilled applicants first, and high-tech firms hire skilled workers only (§2: the new economy
needs skills the old one did not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model import firm_dynamics
from declineabm.model.allocation import accept_within_capacity, pick_per_group
from declineabm.model.housing import house_arrivals
from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to an integer up or down with the probability of the fraction (unbiased)."""
    floor = np.floor(values)
    return (floor + (rng.random(len(values)) < values - floor)).astype(np.int64)


def retire(model: UrbanDeclineModel) -> None:
    """Workers reaching retirement age leave their jobs (and the laid-off their tie).

    Writes ``residents.employer, laid_off, retired``.
    """
    residents = model.residents
    old = residents.age >= model.config.economy.retirement_age
    model.leave_jobs(np.flatnonzero(old & (residents.employer >= 0)))
    residents.laid_off[old] = 0
    residents.retired[old] = True


def adjust_workforce(model: UrbanDeclineModel) -> None:
    """Set each firm's positions from its profit, and lay off where it makes losses.

    Reads the firms' accounts and ``firms.filled``; writes ``firms.desired, positions,
    workforce`` and, for those laid off, ``residents.employer, laid_off, retired``; counts
    ``layoffs`` and ``early_retirements``.
    """
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    rng = model.streams["labour"]
    workforce = firms.workforce.astype(np.float64)
    margin = np.divide(firms.profit, firms.output, out=np.zeros(len(firms)), where=firms.output > 0)
    growth = firm_dynamics.expansion(model, margin)
    protected = model.industry.protected()
    losing = firm_dynamics.losing_firms(model)
    shed = np.where(losing, model.industry.layoff_rate(), 0.0)
    # Services sell locally: with more capacity than demand they stop growing and shed the
    # slack (at most the layoff rate a year), so their jobs follow local demand.
    slack = 1.0 - model.labour_market.service_demand
    if slack > 0:
        services = firms.sector == Sector.SERVICES
        growth = np.where(services, 0.0, growth)
        shed = np.where(
            services & ~protected, np.maximum(shed, min(slack, economy.layoff_rate)), shed
        )
        losing |= services & (shed > 0)
    # The workforce a firm wants is kept in fractions of an agent: a firm of a few agents'
    # jobs that sheds 15 % a year wants 0.85, 0.72, ... of its first, as the real firm does,
    # and its posted jobs are that rounded without bias each year. Set from whole agents
    # alone, a one-agent firm's one layoff emptied it for good, so coarse agents closed
    # firms that fine ones kept. A profitable firm's jobs are set every year from the
    # workforce it had when last year's hiring ended (``filled``): it replaces the workers who
    # left since, as a one-agent firm does when its one worker leaves (grown from the workers
    # left, a firm of several agents did not, so coarse cities had twice the openings), and a
    # firm that could not fill its openings does not keep piling them up. A firm with no
    # worker last year (a new one, or one whose fraction rounded to nobody) keeps what it
    # wanted. A new firm looks for the jobs it was founded with for its first EMPTY_YEARS
    # years, the years it may look for its first worker: it keeps the openings it has not
    # filled yet. Otherwise each founding job was looked for as long as its firm's agents
    # allowed: a one-agent firm that found nobody tried again the next year, while a firm of
    # several agents that filled some of its jobs gave the others up, so heavy industry's
    # entrants staffed 62 % of their founding jobs by their second year at 5,000 agents (one
    # agent each), 47 % at 80,000 (8 agents); now 66-70 % at any number (docs/ODD.md, 7.3).
    held = np.where(workforce > 0, np.minimum(firms.desired, workforce), firms.desired)
    filled = firms.filled.astype(np.float64)
    searching = model.year - firms.founded < firm_dynamics.EMPTY_YEARS
    unfilled = np.where(searching, np.maximum(firms.desired - filled, 0.0), 0.0)
    desired = np.where(
        losing,
        held * (1.0 - shed),
        np.where(filled > 0, filled * (1.0 + growth) + unfilled, firms.desired),
    )
    firms.desired[:] = desired
    positions = stochastic_round(desired, rng)
    fire = np.where(losing, np.maximum(firms.workforce - positions, 0), 0)
    # A losing firm posts no job (drawn finer, it sheds and never has an opening); an emptied
    # one's fraction of an agent waits in ``desired`` until it stops losing.
    positions = np.where(
        losing,
        np.minimum(positions, firms.workforce),
        np.maximum(positions, firms.workforce),
    )
    firms.positions[:] = positions
    _measure_tightness(model, fire)

    if fire.sum() > 0:
        employed = np.flatnonzero(residents.employer >= 0)
        employer = residents.employer[employed]
        picked = pick_per_group(employer, fire, rng)
        fired, fired_from = employed[picked], employer[picked]
        residents.employer[fired] = -1
        firms.workforce[:] -= np.bincount(fired_from, minlength=len(firms))
        # The layoff shock: a tie to the unit, or early retirement (cause 1).
        tie = model.industry.tie_years()[fired_from]
        early = model.industry.retires_early(residents.age[fired], tie > 0)
        residents.laid_off[fired] = np.where(early, 0, tie)
        residents.retired[fired[early]] = True
        model.events["layoffs"] += len(fired)
        model.events["early_retirements"] += int(early.sum())


def _measure_tightness(model: UrbanDeclineModel, fire: np.ndarray) -> None:
    """Excess demand for labour before hiring: the openings less the job seekers.

    Job seekers beyond the frictional share of the labour force that is always between jobs
    (``rest_of_china.unemployment_rate``, the nation's) fill openings; the excess over jobs
    plus openings is the wage curve's tightness. Counted before matching, so it is the same
    measure as the rest of China's and does not depend on how finely agents draw the workers.
    Writes ``labour_market.tightness``.
    """
    firms = model.firms
    jobs = float(firms.workforce.sum()) - float(fire.sum())
    openings = float(np.maximum(firms.positions - (firms.workforce - fire), 0).sum())
    urban = model.resident_city() >= 0
    working = model.of_working_age() & urban
    seekers = float((working & (model.residents.employer < 0)).sum()) + float(fire.sum())
    frictional = model.config.rest_of_china.unemployment_rate * float(working.sum())
    excess = openings - max(seekers - frictional, 0.0)
    total = jobs + openings
    model.labour_market.tightness = excess / total if total > 0 else 0.0


def job_seekers(model: UrbanDeclineModel) -> np.ndarray:
    """Rows of the cities' working-age residents without a job (not retired).

    Countryside residents farm: to take a city job they first move to a city (the hukou
    system tied rural people to the land; :mod:`declineabm.model.migration`).
    """
    urban = model.resident_city() >= 0
    return np.flatnonzero((model.residents.employer < 0) & model.of_working_age() & urban)


def match(model: UrbanDeclineModel, only: np.ndarray | None = None, everyone: bool = False) -> int:
    """Fill open positions with the city's job seekers; returns the hires (agents).

    Each city is a labour market (mines belong to the town whose deposit they work). Its
    hires in a year follow an aggregate matching function of its job seekers ``S`` and
    openings ``V``, counted in real persons: ``A * S**a * V**(1 - a)``, at most ``min(S, V)``
    (constant returns, Petrongolo & Pissarides 2001). Because the hires are a function of
    persons, not of how finely agents draw them, the labour market is the same at any
    resolution; the search frictions of the urn-ball matching it replaces depended on how
    many openings one firm agent held. The seekers and openings a city's market leaves then
    match across the whole region at ``economy.regional_search`` times ``A``, and a worker
    hired in another city moves there: the Northeast's cities are one system, people go
    where the jobs are (§2.3, the "spatial transfer of population"). Without it each city
    was a market of its own, and drawn with few agents its seekers and openings were lumps
    that missed each other (a city with 4 seekers and 29 openings beside one with 23 and 5):
    unemployment at 3,000 agents was more than twice that at 12,000 (docs/PERFORMANCE.md,
    "Resolution"). High-tech openings are filled first and from skilled
    seekers only (§2: the new economy needs skills the old one did not); the rest from every
    seeker left. Among the seekers, the chance to be hired rises with skill (a firm takes its
    most skilled applicants first); which openings are filled is random, so a firm fills
    them in proportion to how many it has.

    Older job seekers search only in some years: laid-off workers past their forties, whose
    skills belonged to the old plants, rarely found new work (the Northeast's "4050" workers;
    cause 1, :meth:`~declineabm.model.mechanisms.industry.IndustrialRigidity.searching`).

    Args:
        model: The model.
        only: Optional mask of the firms whose positions are open in this call.
        everyone: The planned allocation of the start year: every job seeker searches and
            the state assigns jobs without friction (hires are ``min(S, V)``).

    Reads the job seekers (city, age, skill) and the open positions by city; writes
    ``residents.employer, years_unemployed, laid_off, home`` and ``firms.workforce``; counts
    the hired who moved in ``moves_between_cities``.
    """
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    rng = model.streams["labour"]
    seekers = job_seekers(model)
    if not everyone:
        seekers = seekers[model.industry.searching(residents.age[seekers], rng)]
    vacancies = np.maximum(firms.positions - firms.workforce, 0)
    if only is not None:
        vacancies = np.where(only, vacancies, 0)
    if len(seekers) == 0 or vacancies.sum() == 0:
        return 0
    cities = model.geography.cities
    seeker_city = model.resident_city()[seekers]
    firm_city = model.firm_city()
    high_tech = firms.sector == Sector.HIGHTECH
    skilled = residents.skill[seekers] >= economy.high_skill
    # Efraimidis-Spirakis keys: the top keys are a draw without replacement weighted by skill
    skill = np.maximum(residents.skill[seekers].astype(np.float64), 1e-6)
    keys = np.log(rng.random(len(seekers))) / skill
    free = np.ones(len(seekers), dtype=bool)
    hires = 0
    efficiency = model.industry.matching_efficiency()
    # Each city's own market first; then, but for the planned allocation of the start year,
    # what is left across the region (every city in one market). A market is each seeker's
    # and each firm's group in it, and the number of groups.
    firm_at = np.maximum(firm_city, 0)  # firms outside the cities post no opening here
    markets = [(seeker_city, firm_at, cities, 1.0)]
    if economy.regional_search > 0 and not everyone:
        everywhere = (np.zeros(len(seekers), dtype=np.int64), np.zeros(len(firms), dtype=np.int64))
        markets.append((*everywhere, 1, economy.regional_search))
    movers: list[np.ndarray] = []
    for segment, eligible in ((high_tech, skilled), (~high_tech, np.ones_like(skilled))):
        for seeker_group, firm_group, groups, scale in markets:
            open_slots = np.where(segment & (firm_city >= 0), vacancies, 0)
            if open_slots.sum() == 0:
                break
            pool = free & eligible
            searchers = np.bincount(seeker_group[pool], minlength=groups).astype(np.float64)
            openings = np.bincount(firm_group, open_slots, minlength=groups).astype(np.float64)
            per_market = _hires(
                searchers,
                openings,
                model.persons_per_agent,
                efficiency * scale,
                economy.matching_elasticity,
                everyone,
                rng,
            )
            if per_market.sum() == 0:
                continue
            candidates = np.flatnonzero(pool)
            hired = candidates[
                accept_within_capacity(seeker_group[candidates], keys[candidates], per_market)
            ]
            slots = np.repeat(np.arange(len(firms)), open_slots)
            filled = slots[
                accept_within_capacity(firm_group[slots], rng.random(len(slots)), per_market)
            ]
            # pair the market's hired seekers with its filled openings (both random draws)
            hired = hired[np.argsort(seeker_group[hired], kind="stable")]
            filled = filled[np.argsort(firm_group[filled], kind="stable")]
            people = seekers[hired]
            residents.employer[people] = filled
            residents.years_unemployed[people] = 0
            residents.laid_off[people] = 0
            firms.workforce[:] += np.bincount(filled, minlength=len(firms))
            vacancies = vacancies - np.bincount(filled, minlength=len(firms))
            free[hired] = False
            hires += len(people)
            away = firm_city[filled] != seeker_city[hired]
            if away.any():
                movers.append(np.stack([people[away], firm_city[filled[away]]]))
    if movers:
        # Hired in another of the region's cities: the worker moves there (a home in it).
        who, where = np.concatenate(movers, axis=1)
        model.relocate_residents(who, house_arrivals(model, where, rng))
        model.events["moves_between_cities"] += len(who)
    return hires


def _hires(
    seekers: np.ndarray,
    openings: np.ndarray,
    persons_per_agent: float,
    efficiency: float,
    elasticity: float,
    frictionless: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each city's hires in agents from its seekers and openings in agents.

    The matching function is evaluated in persons, then rounded to agents without bias.
    """
    most = np.minimum(seekers, openings)
    if frictionless:
        return most.astype(np.int64)
    persons = (
        efficiency
        * (seekers * persons_per_agent) ** elasticity
        * (openings * persons_per_agent) ** (1.0 - elasticity)
    )
    return np.minimum(stochastic_round(persons / persons_per_agent, rng), most).astype(np.int64)


def close_year(model: UrbanDeclineModel) -> None:
    """The labour market's year ends: unemployment spells lengthen, ties to units wear off.

    Writes ``residents.years_unemployed, laid_off``, ``firms.workforce`` (a recount) and the
    ``labour_market``'s registered unemployment and job-vacancy rates, which next year's
    wages, entrants and migrants look at.
    """
    residents = model.residents
    seekers = job_seekers(model)
    residents.years_unemployed[seekers] += 1
    np.subtract(residents.laid_off, 1, out=residents.laid_off, where=residents.laid_off > 0)
    measure_market(model)


def measure_market(model: UrbanDeclineModel) -> None:
    """Recount the firms' workforce and set the registered unemployment and vacancy rates.

    Writes ``firms.workforce, filled`` and ``labour_market.unemployment_rate, vacancy_rate``.
    """
    residents, firms = model.residents, model.firms
    firms.workforce[:] = np.bincount(
        residents.employer[residents.employer >= 0], minlength=len(firms)
    )
    firms.filled[:] = firms.workforce
    market = model.labour_market
    urban = (model.resident_city() >= 0) & model.of_working_age()
    employed = residents.employer >= 0
    registered = urban & ~employed & (residents.laid_off == 0)
    labour_force = (urban & employed).sum() + registered.sum()
    market.unemployment_rate = float(registered.sum() / labour_force) if labour_force else 0.0
    jobs = float(firms.workforce.sum())
    open_positions = float(np.maximum(firms.positions - firms.workforce, 0).sum())
    total = jobs + open_positions
    market.vacancy_rate = open_positions / total if total else 0.0
