"""Migration: between the Northeast's cities, from farms to cities, and between the regions.

"Due to the backward development of the old industrial areas, the population has moved out
seriously. Many young people choose to leave the old industrial areas and go to the
economically developed areas" (§2.2.4); the "spatial transfer of population" (§2.3). One rule
moves everyone, in both regions, so that the Northeast without its causes is an ordinary region
whose flows balance:

* **Who moves.** Each person's yearly propensity is ``migration.base_rate`` times a factor of
  age (young adults move most, children with their parents, the old rarely), ``1 +
  skill_selectivity × skill`` (the educated move more), a push for the unemployed
  (``unemployment_push``) and for farm workers (``rural_push``: surplus farm labour, held
  back by the household registration until its reforms: :func:`settlement_openness`), and, for
  the Northeast's young leaving the region, the demography cause's extra propensity.
* **Where to.** Toward every city of the Northeast and toward the cities of the rest of China,
  in proportion to the destination's share of the nation's urban population (gravity: at no
  gap, flows between two places balance), times ``exp(income_response × log income gap +
  services_response × services gap)`` (expected income is the destination's average wage times
  its employment rate; services its infrastructure and clean air), and ``hukou_friction`` for
  a move between the regions (household registration, distance). At no gap, flows between two
  places balance. For the rest of China's farm workers, the cities of a region the
  Northeast's size are near and the rest as far as the Northeast's, so the countryside of
  both regions urbanizes at the same pace when their cities are alike.
* **Accounting.** A Northeast resident who leaves becomes part of the rest of China's urban
  cohort of her age and skill; migrants from the rest of China are drawn from its cohorts by
  age (a realistic age profile, not only young adults), converted to agents of the run's
  resolution by Poisson draws and taken from the rest of China exactly. Nobody is lost or
  counted twice (``tests/test_regions.py``).

A resident who moves to another city, or from a farm to a city, takes a vacant home there
(:func:`declineabm.model.housing.house_arrivals`) and looks for work from the next year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.geography import COUNTRYSIDE
from declineabm.model.housing import amenity, house_arrivals
from declineabm.model.population import cohort_skill, profile, working_age, young
from declineabm.model.rest_of_china import AGES, RURAL, URBAN

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel

GAP_LIMIT = 3.0  # |log income gap| beyond this adds no pull (keeps exp() finite)


@dataclass(frozen=True)
class Places:
    """What a mover compares: the destinations' size, expected income and services.

    Destinations are the Northeast's cities (ids ``0 .. C-1``) and, last, the rest of
    China's cities.
    """

    size_share: np.ndarray  # share of the nation's urban population, per destination
    income: np.ndarray  # expected income (wage x employment rate), per destination
    services: np.ndarray  # public services (amenity), per destination
    rural_income: float  # a farm worker's income (both regions)
    rural_services: float  # services in the Northeast's countryside
    roc_rural_services: float  # and in the rest of China's
    wage: np.ndarray  # average wage per Northeast city
    jobless: np.ndarray  # share of working age without a job, per Northeast city


def _city_averages(model: UrbanDeclineModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average wage, jobless share of working age and persons, per Northeast city."""
    residents, geo = model.residents, model.geography
    cities = geo.cities
    city = model.resident_city()
    urban = city >= 0
    working = working_age(residents.age, model.config.economy) & urban
    employed = residents.employer >= 0
    wage = np.zeros(len(residents))
    wage[employed] = model.firms.wage[residents.employer[employed]]
    workers = np.bincount(city[employed & urban], minlength=cities).astype(np.float64)
    wage_bill = np.bincount(city[employed & urban], wage[employed & urban], minlength=cities)
    labour = np.bincount(city[working], minlength=cities).astype(np.float64)
    jobless = np.bincount(city[working & ~employed], minlength=cities).astype(np.float64)
    fallback = model.labour_market.average_wage
    average = np.divide(wage_bill, workers, out=np.full(cities, fallback), where=workers > 0)
    jobless_share = np.divide(jobless, labour, out=np.zeros(cities), where=labour > 0)
    persons = np.bincount(city[urban], minlength=cities) * model.persons_per_agent
    return average, jobless_share, persons


