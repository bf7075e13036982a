"""The rest of China: the second region, where the economic centre moved (§2.2.2, §2.2.4).

"The economic center began to migrate to the southeast coast" (§2.2.2); "many young people ...
go to the south to find job opportunities" (§2.2.4); the "spatial transfer of population"
(§2.3). The Northeast's share of national output is its output over the sum of its own and the
rest of China's, so it falls only if the rest of China grows faster.

The rest of China is one aggregate Mesa agent, not a billion people drawn as agents: a
cohort-component population (persons by single year of age, urban or rural, with the mean skill
of each cohort), the standard demographic projection, whose every rule is the one the
Northeast's agents follow, applied to expected values (its urban jobs are held in classes of
its firms' productivity, so that they lose, adapt and close as the Northeast's firms do:
:meth:`RestOfChina.update_sectors`). It has the nation's urban sector mix,
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

from statistics import NormalDist
from typing import TYPE_CHECKING

import mesa
import numpy as np

from declineabm.model.capital import REST_OF_CHINA
from declineabm.model.parameters import path_value
from declineabm.model.rural_industry import rural_technology

if TYPE_CHECKING:
    from declineabm.model.structure import RestOfChinaSection
    from declineabm.model.urban_decline import UrbanDeclineModel

URBAN, RURAL = 0, 1
PRODUCTIVITY_CLASSES = 16
"""Classes of equal probability in which each sector's jobs are held (firms' productivity)."""
AGES = np.arange(101)  # single years of age; the last holds everyone aged 100 and over


def productivity_classes(dispersion: float) -> np.ndarray:
    """Productivity of each of :data:`PRODUCTIVITY_CLASSES` classes of equal probability.

    The midpoints of the lognormal (log standard deviation ``dispersion``) that new firms'
    productivity is drawn from (:meth:`~declineabm.model.register.AgentRegister.open_firms`),
    scaled to mean 1 as the draw's is.
    """
    quantiles = (np.arange(PRODUCTIVITY_CLASSES) + 0.5) / PRODUCTIVITY_CLASSES
    classes = np.exp(dispersion * np.array([NormalDist().inv_cdf(q) for q in quantiles]))
    return classes / classes.mean()


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
        jobs = params.sector_mix.array() * labour * (1.0 - params.unemployment_rate)
        self.productivity = productivity_classes(model.config.economy.productivity_dispersion)
        self.jobs_by_class = np.outer(jobs, np.full(PRODUCTIVITY_CLASSES, 1 / PRODUCTIVITY_CLASSES))
        self.loss_years = np.zeros(self.jobs_by_class.shape, dtype=np.int64)
        self.service_demand = 1.0
        self.wage_level = 1.0
        self.vacancy_rate = 0.0
        self._start_income = 0.0
        self._start_services = 0.0
        self._start_talent = self.young_skilled()
        self._start_labour = labour

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

    @property
    def jobs(self) -> np.ndarray:
        """Urban jobs by sector (persons): the sum over its productivity classes."""
        return self.jobs_by_class.sum(axis=1)

    def sold(self) -> np.ndarray:
        """Share of capacity each sector sells (services no more than local demand)."""
        from declineabm.model.sectors import Sector

        sold = np.ones(len(self.jobs_by_class))
        sold[Sector.SERVICES] = min(1.0, self.service_demand)
        return sold

    def effective_jobs(self) -> np.ndarray:
        """Jobs by sector weighted by their firms' productivity (what they can make)."""
        return self.jobs_by_class @ self.productivity

    def urban_output_per_worker(self) -> float:
        """Output per urban worker before the frontier: its jobs by sector, at prices.

        With its capital deepening (:mod:`declineabm.model.capital`), as the Northeast's.
        """
        model = self.model
        value = self.effective_jobs() * model.sector_technology() * model.prices() * self.sold()
        deepening = model.capital.factor[REST_OF_CHINA]
        return float(deepening * value.sum() / max(self.jobs.sum(), 1e-300))

    def urban_output(self) -> float:
        """Its urban workers' output this year (thousand yuan, at the frontier)."""
        return self.workers()[0] * (self.urban_output_per_worker() * self.model.frontier)

    def update_sectors(self) -> None:
        """Its urban jobs move between sectors as the Northeast's firms do, in expectation.

        The expected value of the firms' rules (:mod:`declineabm.model.firm_dynamics`,
        :mod:`declineabm.model.labour`) for private firms of the nation's costs, whose
        productivity is spread as the Northeast's firms' is (``economy.productivity_dispersion``,
        lognormal, mean 1): each sector's jobs are held in :data:`PRODUCTIVITY_CLASSES` classes
        of equal probability, and each class is what its firms do. A class grows with its
        margin (``economy.expansion_rate`` at the target margin, at most
        ``economy.max_expansion``: :func:`.firm_dynamics.expansion`); a losing class sheds
        ``economy.layoff_rate`` of its jobs a year, a share ``industry.adaptation_private`` of
        its firms turns to light industry or services (whichever has the larger margin), and
        after ``economy.closure_patience`` losing years in a row it closes, and its capital is
        written off but for its salvage (:meth:`.RegionalCapital.strand`). Entrants come by
        each sector's opportunity (``sectors.*.entry_rate``) from its labour pool, the urban
        persons of working age (high-tech: those of the start times the growth of the young
        skilled, as :func:`.firm_dynamics.enter` counts them), spread over the classes as new
        firms' productivity is drawn. Job seekers fill the openings, all but a frictional share
        of the labour force (``rest_of_china.unemployment_rate``): high-tech first and from
        the skilled seekers only (:func:`.labour.match`), the rest from every seeker left. The
        wage level follows the wage curve on the openings less the job seekers, as the
        Northeast's does. Services sell no more than local demand, which grows with income
        at ``economy.service_income_elasticity`` from the start year, when it equals supply.
        Without the spread (one class of the average firm) no class ever loses while the
        average gains, and the nation's heavy industry sailed through the slump of 2012-2016
        that closed half of the same industry's jobs and firms in a Northeast without its
        causes.

        Reads its cohorts, the sectors' margins at the nation's costs and its own last year;
        writes ``jobs_by_class``, ``loss_years``, ``vacancy_rate``, ``wage_level`` and
        ``service_demand``.
        """
        from declineabm.model.economy import next_wage_level
        from declineabm.model.firm_dynamics import (
            ADAPTATION_TARGETS,
            MIN_SECTOR_SHARE,
            expansion,
            opportunity,
            sector_margins,
        )
        from declineabm.model.sectors import Sector

        model = self.model
        economy = model.config.economy
        sectors = model.sectors
        effective = self.effective_jobs()
        supply = effective[Sector.SERVICES] * model.sector_technology()[Sector.SERVICES]
        supply *= model.frontier * model.capital.factor[REST_OF_CHINA]
        if self._start_services == 0.0:
            self._start_services = supply
        income = self.household_income()
        if self._start_income == 0.0:
            self._start_income = income
        income_ratio = income / self._start_income
        demand = self._start_services * income_ratio**economy.service_income_elasticity
        self.service_demand = demand / supply if supply > 0 else 1.0
        # A class's margin: its firms sell their productivity's worth at the sector's wage.
        average = sector_margins(model, self.service_demand, self.wage_level, sectors.material)
        labour_cost = 1.0 - sectors.material - average  # the wage bill's share at productivity 1
        margins = (1.0 - economy.profit_tax) * (
            1.0 - sectors.material[:, None] - labour_cost[:, None] / self.productivity[None, :]
        )
        losing = margins < 0
        self.loss_years = np.where(losing, self.loss_years + 1, 0)
        jobs = self.jobs_by_class
        labour = self.urban_labour()
        jobs *= min(1.0, labour / max(jobs.sum(), 1e-300))  # the retired left
        # Failing firms adapt (to the entrants' best of light industry and services) or close.
        adapting = jobs * np.where(self.loss_years > 0, model.config.industry.adaptation_private, 0)
        best = max(ADAPTATION_TARGETS, key=lambda s: average[s])
        jobs -= adapting
        jobs[best] += adapting.sum(axis=0)
        closing = self.loss_years >= economy.closure_patience
        if closing.any():  # their capital is stranded but for its salvage (model/capital.py)
            model.capital.strand(REST_OF_CHINA, float(jobs[closing].sum() / jobs.sum()))
        jobs[closing] = 0.0
        self.loss_years[closing] = 0
        growth = expansion(model, margins)
        shed = np.where(losing, economy.layoff_rate, 0.0)
        slack = 1.0 - self.service_demand
        if slack > 0:  # services follow local demand (labour.adjust_workforce)
            growth[Sector.SERVICES] = 0.0
            shed[Sector.SERVICES] = np.maximum(
                shed[Sector.SERVICES], min(slack, economy.layoff_rate)
            )
        shares = np.maximum(self.params.sector_mix.array(), MIN_SECTOR_SHARE)
        drawn = opportunity(model, (1.0 - economy.profit_tax) * average, self.service_demand)
        pools = np.full(len(Sector), labour)
        pools[Sector.HIGHTECH] = self._start_labour * self.young_skilled() / self._start_talent
        entry = sectors.entry_rate * shares * drawn * pools
        kept = jobs * (1.0 - shed)
        openings = jobs * growth + entry[:, None] / PRODUCTIVITY_CLASSES
        # Job seekers (the unemployed, the laid-off, the new) fill the openings, all but the
        # frictional share of the labour force that is always between jobs.
        seekers = max(labour - kept.sum() - self.params.unemployment_rate * labour, 0.0)
        # High-tech fills first and from the skilled seekers only (labour.match); the other
        # sectors from every seeker left, in proportion to their openings.
        by_sector = openings.sum(axis=1)
        hired = np.zeros(len(Sector))
        hightech = Sector.HIGHTECH
        hired[hightech] = min(by_sector[hightech], self.skilled_share() * seekers)
        others = np.arange(len(Sector)) != hightech
        rest = min(by_sector[others].sum(), seekers - hired[hightech])
        hired[others] = by_sector[others] * rest / max(by_sector[others].sum(), 1e-300)
        filled = np.divide(hired, by_sector, out=np.zeros(len(Sector)), where=by_sector > 0)
        self.jobs_by_class = kept + openings * filled[:, None]
        unfilled = by_sector.sum() - hired.sum()
        self.vacancy_rate = float(unfilled / (self.jobs.sum() + unfilled))
        # the Northeast's measure (labour.adjust_workforce): openings less seekers, before hiring
        tightness = (by_sector.sum() - seekers) / max(kept.sum() + by_sector.sum(), 1e-300)
        self.wage_level = next_wage_level(model, self.wage_level, float(tightness))

    def young_skilled(self) -> float:
        """Skilled persons aged 18-34, urban and rural (high-tech entrants' talent pool)."""
        from declineabm.model.population import young

        return float(self._skilled_persons(slice(None), young(AGES)).sum())

    def skilled_share(self) -> float:
        """Share of the urban working-age persons who are skilled (their cohorts' education)."""
        working = self.working_age()
        persons = self.persons[URBAN, working].sum()
        return float(self._skilled_persons(URBAN, working).sum() / persons) if persons > 0 else 0.0

    def _skilled_persons(self, kind: int | slice, ages: np.ndarray) -> np.ndarray:
        """Persons of these cohorts whose skill reaches ``economy.high_skill``."""
        from declineabm.model.normal import ndtr

        economy = self.model.config.economy
        spread = max(economy.skill_dispersion, 1e-9)
        skilled = ndtr((self.mean_skill()[kind, ages] - economy.high_skill) / spread)
        return skilled * self.persons[kind, ages]

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
        deepening = model.capital.factor[REST_OF_CHINA]
        return labour_share * technology * model.frontier * deepening * self.wage_level

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
