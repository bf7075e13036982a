"""UrbanDeclineModel: the Northeast and the rest of China, one step a year.

The Northeast's residents, firms and government are Mesa agents on a grid of its cities and
countryside; the rest of China is one aggregate Mesa agent (:mod:`.rest_of_china`). Every rule
traces to a cause of decline in the paper or to a named fact, and each cause can be switched
off in the scenario; with all seven off, the Northeast is an ordinary region and keeps pace
with the nation (``tests/test_regions.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, cast

import mesa
import numpy as np
from mesa import DataCollector

from declineabm.model import economy, firm_dynamics, housing, labour, migration, population
from declineabm.model.agents import Firm, FirmTable, Resident, ResidentTable
from declineabm.model.allocation import sample_weighted, systematic_sample
from declineabm.model.geography import apportion, build_geography
from declineabm.model.government import Government
from declineabm.model.indicators import INDICATOR_NAMES, compute, compute_cities, vitality_parts
from declineabm.model.labour import stochastic_round
from declineabm.model.mechanisms.demography import AgeingAndMigration
from declineabm.model.mechanisms.environment import EnvironmentalStandards
from declineabm.model.mechanisms.industry import IndustrialRigidity
from declineabm.model.mechanisms.infrastructure import InfrastructureDecay
from declineabm.model.mechanisms.policy import RevitalizationPolicy, Support
from declineabm.model.mechanisms.resources import ResourceDepletion
from declineabm.model.mechanisms.transport import TransportCosts
from declineabm.model.mesa_adapter import (
    create_agents,
    expose_scenario,
    move_agents,
    release,
    remove_agents,
    scenario_source,
)
from declineabm.model.national import NationalEconomy
from declineabm.model.public_finance import settle_budget
from declineabm.model.rest_of_china import RestOfChina
from declineabm.model.sectors import Sector, SectorArrays
from declineabm.model.state import EVENTS, Baselines, LabourMarket
from declineabm.scenario import (
    MECHANISMS,
    Scenario,
    ScenarioError,
    load_scenario,
    normalise_key,
    takes_effect_mid_run,
)

STREAMS = ("geography", "population", "migration", "labour", "firms", "housing")
FIRM_SIZE_DISPERSION = 0.5  # log s.d. of firm size at creation
POLLUTION_DISPERSION = 0.3  # log s.d. of a firm's emission intensity around its sector norm
MAX_RESIDENT_GROWTH = 4  # residents beyond 4x the start: runaway growth, not a city (guard)
MAX_FIRMS_PER_RESIDENT = 1.0  # more firms than resident agents: runaway entry (guard)


class UrbanDeclineModel(mesa.Model):
    """Northeast China's old industrial base over the decades of its decline.

    Residents, firms and a government live on a grid of the region's cities and countryside;
    the rest of China is a second region, one aggregate agent. One step is one year. Every
    rule traces to a cause of decline in the paper and each cause can be switched off in the
    scenario (``industry``, ``resources``, ``transport``, ``infrastructure``, ``demography``,
    ``environment``, ``policy``). See ``docs/ODD.md`` for the full description.

    Args:
        scenario: A scenario name in ``configs/`` (``"northeast"``), a path to a TOML file, or a
            :class:`~declineabm.scenario.Scenario`.
        seed: Seed of the model's random streams; the same scenario and seed give the same run.
        **kwargs: Parameter overrides by dotted key, e.g. ``**{"policy.enabled": False}``, or
            with ``__`` for the dot: ``demography__young_leaving=1.5``. (Named ``kwargs``:
            Mesa 3.3's SolaraViz accepts a var-keyword argument of that name only.)
    """

    def __init__(
        self,
        scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any] = "baseline",
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if seed is None:
            seed = cast(int, np.random.SeedSequence().entropy) % 2**63  # an int when drawn
        seed = int(seed)  # numpy integers from pandas or a sweep table are seeds too
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=; an int rng seeds the same
        self.config = load_scenario(scenario_source(scenario), kwargs)
        self.seed = seed
        expose_scenario(self)  # Mesa 3.5's model.scenario, which its tools hand back
        spec = self.config.simulation
        self.year = spec.start_year
        self.persons_per_agent = spec.persons_per_agent
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))

        self.sectors = SectorArrays.from_scenario(self.config)
        self.national = NationalEconomy(self.config.national, spec.start_year, spec.end_year)
        self.industry = IndustrialRigidity(self, self.config.industry)
        self.resources = ResourceDepletion(self, self.config.resources)
        self.transport = TransportCosts(self, self.config.transport)
        self.infrastructure = InfrastructureDecay(self, self.config.infrastructure)
        self.demography = AgeingAndMigration(self, self.config.demography)
        self.environment = EnvironmentalStandards(self, self.config.environment)
        self.policy = RevitalizationPolicy(self, self.config.policy)
        self.mechanisms = (
            self.industry,
            self.resources,
            self.transport,
            self.infrastructure,
            self.demography,
            self.environment,
            self.policy,
        )

        # The region-wide state carried from one year to the next (model/state.py).
        self.labour_market = LabourMarket()
        self.baselines = Baselines()
        self.support = Support()
        self.events: dict[str, float] = dict.fromkeys(EVENTS, 0)
        self.frontier = 1.0  # the nation's technology (model/national.py)
        self.farm_output = 0.0  # thousand yuan, agent units
        self.last_output = 0.0
        self.indicators: dict[str, float] = {}

        self.rest_of_china = RestOfChina(self, self.config.rest_of_china)
        self.geography = build_geography(self.config, self.industry.urban_share(), self.random)
        self.grid = self.geography.grid
        self.residents = ResidentTable(capacity=int(spec.residents * 1.25))
        self.firms = FirmTable(capacity=1024)
        self.government = Government(self)

        self._populate()
        self._open_initial_firms()
        self._start_economy()
        self.datacollector = DataCollector(
            model_reporters={name: _reporter(name) for name in INDICATOR_NAMES}
        )
        self._record()
        self.baselines.vitality = vitality_parts(self.indicators)

    # ------------------------------------------------------------------------------------
    # Initial state

    def _populate(self) -> None:
        """Residents with the region's age profile, housed in the cities and the countryside."""
        spec = self.config.simulation
        rng = self.streams["population"]
        ages = np.arange(101)
        density = population.profile(self.demography.initial_age_profile(), ages)
        age = rng.choice(ages, size=spec.residents, p=density / density.sum())
        skill = population.cohort_skill(self.config.economy, self.year - age, rng)
        geo = self.geography
        urban_agents = round(spec.residents * self.industry.urban_share())
        city = geo.layer("city")
        units = np.repeat(np.arange(geo.size), geo.layer("housing"))
        urban_units = rng.permutation(units[city[units] >= 0])
        rural_units = rng.permutation(units[city[units] < 0])
        rural_agents = spec.residents - urban_agents
        if len(urban_units) < urban_agents or len(rural_units) < rural_agents:
            # a grid too coarse for the region (one cell, all of it city) has no countryside
            raise ScenarioError(
                f"geography.km_per_cell = {self.config.geography.km_per_cell:g} gives "
                f"{geo.size:,} cell{'s' if geo.size != 1 else ''} with homes for "
                f"{len(urban_units):,} urban and {len(rural_units):,} rural residents, fewer "
                f"than the {urban_agents:,} and {rural_agents:,} to place: lower "
                "geography.km_per_cell"
            )
        home = np.r_[urban_units[:urban_agents], rural_units[:rural_agents]]
        self.add_residents(age=age, skill=skill, home=home)
        self.residents.retired[:] = self.residents.age >= self.config.economy.retirement_age
        housing.update_occupancy(self)

    def _open_initial_firms(self) -> None:
        """The initial industrial structure of every city, placed and staffed as a planner would.

        Each city's jobs are its working-age residents times the employment rate, split by its
        kind's mix of sectors (cause 1). Mines open on the town's deposit field and hire first;
        the other firms then open where the city's workers still without a job live, high-tech
        firms hire the scarce skilled workers, and finally everyone looks for the remaining
        jobs within commuting reach. Countryside residents farm.
        """
        rng = self.streams["firms"]
        economy_params = self.config.economy
        geo = self.geography
        city = self.resident_city()
        working = self.of_working_age()
        jobs_by_city = np.bincount(city[working & (city >= 0)], minlength=geo.cities)
        plan = np.stack(
            [
                apportion(
                    self.industry.sector_mix(kind),
                    round(jobs_by_city[c] * economy_params.employment_rate),
                )
                for c, kind in enumerate(geo.city_kinds)
            ]
        )
        cell_city = geo.layer("city")
        for sector in Sector:
            for c in range(geo.cities):
                if plan[c, sector] == 0:
                    continue
                if sector == Sector.RESOURCE and (geo.layer("deposit_field") == c).any():
                    weights = np.where(geo.layer("deposit_field") == c, geo.layer("deposits"), 0.0)
                else:
                    idle = labour.job_seekers(self)
                    idle = idle[city[idle] == c]
                    if sector == Sector.HIGHTECH:  # high-tech hires skilled workers only
                        idle = idle[self.residents.skill[idle] >= economy_params.high_skill]
                    weights = np.bincount(self.residents.home[idle], minlength=geo.size).astype(
                        np.float64
                    )
                    if weights.sum() == 0:
                        weights = (cell_city == c).astype(np.float64)
                self._open_planned_firms(sector, int(plan[c, sector]), weights, rng)
            if sector in (Sector.RESOURCE, Sector.HIGHTECH):
                labour.match(self, only=self.firms.sector == sector, everyone=True)
        labour.match(self, everyone=True)
        jobs = np.bincount(self.firms.sector, self.firms.positions, minlength=len(Sector))
        self.baselines.sector_shares = jobs / max(jobs.sum(), 1)
        self.baselines.young_skilled = int(firm_dynamics.young_skilled(self).sum())
        self.baselines.urban_working_age = int((working & (city >= 0)).sum())
        self.resources.scale_reserves()

    def _open_planned_firms(
        self, sector: Sector, jobs: int, weights: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Open firms of lognormal size (persons) with ``jobs`` agents' positions in all."""
        ppa = self.persons_per_agent
        target = jobs * ppa
        sizes: list[float] = []
        total = 0.0  # a running total: re-summing the list for every firm is quadratic
        while total < target:
            size = self.sectors.firm_size[sector] * rng.lognormal(
                -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION
            )
            sizes.append(size)
            total += size
        if not sizes:
            return
        cells = sample_weighted(weights, len(sizes), rng)
        soe = rng.random(len(cells)) < self.sectors.soe_share[sector]
        founded = self.year - rng.integers(5, 40, len(cells))
        self.open_firms(sector, cells, soe, sizes=np.array(sizes)[: len(cells)], founded=founded)

    def _start_economy(self) -> None:
        """Run the start year's production and budget, and take the start-year baselines."""
        jobs = np.bincount(self.firms.sector, self.firms.positions, minlength=len(Sector))
        self.labour_market.average_wage = float(
            self.config.economy.labour_share
            * np.average(self.technology(), weights=np.maximum(jobs, 1e-12))
        )
        economy.produce(self)
        services = self.firms.sector == Sector.SERVICES
        self.baselines.service_supply = float(self.firms.output[services].sum())
        settle_budget(self)
        self.baselines.household_income = self.labour_market.household_income
        labour.measure_market(self)
        self.baselines.unemployment_rate = self.labour_market.unemployment_rate
        cell_amenity = housing.amenity(self)
        occupancy = self.geography.layer("occupancy").astype(np.float64)
        urban = self.geography.layer("city") >= 0
        for name, mask in (("urban_services", urban), ("rural_services", ~urban)):
            people = occupancy[mask].sum()
            value = float((cell_amenity * occupancy)[mask].sum() / people) if people else 0.0
            setattr(self.baselines, name, value)

    # ------------------------------------------------------------------------------------
    # The year

    def step(self) -> None:
        """Advance one year (see ``docs/ODD.md``, process overview and scheduling)."""
        self.last_output = float(self.firms.output.sum()) + self.farm_output
        self.year += 1
        self.events = dict.fromkeys(EVENTS, 0)
        # 1. Life course in both regions: ageing, deaths, retirement.
        self.events["deaths"] = population.age_and_die(self)
        self.events["national_deaths"] = self.rest_of_china.age_and_die()
        labour.retire(self)
        # 2. Production in both regions at the national frontier, then public finance.
        economy.produce(self)
        protected = self.industry.protected() & (self.firms.profit < 0)
        self.events["protected_losses"] = float(-self.firms.profit[protected].sum())
        settle_budget(self)
        # 3. Firms: losses, adaptation, closure, entry.
        firm_dynamics.update_losses(self)
        adapted, closed = firm_dynamics.adapt_or_close(self)
        self.events["firm_adaptations"], self.events["firm_closures"] = adapted, closed
        multiplier = self.policy.entry_multiplier(self.support, self.last_output)
        self.events["firm_entries"] = firm_dynamics.enter(self, multiplier)
        self.rest_of_china.update_sectors()  # its jobs, labour market and wages
        # 4. Labour market: layoffs (the reform's shock), hiring, then the wage curve.
        labour.adjust_workforce(self)
        labour.match(self)
        labour.close_year(self)
        economy.adjust_wage_level(self)
        # 5. Births in both regions.
        self.events["births"] = population.give_birth(self)
        self.events["national_births"] = self.rest_of_china.give_birth()
        # 6. Migration: between the cities, from farms to cities, between the regions.
        self.events.update(migration.migrate(self))
        # 7. Housing: moves within cities, dereliction, construction.
        self.events["moves"] = housing.move(self)
        housing.age_buildings(self)
        # 8. Observation.
        self._record()
        self.running = self.year < self.config.simulation.end_year

    def set_causes(self, **overrides: Any) -> None:
        """Change parameters of the causes of a running model, from its next year on.

        For what-if experiments such as "efficient policy from 2010": only the parameters of the
        causes (``industry``, ``resources``, ... ``policy``) can change mid-run, and of those
        not the few that shape only the initial state (see
        :func:`~declineabm.scenario.takes_effect_mid_run`); the region's structure is fixed at
        creation. Keys are dotted (``**{"policy.efficiency": 0.9}``) or use ``__`` for the
        dot; invalid values raise ScenarioError and change nothing.
        """
        keys = [normalise_key(key) for key in overrides]
        fixed = sorted(k for k in keys if k.split(".", 1)[0] not in MECHANISMS)
        if fixed:
            raise ScenarioError(
                f"{fixed[0]}: only the causes' parameters can change in a running model "
                f"({', '.join(MECHANISMS)})"
            )
        at_start = sorted(k for k in keys if not takes_effect_mid_run(k))
        if at_start:
            raise ScenarioError(
                f"{at_start[0]}: shapes only the initial region, so it cannot change in a "
                "running model (set it before the run starts)"
            )
        self.config = load_scenario(self.config, overrides)
        for mechanism in self.mechanisms:
            mechanism.params = getattr(self.config, mechanism.section)

    def run(self, until: int | None = None) -> None:
        """Step until the scenario's end year (or the year ``until``)."""
        until = self.config.simulation.end_year if until is None else until
        while self.year < until:
            self.step()

    def _record(self) -> None:
        """Compute the year's indicators and hand them to the DataCollector (changes nothing)."""
        self.indicators = compute(self)
        self.datacollector.collect(self)

    def city_indicators(self) -> list[dict[str, float | str]]:
        """This year's indicators of every city and of the countryside (``cities.csv``)."""
        return compute_cities(self)

    # ------------------------------------------------------------------------------------
    # What the rules ask of the region

    def prices(self) -> np.ndarray:
        """This year's price of each sector's output relative to the start year."""
        prices = np.ones(len(Sector))
        prices[[Sector.RESOURCE, Sector.HEAVY]] = self.national.heavy_price(self.year)
        return prices

    def sector_technology(self) -> np.ndarray:
        """Output per worker of an average private firm by sector, before the frontier."""
        return self.sectors.technology(self.year - self.config.simulation.start_year)

    def technology(self) -> np.ndarray:
        """This year's output per worker of an average private firm, by sector."""
        return self.sector_technology() * self.frontier

    def farm_technology(self) -> float:
        """Output per farm worker before the frontier."""
        return self.config.economy.farm_productivity

    def farm_income(self) -> float:
        """What a farm worker earns this year (her output)."""
        return self.farm_technology() * self.frontier

    def farm_workers(self) -> np.ndarray:
        """Mask of residents who farm."""
        return economy.farm_workers(self)

    def resident_city(self) -> np.ndarray:
        """City id of every resident's home (-1: the countryside)."""
        return self.geography.layer("city")[self.residents.home]

    def firm_city(self) -> np.ndarray:
        """City id of every firm: where it stands, or the town whose deposit it mines."""
        geo = self.geography
        site = geo.layer("city")[self.firms.cell]
        field = geo.layer("deposit_field")[self.firms.cell]
        return np.where(site >= 0, site, field)

    def of_working_age(self) -> np.ndarray:
        """Mask of residents of working age who have not retired."""
        economy_params = self.config.economy
        return population.working_age(self.residents.age, economy_params) & ~self.residents.retired

    def population_share(self) -> float:
        """The region's share of the nation's people."""
        persons = len(self.residents) * self.persons_per_agent
        return persons / (persons + self.rest_of_china.population)

    def policy_support_per_young(self) -> float:
        """Revitalization support a young resident receives this year."""
        return self.labour_market.young_support

    # ------------------------------------------------------------------------------------
    # Creating, moving and removing agents (the only per-agent Python work)

    def add_residents(self, age: np.ndarray, skill: np.ndarray, home: np.ndarray) -> np.ndarray:
        """Create resident agents living in the flat cells ``home``; returns their rows."""
        limit = MAX_RESIDENT_GROWTH * self.config.simulation.residents
        if len(self.residents) + len(age) > limit:
            raise ScenarioError(
                f"year {self.year}: the residents would grow past {limit:,} agents "
                f"({MAX_RESIDENT_GROWTH}x simulation.residents), runaway growth the model "
                "cannot simulate; lower migration.income_response, migration.base_rate or "
                "demography.fertility_path"
            )
        rows = self.residents.append(len(age), age=age, skill=skill, home=home, employer=-1)
        create_agents(Resident, self, self.residents, rows, self.residents.home[rows])
        return rows

    def remove_residents(self, rows: np.ndarray) -> int:
        """Remove residents (deaths, departures); returns how many. Their jobs fall vacant."""
        residents, firms = self.residents, self.firms
        employer = residents.employer[rows]
        np.subtract.at(firms.workforce, employer[employer >= 0], 1)
        remove_agents(Resident, self, residents, rows, residents.home[rows])
        residents.remove(rows)
        return len(rows)

    def leave_jobs(self, rows: np.ndarray) -> None:
        """The residents of ``rows`` leave their jobs (their firms' workforce follows)."""
        residents = self.residents
        employer = residents.employer[rows]
        np.subtract.at(self.firms.workforce, employer[employer >= 0], 1)
        residents.employer[rows] = -1

    def relocate_residents(self, rows: np.ndarray, homes: np.ndarray) -> None:
        """Move residents to new homes (flat cells)."""
        residents = self.residents
        move_agents(self, residents, rows, residents.home[rows], homes)
        residents.home[rows] = homes

    def open_firms(
        self,
        sector: Sector,
        cells: np.ndarray,
        state_owned: np.ndarray,
        sizes: np.ndarray | None = None,
        founded: np.ndarray | int | None = None,
    ) -> np.ndarray:
        """Open real firms of one sector in the flat ``cells``; returns the rows created.

        A firm's size is in persons (drawn around the sector's mean unless given). A firm of
        at least one agent's persons is one firm of ``size / persons_per_agent`` agents' jobs
        (rounded without bias); a smaller one is kept with the chance its size is of an agent,
        as a firm of one agent's job that stands for ``persons_per_agent / size`` real firms of
        its size (``represents``). Jobs and firms are then the same, on average, at any
        resolution. The small firms are kept by systematic sampling, so their jobs in agents
        are their jobs in persons rounded, not a sum of coin flips: with coarse agents the
        coin flips' noise made a city's jobs miss its workers, and the unemployed that left
        (min(jobs, workers) is concave) depended on the resolution.
        """
        rng = self.streams["firms"]
        count = len(cells)
        if sizes is None:
            sizes = self.sectors.firm_size[sector] * rng.lognormal(
                -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION, count
            )
        agents = np.asarray(sizes, dtype=np.float64) / self.persons_per_agent
        keep = (agents >= 1.0) | systematic_sample(np.where(agents < 1.0, agents, 0.0), rng)
        agents, cells = agents[keep], np.asarray(cells)[keep]
        state_owned = np.asarray(state_owned)[keep]
        if founded is not None and not np.isscalar(founded):
            founded = np.asarray(founded)[keep]
        count = len(cells)
        # Against the larger of the residents now and at the start: a city that empties
        # keeps its firms for a while, which is decline, not runaway entry.
        residents = max(len(self.residents), self.config.simulation.residents)
        limit = int(MAX_FIRMS_PER_RESIDENT * residents)
        if len(self.firms) + count > limit and self.year > self.config.simulation.start_year:
            raise ScenarioError(
                f"year {self.year}: the firms would outnumber the {residents:,} resident "
                f"agents ({len(self.firms) + count:,}), runaway entry the model cannot "
                f"simulate; lower sectors.{sector.key}.entry_rate or policy.entry_boost"
            )
        positions = np.where(agents >= 1.0, stochastic_round(agents, rng), 1)
        represents = np.where(agents >= 1.0, 1.0, 1.0 / np.maximum(agents, 1e-12))
        sigma = self.config.economy.productivity_dispersion
        rows = self.firms.append(
            count,
            sector=int(sector),
            soe=state_owned,
            cell=cells,
            founded=self.year if founded is None else founded,
            reform_rank=rng.random(count),
            productivity=rng.lognormal(-(sigma**2) / 2, sigma, count),
            pollution=rng.lognormal(-(POLLUTION_DISPERSION**2) / 2, POLLUTION_DISPERSION, count),
            desired=np.maximum(agents, 1.0),
            positions=np.maximum(positions, 1),
            represents=represents,
        )
        create_agents(Firm, self, self.firms, rows, self.firms.cell[rows])
        return rows

    def close_firms(self, rows: np.ndarray) -> int:
        """Close firms: their workers lose their jobs, their sites become wasteland."""
        if len(rows) == 0:
            return 0
        residents, firms = self.residents, self.firms
        closing = np.zeros(len(firms), dtype=bool)
        closing[rows] = True
        employer = residents.employer
        residents.employer[(employer >= 0) & closing[np.maximum(employer, 0)]] = -1
        np.add.at(self.geography.layer("closed_sites"), firms.cell[rows], firms.represents[rows])
        remove_agents(Firm, self, firms, rows, firms.cell[rows])
        remap = firms.remove(rows)
        employed = residents.employer >= 0
        residents.employer[employed] = remap[residents.employer[employed]]
        return len(rows)

    def dispose(self) -> None:
        """Release the model's agents so a long-lived process does not keep it in memory.

        A model nobody refers to is freed by Python's cycle collector anyway; this frees it at
        once, without waiting for a collection, by dropping the references between the model
        and its agents. The model cannot be stepped afterwards.
        """
        release(self)
        self.residents.handles.clear()
        self.firms.handles.clear()


def _reporter(name: str) -> Callable[[UrbanDeclineModel], float]:
    def report(model: UrbanDeclineModel) -> float:
        return model.indicators[name]

    report.__name__ = name
    return report
