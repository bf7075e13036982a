"""Every indicator of the model, in one place: name, aspect, unit, definition and formula.

The four aspects follow §2.3 of the paper ("economic decline, social decline, cultural decline
and environmental decline"). All indicators are computed together in one vectorised pass a year
and are what the DataCollector records and ``model.csv`` holds (one row per year).

Counts of people are real persons (agents times ``persons_per_agent``); money is in million
yuan at start-year prices (thousand yuan for per-person figures); shares are fractions 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from declineabm.model.housing import vacant_units
from declineabm.model.mechanisms.policy import YOUNG_AGES
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
    _i("output", "economic", "million yuan", "Gross output of all firms (start-year prices)."),
    _i("output_per_capita", "economic", "thousand yuan", "output / population."),
    _i("national_output", "economic", "million yuan", "Exogenous national output."),
    _i("output_share", "economic", "fraction", "output / national_output (the paper's GDP share)."),
    _i("output_growth", "economic", "fraction", "Growth of output over the previous year."),
    _i("employment", "economic", "persons", "Residents with a job."),
    _i(
        "unemployment_rate",
        "economic",
        "fraction",
        "Working-age residents without a job / working-age residents.",
    ),
    _i("job_vacancy_rate", "economic", "fraction", "Open positions / (jobs + open positions)."),
    _i("average_wage", "economic", "thousand yuan", "Wage bill / workers."),
    _i("outside_wage_ratio", "economic", "ratio", "Outside (national) wage / average_wage."),
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
    _i("fiscal_balance", "economic", "million yuan", "Government revenue - spending."),
    _i("government_debt", "economic", "million yuan", "Accumulated deficits."),
    # --- social decline: "population decline, spatial transfer of population"
    _i("population", "social", "persons", "Residents."),
    _i("births", "social", "persons", "Births this year."),
    _i("deaths", "social", "persons", "Deaths this year."),
    _i("in_migrants", "social", "persons", "Arrivals this year."),
    _i("out_migrants", "social", "persons", "Departures from the region this year."),
    _i("out_migrants_young", "social", "persons", "Departures aged 18-34 this year."),
    _i("net_migration", "social", "persons", "in_migrants - out_migrants."),
    _i("median_age", "social", "years", "Median age of residents."),
    _i("share_65plus", "social", "fraction", "Residents aged 65+ / residents."),
    _i("share_under_15", "social", "fraction", "Residents under 15 / residents."),
    _i("dependency_ratio", "social", "ratio", "(under 15 + 65 and over) / aged 15-64."),
    _i("housing_vacancy_rate", "social", "fraction", "Vacant usable housing / housing."),
    _i("derelict_share", "social", "fraction", "Derelict housing / housing."),
    _i("moves", "social", "persons", "Moves within the city this year."),
    # --- environmental decline: "infrastructure degradation; environmental pollution"
    _i("mean_pollution", "environmental", "index", "Mean pollution over inhabited cells."),
    _i(
        "cells_over_standard",
        "environmental",
        "fraction",
        "Inhabited cells whose pollution exceeds the concentration limit.",
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
        "(1: the city keeps its talent; below 1: a brain drain).",
    ),
    _i("hightech_job_share", "cultural", "fraction", "Jobs in high-tech firms / jobs."),
    _i("service_job_share", "cultural", "fraction", "Jobs in services / jobs."),
    _i(
        "vitality_index",
        "cultural",
        "index (start = 100)",
        "100 x geometric mean of young_adult_share (a young city) and talent_retention (a city "
        "that keeps its skilled), each relative to its start-year value.",
    ),
)
INDICATOR_NAMES = tuple(ind.name for ind in INDICATORS)
VITALITY_PARTS = ("young_adult_share", "talent_retention")


def _ratio(numerator: float, denominator: float) -> float:
    """Numerator / denominator, 0 where the denominator is 0 (an empty city has no rates)."""
    return float(numerator / denominator) if denominator else 0.0


def expected_skilled_share(model: UrbanDeclineModel, birth_years: np.ndarray) -> float:
    """Share of skilled people the education of these birth cohorts alone would give."""
    if len(birth_years) == 0:
        return 0.0
    economy = model.config.economy
    means = np.interp(
        birth_years, [p[0] for p in economy.skill_path], [p[1] for p in economy.skill_path]
    )
    spread = max(economy.skill_dispersion, 1e-9)
    return float(ndtr((means - economy.high_skill) / spread).mean())


def compute(model: UrbanDeclineModel) -> dict[str, float]:
    """All indicators for the model's current year, as a name -> value mapping."""
    scale = model.persons_per_agent
    money = scale / 1000.0  # thousand yuan per agent -> million yuan
    residents, firms, geo = model.residents, model.firms, model.geography
    economy = model.config.economy
    gov, events = model.government, model.events
    age = residents.age
    population = len(residents)
    working_age = (age >= economy.working_age) & (age < economy.retirement_age)
    employed = residents.employer >= 0
    jobs = float(firms.workforce.sum())
    jobs_by = np.bincount(firms.sector, firms.workforce, minlength=len(Sector))
    output = float(firms.output.sum())
    national = model.national.output(model.year)
    young = (age >= YOUNG_AGES[0]) & (age < YOUNG_AGES[1])
    skilled_young = young & (residents.skill >= economy.high_skill)
    housing = float(geo.layer("housing").sum())
    occupancy = geo.layer("occupancy")
    inhabited = occupancy > 0
    pollution = geo.layer("pollution")
    open_positions = float(np.maximum(firms.positions - firms.workforce, 0).sum())
    tax = gov.accounts["wage_taxes"] + gov.accounts["profit_taxes"]

    values: dict[str, float] = {
        "year": model.year,
        "output": output * money,
        "output_per_capita": _ratio(output, population),
        "national_output": national * money,
        "output_share": _ratio(output, national),
        "output_growth": _ratio(output, model.last_output) - 1.0 if model.last_output else 0.0,
        "employment": float(employed.sum() * scale),
        "unemployment_rate": _ratio((working_age & ~employed).sum(), working_age.sum()),
        "job_vacancy_rate": _ratio(open_positions, jobs + open_positions),
        "average_wage": model.average_wage,
        "outside_wage_ratio": _ratio(model.national.outside_wage(model.year), model.average_wage),
        "firms": float(len(firms)),
        "soe_firms": float(firms.soe.sum()),
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
        "fiscal_balance": gov.balance * money,
        "government_debt": gov.debt * money,
        "population": float(population * scale),
        "births": float(events["births"] * scale),
        "deaths": float(events["deaths"] * scale),
        "in_migrants": float(events["in_migrants"] * scale),
        "out_migrants": float(events["out_migrants"] * scale),
        "out_migrants_young": float(events["out_migrants_young"] * scale),
        "net_migration": float((events["in_migrants"] - events["out_migrants"]) * scale),
        "median_age": float(np.median(age)) if population else 0.0,
        "share_65plus": _ratio((age >= 65).sum(), population),
        "share_under_15": _ratio((age < 15).sum(), population),
        "dependency_ratio": _ratio(
            ((age < 15) | (age >= 65)).sum(), ((age >= 15) & (age < 65)).sum()
        ),
        "housing_vacancy_rate": _ratio(vacant_units(geo).sum(), housing),
        "derelict_share": _ratio(geo.layer("derelict").sum(), housing),
        "moves": float(events["moves"] * scale),
        "mean_pollution": float(pollution[inhabited].mean()) if inhabited.any() else 0.0,
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
        "young_adult_share": _ratio(young.sum(), population),
        "talent_retention": _ratio(
            _ratio(skilled_young.sum(), young.sum()),
            expected_skilled_share(model, model.year - age[young]),
        ),
        "hightech_job_share": _ratio(jobs_by[Sector.HIGHTECH], jobs),
        "service_job_share": _ratio(jobs_by[Sector.SERVICES], jobs),
    }
    for sector in Sector:
        values[f"firms_{sector.key}"] = float((firms.sector == sector).sum())
    if model.vitality_baseline is None:
        model.vitality_baseline = {part: values[part] for part in VITALITY_PARTS}
    ratios = [_ratio(values[part], model.vitality_baseline[part]) for part in VITALITY_PARTS]
    values["vitality_index"] = 100.0 * float(np.prod(ratios)) ** (1.0 / len(ratios))
    return {name: values[name] for name in INDICATOR_NAMES}
