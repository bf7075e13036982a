"""Parameters of the city's structure: time and scale, geography, the economy, housing.

These sections hold no cause of decline: they describe the city that the causes act on and the
core processes (production, the labour market, public finance, housing) that every city has.
Each cause's parameters live in its own module under :mod:`declineabm.model.mechanisms`.
"""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import Field, model_validator

from declineabm.model.parameters import NonNegative, Positive, Rate, Section, SharePath, Year


class SimulationSection(Section):
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
    def _years_in_order(self) -> SimulationSection:
        if self.end_year <= self.start_year:
            raise ValueError(
                f"simulation.end_year ({self.end_year}) must be after simulation.start_year "
                f"({self.start_year})"
            )
        return self

    @model_validator(mode="after")
    def _fits_in_memory(self) -> SimulationSection:
        # Measured: a Mesa grid cell with its connections ~1.5 KB, a resident ~0.6 KB; the
        # population can grow, so allow for twice the initial residents.
        needed = self.width * self.height * 1500 + self.residents * 2 * 600
        available = _physical_memory()
        if needed > available:
            raise ValueError(
                f"simulation.width x simulation.height = {self.width}x{self.height} with "
                f"simulation.residents = {self.residents} needs about {needed / 2**30:.1f} GiB, "
                f"more than this machine's {available / 2**30:.1f} GiB"
            )
        return self


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


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
