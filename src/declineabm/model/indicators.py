"""Every indicator of the model, in one place: name, aspect, unit, definition and formula.

The four aspects follow §2.3 of the paper ("economic decline, social decline, cultural decline
and environmental decline"); a fifth, *context*, holds the nation the region is part of. All
indicators are computed together in one vectorised pass a year and are what the DataCollector
records and ``model.csv`` holds (one row per year). Per-city indicators (``cities.csv``, one row
per year and city, the countryside as a row of its own so that every count sums to the
region's) are declared below them.

Counts of people are real persons (agents times ``persons_per_agent``); money is in million
yuan at start-year prices (thousand yuan for per-person figures); shares are fractions 0..1.
Computing the indicators changes nothing in the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from declineabm.model.capital import NORTHEAST
from declineabm.model.housing import vacant_units
from declineabm.model.normal import ndtr
from declineabm.model.population import cohort_mean_skill, young
from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


@dataclass(frozen=True)
class Indicator:
    """Documentation of one indicator."""

    name: str
    aspect: str
    unit: str
    definition: str


def _i(name: str, aspect: str, unit: str, definition: str) -> Indicator:
    return Indicator(name, aspect, unit, definition)


INDICATORS: tuple[Indicator, ...] = (
    _i("year", "time", "calendar year", "Year the row describes."),
    # --- economic decline: "traditional industries have migrated or declined; job loss"
    _i(
        "output", "economic", "million yuan", "Gross output of firms and farms (start-year prices)."
    ),
    _i("output_per_capita", "economic", "thousand yuan", "output / population."),
    _i(
        "national_output",
        "economic",
        "million yuan",
        "Output of the region and the rest of China (grows as China's GDP did).",
    ),
    _i("output_share", "economic", "fraction", "output / national_output (the paper's GDP share)."),
    _i("output_growth", "economic", "fraction", "Growth of output over the previous year."),
    _i("employment", "economic", "persons", "Residents with a firm job."),
    _i(
        "unemployment_rate",
        "economic",
        "fraction",
        "Registered: urban working-age residents without a job and not laid off / those and "
        "the employed.",
    ),
    _i(
        "jobless_rate",
        "economic",
        "fraction",
        "Urban working-age residents without a job (laid-off state workers included) / urban "
        "working-age residents.",
    ),
    _i(
        "laid_off_workers",
        "economic",
        "persons",
        "Laid-off state workers keeping a tie to their unit (xiagang).",
    ),
    _i(
        "early_retirements",
        "economic",
        "persons",
        "Laid-off state workers retired early this year.",
    ),
    _i("job_vacancy_rate", "economic", "fraction", "Open positions / (jobs + open positions)."),
    _i("average_wage", "economic", "thousand yuan", "Wage bill / workers."),
    _i(
        "outside_wage_ratio",
        "economic",
        "ratio",
        "Average urban wage in the rest of China / average_wage.",
    ),
    _i(
        "relative_wage",
        "economic",
        "ratio",
        "average_wage / the nation's average urban wage (the region's workers and the rest of "
        "China's urban workers together; NBS compares the regions' urban units so).",
    ),
    _i(
        "capital_deepening",
        "economic",
        "ratio",
        "Capital per urban worker relative to the start year, over the nation's (1: the "
        "region's capital deepened as the nation's did; model/capital.py).",
    ),
    _i(
        "farm_job_share",
        "economic",
        "fraction",
        "Farm workers / (firm jobs + rural workers: on farms and in rural industry).",
    ),
    _i(
        "rural_industry_workers",
        "economic",
        "persons",
        "Rural residents working in township and village enterprises (rural industry).",
    ),
    _i("firms", "economic", "firms", "Firms in operation."),
    *(_i(f"firms_{s.key}", "economic", "firms", f"Firms in the {s.key} sector.") for s in Sector),
    _i("soe_firms", "economic", "firms", "State-owned firms."),
    _i("soe_job_share", "economic", "fraction", "Jobs in state-owned firms / jobs."),
    _i("heavy_job_share", "economic", "fraction", "Jobs in heavy industry / jobs."),
    _i("resource_job_share", "economic", "fraction", "Jobs in resource extraction / jobs."),
    _i("light_job_share", "economic", "fraction", "Jobs in light manufacturing / jobs."),
    _i("firm_entries", "economic", "firms", "Firms that entered this year."),
    _i("firm_closures", "economic", "firms", "Firms that closed this year."),
    _i("firm_adaptations", "economic", "firms", "Failing or polluting firms that transformed."),
    _i(
        "zombie_firms",
        "economic",
        "firms",
        "Firms whose loss this year was covered by revitalization subsidies.",
    ),
    _i(
        "protected_losses",
        "economic",
        "million yuan",
        "Losses of state-owned firms covered by the plan before the market reform.",
    ),
    _i("tax_revenue", "economic", "million yuan", "Wage and profit taxes."),
    _i("pension_spending", "economic", "million yuan", "Pensions paid."),
    _i("pension_burden", "economic", "ratio", "pension_spending / tax_revenue."),
    _i("infrastructure_spending", "economic", "million yuan", "Infrastructure investment."),
    _i(
        "subsidy_spending",
        "economic",
        "million yuan",
        "Revitalization support that reached firms and young residents.",
    ),
    _i("support_wasted", "economic", "million yuan", "Revitalization support lost to waste."),
    _i(
        "central_transfers",
        "economic",
        "million yuan",
        "Transfers from the centre: the social insurance deficit and revitalization funds.",
    ),
    _i("transfer_share", "economic", "fraction", "central_transfers / output."),
    _i(
        "fiscal_balance",
        "economic",
        "million yuan",
        "The government's own revenue - its spending (the centre covers a deficit).",
    ),
    # --- social decline: "population decline, spatial transfer of population"
    _i("population", "social", "persons", "Residents."),
    _i("urban_share", "social", "fraction", "Residents living in cities / residents."),
    _i(
        "total_fertility",
        "social",
        "children per woman",
        "The year's total fertility rate in the region.",
    ),
    _i("births", "social", "persons", "Births this year."),
    _i("deaths", "social", "persons", "Deaths this year."),
    _i("in_migrants", "social", "persons", "Arrivals from the rest of China this year."),
    _i("in_migrants_young", "social", "persons", "Arrivals aged 18-34 this year."),
    _i("out_migrants", "social", "persons", "Departures to the rest of China this year."),
    _i("out_migrants_young", "social", "persons", "Departures aged 18-34 this year."),
    _i("net_migration", "social", "persons", "in_migrants - out_migrants."),
    _i("net_migration_young", "social", "persons", "in_migrants_young - out_migrants_young."),
    _i(
        "moves_between_cities",
        "social",
        "persons",
        "Residents who moved from one of the region's cities to another this year.",
    ),
    _i("rural_to_urban", "social", "persons", "Residents who moved from a farm to a city."),
    _i(
        "median_age",
        "social",
        "years",
        "Median age of residents, interpolated within its year of age as census tables are.",
    ),
    _i("share_65plus", "social", "fraction", "Residents aged 65+ / residents."),
    _i("share_under_15", "social", "fraction", "Residents under 15 / residents."),
    _i("dependency_ratio", "social", "ratio", "(under 15 + 65 and over) / aged 15-64."),
    _i(
        "housing_vacancy_rate",
        "social",
        "fraction",
        "Vacant usable housing in cities / housing in cities.",
    ),
    _i("derelict_share", "social", "fraction", "Derelict housing in cities / housing in cities."),
    _i("moves", "social", "persons", "Moves within a city this year."),
    # --- environmental decline: "infrastructure degradation; environmental pollution"
    _i("mean_pollution", "environmental", "index", "Pollution of the air residents breathe, mean."),
    _i(
        "cells_over_standard",
        "environmental",
        "fraction",
        "Inhabited city cells whose pollution exceeds the concentration limit / inhabited city "
        "cells.",
    ),
    _i("environmental_standard", "environmental", "0..1", "Stringency of standards."),
    _i(
        "mean_infrastructure",
        "environmental",
        "0..1",
        "Infrastructure quality averaged over residents.",
    ),
    _i("remaining_resources", "environmental", "fraction", "Mineral reserves left / initial."),
    _i("brownfield_sites", "environmental", "sites", "Closed firm sites (industrial wasteland)."),
    # --- cultural decline: "urban vitality, innovation ... are degraded"
    _i("young_adult_share", "cultural", "fraction", "Residents aged 18-34 / residents."),
    _i(
        "talent_retention",
        "cultural",
        "ratio",
        "Skilled share of residents aged 18-34 / the share their cohorts' education predicts "
        "(1: the region keeps its talent; below 1: a brain drain).",
    ),
    _i("hightech_job_share", "cultural", "fraction", "Jobs in high-tech firms / jobs."),
    _i("service_job_share", "cultural", "fraction", "Jobs in services / jobs."),
    _i(
        "vitality_index",
        "cultural",
        "index (start = 100)",
        "100 x geometric mean of young_adult_share (a young region) and talent_retention (a "
        "region that keeps its skilled), each relative to its start-year value.",
    ),
    # --- the nation the region is part of
    _i(
        "national_population",
        "context",
        "persons",
        "Residents of the region and the rest of China.",
    ),
    _i("population_share", "context", "fraction", "population / national_population."),
    _i(
        "national_share_65plus",
        "context",
        "fraction",
        "People aged 65+ in the whole nation / national_population.",
    ),
    _i(
        "national_urban_share",
        "context",
        "fraction",
        "People living in cities in the whole nation / national_population.",
    ),
    _i(
        "national_wage_to_output",
        "context",
        "ratio",
        "The nation's average urban wage (as in relative_wage) / national output per person "
        "(thousand yuan each).",
    ),
    _i(
        "national_income_ratio",
        "context",
        "ratio",
        "Urban households' income per person / rural households' in the whole nation "
        "(wages, benefits and pensions in the cities; farm output in the countryside).",
    ),
    _i(
        "national_farm_share",
        "context",
        "fraction",
        "Output of the two regions' farms / national_output (the primary sector's share).",
    ),
    _i(
        "national_rural_to_urban",
        "context",
        "persons",
        "People of the rest of China who moved from a farm to a city this year.",
    ),
)
INDICATOR_NAMES = tuple(ind.name for ind in INDICATORS)
VITALITY_PARTS = ("young_adult_share", "talent_retention")

CITY_INDICATORS: tuple[Indicator, ...] = (
    _i("year", "time", "calendar year", "Year the row describes."),
    _i("city", "place", "name", "The city (countryside: everything outside the cities)."),
    _i("kind", "place", "name", "capital, industrial, resource, port (or countryside)."),
    _i("population", "social", "persons", "Residents."),
    _i("share_65plus", "social", "fraction", "Residents aged 65+ / residents."),
    _i("young_adult_share", "cultural", "fraction", "Residents aged 18-34 / residents."),
    _i("employment", "economic", "persons", "Residents with a firm job."),
    _i(
        "jobless_rate", "economic", "fraction", "Working-age residents without a job / working age."
    ),
    _i(
        "output",
        "economic",
        "million yuan",
        "Output of firms sited there (and, in the countryside, farms and rural industry).",
    ),
    *(
        _i(f"jobs_{s.key}", "economic", "persons", f"Jobs in the {s.key} sector sited there.")
        for s in Sector
    ),
    _i("farm_workers", "economic", "persons", "Residents who farm (not in rural industry)."),
    _i("firms", "economic", "firms", "Firms sited there."),
    _i("housing_vacancy_rate", "social", "fraction", "Vacant usable housing / housing."),
    _i("mean_pollution", "environmental", "index", "Pollution of its air."),
)
CITY_INDICATOR_NAMES = tuple(ind.name for ind in CITY_INDICATORS)
COUNTRYSIDE_NAME = "countryside"


Amount = float | np.integer[Any]
"""A sum over agents or cells: a count of a mask (``mask.sum()``, a numpy integer) or a total."""


def _ratio(numerator: Amount, denominator: Amount) -> float:
    """Numerator / denominator, 0 where the denominator is 0 (an empty city has no rates)."""
    return float(numerator / denominator) if denominator else 0.0


def median_age(age: np.ndarray) -> float:
    """Median of ages in completed years, interpolated within the year it falls in.

    An age of a in completed years is a person aged between a and a + 1, so the median is
    a + (half the people - those younger) / those aged a, as demographers compute it from
    single-year age tables. The plain median of whole years would move in steps of a year
    (or half), so equal cities drawn with different agents could not be told apart from
    different ones, and no band of seeds would have a width. 0 for an empty region.
    """
    if len(age) == 0:
        return 0.0
    counts = np.bincount(age.astype(np.intp))
    up_to = np.cumsum(counts)  # persons aged at most each year
    half = len(age) / 2
    year = int(np.searchsorted(up_to, half, side="right"))
    return float(year + (half - (up_to[year] - counts[year])) / counts[year])


def expected_skilled_share(model: UrbanDeclineModel, birth_years: np.ndarray) -> float:
    """Share of skilled people the education of these birth cohorts alone would give.

    Args:
        model: The model (its economy's skill path, dispersion and threshold).
        birth_years: Each person's year of birth (whole years).
    """
    if len(birth_years) == 0:
        return 0.0
    economy = model.config.economy
    first = int(birth_years.min())
    cohorts = np.arange(first, int(birth_years.max()) + 1)  # each birth year once, then per person
    means = cohort_mean_skill(economy, cohorts)
    spread = max(economy.skill_dispersion, 1e-9)
    return float(ndtr((means - economy.high_skill) / spread)[birth_years - first].mean())


def vitality_parts(values: dict[str, float]) -> dict[str, float]:
    """The parts of the vitality index, from a year's indicators (the start year's are kept)."""
    return {part: values[part] for part in VITALITY_PARTS}


def compute(model: UrbanDeclineModel) -> dict[str, float]:
    """All indicators for the model's current year, as a name -> value mapping."""
    scale = model.persons_per_agent
    money = scale / 1000.0  # thousand yuan per agent -> million yuan
    residents, firms, geo = model.residents, model.firms, model.geography
    gov, events, market = model.government, model.events, model.labour_market
    roc = model.rest_of_china
    age = residents.age
    population = len(residents)
    urban = model.resident_city() >= 0
    working = model.of_working_age()
    employed = residents.employer >= 0
    laid_off = residents.laid_off > 0
    jobs = float(firms.workforce.sum())
    jobs_by = np.bincount(firms.sector, firms.workforce, minlength=len(Sector))
    rural_workers = float(model.farm_workers().sum())  # in agents: farms and rural industry
    rural_industry = rural_workers * scale * model.rural_industry_share  # persons
    farming = rural_workers * scale - rural_industry  # persons
    output = float(firms.output.sum()) + model.rural_output
    persons = population * scale
    national_population = persons + roc.population
    national = output * money + roc.output
    is_young = young(age)
    is_old = age >= 65
    skilled_young = is_young & (residents.skill >= model.config.economy.high_skill)
    city_cells = geo.layer("city") >= 0
    housing = float(geo.layer("housing")[city_cells].sum())
    occupancy = geo.layer("occupancy")
    inhabited = (occupancy > 0) & city_cells
    pollution = geo.layer("pollution")
    open_positions = float(np.maximum(firms.positions - firms.workforce, 0).sum())
    tax = gov.accounts["wage_taxes"] + gov.accounts["profit_taxes"]
    urban_working = urban & working
    represents = firms.represents
    roc_urban_workers, roc_rural = roc.workers()
    roc_wage = roc.urban_wage()
    roc_urban_income, roc_rural_income = roc.household_incomes()
    urban_persons = urban.sum() * scale + roc.urban_population
    employed_persons = float(employed.sum() * scale)
    national_wage = _ratio(  # thousand yuan per urban worker of the two regions
        market.average_wage * employed_persons + roc_urban_workers * roc_wage,
        employed_persons + roc_urban_workers,
    )

    values: dict[str, float] = {
        "year": model.year,
        "output": output * money,
        "output_per_capita": _ratio(output, population),
        "national_output": national,
        "output_share": _ratio(output * money, national),
        "output_growth": _ratio(output, model.last_output) - 1.0 if model.last_output else 0.0,
        "employment": employed_persons,
        "unemployment_rate": market.unemployment_rate,
        "jobless_rate": _ratio((urban_working & ~employed).sum(), urban_working.sum()),
        "laid_off_workers": float(laid_off.sum() * scale),
        "early_retirements": float(events["early_retirements"] * scale),
        "job_vacancy_rate": _ratio(open_positions, jobs + open_positions),
        "average_wage": market.average_wage,
        "outside_wage_ratio": _ratio(roc_wage, market.average_wage),
        "relative_wage": _ratio(market.average_wage, national_wage),
        "capital_deepening": float(model.capital.deepening[NORTHEAST]),
        "farm_job_share": _ratio(farming, (jobs + rural_workers) * scale),
        "rural_industry_workers": float(rural_industry),
        "firms": float(represents.sum()),
        "soe_firms": float(represents[firms.soe].sum()),
        "soe_job_share": _ratio(firms.workforce[firms.soe].sum(), jobs),
        "heavy_job_share": _ratio(jobs_by[Sector.HEAVY], jobs),
        "resource_job_share": _ratio(jobs_by[Sector.RESOURCE], jobs),
        "light_job_share": _ratio(jobs_by[Sector.LIGHT], jobs),
        "firm_entries": float(events["firm_entries"]),
        "firm_closures": float(events["firm_closures"]),
        "firm_adaptations": float(events["firm_adaptations"]),
        "zombie_firms": float(events["zombie_firms"]),
        "protected_losses": events["protected_losses"] * money,
        "tax_revenue": tax * money,
        "pension_spending": gov.accounts["pensions"] * money,
        "pension_burden": _ratio(gov.accounts["pensions"], tax),
        "infrastructure_spending": gov.accounts["infrastructure"] * money,
        "subsidy_spending": gov.accounts["subsidies"] * money,
        "support_wasted": gov.accounts["waste"] * money,
        "central_transfers": gov.transfers * money,
        "transfer_share": _ratio(gov.transfers, output),
        "fiscal_balance": gov.balance * money,
        "population": float(persons),
        "urban_share": _ratio(urban.sum(), population),
        "total_fertility": model.demography.fertility(),
        "births": float(events["births"] * scale),
        "deaths": float(events["deaths"] * scale),
        "in_migrants": float(events["in_migrants"] * scale),
        "in_migrants_young": float(events["in_migrants_young"] * scale),
        "out_migrants": float(events["out_migrants"] * scale),
        "out_migrants_young": float(events["out_migrants_young"] * scale),
        "net_migration": float((events["in_migrants"] - events["out_migrants"]) * scale),
        "net_migration_young": float(
            (events["in_migrants_young"] - events["out_migrants_young"]) * scale
        ),
        "moves_between_cities": float(events["moves_between_cities"] * scale),
        "rural_to_urban": float(events["rural_to_urban"] * scale),
        "median_age": median_age(age),
        "share_65plus": _ratio(is_old.sum(), population),
        "share_under_15": _ratio((age < 15).sum(), population),
        "dependency_ratio": _ratio(((age < 15) | is_old).sum(), ((age >= 15) & ~is_old).sum()),
        "housing_vacancy_rate": _ratio(vacant_units(geo)[city_cells].sum(), housing),
        "derelict_share": _ratio(geo.layer("derelict")[city_cells].sum(), housing),
        "moves": float(events["moves"] * scale),
        "mean_pollution": _ratio((pollution * occupancy).sum(), occupancy.sum()),
        "cells_over_standard": _ratio(
            (inhabited & (pollution > model.config.environment.concentration_limit)).sum(),
            inhabited.sum(),
        ),
        "environmental_standard": gov.environmental_standard,
        "mean_infrastructure": _ratio(
            (geo.layer("infrastructure") * occupancy).sum(), occupancy.sum()
        ),
        "remaining_resources": model.resources.remaining_share(),
        "brownfield_sites": float(geo.layer("closed_sites").sum()),
        "young_adult_share": _ratio(is_young.sum(), population),
        "talent_retention": _ratio(
            _ratio(skilled_young.sum(), is_young.sum()),
            expected_skilled_share(model, model.year - age[is_young]),
        ),
        "hightech_job_share": _ratio(jobs_by[Sector.HIGHTECH], jobs),
        "service_job_share": _ratio(jobs_by[Sector.SERVICES], jobs),
        "national_population": float(national_population),
        "population_share": _ratio(persons, national_population),
        "national_share_65plus": _ratio(
            is_old.sum() * scale + roc.persons[:, 65:].sum(), national_population
        ),
        "national_urban_share": _ratio(
            urban.sum() * scale + roc.urban_population, national_population
        ),
        "national_wage_to_output": _ratio(
            national_wage, _ratio(national * 1000.0, national_population)
        ),
        "national_income_ratio": _ratio(
            _ratio(residents.income[urban].sum() * scale + roc_urban_income, urban_persons),
            _ratio(
                residents.income[~urban].sum() * scale + roc_rural_income,
                national_population - urban_persons,
            ),
        ),
        "national_rural_to_urban": float(events["national_rural_to_urban"]),
        "national_farm_share": _ratio(
            (farming + roc_rural * (1 - roc.params.rural_industry_share))
            * model.farm_income()
            / 1000.0,
            national,
        ),
    }
    for sector in Sector:
        values[f"firms_{sector.key}"] = float(represents[firms.sector == sector].sum())
    start = model.baselines.vitality or vitality_parts(values)
    ratios = [_ratio(values[part], start[part]) for part in VITALITY_PARTS]
    values["vitality_index"] = 100.0 * float(np.prod(ratios)) ** (1.0 / len(ratios))
    return {name: values[name] for name in INDICATOR_NAMES}