def places(model: UrbanDeclineModel) -> Places:
    """This year's destinations as a mover sees them."""
    roc, geo = model.rest_of_china, model.geography
    wage, jobless, persons = _city_averages(model)
    size = np.r_[persons, roc.urban_population]
    total = size.sum()
    income = np.r_[wage * (1.0 - jobless), roc.urban_wage() * (1.0 - roc.unemployment_rate())]
    cell_amenity = amenity(model)
    occupancy = geo.layer("occupancy").astype(np.float64)
    city = geo.layer("city")
    urban = city >= 0
    weighted = np.bincount(city[urban], (cell_amenity * occupancy)[urban], minlength=geo.cities)
    people = np.bincount(city[urban], occupancy[urban], minlength=geo.cities)
    start = model.baselines
    services = np.r_[
        np.divide(
            weighted, people, out=np.full(geo.cities, start.urban_services), where=people > 0
        ),
        start.urban_services,
    ]
    rural = city == COUNTRYSIDE
    rural_people = occupancy[rural].sum()
    rural_services = (
        float((cell_amenity * occupancy)[rural].sum() / rural_people)
        if rural_people > 0
        else start.rural_services
    )
    return Places(
        size_share=size / total if total > 0 else np.zeros_like(size),
        income=np.maximum(income, 1e-9),
        services=services,
        rural_income=max(model.farm_income(), 1e-9),
        rural_services=rural_services,
        roc_rural_services=start.rural_services,
        wage=wage,
        jobless=jobless,
    )


def _attraction(
    model: UrbanDeclineModel,
    income: np.ndarray,
    services: np.ndarray,
    offered: np.ndarray,
    to: Places,
) -> np.ndarray:
    """Gravity times the pull of income and services, from each origin row to each destination.

    Args:
        model: The model.
        income: What each origin row earns where it is.
        services: The services where it is.
        offered: Expected income each destination offers each row (rows x destinations).
        to: The destinations.
    """
    p = model.config.migration
    gap = np.log(np.maximum(offered, 1e-9)) - np.log(np.maximum(income, 1e-9))[:, None]
    return to.size_share[None, :] * np.exp(
        p.income_response * np.clip(gap, -GAP_LIMIT, GAP_LIMIT)
        + p.services_response * (to.services[None, :] - services[:, None])
    )


def _offered(to: Places, support: np.ndarray) -> np.ndarray:
    """Expected income of each destination for each row (the young's support added)."""
    offered = np.repeat(to.income[None, :], len(support), axis=0)
    offered[:, :-1] += support[:, None]
    return offered


def settlement_openness(model: UrbanDeclineModel) -> float:
    """How freely farm workers may settle in cities this year, relative to after the reforms.

    The household registration (hukou) tied a farm worker's grain, housing, schooling and
    pension to the village: a city's jobs were open to her, its hukou and services mostly not.
    It was eased step by step: the "blue-stamp" town hukou (1992), the pilot reform of small
    towns (1997) made national (2001), the end of custody and repatriation (2003), and the
    State Council's opinions on hukou reform (2014), which opened towns and small cities to
    every rural resident. The rule summarises those steps as a linear easing from
    ``migration.hukou_openness`` in the start year to none in ``migration.hukou_reform_year``;
    the level in 1990 is estimated (configs/calibration/northeast.toml), not set by hand. It
    applies to farm workers of both regions alike (no cause: an ordinary region has it too).
    """
    p = model.config.migration
    start = model.config.simulation.start_year
    span = max(p.hukou_reform_year - start, 1)
    progress = min(max((model.year - start) / span, 0.0), 1.0)
    return p.hukou_openness + (1.0 - p.hukou_openness) * progress


def _cap(rates: np.ndarray, limit: float) -> np.ndarray:
    """Scale each row down so its total chance of moving is at most ``limit``."""
    total = rates.sum(axis=1)
    scale = np.where(total > limit, limit / np.maximum(total, 1e-300), 1.0)
    return rates * scale[:, None]


@dataclass(frozen=True)
class _Movers:
    """The Northeast residents' migration rates in separable form.

    A resident's chance of moving to destination ``d`` is ``person[i] * place[group[i], d] *
    leaving[i]`` for the rest of China (the last destination), ``person[i] * place[group[i],
    d]`` for a Northeast city other than her own, and 0 for her own. ``group`` is 1 for the
    young (whom the Northeast's support follows), 0 otherwise.
    """

    person: np.ndarray
    place: np.ndarray  # (2, destinations)
    group: np.ndarray
    leaving: np.ndarray
    own: np.ndarray  # own city, -1 in the countryside
    total: np.ndarray | None = None  # each resident's chance of moving anywhere, once known

    def rows(self, who: np.ndarray) -> np.ndarray:
        """The rates of the residents ``who`` to every destination (rows x destinations)."""
        rates = self.place[self.group[who]] * self.person[who, None]
        rates[:, -1] *= self.leaving[who]
        urban = self.own[who] >= 0
        rates[np.flatnonzero(urban), self.own[who][urban]] = 0.0
        return rates

    def totals(self) -> np.ndarray:
        """Each resident's chance of moving anywhere (without building the rows)."""
        if self.total is not None:
            return self.total
        cities = self.place[:, :-1].sum(axis=1)[self.group]
        own = np.where(self.own >= 0, self.place[self.group, np.maximum(self.own, 0)], 0.0)
        return self.person * (cities - own + self.place[self.group, -1] * self.leaving)


