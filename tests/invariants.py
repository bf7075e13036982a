"""Invariants every model state must satisfy; tests call ``check`` after every step."""

from __future__ import annotations

import math

import numpy as np

from declineabm import UrbanDeclineModel
from declineabm.model.agents import Firm, Resident

RATE_INDICATORS = (
    "output_share",
    "unemployment_rate",
    "job_vacancy_rate",
    "soe_job_share",
    "heavy_job_share",
    "resource_job_share",
    "light_job_share",
    "share_65plus",
    "share_under_15",
    "housing_vacancy_rate",
    "derelict_share",
    "cells_over_standard",
    "environmental_standard",
    "mean_infrastructure",
    "remaining_resources",
    "young_adult_share",
    "hightech_job_share",
    "service_job_share",
)


def check(model: UrbanDeclineModel, previous_population: float | None = None) -> None:
    """Assert the model's state is consistent; raise AssertionError naming what is not."""
    residents, firms, geo = model.residents, model.firms, model.geography
    ind = model.indicators

    # Population accounting: pop(t+1) = pop(t) + births - deaths + in - out.
    if previous_population is not None:
        expected = (
            previous_population
            + ind["births"]
            - ind["deaths"]
            + ind["in_migrants"]
            - ind["out_migrants"]
        )
        assert ind["population"] == expected, (ind["population"], expected)
    assert ind["population"] == len(residents) * model.persons_per_agent

    # Jobs: employers exist, workforce counts agree, no firm over its positions.
    assert ((residents.employer >= -1) & (residents.employer < len(firms))).all()
    counted = np.bincount(residents.employer[residents.employer >= 0], minlength=len(firms))
    assert (counted == firms.workforce).all(), "firm workforce differs from its employees"
    assert (firms.workforce <= firms.positions).all(), "a firm employs more than its positions"
    employed = residents.employer >= 0
    assert (residents.age[employed] >= model.config.economy.working_age).all()
    assert (residents.age[employed] < model.config.economy.retirement_age).all()

    # Mesa agents: one handle per row, registered, each resident in exactly one cell.
    assert len(model.agents_by_type[Resident]) == len(residents)
    assert len(model.agents_by_type.get(Firm, [])) == len(firms)
    handles = residents.handles[: len(residents)]
    assert all(h.row == i for i, h in enumerate(handles))
    in_cells = sum(len(cell._agents) for cell in geo.cells)  # residents and firms
    assert in_cells == len(residents) + len(firms), "an agent is on no cell or on two"
    homes = np.array([h.cell.coordinate for h in handles]).reshape(-1, 2)
    flat = homes[:, 0] * geo.height + homes[:, 1]
    assert (flat == residents.home).all(), "a resident's Mesa cell is not its home"
    assert (geo.layer("occupancy") == np.bincount(residents.home, minlength=geo.size)).all()

    # Budget identity.
    gov = model.government
    assert math.isclose(gov.balance, gov.revenue - gov.spending, rel_tol=0, abs_tol=1e-6)

    # Layers stay physical.
    assert (geo.layer("derelict") >= 0).all() and (
        geo.layer("derelict") <= geo.layer("housing")
    ).all()
    assert (geo.layer("deposits") >= 0).all()
    quality = geo.layer("infrastructure")
    assert ((quality >= 0) & (quality <= 1)).all()

    # Indicators: finite, rates in [0, 1].
    for name, value in ind.items():
        assert math.isfinite(value), f"{name} is {value}"
    for name in RATE_INDICATORS:
        assert 0.0 <= ind[name] <= 1.0, f"{name} = {ind[name]} is not a rate"


def run_checked(model: UrbanDeclineModel) -> None:
    """Run the model to its end year, checking every invariant after every year."""
    check(model)
    while model.running:
        population = model.indicators["population"]
        model.step()
        check(model, population)
