"""Scenario files: schema, loading, overrides and one-line error messages.

A scenario is a TOML file in ``configs/``. The schema below names every parameter, its type
and its allowed range; the numbers themselves live only in the TOML files (``baseline.toml``
lists every parameter with a comment, other scenarios ``extends`` it and override a few).

Parameters are addressed by dotted keys (``demography.outmigration_base``) everywhere: in
``--set key=value`` on the command line, as keyword arguments to ``UrbanDeclineModel`` (where
``demography__outmigration_base`` is accepted too), and in sweep files.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import os
import tomllib
from collections.abc import Mapping
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

# ---------------------------------------------------------------------------------------------
# Errors


class ScenarioError(ValueError):
    """A scenario or an override is invalid; the message is one line that names the key."""


# ---------------------------------------------------------------------------------------------
# Building blocks

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Year = Annotated[int, Field(ge=1900, le=2200)]


def _check_points(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    keys = [key for key, _ in points]
    if not points:
        raise ValueError("needs at least one pair")
    if keys != sorted(set(keys)):
        raise ValueError("the first entries of the pairs must be strictly increasing")
    return points


def _points(key_low: int, key_high: int, lower: float | None, upper: float | None) -> Any:
    value = Annotated[float, Field(ge=lower, le=upper)]
    key = Annotated[int, Field(ge=key_low, le=key_high)]
    return Annotated[list[tuple[key, value]], AfterValidator(_check_points)]


def time_path(lower: float | None = None, upper: float | None = None) -> Any:
    """A piecewise-linear path over calendar years, written as ``[[year, value], ...]``.

    Before the first year the first value holds, after the last year the last value holds.
    """
    return _points(1900, 2200, lower, upper)


def age_points(lower: float | None = None, upper: float | None = None) -> Any:
    """A piecewise-linear profile over ages 0-120, written as ``[[age, value], ...]``."""
    return _points(0, 120, lower, upper)


def path_value(points: list[tuple[int, float]], year: float) -> float:
    """Evaluate a time path (see :func:`time_path`) at ``year``."""
    years = [p[0] for p in points]
    values = [p[1] for p in points]
    if year <= years[0]:
        return float(values[0])
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return float(v0 + (v1 - v0) * (year - y0) / (y1 - y0))
    return float(values[-1])


# Path types of the scenario sections.
AgeFactors = age_points(0.0, 10.0)
AgeDensity = age_points(0.0, 1000.0)
GrowthPath = time_path(-0.5, 0.5)
SharePath = time_path(0.0, 1.0)
IndexPath = time_path(0.0, 100.0)
MultiplierPath = time_path(0.0, 20.0)
PricePath = time_path(0.01, 10.0)
FertilityPath = time_path(0.0, 8.0)


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sector(IntEnum):
    """Industrial sectors of the model (index into per-sector arrays)."""

    RESOURCE = 0
    HEAVY = 1
    LIGHT = 2
    SERVICES = 3
    HIGHTECH = 4

    @property
    def key(self) -> str:
        """The sector's name in scenario files and indicator names."""
        return self.name.lower()


SECTOR_KEYS = tuple(s.key for s in Sector)

# ---------------------------------------------------------------------------------------------
# Structure of the city (initial conditions and core processes)


class ModelSection(Section):
    """Time, size and scale of the simulation."""

    start_year: Year = Field(description="First simulated year (state at 1 January).")
    end_year: Year = Field(description="Last simulated year; one step is one year.")
    width: Annotated[int, Field(ge=8, le=2000)] = Field(description="Grid width in cells.")
    height: Annotated[int, Field(ge=8, le=2000)] = Field(description="Grid height in cells.")
    residents: Annotated[int, Field(ge=50, le=20_000_000)] = Field(
        description="Initial number of resident agents."
    )
    persons_per_agent: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="Real persons one resident agent stands for (scales reported counts)."
    )

    @model_validator(mode="after")
    def _years_in_order(self) -> ModelSection:
        if self.end_year <= self.start_year:
            raise ValueError(
                f"model.end_year ({self.end_year}) must be after model.start_year "
                f"({self.start_year})"
            )
        return self

    @model_validator(mode="after")
    def _fits_in_memory(self) -> ModelSection:
        # Measured: a Mesa grid cell with its connections ~1.5 KB, a resident ~0.6 KB; the
        # population can grow, so allow for twice the initial residents.
        needed = self.width * self.height * 1500 + self.residents * 2 * 600
        available = _physical_memory()
        if needed > available:
            raise ValueError(
                f"model.width x model.height = {self.width}x{self.height} with model.residents "
                f"= {self.residents} needs about {needed / 2**30:.1f} GiB, more than this "
                f"machine's {available / 2**30:.1f} GiB"
            )
        return self


