"""Parameters of the region's structure: time and scale, geography and cities, the economy.

These sections hold no cause of decline: they describe the region the causes act on and the
core processes every region has (production, the labour market, migration, public finance,
housing). Each cause's parameters live in its own module under
:mod:`declineabm.model.mechanisms`; the rest of China, the second region, in
:mod:`declineabm.model.rest_of_china`.

Everything is set in kilometres and persons, never in cells or agents: the same scenario drawn
with more or fewer agents (``simulation.residents``) is the same region, only a finer or
coarser picture of it (``docs/ODD.md``, resolution independence).
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from declineabm.model.parameters import (
    AT_START,
    AgeDensity,
    AgeFactors,
    FertilityPath,
    Rate,
    Section,
    SharePath,
    Year,
)
from declineabm.model.sectors import SectorMix


def physical_memory() -> int:
    """Bytes of physical memory on this machine (for refusing runs that cannot fit)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


CityKind = Literal["capital", "industrial", "resource", "port"]
"""The kinds of city the paper names (§1, §2): provincial capitals with diversified heavy
industry and services, heavy-industry cities, resource towns built on one deposit, and ports."""


class SimulationSection(Section):
    """Time, size and resolution of the simulation."""

    start_year: Year = Field(description="First simulated year (state at 1 January).")
    end_year: Year = Field(description="Last simulated year; one step is one year.")
    population: Annotated[float, Field(ge=1_000.0, le=2e9)] = Field(
        description="Persons living in the region in the start year."
    )
    residents: Annotated[int, Field(ge=50, le=20_000_000)] = Field(
        description="Resident agents that stand for them at the start (the resolution: each "
        "agent stands for population / residents persons)."
    )

    @model_validator(mode="after")
    def _years_in_order(self) -> SimulationSection:
        if self.end_year <= self.start_year:
            raise ValueError(
                f"simulation.end_year ({self.end_year}) must be after simulation.start_year "
                f"({self.start_year})"
            )
        return self

    @property
    def persons_per_agent(self) -> float:
        """Real persons one resident agent stands for."""
        return self.population / self.residents


Km = Annotated[float, Field(ge=-1e4, le=1e4)]
PointKm = Annotated[tuple[Km, Km], Strict(False)]
"""A place as ``[x_km, y_km]`` (Strict(False) on the pair only: TOML writes it as a list)."""


class CitySection(Section):
    """One city of the region (it stands for the towns of its kind around it)."""

    kind: CityKind = Field(description="What the city is built on (capital, industrial, ...).")
    x_km: Km = Field(description="Centre, km east.")
    y_km: Km = Field(description="Centre, km north.")
    weight: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="Relative size: the city's share of the region's urban population at the "
        "start is its weight over the sum of the weights."
    )
    radius_km: Annotated[float, Field(gt=0.0, le=500.0)] = Field(
        description="Radius of the built-up area."
    )
    deposit_years: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        default=0.0,
        description="A resource town's mineral reserves, in years of extraction by its "
        "initial mines (0: no deposit).",
    )


class GeographySection(Section):
    """The region on a grid: its frame, outline, cities, rural settlement and ports."""

    width_km: Annotated[float, Field(gt=0.0, le=1e5)] = Field(description="Frame, east-west.")
    height_km: Annotated[float, Field(gt=0.0, le=1e5)] = Field(description="Frame, north-south.")
    km_per_cell: Annotated[float, Field(ge=0.1, le=1e4)] = Field(
        description="Width of a grid cell (sets the grid's size; not the agents' count)."
    )
    outline: list[PointKm] = Field(
        description="The region's land as a polygon of [x_km, y_km] points; empty: the whole "
        "frame (cells outside hold nobody)."
    )
    cities: dict[str, CitySection] = Field(description="The cities, by name.")
    rural_spread_km: Annotated[float, Field(ge=1.0, le=5000.0)] = Field(
        description="How far rural settlement spreads around the cities (1 s.d.)."
    )
    housing_slack: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Initial vacant housing as a share of the initial population."
    )
    ports: list[PointKm] = Field(
        description="Seaports the region ships through, [[x_km, y_km], ...] (may lie off the "
        "frame)."
    )
    overland_circuity: Annotated[float, Field(ge=1.0, le=3.0)] = Field(
        description="Overland route length over straight-line distance."
    )
    infrastructure_city: Rate = Field(description="Initial infrastructure quality in cities.")
    infrastructure_rural: Rate = Field(description="Initial infrastructure quality elsewhere.")

    @model_validator(mode="after")
    def _has_cities(self) -> GeographySection:
        if not self.cities:
            raise ValueError("geography.cities: the region needs at least one city")
        return self


