"""UrbanDeclineModel: residents, firms and a government on a grid, one step a year."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
from mesa import DataCollector

from declineabm.model import economy, firm_dynamics, housing, labour, population
from declineabm.model.agents import (
    Firm,
    Government,
    Resident,
    create_agents,
    move_agents,
    remove_agents,
)
from declineabm.model.allocation import sample_weighted
from declineabm.model.geography import apportion, build_geography
from declineabm.model.indicators import INDICATOR_NAMES, compute
from declineabm.model.mechanisms.demography import AgeingAndMigration, profile
from declineabm.model.mechanisms.environment import EnvironmentalStandards
from declineabm.model.mechanisms.industry import IndustrialRigidity
from declineabm.model.mechanisms.infrastructure import InfrastructureDecay
from declineabm.model.mechanisms.policy import RevitalizationPolicy, Support
from declineabm.model.mechanisms.resources import ResourceDepletion
from declineabm.model.mechanisms.transport import TransportCosts
from declineabm.model.national import NationalEconomy
from declineabm.model.public_finance import settle_budget
from declineabm.model.sectors import Sector, SectorArrays
from declineabm.model.tables import ColumnTable
from declineabm.scenario import (
    MECHANISMS,
    Scenario,
    ScenarioError,
    load_scenario,
    normalise_key,
    takes_effect_mid_run,
)

RESIDENT_COLUMNS = {
    "age": np.int16,
    "skill": np.float32,
    "employer": np.int32,  # firm row, -1 for none
    "income": np.float64,
    "home": np.int32,  # flat cell index
    "years_unemployed": np.int16,
    "slot": np.int32,  # index in the home cell's list of agents (Mesa bookkeeping)
}
FIRM_COLUMNS = {
    "sector": np.int8,
    "soe": np.bool_,
    "cell": np.int32,
    "founded": np.int16,
    "reform_rank": np.float64,  # when the reform reaches the firm, 0 first .. 1 last (SOEs)
    "productivity": np.float64,  # firm-specific factor, mean 1
    "pollution": np.float64,  # emission intensity relative to the sector's norm
    "positions": np.int64,
    "workforce": np.int64,
    "loss_years": np.int16,
    "empty_years": np.int16,
    "output": np.float64,
    "wage": np.float64,
    "wage_bill": np.float64,
    "costs": np.float64,
    "profit_tax": np.float64,
    "subsidy": np.float64,
    "profit": np.float64,
    "slot": np.int32,  # index in the cell's list of agents (Mesa bookkeeping)
}
STREAMS = ("geography", "population", "migration", "labour", "firms", "housing")
EVENTS = (
    "births",
    "deaths",
    "in_migrants",
    "out_migrants",
    "out_migrants_young",
    "moves",
    "firm_entries",
    "firm_closures",
    "firm_adaptations",
    "zombie_firms",
    "protected_losses",
)
INITIAL_MATCH_ROUNDS = 12  # at the start, fill the existing jobs before the clock runs
FIRM_SIZE_DISPERSION = 0.5  # log s.d. of firm size at creation
POLLUTION_DISPERSION = 0.3  # log s.d. of a firm's emission intensity around its sector norm


class UrbanDeclineModel(mesa.Model):
    """An old industrial city over the decades of its decline.

    Residents, firms and a government live on a grid; one step is one year. Every rule traces
    to a cause of decline in the paper and each cause can be switched off in the scenario
    (``industry``, ``resources``, ``transport``, ``infrastructure``, ``demography``,
    ``environment``, ``policy``). See ``docs/ODD.md`` for the full description.

    Args:
        scenario: A scenario name in ``configs/`` (``"northeast"``), a path to a TOML file, or a
            :class:`~declineabm.scenario.Scenario`.
        seed: Seed of the model's random streams; the same scenario and seed give the same run.
        **params: Parameter overrides by dotted key, e.g. ``**{"policy.enabled": False}``, or
            with ``__`` for the dot: ``demography__outmigration_base=0.02``.
    """

    def __init__(
        self,
        scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any] = "baseline",
        seed: int | None = None,
        **params: Any,
    ) -> None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
        seed = int(seed)  # numpy integers from pandas or a sweep table are seeds too
        super().__init__(seed=seed)
        self.config = load_scenario(scenario, params)
        self.seed = seed
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

        self.geography = build_geography(
            spec, self.config.geography, self.streams["geography"], self.random
        )
        self.grid = self.geography.grid
        self.residents = ColumnTable(RESIDENT_COLUMNS, capacity=int(spec.residents * 1.25))
        self.firms = ColumnTable(FIRM_COLUMNS, capacity=1024)
        self.government = Government(self)

        # City-wide state carried from one year to the next.
        self.average_wage = 0.0
        self.wage_level = 1.0
        self.service_demand = 1.0
        self.household_income = 0.0
        self.initial_household_income = 0.0
        self.initial_service_supply = 0.0
        self.last_output = 0.0
        self.unemployment_rate = 0.0
        self.vacancy_rate = 0.0
        self.young_support_per_person = 0.0
        self.support = Support()
        self.vitality_baseline: dict[str, float] | None = None
        self.initial_young_skilled = 0
        self.initial_working_age = 0
        self.events = dict.fromkeys(EVENTS, 0)
        self.indicators: dict[str, float] = {}

        self._populate()
        self._open_initial_firms()
        self._start_economy()
        self.datacollector = DataCollector(
            model_reporters={name: _reporter(name) for name in INDICATOR_NAMES}
        )
        self._record()

    # ------------------------------------------------------------------------------------
    # Initial state

    def _populate(self) -> None:
        """Residents with the scenario's age profile, housed at random in the housing stock."""
        spec = self.config.simulation
        rng = self.streams["population"]
        ages = np.arange(101)
        density = profile(self.config.demography.age_profile, ages)
        age = rng.choice(ages, size=spec.residents, p=density / density.sum())
        skill = population.cohort_skill(self, self.year - age, rng)
        units = np.repeat(np.arange(self.geography.size), self.geography.layer("housing"))
        home = rng.permutation(units)[: spec.residents]
        self.add_residents(age=age, skill=skill, home=home)
        housing.update_occupancy(self)

    def _open_initial_firms(self) -> None:
        """The initial industrial structure, placed and staffed as a planner would.

        Mines open on the deposit fields and hire first; the other firms then open where the
        workers still without a job live, high-tech firms hire the scarce skilled workers, and
        finally everyone looks for the remaining jobs within commuting reach.
        """
        rng = self.streams["firms"]
        economy_params = self.config.economy
        working = (self.residents.age >= economy_params.working_age) & (
            self.residents.age < economy_params.retirement_age
        )
        jobs = apportion(
            self.sectors.employment_share, int(working.sum() * economy_params.employment_rate)
        )
        rounds = max(1, INITIAL_MATCH_ROUNDS // self.config.economy.match_rounds)
        for sector in Sector:
            if sector == Sector.RESOURCE:
                weights = self.geography.layer("deposits").copy()
            else:
                idle = labour.job_seekers(self)
                if sector == Sector.HIGHTECH:  # high-tech hires skilled workers only
                    idle = idle[self.residents.skill[idle] >= economy_params.high_skill]
                weights = np.bincount(
                    self.residents.home[idle], minlength=self.geography.size
                ).astype(np.float64)
            self._open_planned_firms(sector, int(jobs[sector]), weights, rng)
            if sector in (Sector.RESOURCE, Sector.HIGHTECH):
                for _ in range(rounds):
                    labour.match(self, only=self.firms.sector == sector, everyone=True)
        for _ in range(rounds):
            labour.match(self, everyone=True)
        self.initial_young_skilled = int(firm_dynamics.young_skilled(self).sum())
        self.initial_working_age = int(working.sum())
        mining = self.firms.positions[self.firms.sector == Sector.RESOURCE].sum()
        self.resources.scale_reserves(int(mining))

    def _open_planned_firms(
        self, sector: Sector, jobs: int, weights: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Open firms of lognormal size with ``jobs`` positions in all, sited by ``weights``."""
        sizes: list[int] = []
        total = 0  # a running total: re-summing the list for every firm is quadratic
        while total < jobs:
            size = self.sectors.firm_size[sector] * rng.lognormal(
                -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION
            )
            sizes.append(max(1, round(size)))
            total += sizes[-1]
        if not sizes:
            return
        sizes[-1] -= sum(sizes) - jobs
        cells = sample_weighted(weights, len(sizes), rng)
        soe = rng.random(len(cells)) < self.sectors.soe_share[sector]
        founded = self.year - rng.integers(5, 40, len(cells))
        self.open_firms(
            sector, cells, soe, positions=np.array(sizes)[: len(cells)], founded=founded
        )

    def _start_economy(self) -> None:
        """Run the start year's production and budget, and anchor the nation."""
        technology = self.technology()
        self.average_wage = float(
            self.config.economy.labour_share
            * np.average(technology, weights=self.sectors.employment_share)
        )
        economy.produce(self)
        services = self.firms.sector == Sector.SERVICES
        self.initial_service_supply = float(self.firms.output[services].sum())
        settle_budget(self)
        self.initial_household_income = self.household_income
        self.national.calibrate(float(self.firms.output.sum()), self.average_wage)

    # ------------------------------------------------------------------------------------
    # The year

    def step(self) -> None:
        """Advance one year (see ``docs/ODD.md``, process overview and scheduling)."""
        self.last_output = float(self.firms.output.sum())
        self.year += 1
        self.events = dict.fromkeys(EVENTS, 0)
        # 1. Life course: ageing, deaths, retirement.
        self.events["deaths"] = population.age_and_die(self)
        labour.retire(self)
        # 2. Production and public finance.
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
        # 4. Labour market.
        labour.adjust_workforce(self)
        labour.match(self)
        labour.end_of_year(self)
        # 5. Births and migration, then housing.
        self.events["births"] = population.give_birth(self)
        housing.update_occupancy(self)
        self.events["out_migrants"], self.events["out_migrants_young"] = population.leave(self)
        housing.update_occupancy(self)
        self.events["in_migrants"] = population.arrive(self)
        housing.update_occupancy(self)
        self.events["moves"] = housing.move(self)
        housing.age_buildings(self)
        self._record()
        self.running = self.year < self.config.simulation.end_year

    def set_causes(self, **overrides: Any) -> None:
        """Change parameters of the causes of a running model, from its next year on.

        For what-if experiments such as "efficient policy from 2010": only the parameters of the
        causes (``industry``, ``resources``, ... ``policy``) can change mid-run, and of those
        not the few that shape only the initial state (see
        :func:`~declineabm.scenario.takes_effect_mid_run`); the city's structure is fixed at
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
                f"{at_start[0]}: shapes only the initial city, so it cannot change in a running "
                "model (set it before the run starts)"
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
        """Compute the year's indicators and hand them to the DataCollector."""
        # deaths, retirements and departures since the last count left jobs behind
        self.firms.workforce[:] = np.bincount(
            self.residents.employer[self.residents.employer >= 0], minlength=len(self.firms)
        )
        self.indicators = compute(self)
        # next year's migrants look at this year's labour market
        self.unemployment_rate = self.indicators["unemployment_rate"]
        self.vacancy_rate = self.indicators["job_vacancy_rate"]
        economy.adjust_wage_level(self)
        self.datacollector.collect(self)

    def prices(self) -> np.ndarray:
        """This year's price of each sector's output relative to the start year."""
        prices = np.ones(len(Sector))
        prices[[Sector.RESOURCE, Sector.HEAVY]] = self.national.heavy_price(self.year)
        return prices

    def technology(self) -> np.ndarray:
        """This year's output per worker of an average private firm, by sector."""
        return self.sectors.technology(
            self.national.technology(self.year), self.year - self.config.simulation.start_year
        )

    @property
    def best_amenity(self) -> float:
        """Amenity of a cell with perfect infrastructure and clean air."""
        return self.config.infrastructure.amenity_weight

    # ------------------------------------------------------------------------------------
    # Creating, moving and removing agents (the only per-agent Python work)

    def add_residents(self, age: np.ndarray, skill: np.ndarray, home: np.ndarray) -> np.ndarray:
        """Create resident agents living in the flat cells ``home``; returns their rows."""
        rows = self.residents.append(len(age), age=age, skill=skill, home=home, employer=-1)
        create_agents(Resident, self, self.residents, rows, self.residents.home[rows])
        return rows

    def remove_residents(self, rows: np.ndarray) -> int:
        """Remove residents (deaths, departures); returns how many."""
        residents = self.residents
        remove_agents(Resident, self, residents, rows, residents.home[rows])
        residents.remove(rows)
        return len(rows)

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
        positions: np.ndarray | None = None,
        founded: np.ndarray | int | None = None,
    ) -> np.ndarray:
        """Create firms of one sector in the flat ``cells``; returns their rows."""
        rng = self.streams["firms"]
        count = len(cells)
        if positions is None:
            size = self.sectors.firm_size[sector] * rng.lognormal(
                -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION, count
            )
            positions = np.maximum(np.round(size), 1)
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
            positions=positions,
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
        np.add.at(self.geography.layer("closed_sites"), firms.cell[rows], 1)
        remove_agents(Firm, self, firms, rows, firms.cell[rows])
        remap = firms.remove(rows)
        employed = residents.employer >= 0
        residents.employer[employed] = remap[residents.employer[employed]]
        return len(rows)

    def dispose(self) -> None:
        """Release the model's agents so a long-lived process does not keep it in memory.

        Mesa keeps a per-model id counter in ``Agent._ids`` for the life of the process, and
        the agents sit in numpy object arrays (the tables' handles, the grid's cells) that
        Python's cycle collector cannot see into; dropping both lets the model be
        garbage-collected. The model cannot be stepped afterwards.
        """
        mesa.Agent._ids.pop(self, None)
        self.residents.handles[:] = None
        self.firms.handles[:] = None
        self.geography.cells[:] = None


def _reporter(name: str):
    def report(model: UrbanDeclineModel) -> float:
        return model.indicators[name]

    report.__name__ = name
    return report
