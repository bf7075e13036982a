"""Production, wages and firm accounts: the Northeast's economy in one vectorised pass a year.

Every firm produces ``workforce x output per worker x price``. Output per worker is the
sector's technology (its productivity, with the sector's ``tfp_gap``: sunset industries fall
behind, new ones pull ahead) times the national frontier (:mod:`declineabm.model.national`)
times the region's capital deepening (:mod:`declineabm.model.capital`: the year's output
then invests in it) times the firm's own productivity and the factors the causes
contribute: state ownership (cause 1), depleted deposits (cause 2) and infrastructure
(cause 4). Rural residents of working age without a firm job farm, at
``economy.farm_productivity`` times the frontier, or work in rural industry
(:mod:`declineabm.model.rural_industry`). Tradable goods sell on the national market; local
services sell to local households, so when the region's income falls they sell less than they
could make ("services follow population").

Wages follow the sector's technology times the region's wage level, which rises when firms open
more jobs than there are job seekers beyond the frictional few and falls when there are fewer
(a wage curve; the rest of China's labour market follows
the same curve, :meth:`~declineabm.model.rest_of_china.RestOfChina.update_sectors`), with a
floor at a share of the region's average wage (and the state-owned wage norm of cause 1).
Costs are raw materials (cause 2), transport (cause 3) and environmental compliance (cause 6);
profits are taxed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.capital import NORTHEAST
from declineabm.model.rural_industry import rural_technology
from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


WAGE_LEVEL_BOUNDS = (0.25, 4.0)  # the wage curve cannot move wages beyond these multiples
MAX_WAGE_CHANGE = 0.05  # nominal rigidity: the wage level moves at most 5 % a year


def market_wages(model: UrbanDeclineModel) -> np.ndarray:
    """Wage an average private firm of each sector pays this year."""
    economy = model.config.economy
    return economy.labour_share * model.technology() * model.labour_market.wage_level


def next_wage_level(model: UrbanDeclineModel, level: float, tightness: float) -> float:
    """The wage curve: next year's wage level after a year of labour-market ``tightness``.

    Args:
        model: The model.
        level: This year's wage level (1 in the start year).
        tightness: Excess demand for labour, as a share of the jobs wanted.
    """
    change = model.config.economy.wage_flexibility * tightness
    level *= 1.0 + np.clip(change, -MAX_WAGE_CHANGE, MAX_WAGE_CHANGE)
    return float(np.clip(level, *WAGE_LEVEL_BOUNDS))


def adjust_wage_level(model: UrbanDeclineModel) -> None:
    """Move the wage level with this year's labour-market tightness (for next year's wages).

    Reads ``labour_market.tightness``; writes ``labour_market.wage_level``.
    """
    market = model.labour_market
    market.wage_level = next_wage_level(model, market.wage_level, market.tightness)


def service_demand_ratio(model: UrbanDeclineModel, supply: float) -> float:
    """Local demand for services over what service firms can supply this year.

    Demand grows with local household income (income elasticity ``service_income_elasticity``)
    from the start year, when it equals supply.
    """
    start = model.baselines
    if start.service_supply == 0:
        return 1.0
    if supply <= 0:
        return np.inf
    income_ratio = model.labour_market.household_income / start.household_income
    elasticity = model.config.economy.service_income_elasticity
    return float(start.service_supply * income_ratio**elasticity / supply)


def farm_workers(model: UrbanDeclineModel) -> np.ndarray:
    """Mask of residents who farm: rural, of working age, with no firm job, not laid off."""
    residents = model.residents
    rural = model.resident_city() < 0
    return rural & model.of_working_age() & (residents.employer < 0) & (residents.laid_off == 0)


def produce(model: UrbanDeclineModel) -> None:
    """Run this year's production in both regions and fill the firms' accounts.

    Sets the national frontier so that the two regions' output grows as China's did, then
    values every firm's and farm's output with it.

    Reads ``residents.employer``, the firm columns of technology and site, the rest of China's
    workers; writes ``model.frontier``, the firm columns ``workforce, output, wage, wage_bill,
    costs, profit_tax, profit, subsidy`` (0 before support), ``model.rural_output``,
    ``labour_market.average_wage, service_demand``; extracts minerals and emits pollution.
    """
    firms, residents = model.firms, model.residents
    sectors = model.sectors
    employed = residents.employer >= 0
    workforce = np.bincount(residents.employer[employed], minlength=len(firms))
    firms.workforce[:] = workforce
    sector = firms.sector.astype(np.intp)
    # Capital per worker in each region this year (model/capital.py), in persons.
    urban_workers = np.array(
        [workforce.sum() * model.persons_per_agent, model.rest_of_china.workers()[0]]
    )
    deepening = model.capital.update_factors(urban_workers)[NORTHEAST]

    potential_per_worker = (
        model.sector_technology()[sector]
        * deepening
        * firms.productivity
        * model.industry.efficiency()
        * model.infrastructure.productivity_factor(firms.cell)
        * model.resources.yield_factor()
    )
    services = sector == Sector.SERVICES
    # Local demand is in money; last year's frontier values this year's supply for it.
    supply = float((workforce * potential_per_worker)[services].sum()) * model.frontier
    market = model.labour_market
    market.service_demand = service_demand_ratio(model, supply)
    sold = np.ones(len(firms))  # share of capacity sold: services sell no more than demanded
    sold[services] = min(1.0, market.service_demand)
    price = model.prices()[sector]
    potential = workforce * potential_per_worker * sold * price
    # The countryside: its farms and rural industry (model/rural_industry.py).
    rural_workers = int(farm_workers(model).sum())
    rural_potential = rural_workers * rural_technology(model, model.rural_industry_share)

    # Both regions' potential in million yuan, and the frontier that makes them the nation.
    ppa = model.persons_per_agent
    northeast = (potential.sum() + rural_potential) * ppa / 1000.0
    rest = model.rest_of_china.potential_output() / 1000.0
    model.frontier = model.national.set_frontier(model.year, northeast + rest)
    output = potential * model.frontier
    model.rural_output = rural_potential * model.frontier
    model.rest_of_china.output = rest * model.frontier
    urban_output = np.array([output.sum() * ppa, model.rest_of_china.urban_output()])
    shares = np.array([model.policy.investment_share(), 1.0])
    model.capital.invest(urban_output, urban_workers, shares)

    economy = model.config.economy
    wage = np.maximum.reduce(
        [
            market_wages(model)[sector],
            np.full(len(firms), economy.wage_floor * market.average_wage),
            model.industry.wage_norm(market.average_wage),
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
        market.average_wage = float(wage_bill.sum() / total_workers)

    model.resources.extract(workforce)
    # Emissions follow physical activity: output at the start's technology and prices
    # (newer technology makes the same value with less material), in real persons' terms.
    activity = potential / price * ppa
    emissions = activity * sectors.pollution[sector] * firms.pollution
    model.environment.update_air(emissions)
