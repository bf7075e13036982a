"""The region on 1 January of the start year: its residents, its planned industry, its economy.

:class:`~declineabm.model.urban_decline.UrbanDeclineModel` builds the map, the causes and the
rest of China, then calls these once, in order (``docs/ODD.md``, 5. Initialization):

1. :func:`populate`: residents with the region's age profile, housed in cities and countryside.
2. :func:`open_initial_firms`: each city's industry as the plan placed and staffed it.
3. :func:`start_economy`: the start year's production and budget, and the start-year baselines
   (``model.baselines``) the rules compare with later.

Agents are created through the model's register (:mod:`declineabm.model.register`); the draws
come from the ``population`` and ``firms`` streams (and ``labour`` through the matching), in
this order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model import economy, firm_dynamics, housing, labour, population
from declineabm.model.allocation import sample_weighted
from declineabm.model.geography import apportion
from declineabm.model.public_finance import settle_budget
from declineabm.model.register import FIRM_SIZE_DISPERSION
from declineabm.model.sectors import Sector
from declineabm.scenario import ScenarioError

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def populate(model: UrbanDeclineModel) -> None:
    """Residents with the region's age profile, housed in the cities and the countryside.

    Writes new rows of ``residents`` (``age``, ``skill``, ``home``, ``retired``) and the
    ``occupancy`` layer.
    """
    spec = model.config.simulation
    rng = model.streams["population"]
    ages = np.arange(101)
    density = population.profile(model.demography.initial_age_profile(), ages)
    age = rng.choice(ages, size=spec.residents, p=density / density.sum())
    skill = population.cohort_skill(model.config.economy, model.year - age, rng)
    geo = model.geography
    urban_agents = round(spec.residents * model.industry.urban_share())
    city = geo.layer("city")
    units = np.repeat(np.arange(geo.size), geo.layer("housing"))
    urban_units = rng.permutation(units[city[units] >= 0])
    rural_units = rng.permutation(units[city[units] < 0])
    rural_agents = spec.residents - urban_agents
    if len(urban_units) < urban_agents or len(rural_units) < rural_agents:
        # a grid too coarse for the region (one cell, all of it city) has no countryside
        raise ScenarioError(
            f"geography.km_per_cell = {model.config.geography.km_per_cell:g} gives "
            f"{geo.size:,} cell{'s' if geo.size != 1 else ''} with homes for "
            f"{len(urban_units):,} urban and {len(rural_units):,} rural residents, fewer "
            f"than the {urban_agents:,} and {rural_agents:,} to place: lower "
            "geography.km_per_cell"
        )
    home = np.r_[urban_units[:urban_agents], rural_units[:rural_agents]]
    model.add_residents(age=age, skill=skill, home=home)
    model.residents.retired[:] = model.residents.age >= model.config.economy.retirement_age
    housing.update_occupancy(model)


def open_initial_firms(model: UrbanDeclineModel) -> None:
    """The initial industrial structure of every city, placed and staffed as a planner would.

    Each city's jobs are its working-age residents times the employment rate, split by its
    kind's mix of sectors (cause 1). Mines open on the town's deposit field and hire first;
    the other firms then open where the city's workers still without a job live, high-tech
    firms hire the scarce skilled workers, and finally everyone looks for the remaining
    jobs within commuting reach. Countryside residents farm.

    Writes new rows of ``firms``, ``residents.employer``, ``baselines.sector_shares,
    young_skilled, urban_working_age`` and the deposit fields' reserves (cause 2).
    """
    rng = model.streams["firms"]
    economy_params = model.config.economy
    geo = model.geography
    city = model.resident_city()
    working = model.of_working_age()
    jobs_by_city = np.bincount(city[working & (city >= 0)], minlength=geo.cities)
    plan = np.stack(
        [
            apportion(
                model.industry.sector_mix(kind),
                round(jobs_by_city[c] * economy_params.employment_rate),
            )
            for c, kind in enumerate(geo.city_kinds)
        ]
    )
    cell_city = geo.layer("city")
    deposit_field = geo.layer("deposit_field")
    for sector in Sector:
        # Opening firms hires no one: the job seekers change only when a sector's firms hire
        # (below), so they are found once a sector, not once a city (a pass over everyone).
        seekers = labour.job_seekers(model)
        seeker_city = city[seekers]
        for c in range(geo.cities):
            if plan[c, sector] == 0:
                continue
            if sector == Sector.RESOURCE and (deposit_field == c).any():
                weights = np.where(deposit_field == c, geo.layer("deposits"), 0.0)
            else:
                idle = seekers[seeker_city == c]
                if sector == Sector.HIGHTECH:  # high-tech hires skilled workers only
                    idle = idle[model.residents.skill[idle] >= economy_params.high_skill]
                weights = np.bincount(model.residents.home[idle], minlength=geo.size).astype(
                    np.float64
                )
                if weights.sum() == 0:
                    weights = (cell_city == c).astype(np.float64)
            _open_planned_firms(model, sector, int(plan[c, sector]), weights, rng)
        if sector in (Sector.RESOURCE, Sector.HIGHTECH):
            labour.match(model, only=model.firms.sector == sector, everyone=True)
    labour.match(model, everyone=True)
    jobs = np.bincount(model.firms.sector, model.firms.positions, minlength=len(Sector))
    model.baselines.sector_shares = jobs / max(jobs.sum(), 1)
    model.baselines.young_skilled = int(firm_dynamics.young_skilled(model).sum())
    model.baselines.urban_working_age = int((working & (city >= 0)).sum())
    model.resources.scale_reserves()


def _open_planned_firms(
    model: UrbanDeclineModel,
    sector: Sector,
    jobs: int,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Open firms of lognormal size (persons) with ``jobs`` agents' positions in all.

    Sites are drawn by ``weights`` (flat cells); a firm is state-owned with its sector's
    ``soe_share`` and was founded 5 to 39 years before the start.
    """
    ppa = model.persons_per_agent
    target = jobs * ppa
    sizes: list[float] = []
    total = 0.0  # a running total: re-summing the list for every firm is quadratic
    while total < target:
        size = model.sectors.firm_size[sector] * rng.lognormal(
            -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION
        )
        sizes.append(size)
        total += size
    if not sizes:
        return
    cells = sample_weighted(weights, len(sizes), rng)
    soe = rng.random(len(cells)) < model.sectors.soe_share[sector]
    founded = model.year - rng.integers(5, 40, len(cells))
    model.open_firms(sector, cells, soe, sizes=np.array(sizes)[: len(cells)], founded=founded)