def _northeast_movers(model: UrbanDeclineModel, to: Places) -> _Movers:
    """The Northeast residents' migration rates (see :class:`_Movers`), capped at max_rate."""
    p = model.config.migration
    residents = model.residents
    economy = model.config.economy
    city = model.resident_city()
    rural = city == COUNTRYSIDE
    working = working_age(residents.age, economy)
    employed = residents.employer >= 0
    laid_off = residents.laid_off > 0
    origin = np.maximum(city, 0)
    place_income = np.where(rural, to.rural_income, to.income[origin])
    own_wage = np.zeros(len(residents))
    own_wage[employed] = model.firms.wage[residents.employer[employed]]
    # What a resident gives up: her wage; the laid-off their allowance (a tie to the unit);
    # the unemployed the city's odds; children and the retired move with their household.
    allowance = model.industry.living_allowance()
    income = np.where(working & employed, own_wage, place_income)
    income = np.where(working & laid_off, np.maximum(allowance, place_income), income)
    support = model.policy_support_per_young()
    group = young(residents.age).astype(np.int64)
    income = income + support * group
    unemployed = working & ~employed & ~laid_off & ~rural
    offered = np.vstack([to.income, to.income + support * np.r_[np.ones(len(to.income) - 1), 0]])
    # exp(response x clipped log gap) factors into a person's and a place's part once the
    # person's log income is clipped to within GAP_LIMIT of every destination's.
    log_offered = np.log(np.maximum(offered, 1e-9))
    log_income = np.clip(
        np.log(np.maximum(income, 1e-9)),
        log_offered.max(axis=1)[group] - GAP_LIMIT,
        log_offered.min(axis=1)[group] + GAP_LIMIT,
    )
    services = np.where(rural, to.rural_services, to.services[origin])
    person = (
        p.base_rate
        * profile(p.age_profile, AGES.astype(np.float64))[np.minimum(residents.age, AGES[-1])]
        * (1.0 + p.skill_selectivity * residents.skill)
        * np.exp(p.unemployment_push * unemployed)
        * np.where(rural, p.rural_push * settlement_openness(model), 1.0)
        * np.exp(-p.income_response * log_income - p.services_response * services)
    )
    place = to.size_share * np.exp(
        p.income_response * log_offered + p.services_response * to.services
    )
    leaving = p.hukou_friction * model.demography.leaving_propensity(residents.age)
    movers = _Movers(person, place, group, leaving, np.where(rural, -1, city))
    total = movers.totals()
    capped = total > p.max_rate
    if capped.any():
        person = np.where(capped, person * p.max_rate / np.maximum(total, 1e-300), person)
        total = np.minimum(total, p.max_rate)
    return _Movers(person, place, group, leaving, movers.own, total)


def northeast_rates(model: UrbanDeclineModel, to: Places) -> np.ndarray:
    """Each Northeast resident's yearly chance of moving to each destination (rows: residents).

    Columns are the Northeast's cities and, last, the rest of China; a resident's own city
    has chance 0. (The whole matrix, for inspection and tests; a year's moves are drawn from
    the separable form without building it.)
    """
    movers = _northeast_movers(model, to)
    return movers.rows(np.arange(len(model.residents)))


def _roc_rates(model: UrbanDeclineModel, kind: int, to: Places) -> np.ndarray:
    """Expected share of each rest-of-China cohort (rows: ages) moving to each destination.

    The cohort mixes workers with a job and the unemployed (urban) or farm workers (rural),
    weighted as they are, so that its flows are the Northeast rule's expected value.
    """
    p = model.config.migration
    roc = model.rest_of_china
    economy = model.config.economy
    skill = roc.mean_skill()[kind]
    working = working_age(AGES, economy)
    base = (
        p.base_rate
        * profile(p.age_profile, AGES.astype(np.float64))
        * (1.0 + p.skill_selectivity * skill)
    )
    support = model.policy_support_per_young() * young(AGES)
    offered = _offered(to, support)
    if kind == RURAL:
        services = np.full(len(AGES), to.roc_rural_services)
        rates = _attraction(model, np.full(len(AGES), to.rural_income), services, offered, to)
        rates *= (base * p.rural_push * settlement_openness(model))[:, None]
        # A farm worker of the rest of China has the cities of a region the Northeast's size
        # near (no friction) and the rest of its cities as far as the Northeast's.
        own = to.size_share[-1]
        near = own * model.population_share() / max(1.0 - model.population_share(), 1e-12)
        near = min(near, own)
        rates[:, -1] *= (near + p.hukou_friction * (own - near)) / max(own, 1e-300)
        # The region may lie farther from where the nation's surplus farm labour lives than the
        # rest of China's cities do on average (the Northeast, at the country's edge: cause 3).
        rates[:, :-1] *= model.transport.farm_distance()
    else:
        u = roc.unemployment_rate()
        services = np.full(len(AGES), to.services[-1])
        employed = _attraction(model, np.full(len(AGES), roc.urban_wage()), services, offered, to)
        jobless = _attraction(model, np.full(len(AGES), to.income[-1]), services, offered, to)
        pushed = (1.0 - u) * employed + u * np.exp(p.unemployment_push) * jobless
        # the old and the young move with their households, at the place's expected income
        rates = np.where(working[:, None], pushed, jobless) * base[:, None]
        rates[:, -1] = 0.0  # staying in the rest of China's cities is not a move
    rates[:, :-1] *= p.hukou_friction
    return _cap(rates, p.max_rate)