class PopulationSection(Section):
    """Life course: the initial age structure and mortality (no cause; both regions alike)."""

    age_profile: AgeDensity = Field(
        description="The region's age distribution in the start year: [[age, density], ...] "
        "(census).",
        json_schema_extra=AT_START,
    )
    mortality_base: Rate = Field(description="Gompertz–Makeham age-independent death rate.")
    mortality_scale: Rate = Field(description="Gompertz death rate at age 0.")
    mortality_slope: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="Gompertz rise of the death rate per year of age."
    )
    mortality_improvement: Annotated[float, Field(ge=0.0, le=0.2)] = Field(
        description="Yearly fall of age-specific death rates."
    )


class MigrationSection(Section):
    """Who moves, between cities and between the regions: the nation's behaviour (no cause).

    One rule for every origin and both regions (:mod:`declineabm.model.migration`): the chance
    of moving to a destination grows with its size (gravity), with the gap in expected income
    (wage times the chance of a job) and in public services, and falls with hukou frictions.
    """

    base_rate: Rate = Field(
        description="Yearly chance that a young urban adult moves, toward a destination that "
        "is the whole nation's urban population, at no gap."
    )
    age_profile: AgeFactors = Field(
        description="Propensity to move by age, relative to the base: [[age, factor], ...]."
    )
    skill_selectivity: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Extra propensity per unit of skill (the educated move more)."
    )
    income_response: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Response to the log gap in expected income between destination and origin."
    )
    services_response: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Response to the gap in public services (infrastructure, clean air)."
    )
    unemployment_push: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        description="Log-odds push of being unemployed."
    )
    rural_push: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Propensity of rural people to move to a city, relative to townspeople "
        "(surplus farm labour)."
    )
    hukou_friction: Rate = Field(
        description="Moves between the regions relative to moves within one (household "
        "registration, distance, family)."
    )
    hukou_openness: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Moves from farms to cities in the start year relative to after the hukou "
        "reforms (1: no more restricted then than after); the restriction eases linearly to "
        "none in hukou_reform_year."
    )
    hukou_reform_year: Annotated[int, Field(ge=1950, le=2100)] = Field(
        description="Year from which a farm worker may settle in a city as freely as the rule "
        "says (2014: the State Council's opinions on reforming the household registration "
        "system, which opened towns and small cities to every rural resident)."
    )
    max_rate: Rate = Field(description="Upper bound of a person's yearly chance of moving.")