def start_economy(model: UrbanDeclineModel) -> None:
    """Run the start year's production and budget, and take the start-year baselines.

    Writes what ``economy.produce`` and ``settle_budget`` write, the labour market's rates,
    and ``baselines.service_supply, household_income, unemployment_rate, urban_services,
    rural_services``.
    """
    jobs = np.bincount(model.firms.sector, model.firms.positions, minlength=len(Sector))
    model.labour_market.average_wage = float(
        model.config.economy.labour_share
        * np.average(model.technology(), weights=np.maximum(jobs, 1e-12))
    )
    economy.produce(model)
    services = model.firms.sector == Sector.SERVICES
    model.baselines.service_supply = float(model.firms.output[services].sum())
    settle_budget(model)
    model.baselines.household_income = model.labour_market.household_income
    labour.measure_market(model)
    model.baselines.unemployment_rate = model.labour_market.unemployment_rate
    cell_amenity = housing.amenity(model)
    occupancy = model.geography.layer("occupancy").astype(np.float64)
    urban = model.geography.layer("city") >= 0
    for name, mask in (("urban_services", urban), ("rural_services", ~urban)):
        people = occupancy[mask].sum()
        value = float((cell_amenity * occupancy)[mask].sum() / people) if people else 0.0
        setattr(model.baselines, name, value)