class GeographySection(Section):
    """Synthetic geography: urban centres, mining towns, the port, initial infrastructure."""

    centres: Annotated[int, Field(ge=1, le=50)] = Field(description="Number of urban centres.")
    primary_weight: Rate = Field(description="Share of the housing in the largest centre.")
    centre_spread: Positive = Field(description="Radius (cells, one s.d.) of the largest centre.")
    housing_slack: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Initial vacant housing as a share of the initial population."
    )
    deposit_fields: Annotated[int, Field(ge=0, le=50)] = Field(
        description="Number of mineral deposit fields (each beside a secondary centre)."
    )
    deposit_spread: Positive = Field(description="Radius (cells) of a deposit field.")
    deposit_years: Positive = Field(
        description="Initial reserves, in years of extraction at the initial rate."
    )
    port_x: float = Field(description="Port position, x in cell units (may lie off the grid).")
    port_y: float = Field(description="Port position, y in cell units (may lie off the grid).")
    km_per_cell: Positive = Field(description="Kilometres per grid cell.")
    infrastructure_core: Rate = Field(description="Initial infrastructure quality in centres.")
    infrastructure_edge: Rate = Field(description="Initial infrastructure quality in the fringe.")


class SectorParams(Section):
    """Technology and structure of one sector."""

    employment_share: Rate = Field(description="Share of initial jobs in this sector.")
    productivity: Positive = Field(
        description="Output per worker at the start year (thousand yuan, constant prices)."
    )
    tfp_gap: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        description="Growth of the sector's output per worker relative to the nation's "
        "(negative for sunset industries)."
    )
    firm_size: Annotated[float, Field(ge=1.0, le=1_000_000)] = Field(
        description="Mean firm size at creation, in persons."
    )
    soe_share: Rate = Field(description="Share of initial firms that are state-owned.")
    material_dependence: Rate = Field(
        description="Raw-material cost as a share of output at base prices."
    )
    freight_intensity: NonNegative = Field(
        description="Freight weight of output (scales transport costs)."
    )
    pollution_intensity: NonNegative = Field(description="Emissions per unit of output.")
    entry_rate: NonNegative = Field(
        description="New firms a year, as a share of the firms the sector's labour pool could "
        "staff, when entrants expect the target margin."
    )


class SectorsSection(Section):
    """The five sectors (§2: heavy industry vs high technology and services)."""

    resource: SectorParams
    heavy: SectorParams
    light: SectorParams
    services: SectorParams
    hightech: SectorParams

    def __getitem__(self, sector: Sector) -> SectorParams:
        return getattr(self, sector.key)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> SectorsSection:
        total = sum(self[s].employment_share for s in Sector)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sectors.*.employment_share sums to {total:g}, not 1")
        return self


class EconomySection(Section):
    """Firms, labour market and the local government's regular finances (no cause)."""

    employment_rate: Rate = Field(description="Initial share of working-age residents employed.")
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
        description="Minimum wage relative to last year's city average wage."
    )
    high_skill: Rate = Field(description="Skill level from which a worker counts as skilled.")
    skill_path: SharePath = Field(
        description="Mean skill of a birth cohort, by birth year (education)."
    )
    skill_dispersion: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="Standard deviation of skill within a birth cohort."
    )
    commute_reach: Annotated[int, Field(ge=0, le=1000)] = Field(
        description="Commuting reach in cells (Chebyshev distance)."
    )
    match_rounds: Annotated[int, Field(ge=1, le=20)] = Field(
        description="Rounds of job applications per year."
    )
    older_worker_age: Annotated[int, Field(ge=18, le=80)] = Field(
        description="Age from which a job seeker's old-industry skills fit few new jobs."
    )
    older_search_rate: Rate = Field(
        description="Yearly chance that a job seeker of that age or older finds openings "
        "to apply to."
    )
    service_income_elasticity: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        description="Elasticity of local demand for services with respect to local income."
    )
    target_margin: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Profit margin at which a firm grows, and firms enter, at full speed."
    )
    expansion_rate: Rate = Field(description="Maximum yearly workforce growth of a firm.")
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
    infrastructure_budget: Rate = Field(
        description="Share of the fiscal surplus (after pensions and benefits) spent on "
        "infrastructure."
    )
    retirement_age: Annotated[int, Field(ge=40, le=80)] = Field(description="Retirement age.")
    working_age: Annotated[int, Field(ge=10, le=30)] = Field(
        description="Age from which residents look for work."
    )


