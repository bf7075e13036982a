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


def check(model: UrbanDeclineModel, previous: dict[str, float] | None = None) -> None:
    """Assert the model's state is consistent; raise AssertionError naming what is not.

    Args:
        model: The model, after a step.
        previous: Last year's indicators (for the accounting of people across the year).
    """
    residents, firms, geo = model.residents, model.firms, model.geography
    ind = model.indicators

    # Population accounting: pop(t+1) = pop(t) + births - deaths + in - out, and the nation's
    # people change only by births and deaths: migrants are neither lost nor counted twice.
    if previous is not None:
        expected = (
            previous["population"]
            + ind["births"]
            - ind["deaths"]
            + ind["in_migrants"]
            - ind["out_migrants"]
        )
        assert math.isclose(ind["population"], expected, rel_tol=1e-12), (
            ind["population"],
            expected,
        )
        events = model.events
        natural = (
            (ind["births"] - ind["deaths"]) + events["national_births"] - events["national_deaths"]
        )
        national = previous["national_population"] + natural
        assert math.isclose(ind["national_population"], national, rel_tol=1e-9), (
            ind["national_population"],
            national,
        )
    assert math.isclose(ind["population"], len(residents) * model.persons_per_agent)
    assert (model.rest_of_china.persons >= 0).all()

    # The cities and the countryside add up to the region.
    cities = model.city_indicators()
    for name, total in (("population", "population"), ("employment", "employment")):
        assert math.isclose(sum(row[name] for row in cities), ind[total], rel_tol=1e-9), name
    assert math.isclose(sum(row["output"] for row in cities), ind["output"], rel_tol=1e-9)
    assert math.isclose(sum(row["firms"] for row in cities), ind["firms"], rel_tol=1e-9)

    # Jobs: employers exist, workforce counts agree, no firm over its positions.
    assert ((residents.employer >= -1) & (residents.employer < len(firms))).all()
    counted = np.bincount(residents.employer[residents.employer >= 0], minlength=len(firms))
    assert (counted == firms.workforce).all(), "firm workforce differs from its employees"
    assert (firms.workforce <= firms.positions).all(), "a firm employs more than its positions"
    employed = residents.employer >= 0
    assert (residents.age[employed] >= model.config.economy.working_age).all()
    assert (residents.age[employed] < model.config.economy.retirement_age).all()
    assert not residents.retired[employed].any(), "a retired resident has a job"
    assert (model.resident_city()[employed] >= 0).all(), "a countryside resident has a city job"

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

    # Budget identity: taxes and the centre's transfers pay for everything (no local debt).
    gov = model.government
    assert math.isclose(
        gov.own_revenue + gov.transfers, gov.spending, rel_tol=1e-9, abs_tol=1e-6
    ), (gov.own_revenue, gov.transfers, gov.spending)

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
        previous = dict(model.indicators)
        model.step()
        check(model, previous)
