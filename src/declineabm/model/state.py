"""The region-wide state the processes carry from one year to the next, in the open.

Agents' own state lives in columns (:mod:`declineabm.model.tables`); what belongs to the region
as a whole is grouped here, each field with the process that writes it, so that a reader of a
process knows what it changes. Recording the year (:mod:`declineabm.model.indicators`) reads
these and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EVENTS = (
    "births",
    "deaths",
    "in_migrants",
    "in_migrants_young",
    "out_migrants",
    "out_migrants_young",
    "moves_between_cities",
    "rural_to_urban",
    "national_rural_to_urban",
    "moves",
    "firm_entries",
    "firm_closures",
    "firm_adaptations",
    "zombie_firms",
    "protected_losses",
    "layoffs",
    "early_retirements",
    "national_births",
    "national_deaths",
)
"""What happens during a year and is counted for it (agents, or persons where national)."""


@dataclass
class LabourMarket:
    """The Northeast's labour market and incomes: what wages, migrants and entrants look at.

    Attributes:
        average_wage: Wage bill / workers (``economy.produce``).
        wage_level: Position on the wage curve, 1 at the start (``economy.adjust_wage_level``,
            at the end of the labour market's year).
        unemployment_rate: Registered: urban working age without a job and not laid off, over
            urban working age (``labour.close_year``).
        vacancy_rate: Open positions over jobs plus open positions (``labour.close_year``).
        tightness: Openings less job seekers (beyond the frictional share), over jobs plus
            openings, before hiring (``labour.adjust_workforce``): what the wage curve reads.
        service_demand: Local demand for services over what service firms can make
            (``economy.produce``).
        household_income: Residents' incomes of the year (``public_finance.settle_budget``).
        young_support: Revitalization support per young resident (``settle_budget``).
    """

    average_wage: float = 0.0
    wage_level: float = 1.0
    unemployment_rate: float = 0.0
    vacancy_rate: float = 0.0
    tightness: float = 0.0
    service_demand: float = 1.0
    household_income: float = 0.0
    young_support: float = 0.0


@dataclass
class Baselines:
    """Start-year values the rules compare with (set once, when the region is built).

    Attributes:
        household_income: Residents' incomes in the start year (services demand grows from it).
        service_supply: What service firms made in the start year.
        sector_shares: Shares of jobs by sector (entrants' labour pools).
        young_skilled: Skilled residents aged 18-34 (high-tech firms' talent pool).
        urban_working_age: Cities' residents of working age (high-tech firms' pool).
        unemployment_rate: The registered unemployment rate of the start year (the normal rate
            of the wage curve).
        urban_services: Public services (amenity) of the Northeast's cities, the standard the
            rest of China's cities keep.
        rural_services: The same in the countryside.
        vitality: The start-year values the vitality index is relative to.
    """

    household_income: float = 0.0
    service_supply: float = 0.0
    sector_shares: np.ndarray = field(default_factory=lambda: np.zeros(0))
    young_skilled: int = 0
    urban_working_age: int = 0
    unemployment_rate: float = 0.0
    urban_services: float = 0.0
    rural_services: float = 0.0
    vitality: dict[str, float] = field(default_factory=dict)