class HousingSection(Section):
    """Housing: moves within the city, vacancy, dereliction and new construction (§2.3)."""

    move_rate: Rate = Field(description="Yearly share of residents who look for a better home.")
    move_candidates: Annotated[int, Field(ge=1, le=50)] = Field(
        description="Vacant homes a mover compares."
    )
    job_access_weight: NonNegative = Field(
        description="Weight of nearby jobs in a home's attraction."
    )
    dereliction_rate: Rate = Field(
        description="Yearly share of vacant housing that becomes derelict."
    )
    restoration_rate: Rate = Field(
        description="Yearly share of derelict housing restored where a cell is full."
    )
    construction_rate: Rate = Field(
        description="New housing built in a full cell, as a share of its capacity."
    )


class NationalSection(Section):
    """The exogenous national economy (the growing south) the city is compared with."""

    initial_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="The city's share of national output in the start year."
    )
    growth_path: GrowthPath = Field(description="Real growth of national output.")
    labour_force_growth: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        description="Growth of the national labour force: national output per worker (which "
        "sets outside wages and every sector's technology) grows this much slower than output."
    )
    heavy_price_path: PricePath = Field(
        description="Price of heavy-industry and mining output relative to other goods "
        "(1 = start year): China's investment boom, then overcapacity."
    )
    structural_change_gain: Annotated[float, Field(ge=0.0, le=0.2)] = Field(
        description="Part of national growth in output per worker that comes from farm workers "
        "moving into industry and services; a city that industrialized early (§1) misses it."
    )
    outside_wage: Positive = Field(
        description="Wage outside the region relative to the city's average wage, at the start."
    )
    outside_skill_premium: NonNegative = Field(
        description="Extra outside wage per unit of skill (the south pays for skills)."
    )


# ---------------------------------------------------------------------------------------------
# The causes of decline (one section per mechanism module)


class IndustrySection(Section):
    """Cause 1, §2.2.1: a single, state-owned heavy-industry structure meets the market."""

    enabled: bool = Field(description="Switch the cause on or off.")
    reform_year: Year = Field(
        description="Year the market reform of state-owned firms begins: from then on, firms "
        "lose their protection (soft budget, plan prices) one by one."
    )
    reform_span: Annotated[int, Field(ge=0, le=50)] = Field(
        description="Years over which the reform reaches every state-owned firm."
    )
    soe_efficiency: Annotated[float, Field(gt=0.0, le=1.5)] = Field(
        description="Productivity of state-owned firms relative to private ones."
    )
    soe_wage_norm: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="State-owned firms pay at least this share of the city average wage."
    )
    soe_layoff_rate: Rate = Field(
        description="Share of workers a loss-making state-owned firm sheds per year after reform."
    )
    soe_closure_patience: Annotated[int, Field(ge=1, le=50)] = Field(
        description="Consecutive loss years after which a state-owned firm closes (after reform)."
    )
    adaptation_private: Rate = Field(
        description="Yearly chance that a failing private firm adapts to another sector."
    )
    adaptation_soe: Rate = Field(
        description="Yearly chance that a failing state-owned firm adapts to another sector."
    )


class ResourcesSection(Section):
    """Cause 2: over-dependence on raw materials and their depletion."""

    enabled: bool = Field(description="Switch the cause on or off.")
    extraction_per_worker: Positive = Field(
        description="Reserve units extracted per resource worker per year."
    )
    depletion_cost: NonNegative = Field(
        description="Rise of extraction cost (share of output) as a deposit is exhausted."
    )
    depletion_exponent: Annotated[float, Field(gt=0.0, le=10.0)] = Field(
        description="How late depletion bites: output per miner falls, and extraction cost "
        "rises, with the depleted share of the field to this power."
    )
    import_premium: NonNegative = Field(
        description="Rise of raw-material cost when the region's own reserves are gone."
    )


class TransportSection(Section):
    """Cause 3, §2.2.2: remote location, no long waterways, rising overland transport costs."""

    enabled: bool = Field(description="Switch the cause on or off.")
    cost_per_1000km: NonNegative = Field(
        description="Transport cost as a share of output per 1000 km for freight intensity 1."
    )
    cost_index_path: IndexPath = Field(
        description="Transport cost index (1 = start); rises as trade moves to seaports."
    )
    infrastructure_discount: Rate = Field(
        description="Transport cost saved where infrastructure quality is 1."
    )
    entry_sensitivity: NonNegative = Field(
        description="How strongly new tradable firms avoid remote cells."
    )


