"""Production, wages and firm accounts: the city's economy in one vectorised pass a year.

Every firm produces ``workforce x output per worker x price``. Output per worker is the
sector's technology level (national output per worker, adjusted by the sector's ``tfp_gap``:
sunset industries fall behind, new ones pull ahead) times the firm's own productivity and
the factors the causes contribute: state ownership (cause 1), depleted deposits (cause 2) and
infrastructure (cause 4). Tradable goods sell on the national market; local services sell to local
households, so when the city's income falls they sell less than they could make ("services
follow population").

Wages follow the sector's technology level times the city's wage level, which rises when jobs
go unfilled and falls with unemployment (a wage curve), with a floor at a share of the city's
average wage (and the state-owned wage norm of cause 1). Costs are raw materials (cause 2),
transport (cause 3) and environmental compliance (cause 6); profits are taxed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


WAGE_LEVEL_BOUNDS = (0.25, 4.0)  # the wage curve cannot move wages beyond these multiples
MAX_WAGE_CHANGE = 0.05  # nominal rigidity: the wage level moves at most 5 % a year


def market_wages(model: UrbanDeclineModel) -> np.ndarray:
    """Wage an average private firm of each sector pays this year."""
    economy = model.config.economy
    return economy.labour_share * model.technology() * model.wage_level


def adjust_wage_level(model: UrbanDeclineModel) -> None:
    """Move the city's wage level with labour-market tightness (for next year's wages)."""
    tightness = model.vacancy_rate - model.unemployment_rate
    change = model.config.economy.wage_flexibility * tightness
    level = model.wage_level * (1.0 + np.clip(change, -MAX_WAGE_CHANGE, MAX_WAGE_CHANGE))
    model.wage_level = float(np.clip(level, *WAGE_LEVEL_BOUNDS))


def service_demand_ratio(model: UrbanDeclineModel, supply: float) -> float:
    """Local demand for services over what service firms can supply this year.

    Demand grows with local household income (income elasticity ``service_income_elasticity``)
    from the start year, when it equals supply.
    """
    if model.initial_service_supply == 0:
        return 1.0
    if supply <= 0:
        return np.inf
    income_ratio = model.household_income / model.initial_household_income
    elasticity = model.config.economy.service_income_elasticity
    return float(model.initial_service_supply * income_ratio**elasticity / supply)


def produce(model: UrbanDeclineModel) -> None:
    """Run this year's production and fill the firms' accounts (before any subsidy).

    Writes the firm columns ``workforce, output, wage, wage_bill, costs, profit`` and the
    model's ``average_wage`` and ``service_demand``; extracts minerals and emits pollution.
    """
    firms, residents = model.firms, model.residents
    sectors = model.sectors
    employed = residents.employer >= 0
    workforce = np.bincount(residents.employer[employed], minlength=len(firms))
    firms.workforce[:] = workforce
    sector = firms.sector.astype(np.intp)

    technology = model.technology()
    per_worker = (
        technology[sector]
        * firms.productivity
        * model.industry.efficiency()
        * model.infrastructure.productivity_factor(firms.cell)
        * model.resources.yield_factor()
    )
    services = sector == Sector.SERVICES
    supply = float((workforce * per_worker)[services].sum())
    model.service_demand = service_demand_ratio(model, supply)
    sold = np.ones(len(firms))  # share of capacity sold: services sell no more than demanded
    sold[services] = min(1.0, model.service_demand)
    price = model.prices()[sector]
    output = workforce * per_worker * sold * price

    economy = model.config.economy
    wage = np.maximum.reduce(
        [
            market_wages(model)[sector],
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
    # Emissions follow physical activity: output deflated by technology, since newer
    # technology produces the same value with less material throughput.
    activity = output / price / model.national.technology(model.year)
    emissions = activity * sectors.pollution[sector] * firms.pollution
    model.environment.disperse(
        np.bincount(firms.cell, emissions, minlength=model.geography.size).astype(np.float64)
    )