def compute_cities(model: UrbanDeclineModel) -> list[dict[str, float | str]]:
    """Per-city indicators for the current year: one row per city, then the countryside."""
    scale = model.persons_per_agent
    money = scale / 1000.0
    residents, firms, geo = model.residents, model.firms, model.geography
    places = geo.cities + 1  # the countryside is the last place
    city = model.resident_city()
    place = np.where(city >= 0, city, geo.cities)
    firm_place = model.firm_city()
    firm_place = np.where(firm_place >= 0, firm_place, geo.cities)
    age = residents.age
    working = model.of_working_age()
    employed = residents.employer >= 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(place[mask], minlength=places).astype(np.float64)

    people = count(np.ones(len(residents), dtype=bool))
    labour = count(working)
    farmers = count(model.farm_workers())
    output = np.bincount(firm_place, firms.output, minlength=places).astype(np.float64)
    output[-1] += model.rural_output
    # the countryside's rural-industry workers are at work but do not farm (rural_industry.py)
    farming = farmers.copy()
    farming[-1] *= 1.0 - model.rural_industry_share
    cell_place = np.where(geo.layer("city") >= 0, geo.layer("city"), geo.cities)
    on_land = geo.layer("city") > -2
    housing = np.bincount(cell_place[on_land], geo.layer("housing")[on_land], minlength=places)
    vacant = np.bincount(cell_place[on_land], vacant_units(geo)[on_land], minlength=places)
    occupancy = geo.layer("occupancy").astype(np.float64)
    breathed = np.bincount(
        cell_place[on_land], (geo.layer("pollution") * occupancy)[on_land], minlength=places
    )
    jobs = {
        s: np.bincount(firm_place[firms.sector == s], firms.workforce[firms.sector == s], places)
        for s in Sector
    }
    represented = np.bincount(firm_place, firms.represents, minlength=places)
    # each count once for all places, not once a place
    old, young_adults = count(age >= 65), count(young(age))
    with_job, without_job = count(employed), count(working & ~employed)
    names = (*geo.city_names, COUNTRYSIDE_NAME)
    kinds = (*geo.city_kinds, COUNTRYSIDE_NAME)
    rows: list[dict[str, float | str]] = []
    for i in range(places):
        row: dict[str, float | str] = {
            "year": model.year,
            "city": names[i],
            "kind": kinds[i],
            "population": people[i] * scale,
            "share_65plus": _ratio(old[i], people[i]),
            "young_adult_share": _ratio(young_adults[i], people[i]),
            "employment": with_job[i] * scale,
            "jobless_rate": _ratio(without_job[i] - farmers[i], labour[i] - farmers[i]),
            "output": output[i] * money,
            "farm_workers": farming[i] * scale,
            "firms": float(represented[i]),
            "housing_vacancy_rate": _ratio(vacant[i], housing[i]),
            "mean_pollution": _ratio(breathed[i], people[i]),
        }
        for s in Sector:
            row[f"jobs_{s.key}"] = float(jobs[s][i] * scale)
        rows.append(
            {
                name: row[name] if isinstance(row[name], str) else float(row[name])
                for name in CITY_INDICATOR_NAMES
            }
        )
    return rows