class InfrastructureSection(Section):
    """Cause 4: lack of infrastructure."""

    enabled: bool = Field(description="Switch the cause on or off.")
    decay_rate: Rate = Field(description="Yearly decay of infrastructure quality.")
    unit_cost: Positive = Field(
        description="Cost of one unit of quality for one housing unit, in years of the "
        "average wage."
    )
    productivity_weight: Rate = Field(
        description="Output per worker lost where infrastructure quality is 0."
    )
    amenity_weight: NonNegative = Field(
        description="Weight of infrastructure in residents' amenity."
    )


class DemographySection(Section):
    """Cause 5, §2.2.4: ageing, falling fertility and out-migration of the young."""

    enabled: bool = Field(description="Switch the cause on or off.")
    fertility_path: FertilityPath = Field(description="Total fertility rate by year.")
    mortality_base: Rate = Field(description="Gompertz–Makeham age-independent death rate.")
    mortality_scale: Rate = Field(description="Gompertz death rate at age 0.")
    mortality_slope: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="Gompertz rise of the death rate per year of age."
    )
    mortality_improvement: Annotated[float, Field(ge=0.0, le=0.2)] = Field(
        description="Yearly fall of age-specific death rates."
    )
    age_profile: AgeDensity = Field(
        description="Initial age distribution: [[age, relative density], ...]."
    )
    outmigration_base: Rate = Field(description="Yearly out-migration chance of a young adult.")
    outmigration_age_profile: AgeFactors = Field(
        description="Out-migration propensity by age: [[age, factor], ...]."
    )
    skill_selectivity: NonNegative = Field(
        description="Extra out-migration propensity per unit of skill."
    )
    unemployment_push: NonNegative = Field(description="Log-odds push of being unemployed.")
    wage_gap_push: NonNegative = Field(
        description="Push per unit of log wage gap to the outside economy."
    )
    amenity_push: NonNegative = Field(description="Push per unit of amenity shortfall.")
    max_outmigration: Rate = Field(description="Upper bound of the yearly out-migration chance.")
    inmigration_base: Rate = Field(
        description="Yearly in-migrants as a share of the population, with no jobs on offer."
    )
    inmigration_pull: NonNegative = Field(
        description="Pull of open jobs (per unit job-vacancy rate) on in-migration."
    )


class EnvironmentSection(Section):
    """§2.2.3: pollution and environmental standards that close or transform firms."""

    enabled: bool = Field(description="Switch the cause on or off.")
    pollution_decay: Rate = Field(description="Share of the pollution stock that decays yearly.")
    diffusion: Rate = Field(description="Share of a cell's pollution spreading to neighbours.")
    standard_path: SharePath = Field(
        description="Stringency of environmental standards (0 = none, 1 = strict)."
    )
    compliance_cost: NonNegative = Field(
        description="Compliance cost (share of output) at full stringency for intensity 1."
    )
    intensity_limit: Positive = Field(
        description="Highest permitted pollution intensity at full stringency."
    )
    concentration_limit: Positive = Field(
        description="Pollution concentration counted as over the standard."
    )
    amenity_weight: NonNegative = Field(description="Weight of pollution in residents' amenity.")


class PolicySection(Section):
    """§2.2.5: revitalization support, its targeting and its waste."""

    enabled: bool = Field(description="Switch the cause on or off.")
    start_year: Year = Field(description="First year of revitalization support.")
    budget_share: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="Yearly support from the centre as a share of the city's output."
    )
    waves: MultiplierPath = Field(
        description="Budget multiplier by year (later policy waves: 2014, 2016)."
    )
    efficiency: Rate = Field(
        description="Share of support that reaches its target (the rest "
        "is lost to waste and misallocation)."
    )
    target_soe: NonNegative = Field(description="Weight of subsidies to failing state firms.")
    target_new_industries: NonNegative = Field(
        description="Weight of support for new light and high-tech firms."
    )
    target_infrastructure: NonNegative = Field(description="Weight of infrastructure spending.")
    target_young: NonNegative = Field(
        description="Weight of wage and amenity support for young residents."
    )
    entry_boost: NonNegative = Field(
        description="Extra new-firm entry per unit of support (share of output) for new industries."
    )


class Scenario(Section):
    """A complete, validated scenario."""

    name: str = Field(description="Short name of the scenario.")
    description: str = Field(description="What the scenario represents.")
    model: ModelSection
    geography: GeographySection
    sectors: SectorsSection
    economy: EconomySection
    housing: HousingSection
    national: NationalSection
    industry: IndustrySection
    resources: ResourcesSection
    transport: TransportSection
    infrastructure: InfrastructureSection
    demography: DemographySection
    environment: EnvironmentSection
    policy: PolicySection

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (what ``run.json`` records)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario in canonical JSON."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


