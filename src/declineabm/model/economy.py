"""Production, wages and firm accounts: the city's economy in one vectorised pass a year.

Every firm produces ``workforce x output per worker x price``. Output per worker is the
sector's technology level (growing at its ``tfp_growth``) times the firm's own productivity and
the factors the causes contribute: state ownership (cause 1), depleted deposits (cause 2) and
infrastructure (cause 4). Tradable goods sell at national prices; local services sell to local
households, so their price falls when the city's income falls ("services follow population").

Wages follow the sector's technology level, with a floor at a share of the city's average wage
(and the state-owned wage norm of cause 1). Costs are raw materials (cause 2), transport
(cause 3) and environmental compliance (cause 6); profits are taxed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from declineabm.scenario import Scenario, Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel

MAX_SERVICE_PRICE = 2.0  # local service prices cannot more than double when supply is short


@dataclass(frozen=True)
class SectorArrays:
    """Per-sector parameters as arrays indexed by :class:`Sector`."""

    productivity: np.ndarray
    tfp_growth: np.ndarray
    firm_size: np.ndarray
    soe_share: np.ndarray
    employment_share: np.ndarray
    material: np.ndarray
    freight: np.ndarray
    pollution: np.ndarray
    entry_rate: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> SectorArrays:
        """Collect the five sector sections into arrays."""
        params = [scenario.sectors[s] for s in Sector]
        size = np.array([p.firm_size for p in params]) / scenario.model.persons_per_agent
        return cls(
            productivity=np.array([p.productivity for p in params]),
            tfp_growth=np.array([p.tfp_growth for p in params]),
            firm_size=np.maximum(size, 1.0),
            soe_share=np.array([p.soe_share for p in params]),
            employment_share=np.array([p.employment_share for p in params]),
            material=np.array([p.material_dependence for p in params]),
            freight=np.array([p.freight_intensity for p in params]),
            pollution=np.array([p.pollution_intensity for p in params]),
            entry_rate=np.array([p.entry_rate for p in params]),
        )

    def technology(self, years_since_start: int) -> np.ndarray:
        """Output per worker of an average private firm in each sector."""
        return self.productivity * (1.0 + self.tfp_growth) ** years_since_start


def service_price(model: UrbanDeclineModel, supply: float) -> float:
    """Price of local services: demand (scaling with local income) over supply at price 1."""
    if supply <= 0:
        return MAX_SERVICE_PRICE
    income_ratio = model.household_income / model.initial_household_income
    demand = (
        model.initial_service_supply
        * income_ratio**model.scenario.economy.service_income_elasticity
    )
    return float(min(demand / supply, MAX_SERVICE_PRICE))


def produce(model: UrbanDeclineModel) -> None:
    """Run this year's production and fill the firms' accounts (before any subsidy).

    Writes the firm columns ``workforce, output, wage, wage_bill, costs, profit`` and the
    model's ``average_wage``, ``service_price``; extracts minerals and emits pollution.
    """
    firms, residents = model.firms, model.residents
    sectors = model.sectors
    employed = residents.employer >= 0
    workforce = np.bincount(residents.employer[employed], minlength=len(firms))
    firms.workforce[:] = workforce
    sector = firms.sector.astype(np.intp)

    technology = sectors.technology(model.year - model.scenario.model.start_year)
    per_worker = (
        technology[sector]
        * firms.productivity
        * model.industry.efficiency()
        * model.infrastructure.productivity_factor(firms.cell)
        * model.resources.yield_factor()
    )
    services = sector == Sector.SERVICES
    supply = float((workforce * per_worker)[services].sum())
    price = np.ones(len(firms))
    model.service_price = service_price(model, supply) if model.initial_service_supply else 1.0
    price[services] = model.service_price
    output = workforce * per_worker * price

    economy = model.scenario.economy
    wage = np.maximum.reduce(
        [
            economy.labour_share * technology[sector],
            np.full(len(firms), economy.wage_floor * model.average_wage),
            model.industry.wage_norm(model.average_wage),
        ]
    )
    wage_bill = workforce * wage
    costs = output * (
        sectors.material[sector] * model.resources.material_cost_index()
        + model.transport.cost_share(firms.cell, sectors.freight[sector])
        + model.environment.compliance_share(sectors.pollution[sector] * firms.pollution)
    )
    gross = output - wage_bill - costs
    tax = economy.profit_tax * np.maximum(gross, 0.0)

    firms.output[:] = output
    firms.wage[:] = wage
    firms.wage_bill[:] = wage_bill
    firms.costs[:] = costs
    firms.profit_tax[:] = tax
    firms.profit[:] = gross - tax
    firms.subsidy[:] = 0.0
    total_workers = workforce.sum()
    if total_workers > 0:
        model.average_wage = float(wage_bill.sum() / total_workers)

    model.resources.extract(workforce)
    emissions = output * sectors.pollution[sector] * firms.pollution
    model.environment.disperse(np.bincount(firms.cell, emissions, minlength=model.geography.size))
