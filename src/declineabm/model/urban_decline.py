"""UrbanDeclineModel: the Northeast and the rest of China, one step a year.

The Northeast's residents, firms and government are Mesa agents on a grid of its cities and
countryside; the rest of China is one aggregate Mesa agent (:mod:`.rest_of_china`). Every rule
traces to a cause of decline in the paper or to a named fact, and each cause can be switched
off in the scenario; with all seven off, the Northeast is an ordinary region and keeps pace
with the nation (``tests/test_regions.py``).

This file is the model and its year: what the model holds, the numbered schedule (``step``),
``set_causes`` for what-if changes mid-run, the recording of each year, and the questions the
rules ask of the region (``prices``, ``technology``, ``resident_city``, ``of_working_age``
...). The region on the first day is built by :mod:`.initial_state`; residents and firms are
created, moved and removed by the register the model mixes in (:mod:`.register`:
``add_residents``, ``open_firms``, ``close_firms``, ``dispose`` ...).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, cast

import mesa
import numpy as np
from mesa import DataCollector

from declineabm.model import (
    economy,
    firm_dynamics,
    housing,
    initial_state,
    labour,
    migration,
    population,
)
from declineabm.model.agents import FirmTable, ResidentTable
from declineabm.model.capital import NORTHEAST, RegionalCapital
from declineabm.model.geography import build_geography
from declineabm.model.government import Government
from declineabm.model.indicators import INDICATOR_NAMES, compute, compute_cities, vitality_parts
from declineabm.model.mechanisms.demography import AgeingAndMigration
from declineabm.model.mechanisms.environment import EnvironmentalStandards
from declineabm.model.mechanisms.industry import IndustrialRigidity
from declineabm.model.mechanisms.infrastructure import InfrastructureDecay
from declineabm.model.mechanisms.policy import RevitalizationPolicy, Support
from declineabm.model.mechanisms.resources import ResourceDepletion
from declineabm.model.mechanisms.transport import TransportCosts
from declineabm.model.mesa_adapter import expose_scenario, scenario_source
from declineabm.model.national import NationalEconomy
from declineabm.model.public_finance import settle_budget
from declineabm.model.register import AgentRegister
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
"""The random streams spawned from the seed, in this order; each group of rules draws from its
own. (The map draws from ``model.random``; ``geography`` stays so the others keep their seeds.)"""


class UrbanDeclineModel(AgentRegister, mesa.Model):
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
        # capital per worker in each region, and what it does to output (model/capital.py)
        self.capital = RegionalCapital(self.config.capital, self.national.early_growth())
        self.rural_output = 0.0  # farms and rural industry; thousand yuan, agent units
        # share of its rural workers in township and village enterprises (rural_industry.py)
        self.rural_industry_share = self.industry.rural_industry_share()
        self.last_output = 0.0
        self.indicators: dict[str, float] = {}

        self.rest_of_china = RestOfChina(self, self.config.rest_of_china)
        self.geography = build_geography(self.config, self.industry.urban_share(), self.random)
        self.grid = self.geography.grid
        self.residents = ResidentTable(capacity=int(spec.residents * 1.25))
        self.firms = FirmTable(capacity=1024)
        self.government = Government(self)

        # The region on the first day (model/initial_state.py; ODD 5, Initialization).
        initial_state.populate(self)
        initial_state.open_initial_firms(self)
        initial_state.start_economy(self)
        self.datacollector = DataCollector(
            model_reporters={name: _reporter(name) for name in INDICATOR_NAMES}
        )
        self._record()
        self.baselines.vitality = vitality_parts(self.indicators)

    # ------------------------------------------------------------------------------------
    # The year

    def step(self) -> None:
        """Advance one year (see ``docs/ODD.md``, process overview and scheduling)."""
        self.last_output = float(self.firms.output.sum()) + self.rural_output
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
        multipliers = self.policy.entry_multipliers(self.support, self.last_output)
        self.events["firm_entries"] = firm_dynamics.enter(self, multipliers)
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
        for event, count in migration.migrate(self).items():
            self.events[event] += count  # moves between cities also come from hiring (4.)
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
        """This year's output per worker of an average private firm, by sector.

        The sector's technology at the national frontier, with the Northeast's capital
        deepening (:mod:`declineabm.model.capital`).
        """
        return self.sector_technology() * self.frontier * self.capital.factor[NORTHEAST]

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


def _reporter(name: str) -> Callable[[UrbanDeclineModel], float]:
    def report(model: UrbanDeclineModel) -> float:
        return model.indicators[name]

    report.__name__ = name
    return report
