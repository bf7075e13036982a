"""Firms' life cycle: losses, adaptation, closure and the entry of new firms.

A firm that keeps making losses (after any subsidy) closes once its loss streak reaches its
patience; a subsidy that covers its loss resets the streak (a zombie firm, §2.2.5). A failing
firm may instead adapt to another sector, rarely if it is a rigid state-owned firm (cause 1).
A firm above the permitted pollution intensity must clean up or close (§2.2.3). A new firm
that has found no worker in its first two years gives up its site. Closed sites become
industrial wasteland (§2).

New firms enter where they expect a margin: services where local demand is unmet ("services
follow population"), high-tech where young skilled workers and good infrastructure are,
manufacturing where labour is and transport is cheap, mines where reserves remain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.allocation import sample_weighted
from declineabm.model.capital import NORTHEAST
from declineabm.model.economy import market_wages
from declineabm.model.population import young
from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel

ADAPTATION_TARGETS = (Sector.LIGHT, Sector.SERVICES)  # retraining for high-tech is not quick
MIN_SECTOR_SHARE = 0.01  # a sector absent at the start can still attract entrants
EMPTY_YEARS = 2  # years a new firm looks for its first worker before it gives up its site
CLEAN_UP_TO = 0.8  # a firm that transforms cuts emissions to this share of the permitted level


def sector_margins(
    model: UrbanDeclineModel,
    service_demand: float,
    wage_level: float,
    costs: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Margin an average private firm of each sector makes this year, before profit tax.

    Args:
        model: The model.
        service_demand: Local demand for services over their supply (a service firm sells
            no more than its share of the demand).
        wage_level: The wage curve's level (wages are ``labour_share`` of output at 1).
        costs: Costs other than wages, as a share of output, by sector.
    """
    sold = np.ones(len(Sector))
    sold[Sector.SERVICES] = min(1.0, service_demand)
    labour = model.config.economy.labour_share * wage_level
    return 1.0 - labour / (sold * model.prices()) - costs


def expansion(model: UrbanDeclineModel, margins: np.ndarray) -> np.ndarray:
    """Yearly workforce growth a profitable firm wants, by its margin (profits reinvested).

    Proportional to the margin: ``economy.expansion_rate`` at the target margin, none at a
    loss, at most ``economy.max_expansion`` (hiring and building take time). Where labour is
    cheap, margins are high and firms grow fast: the surplus labour of the farms is absorbed
    as profits are reinvested (Lewis 1954, the dual economy China's coast was).
    """
    economy = model.config.economy
    growth = economy.expansion_rate * np.maximum(margins / economy.target_margin, 0.0)
    return np.minimum(growth, economy.max_expansion)


def opportunity(model: UrbanDeclineModel, margins: np.ndarray, service_demand: float) -> np.ndarray:
    """How strongly new firms of each sector are drawn in.

    By the margin over the target, and by unmet local demand for services (none while the
    service firms there cannot sell all they make).
    """
    drawn = np.clip(margins / model.config.economy.target_margin, 0.0, 2.0)
    if service_demand > 1.0:
        drawn[Sector.SERVICES] += min(service_demand - 1.0, 1.0)
    else:  # no room for another service firm where those there cannot sell all they make
        drawn[Sector.SERVICES] = 0.0
    return drawn


def entrant_margins(model: UrbanDeclineModel) -> np.ndarray:
    """Margin an average new firm of each sector expects this year in the Northeast."""
    sectors = model.sectors
    economy = model.config.economy
    geo = model.geography
    technology = model.technology()
    sold = np.ones(len(Sector))  # a new service firm shares the shortfall of local demand
    sold[Sector.SERVICES] = min(1.0, model.labour_market.service_demand)
    revenue = technology * sold * model.prices()
    wage = np.maximum(market_wages(model), economy.wage_floor * model.labour_market.average_wage)
    occupied = np.flatnonzero((geo.layer("occupancy") > 0) & (geo.layer("city") >= 0))
    transport = np.array(
        [
            model.transport.cost_share(occupied, np.full(len(occupied), f)).mean()
            if len(occupied)
            else 0.0
            for f in sectors.freight
        ]
    )
    material = sectors.material * model.resources.purchase_cost_index()
    costs = material + transport + model.environment.compliance_share(sectors.pollution)
    return 1.0 - wage / revenue - costs


def young_skilled(model: UrbanDeclineModel) -> np.ndarray:
    """Mask of skilled residents aged 18-34, the workforce high-tech firms look for."""
    residents = model.residents
    return young(residents.age) & (residents.skill >= model.config.economy.high_skill)


def location_weights(model: UrbanDeclineModel, sector: Sector) -> np.ndarray:
    """Relative attraction of every cell to a new firm of ``sector``.

    Firms open in cities: services where people live, manufacturing where people live and
    transport is cheap, high-tech where young skilled people and good infrastructure are;
    mines where reserves remain.
    """
    geo = model.geography
    if sector == Sector.RESOURCE:
        return geo.layer("deposits").copy()
    in_city = geo.layer("city") >= 0
    occupancy = np.where(in_city, geo.layer("occupancy"), 0).astype(np.float64)
    if sector == Sector.SERVICES:
        return occupancy
    remote = model.transport.entry_weight(model.sectors.freight[sector])
    if sector == Sector.HIGHTECH:
        talent = np.bincount(model.residents.home[young_skilled(model)], minlength=geo.size)
        return np.where(in_city, talent, 0) * geo.layer("infrastructure") ** 2 * remote
    return occupancy * remote


