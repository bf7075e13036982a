"""The rest of China: the second region, where the economic centre moved (§2.2.2, §2.2.4).

"The economic center began to migrate to the southeast coast" (§2.2.2); "many young people ...
go to the south to find job opportunities" (§2.2.4); the "spatial transfer of population"
(§2.3). The Northeast's share of national output is its output over the sum of its own and the
rest of China's, so it falls only if the rest of China grows faster.

The rest of China is one aggregate Mesa agent, not a billion people drawn as agents: a
cohort-component population (persons by single year of age, urban or rural, with the mean skill
of each cohort), the standard demographic projection, whose every rule is the one the
Northeast's agents follow, applied to expected values. It has the nation's urban sector mix,
its own fertility and urbanization, and none of the seven causes: it is the ordinary region
the Northeast would be without them. It grows mainly by the move of its farm workers into
urban jobs (the rural-to-urban transition that the early-urbanized Northeast had largely
finished, §1), and it is where the Northeast's migrants go and where its in-migrants come from
(:mod:`declineabm.model.migration`). Why aggregate: drawn at the Northeast's resolution it
would take fourteen times the Northeast's agents; drawn coarser, every migrant would have to
change weight at the border. Its role (the rest of national output, an origin and destination
of migrants by age and skill) needs only its cohorts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from declineabm.model.parameters import path_value
from declineabm.model.rural_industry import rural_technology

if TYPE_CHECKING:
    from declineabm.model.structure import RestOfChinaSection
    from declineabm.model.urban_decline import UrbanDeclineModel

URBAN, RURAL = 0, 1
AGES = np.arange(101)  # single years of age; the last holds everyone aged 100 and over


class RestOfChina(mesa.Agent):
    """The rest of China as one aggregate agent: cohorts of persons, urban and rural.

    Summary of rule: every year its cohorts age and die by the Northeast's mortality schedule,
    bear children at its own fertility (:meth:`age_and_die`, :meth:`give_birth`), move from
    farms to cities and to and from the Northeast by the migration rule shared with the
    Northeast's residents (:mod:`declineabm.model.migration`), and produce with the nation's
    technology: urban workers by the nation's sector mix, rural ones on farms and in rural
    industry (:meth:`potential_output`, :mod:`declineabm.model.rural_industry`).

    Args:
        model: The model the region belongs to.
        params: The scenario's ``rest_of_china`` section
            (:class:`~declineabm.model.structure.RestOfChinaSection`).
    """

    def __init__(self, model: UrbanDeclineModel, params: RestOfChinaSection) -> None:
        super().__init__(model)
        self.params = params
        from declineabm.model.population import cohort_mean_skill, profile

        density = profile(params.age_profile, AGES)
        persons = params.population * density / density.sum()
        self.persons = np.vstack([persons * params.urban_share, persons * (1 - params.urban_share)])
        mean_skill = cohort_mean_skill(model.config.economy, model.year - AGES)
        self.skill_sum = self.persons * mean_skill
        self.transfers_paid = 0.0  # this year's central transfers to the Northeast
        self.output = 0.0  # this year's output, million yuan
        # Urban jobs by sector (persons), and the services supply and income of the start.
        labour = self.urban_labour()
        self.jobs = params.sector_mix.array() * labour * (1.0 - params.unemployment_rate)
        self.service_demand = 1.0
        self.wage_level = 1.0
        self.vacancy_rate = 0.0
        self._start_income = 0.0
        self._start_services = 0.0

    # ------------------------------------------------------------------------------------
    # Counts

    @property
    def population(self) -> float:
        """Persons living in the rest of the nation."""
        return float(self.persons.sum())

    @property
    def urban_population(self) -> float:
        """Persons living in its cities."""
        return float(self.persons[URBAN].sum())

    def working_age(self) -> np.ndarray:
        """Mask of its cohorts' working ages (the Northeast's: :func:`.population.working_age`)."""
        from declineabm.model import population

        return population.working_age(AGES, self.model.config.economy)

    def mean_skill(self) -> np.ndarray:
        """Mean skill of each (urban/rural, age) cohort."""
        return np.divide(
            self.skill_sum, self.persons, out=np.zeros_like(self.persons), where=self.persons > 0
        )

    # ------------------------------------------------------------------------------------
    # Life course

    def age_and_die(self) -> float:
        """Everyone ages a year and the expected deaths leave. Returns the deaths.

        Reads and writes its cohorts (``persons``, ``skill_sum``).
        """
        from declineabm.model.population import death_probability

        survive = 1.0 - death_probability(self.model, AGES + 1)
        aged, aged_skill = np.zeros_like(self.persons), np.zeros_like(self.skill_sum)
        aged[:, 1:] = self.persons[:, :-1]
        aged[:, -1] += self.persons[:, -1]
        aged_skill[:, 1:] = self.skill_sum[:, :-1]
        aged_skill[:, -1] += self.skill_sum[:, -1]
        before = aged.sum()
        self.persons = aged * survive
        self.skill_sum = aged_skill * survive
        return float(before - self.persons.sum())

    def fertility(self) -> float:
        """This year's total fertility rate."""
        return path_value(self.params.fertility_path, self.model.year)

    def give_birth(self) -> float:
        """The year's births join the cohort aged 0 beside their mothers. Returns the births.

        Reads its cohorts of childbearing age and the fertility; writes its cohort aged 0.
        """
        from declineabm.model.population import birth_rate, childbearing, cohort_mean_skill

        births = self.persons[:, childbearing()].sum(axis=1) * birth_rate(self.fertility())
        skill = cohort_mean_skill(self.model.config.economy, np.array([self.model.year]))[0]
        self.persons[:, 0] += births
        self.skill_sum[:, 0] += births * skill
        return float(births.sum())

    # ------------------------------------------------------------------------------------
    # Economy

    def sold(self) -> np.ndarray:
        """Share of capacity each sector sells (services no more than local demand)."""
        from declineabm.model.sectors import Sector

        sold = np.ones(len(self.jobs))
        sold[Sector.SERVICES] = min(1.0, self.service_demand)
        return sold

    def urban_output_per_worker(self) -> float:
        """Output per urban worker before the frontier: its jobs by sector, at prices."""
        model = self.model
        mix = self.jobs / max(self.jobs.sum(), 1e-300)
        return float((mix * model.sector_technology() * model.prices() * self.sold()).sum())

    def update_sectors(self) -> None:
        """Its urban jobs move between sectors as the Northeast's firms do, in aggregate.

        The expected value of the firms' rules (:mod:`declineabm.model.firm_dynamics`,
        :mod:`declineabm.model.labour`) for firms of the nation's costs: a sector grows with
        its margin (``economy.expansion_rate`` at the target margin, at most
        ``economy.max_expansion``: :func:`.firm_dynamics.expansion`), sheds
        ``economy.layoff_rate`` of its jobs when it makes losses, and draws entrants by its
        opportunity (``sectors.*.entry_rate``); the job seekers fill the openings, all but a
        frictional share of the labour force (``rest_of_china.unemployment_rate``), high-tech
        from its skilled applicants only; and the wage level follows the wage curve on the
        openings less the job seekers, as the Northeast's does. Services sell no more than
        local demand, which grows with income at ``economy.service_income_elasticity`` from
        the start year, when it equals supply.

        Reads its cohorts, the sectors' margins at the nation's costs and its own last year;
        writes its ``jobs``, ``vacancy_rate``, ``wage_level`` and ``service_demand``.
        """
        from declineabm.model.economy import next_wage_level
        from declineabm.model.firm_dynamics import (
            MIN_SECTOR_SHARE,
            expansion,
            opportunity,
            sector_margins,
        )
        from declineabm.model.sectors import Sector

        model = self.model
        economy = model.config.economy
        sectors = model.sectors
        supply = self.jobs[Sector.SERVICES] * model.sector_technology()[Sector.SERVICES]
        supply *= model.frontier
        if self._start_services == 0.0:
            self._start_services = supply
        income = self.household_income()
        if self._start_income == 0.0:
            self._start_income = income
        income_ratio = income / self._start_income
        demand = self._start_services * income_ratio**economy.service_income_elasticity
        self.service_demand = demand / supply if supply > 0 else 1.0
        margins = (1.0 - economy.profit_tax) * sector_margins(
            model, self.service_demand, self.wage_level, sectors.material
        )
        growth = expansion(model, margins)
        shed = np.where(margins < 0, economy.layoff_rate, 0.0)
        slack = 1.0 - self.service_demand
        if slack > 0:  # services follow local demand (labour.adjust_workforce)
            growth[Sector.SERVICES] = 0.0
            shed[Sector.SERVICES] = max(shed[Sector.SERVICES], min(slack, economy.layoff_rate))
        labour = self.urban_labour()
        jobs = self.jobs * min(1.0, labour / max(self.jobs.sum(), 1e-300))  # the retired left
        shares = np.maximum(self.params.sector_mix.array(), MIN_SECTOR_SHARE)
        entry = sectors.entry_rate * shares * opportunity(model, margins, self.service_demand)
        kept = jobs * (1.0 - shed)
        openings = jobs * growth + entry * labour
        # Job seekers (the unemployed, the laid-off, the new) fill the openings, all but the
        # frictional share of the labour force that is always between jobs.
        seekers = max(labour - kept.sum() - self.params.unemployment_rate * labour, 0.0)
        # Skilled seekers apply everywhere, in proportion to the openings, the others
        # everywhere but high-tech (labour.match): high-tech fills from its skilled applicants.
        hightech = Sector.HIGHTECH
        applicants = (
            self.skilled_share() * seekers * openings[hightech] / max(openings.sum(), 1e-300)
        )
        hired = np.zeros(len(openings))
        hired[hightech] = min(openings[hightech], applicants)
        others = np.arange(len(openings)) != hightech
        rest = min(openings[others].sum(), seekers - hired[hightech])
        hired[others] = openings[others] * rest / max(openings[others].sum(), 1e-300)
        self.jobs = kept + hired
        unfilled = openings.sum() - hired.sum()
        self.vacancy_rate = float(unfilled / (self.jobs.sum() + unfilled))
        # the Northeast's measure (labour.adjust_workforce): openings less seekers, before hiring
        tightness = (openings.sum() - seekers) / max(kept.sum() + openings.sum(), 1e-300)
        self.wage_level = next_wage_level(model, self.wage_level, float(tightness))

    def skilled_share(self) -> float:
        """Share of the urban working-age persons who are skilled (their cohorts' education)."""
        from declineabm.model.normal import ndtr

        economy = self.model.config.economy
        working = self.working_age()
        spread = max(economy.skill_dispersion, 1e-9)
        skilled = ndtr((self.mean_skill()[URBAN, working] - economy.high_skill) / spread)
        persons = self.persons[URBAN, working]
        return float((skilled * persons).sum() / persons.sum()) if persons.sum() > 0 else 0.0

    def urban_labour(self) -> float:
        """Urban persons of working age."""
        return float(self.persons[URBAN, self.working_age()].sum())

    def rural_labour(self) -> float:
        """Rural persons of working age: farm and rural-industry workers."""
        return float(self.persons[RURAL, self.working_age()].sum())

    def unemployment_rate(self) -> float:
        """Urban working-age persons without a job, over all urban working-age persons."""
        labour = self.urban_labour()
        return float(max(labour - self.jobs.sum(), 0.0) / labour) if labour > 0 else 0.0

    def workers(self) -> tuple[float, float]:
        """Urban workers with a job, and rural workers (on farms and in rural industry)."""
        urban = min(float(self.jobs.sum()), self.urban_labour())
        return urban, self.rural_labour()

    def household_income(self) -> float:
        """Households' incomes this year, as the Northeast's are counted (thousand yuan).

        Urban wages, benefits and pensions, and farm workers' output.
        """
        urban, rural = self.household_incomes()
        return urban + rural

    def household_incomes(self) -> tuple[float, float]:
        """Urban households' incomes (wages, benefits, pensions) and rural ones.

        A rural worker earns a farm worker's output, on the farm or in rural industry (which
        pays the dual economy's wage: :mod:`declineabm.model.rural_industry`).
        """
        economy = self.model.config.economy
        working = self.working_age()
        urban, rural = self.workers()
        wage = self.urban_wage()
        unemployed = self.persons[URBAN, working].sum() - urban
        retired = self.persons[URBAN, economy.retirement_age <= AGES].sum()
        urban_income = (
            urban * wage
            + unemployed * economy.unemployment_benefit * wage
            + retired * economy.pension_rate * wage
        )
        return float(urban_income), float(rural * self.model.farm_income())

    def potential_output(self) -> float:
        """This year's output at a frontier of 1: urban workers by sector, farms, rural industry."""
        urban, rural = self.workers()
        countryside = rural * rural_technology(self.model, self.params.rural_industry_share)
        return urban * self.urban_output_per_worker() + countryside

    def urban_wage(self) -> float:
        """Average urban wage (thousand yuan a year): each sector's market wage, by its jobs."""
        model = self.model
        mix = self.jobs / max(self.jobs.sum(), 1e-300)
        technology = float((mix * model.sector_technology()).sum())
        labour_share = model.config.economy.labour_share
        return labour_share * technology * model.frontier * self.wage_level

    # ------------------------------------------------------------------------------------
    # Migration (the rule is in declineabm.model.migration)

    def take(self, kind: int, ages: np.ndarray, persons: np.ndarray) -> np.ndarray:
        """Remove persons of the given ages (repeats allowed); returns their mean skills."""
        skill = self.mean_skill()[kind, ages]
        np.subtract.at(self.persons[kind], ages, persons)
        np.subtract.at(self.skill_sum[kind], ages, persons * skill)
        np.maximum(self.persons, 0.0, out=self.persons)
        np.maximum(self.skill_sum, 0.0, out=self.skill_sum)
        return skill

    def add(self, kind: int, ages: np.ndarray, persons: np.ndarray, skill: np.ndarray) -> None:
        """Add persons of the given ages and skills (repeats allowed)."""
        np.add.at(self.persons[kind], np.minimum(ages, AGES[-1]), persons)
        np.add.at(self.skill_sum[kind], np.minimum(ages, AGES[-1]), persons * skill)