def migrate(model: UrbanDeclineModel) -> dict[str, float]:
    """Move people between the places for one year. Returns the year's migration counts.

    Reads the residents, the cities' wages, jobs and services, the rest of China's cohorts;
    writes ``residents.home`` (movers within the Northeast), removes leavers, creates
    arrivals, and moves the rest of China's persons. All rates are computed on the same
    state, then applied.
    """
    rng = model.streams["migration"]
    to = places(model)
    residents, roc = model.residents, model.rest_of_china
    ppa = model.persons_per_agent
    cities = model.geography.cities

    movers = _northeast_movers(model, to)
    draw = rng.random(len(residents))
    moving = np.flatnonzero(draw < movers.totals())
    destination = np.full(len(residents), -1)
    cumulative = np.cumsum(movers.rows(moving), axis=1)
    destination[moving] = (draw[moving, None] >= cumulative).sum(axis=1)
    leaving = np.flatnonzero(destination == cities)
    relocating = np.flatnonzero((destination >= 0) & (destination < cities))

    roc_rural = _roc_rates(model, RURAL, to)
    roc_urban = _roc_rates(model, URBAN, to)
    # Arrivals from the rest of China: expected persons by (kind, age, city), as agents.
    expected = np.stack(
        [
            roc.persons[URBAN][:, None] * roc_urban[:, :-1],
            roc.persons[RURAL][:, None] * roc_rural[:, :-1],
        ]
    )
    arrivals = rng.poisson(expected / ppa)
    # The rest of China's own farm workers moving to its cities.
    urbanizing = roc.persons[RURAL] * roc_rural[:, -1]

    city = model.resident_city()
    young_leaving = int(young(residents.age[leaving]).sum())
    from_farms = int((city[relocating] == COUNTRYSIDE).sum())
    # Leavers join the rest of China's urban cohorts with their age and skill.
    roc.add(
        URBAN,
        residents.age[leaving].astype(np.int64),
        np.full(len(leaving), ppa),
        residents.skill[leaving].astype(np.float64),
    )
    if len(relocating):
        homes = house_arrivals(model, destination[relocating], rng)
        model.leave_jobs(relocating)
        residents.laid_off[relocating] = 0
        residents.years_unemployed[relocating] = 0
        model.relocate_residents(relocating, homes)
    model.remove_residents(leaving)

    roc.take(RURAL, AGES, urbanizing)
    roc.add(URBAN, AGES, urbanizing, roc.mean_skill()[RURAL])
    kind, age, city_of = np.nonzero(arrivals)
    counts = arrivals[kind, age, city_of]
    arriving = 0
    young_arriving = 0
    if len(counts):
        kind_of, age_of, dest = (np.repeat(a, counts) for a in (kind, age, city_of))
        means = np.empty(len(kind_of))
        for k in (URBAN, RURAL):
            chosen = kind_of == k
            means[chosen] = roc.take(k, age_of[chosen], np.full(chosen.sum(), ppa))
        skill = cohort_skill(model.config.economy, model.year - age_of, rng, means=means)
        homes = house_arrivals(model, dest, rng)
        model.add_residents(age=age_of, skill=skill, home=homes)
        arriving = len(age_of)
        young_arriving = int(young(age_of).sum())
    return {
        "out_migrants": len(leaving),
        "out_migrants_young": young_leaving,
        "in_migrants": arriving,
        "in_migrants_young": young_arriving,
        "moves_between_cities": len(relocating) - from_farms,
        "rural_to_urban": from_farms,
        "national_rural_to_urban": float(urbanizing.sum()),
    }