def losing_firms(model: UrbanDeclineModel) -> np.ndarray:
    """Mask of the firms making losses this year (protected state firms excepted).

    A firm that was losing and has shed its last worker makes no accounts this year; it is
    still the loss-making firm it was (drawn finer, it would still have workers and losses),
    so it keeps losing: it posts no job and its streak runs on to closure.
    """
    firms = model.firms
    emptied = (firms.workforce == 0) & (firms.loss_years > 0)
    return ((firms.profit < 0) | emptied) & ~model.industry.protected()


def update_losses(model: UrbanDeclineModel) -> None:
    """Lengthen the loss streak of loss-making firms, reset it for the others.

    Reads ``firms.profit, workforce`` and which firms cause 1 protects; writes
    ``firms.loss_years, staffed, empty_years``.
    """
    firms = model.firms
    firms.loss_years[:] = np.where(losing_firms(model), firms.loss_years + 1, 0)
    # Only a firm that never had a worker counts its empty years: one that had workers and
    # has none this year is, with coarse agents, a fraction of an agent rounded to nobody
    # (labour.adjust_workforce); closing it would close firms that finer agents keep.
    firms.staffed[:] |= firms.workforce > 0
    firms.empty_years[:] = np.where(
        (firms.workforce == 0) & ~firms.staffed, firms.empty_years + 1, 0
    )


def adapt_or_close(model: UrbanDeclineModel) -> tuple[float, float]:
    """Failing and polluting firms adapt or close. Returns (adapted, closed), in real firms.

    Reads the firms' loss and empty streaks and emissions, the permitted intensity (cause 6),
    the adaptation rate and closure patience (cause 1) and entrants' margins; writes
    ``firms.sector, pollution, loss_years`` of those that adapt, and closes the others
    (``model.close_firms``: their workers' ``employer``, the ``closed_sites`` layer) and
    writes off their capital (``model.capital``).
    """
    firms = model.firms
    sectors = model.sectors
    rng = model.streams["firms"]
    sector = firms.sector.astype(np.intp)
    intensity = sectors.pollution[sector] * firms.pollution
    permitted = model.environment.permitted_intensity()
    violating = intensity > permitted
    failing = firms.loss_years > 0
    adapts = (failing | violating) & (rng.random(len(firms)) < model.industry.adaptation_rate())

    if adapts.any():
        margins = entrant_margins(model)
        best = max(ADAPTATION_TARGETS, key=lambda s: margins[s])
        switch = adapts & failing & (sector != best)
        firms.sector[switch] = best
        firms.pollution[switch] = 1.0
        firms.loss_years[adapts] = 0
        new_intensity = sectors.pollution[firms.sector.astype(np.intp)] * firms.pollution
        cleanup = adapts & (new_intensity > permitted)
        firms.pollution[cleanup] *= CLEAN_UP_TO * permitted / new_intensity[cleanup]

    closing = ~adapts & (
        (firms.loss_years >= model.industry.closure_patience())
        | violating
        | (firms.empty_years >= EMPTY_YEARS)
    )
    adapted = float(firms.represents[adapts].sum())
    closed = float(firms.represents[closing].sum())
    # their capital is stranded but for its salvage (model/capital.py)
    workers = firms.workforce.sum()
    if workers > 0 and closing.any():
        model.capital.strand(NORTHEAST, float(firms.workforce[closing].sum() / workers))
    model.close_firms(np.flatnonzero(closing))
    return adapted, closed


def enter(model: UrbanDeclineModel, multipliers: np.ndarray) -> float:
    """New firms enter where they expect a margin; returns how many (real firms) entered.

    The expected number of entrants is counted in real firms of the sector's size, from the
    persons in each sector's labour pool, so it does not depend on how many agents draw them.

    Reads entrants' margins, ``labour_market.service_demand``, the labour pools (working age,
    remaining reserves, young skilled residents) against ``baselines``; opens firms (new rows
    of ``firms``, ``model.open_firms``).

    Args:
        model: The model.
        multipliers: Each sector's entry relative to an ordinary region's (the investment
            climate and new-industry support, :meth:`RevitalizationPolicy.entry_multipliers`).
    """
    sectors = model.sectors
    rng = model.streams["firms"]
    drawn = opportunity(model, entrant_margins(model), model.labour_market.service_demand)

    start = model.baselines
    ppa = model.persons_per_agent
    urban = model.resident_city() >= 0
    working = float((model.of_working_age() & urban).sum()) * ppa
    # Workers each sector can draw on: mines need reserves, high-tech needs young talent.
    talent = young_skilled(model).sum() / max(start.young_skilled, 1)
    pools = np.full(len(Sector), working)
    pools[Sector.RESOURCE] *= model.resources.remaining_share()
    pools[Sector.HIGHTECH] = start.urban_working_age * ppa * talent
    # Firms the sector's share of the pool could staff; a floor lets absent sectors emerge.
    shares = np.maximum(start.sector_shares, MIN_SECTOR_SHARE)
    capacity = pools * shares / sectors.firm_size
    entered = 0.0
    for sector in Sector:
        expected = sectors.entry_rate[sector] * capacity[sector] * drawn[sector]
        expected *= multipliers[sector]
        count = int(rng.poisson(expected)) if expected > 0 else 0
        if count == 0:
            continue
        cells = sample_weighted(location_weights(model, sector), count, rng)
        if len(cells):
            rows = model.open_firms(sector, cells, state_owned=np.zeros(len(cells), dtype=bool))
            entered += float(model.firms.represents[rows].sum())
    return entered