class EconomySection(Section):
    """Firms, farms, the labour market and the government's regular finances (no cause)."""

    employment_rate: Rate = Field(
        description="Initial share of urban working-age residents employed."
    )
    farm_productivity: Annotated[float, Field(gt=0.0, le=10_000.0)] = Field(
        description="Output per farm worker at the start (thousand yuan, constant prices): "
        "farming is the work of the rural residents who are not in rural industry."
    )
    rural_industry_productivity: Annotated[float, Field(gt=0.0, le=2.0)] = Field(
        description="Output per worker of a township or village enterprise relative to an "
        "urban light-manufacturing firm's (rural industry, model/rural_industry.py)."
    )
    productivity_dispersion: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Log standard deviation of firm productivity."
    )
    labour_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Wage bill as a share of output (private firms)."
    )
    wage_flexibility: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        description="Yearly wage response to labour-market tightness (job-vacancy rate minus "
        "unemployment rate)."
    )
    wage_floor: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Minimum wage relative to last year's average wage in the region."
    )
    high_skill: Rate = Field(description="Skill level from which a worker counts as skilled.")
    skill_path: SharePath = Field(
        description="Mean skill of a birth cohort, by birth year (education)."
    )
    skill_dispersion: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="Standard deviation of skill within a birth cohort."
    )
    commute_km: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        description="Commuting reach (the square window's half-width)."
    )
    matching_efficiency: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        description="Scale A of each city's yearly matching function A * S**a * V**(1-a) "
        "(hires from job seekers S and openings V, in persons)."
    )
    matching_elasticity: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="Elasticity a of the hires with respect to the job seekers."
    )
    regional_search: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        description="Scale of the matching between the region's cities, relative to "
        "matching_efficiency: the seekers and openings left in their own cities match across "
        "the region at regional_search * A, and the hired move to the job's city (0: each "
        "city is a labour market of its own).",
    )
    service_income_elasticity: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        description="Elasticity of local demand for services with respect to local income."
    )
    target_margin: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Profit margin at which a firm grows, and firms enter, at full speed."
    )
    expansion_rate: Rate = Field(
        description="Yearly workforce growth of a firm at the target margin (growth is "
        "proportional to the margin: profits reinvested)."
    )
    max_expansion: Rate = Field(
        description="Fastest yearly workforce growth of a firm, however high its margin "
        "(hiring and building take time)."
    )
    layoff_rate: Rate = Field(description="Share of workers a loss-making firm sheds per year.")
    closure_patience: Annotated[int, Field(ge=1, le=50)] = Field(
        description="Consecutive loss years after which a private firm closes."
    )
    profit_tax: Rate = Field(description="Tax on profits.")
    wage_tax: Rate = Field(description="Tax and social contributions on wages.")
    pension_rate: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Pension relative to the average wage."
    )
    unemployment_benefit: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Unemployment benefit relative to the average wage."
    )
    social_contribution: Rate = Field(
        description="Part of the wage tax that is social insurance (pays pensions and "
        "benefits; the centre covers any deficit)."
    )
    infrastructure_budget: Rate = Field(
        description="Share of the local budget (profit taxes and the rest of the wage tax) "
        "spent on infrastructure."
    )
    retirement_age: Annotated[int, Field(ge=40, le=80)] = Field(description="Retirement age.")
    working_age: Annotated[int, Field(ge=10, le=30)] = Field(
        description="Age from which residents look for work."
    )


class HousingSection(Section):
    """Housing: moves within a city, vacancy, dereliction and construction (§2.3)."""

    move_rate: Rate = Field(description="Yearly share of residents who look for a better home.")
    move_candidates: Annotated[int, Field(ge=1, le=50)] = Field(
        description="Vacant homes in the same city a mover compares."
    )
    job_access_weight: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Weight of nearby jobs in a home's attraction."
    )
    dereliction_rate: Rate = Field(
        description="Yearly share of vacant housing that becomes derelict."
    )


class RestOfChinaSection(Section):
    """The rest of China in the start year, and what shapes it (data, no cause).

    Its rules are in :mod:`declineabm.model.rest_of_china` (kept apart so that checking a
    scenario does not load Mesa).
    """

    population: Annotated[float, Field(gt=0.0, le=1e10)] = Field(
        description="Persons living in the rest of the nation in the start year (census).",
        json_schema_extra=AT_START,
    )
    urban_share: Rate = Field(
        description="Share of them living in cities in the start year (census).",
        json_schema_extra=AT_START,
    )
    age_profile: AgeDensity = Field(
        description="Their age distribution in the start year: [[age, density], ...] (census).",
        json_schema_extra=AT_START,
    )
    fertility_path: FertilityPath = Field(description="Total fertility rate by year.")
    sector_mix: SectorMix = Field(description="Shares of urban jobs by sector (the nation's).")
    rural_industry_share: Rate = Field(
        description="Share of its rural working-age persons employed in township and village "
        "enterprises in the start year (the nation's: 92.65 of 477.08 million rural employed "
        "in 1990).",
        json_schema_extra=AT_START,
    )
    unemployment_rate: Rate = Field(
        description="Frictional unemployment: the share of the urban labour force between jobs "
        "even when jobs are open."
    )