MECHANISMS = (
    "industry",
    "resources",
    "transport",
    "infrastructure",
    "demography",
    "environment",
    "policy",
)
"""Scenario sections that are causes of decline, each with an ``enabled`` switch."""


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


# ---------------------------------------------------------------------------------------------
# Loading


def config_dir() -> Path:
    """The folder holding the shipped scenarios (``configs/``)."""
    env = os.environ.get("DECLINEABM_CONFIG_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    candidates += [here.parents[1] / "configs", here / "_configs"]
    for path in candidates:
        if path.is_dir():
            return path
    raise ScenarioError("cannot find the configs/ folder (set DECLINEABM_CONFIG_DIR)")


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``configs/``."""
    return sorted(p.stem for p in config_dir().glob("*.toml"))


def resolve_scenario_path(scenario: str | os.PathLike[str]) -> Path:
    """A scenario name (``northeast``) or a path to a TOML file, as a path."""
    path = Path(scenario)
    if path.suffix != ".toml" and os.sep not in str(scenario):
        path = config_dir() / f"{scenario}.toml"
    if not path.is_file():
        names = ", ".join(available_scenarios())
        raise ScenarioError(f"scenario '{scenario}' not found (shipped scenarios: {names})")
    return path


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ScenarioError(f"{path}: 'extends' forms a cycle")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: 'extends' must be a scenario name or path")
    base_path = (
        path.parent / base_name if base_name.endswith(".toml") else resolve_scenario_path(base_name)
    )
    return deep_merge(_read_toml(base_path, (*seen, path)), raw)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; tables merge, other values replace."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as TOML (numbers, booleans, arrays); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``key=value`` from the command line."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"--set '{text}': expected key=value, e.g. policy.enabled=false")
    return key.strip(), parse_value(value.strip())


def normalise_key(key: str) -> str:
    """Accept ``section__name`` (keyword-argument form) as ``section.name``."""
    return key.replace("__", ".")


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys in a raw scenario dict (validation happens afterwards)."""
    result = copy.deepcopy(raw)
    for dotted, value in overrides.items():
        key = normalise_key(dotted)
        parts = key.split(".")
        node = result
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                if part in node:
                    here = ".".join(parts[: i + 1])
                    raise ScenarioError(f"{key}: '{here}' is a value, not a section")
                raise ScenarioError(_unknown_key_message(result, parts[: i + 1]))
            node = child
        if parts[-1] not in node:
            raise ScenarioError(_unknown_key_message(result, parts))
        node[parts[-1]] = value
    return result


def _unknown_key_message(raw: Mapping[str, Any], parts: list[str]) -> str:
    node: Any = raw
    for part in parts[:-1]:
        node = node[part]
    choices = sorted(node) if isinstance(node, Mapping) else []
    where = ".".join(parts[:-1]) or "the top level"
    hint = difflib.get_close_matches(parts[-1], choices, n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown key '{'.'.join(parts)}' (keys in {where}: {', '.join(choices)}){suggestion}"


def validate(raw: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate a raw scenario dict; raise :class:`ScenarioError` with one line on failure."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {_describe(exc, raw)}") from None


def load_scenario(
    scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any] = "baseline",
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load a scenario by name, path, raw mapping or object, then apply dotted overrides."""
    overrides = dict(overrides or {})
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        raw, source = scenario.to_dict(), scenario.name
    elif isinstance(scenario, Mapping):
        raw, source = dict(scenario), "scenario"
    else:
        path = resolve_scenario_path(scenario)
        raw, source = _read_toml(path), str(path)
    return validate(apply_overrides(raw, overrides), source)


# ---------------------------------------------------------------------------------------------
# One-line error messages


def _describe(exc: ValidationError, raw: Mapping[str, Any]) -> str:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    key = ".".join(loc)
    if error["type"] == "extra_forbidden":
        return _unknown_key_message(raw, loc)
    if error["type"] == "missing":
        return f"missing key '{key}'"
    value = error.get("input")
    allowed = _allowed(loc)
    message = error["msg"].removeprefix("Value error, ")
    # A check across a whole section names its keys in the message itself.
    where = f"{key} = {json.dumps(value)}: " if key and not isinstance(value, Mapping) else ""
    return f"{where}{message}" + (f" (allowed: {allowed})" if allowed else "")


def _allowed(loc: list[str]) -> str:
    """Describe the allowed values of the field at ``loc`` from its schema constraints."""
    model: Any = Scenario
    field = None
    for part in loc:
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return ""
        field = fields[part]
        model = field.annotation
    if field is None:
        return ""
    bounds = {}
    for meta in field.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return " and ".join(f"{words[name]} {value}" for name, value in bounds.items())