KIND_INDICATORS = ("population", "output_share", "share_65plus")
"""Indicators of the cities of one kind together (``population@resource``, ...): what a batch
keeps to compare resource towns with provincial capitals (the attribution per city kind)."""
KIND_SEPARATOR = "@"


def kind_indicator_names(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The names ``indicator@kind`` of every kind indicator for ``kinds``."""
    return tuple(f"{name}{KIND_SEPARATOR}{kind}" for kind in kinds for name in KIND_INDICATORS)


def compute_kinds(model: UrbanDeclineModel) -> dict[str, float]:
    """This year's :data:`KIND_INDICATORS` of every kind of city (the countryside excluded).

    ``population`` is summed over the kind's cities; ``output_share`` is their output over
    national output; ``share_65plus`` is weighted by the cities' residents.
    """
    rows = [row for row in compute_cities(model) if row["kind"] != COUNTRYSIDE_NAME]
    national = float(model.indicators["national_output"]) if model.indicators else 0.0
    values: dict[str, float] = {}
    for kind in sorted({str(row["kind"]) for row in rows}):
        mine = [row for row in rows if row["kind"] == kind]
        people = sum(float(row["population"]) for row in mine)
        old = sum(float(row["population"]) * float(row["share_65plus"]) for row in mine)
        values[f"population{KIND_SEPARATOR}{kind}"] = people
        values[f"output_share{KIND_SEPARATOR}{kind}"] = _ratio(
            sum(float(row["output"]) for row in mine), national
        )
        values[f"share_65plus{KIND_SEPARATOR}{kind}"] = _ratio(old, people)
    return values
