"""The fast paths give exactly what the simple, obviously correct versions give."""

from __future__ import annotations

import gc
import pickle
import random
from collections import Counter

import mesa
import numpy as np
import pytest
from conftest import small_model
from mesa.discrete_space import OrthogonalMooreGrid

from declineabm.model import mesa_adapter
from declineabm.model.agents import Firm, Resident
from declineabm.model.allocation import (
    accept_within_capacity,
    rank_within_groups,
    systematic_sample,
)
from declineabm.model.mesa_adapter import CityGrid


def test_systematic_sampling_keeps_each_item_with_its_chance_and_the_total_exact():
    chances = np.random.default_rng(0).random(40) * 0.6
    draws = np.array([systematic_sample(chances, np.random.default_rng(s)) for s in range(20000)])
    # each item's chance is its own (binomial error of 20,000 draws is below 0.004)...
    np.testing.assert_allclose(draws.mean(axis=0), chances, atol=0.015)
    # ...and the number kept is the sum rounded, never scattered around it
    assert set(draws.sum(axis=1)) <= {np.floor(chances.sum()), np.ceil(chances.sum())}


@pytest.mark.parametrize("seed", range(12))
def test_accept_within_capacity_matches_ranking_everyone(seed):
    rng = np.random.default_rng(seed)
    proposals, targets = int(rng.integers(1, 500)), int(rng.integers(1, 60))
    groups = rng.integers(0, targets, proposals)
    # ties in priority are broken by input order: draw few distinct values
    priority = rng.integers(0, 5, proposals).astype(np.float64)
    capacity = rng.integers(-1, 12, targets)
    if seed % 2:
        capacity = capacity + rng.random(targets)  # fractional capacities round up
    accepted = accept_within_capacity(groups, priority, capacity)
    reference = rank_within_groups(groups, priority) < capacity[groups]
    np.testing.assert_array_equal(accepted, reference)
    assert 0 < reference.sum() < proposals or proposals < 5


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 3), (9, 9)])
@pytest.mark.parametrize("torus", [False, True])
def test_city_grid_connects_cells_as_mesa_does(shape, torus):
    def connections(grid):
        return [
            (cell.coordinate, [(key, other.coordinate) for key, other in cell.connections.items()])
            for cell in grid.all_cells
        ]

    ours = CityGrid(shape, torus=torus, random=random.Random(1))
    mesa_grid = OrthogonalMooreGrid(shape, torus=torus, random=random.Random(1))
    assert connections(ours) == connections(mesa_grid)
    assert isinstance(ours, OrthogonalMooreGrid)
    assert connections(pickle.loads(pickle.dumps(ours))) == connections(mesa_grid)
    # Mesa's neighbourhoods and moves read the same connections
    for cell, theirs in zip(ours.all_cells, mesa_grid.all_cells, strict=True):
        around = cell.get_neighborhood(radius=2, include_center=True)
        assert sorted(c.coordinate for c in around) == sorted(
            c.coordinate for c in theirs.get_neighborhood(radius=2, include_center=True)
        )


# --- Mesa bookkeeping: the batches leave what one-agent-at-a-time Mesa calls leave


def mesa_state(model):
    """Everything Mesa knows about the model's agents, as plain comparable values.

    A cell's list holds the same agents in another order (the batches swap the last agent into
    a leaver's place), so cells are compared as sorted ids.
    """
    ids = lambda agents: [agent.unique_id for agent in agents]  # noqa: E731
    state = {
        "agents": ids(model.agents),
        "by_type": {cls.__name__: ids(agents) for cls, agents in model.agents_by_type.items()},
        "cells": [sorted(ids(cell.agents)) for cell in model.geography.cells],
        "empty": model.geography.grid.empty.data.tolist(),
        "cell_of": {
            a.unique_id: getattr(getattr(a, "cell", None), "coordinate", None) for a in model.agents
        },
        "next_id": mesa.Agent(model).unique_id,  # the id Mesa gives the next agent
    }
    if mesa_adapter.LAYOUT == "3.3":
        state["registry"] = ids(model._agents)  # Mesa 3.3's hard references
    return state


@pytest.mark.parametrize("scenario", ["northeast", "baseline"])
def test_batches_leave_mesa_as_one_agent_at_a_time_calls_do(scenario, monkeypatch):
    assert isinstance(mesa_adapter.BOOKKEEPING, mesa_adapter.Batched)  # a supported Mesa
    fast = small_model(scenario, seed=4)
    happened = Counter()
    for _ in range(6):  # the batches must have moved, killed and closed something
        fast.step()
        happened.update({k: fast.events[k] for k in ("moves", "deaths", "firm_closures")})
    with monkeypatch.context() as patch:
        patch.setattr(mesa_adapter, "BOOKKEEPING", mesa_adapter.MesaCalls())
        slow = small_model(scenario, seed=4)
        slow.run(until=slow.year + 6)
    assert all(happened[k] > 0 for k in ("moves", "deaths", "firm_closures")), happened
    assert mesa_state(fast) == mesa_state(slow)
    assert fast.indicators == slow.indicators
    # a firm closed through Mesa's API points where Mesa's own removal leaves it
    closing = next(iter(fast.agents_by_type[Firm])).unique_id
    next(a for a in fast.agents_by_type[Firm] if a.unique_id == closing).remove()
    with monkeypatch.context() as patch:
        patch.setattr(mesa_adapter, "BOOKKEEPING", mesa_adapter.MesaCalls())
        next(a for a in slow.agents_by_type[Firm] if a.unique_id == closing).remove()
    assert mesa_state(fast) == mesa_state(slow)


def test_the_layout_follows_the_mesa_version():
    assert mesa_adapter._layout(mesa_adapter.MESA_VERSION) == mesa_adapter.LAYOUT
    assert mesa_adapter._layout((3, 3)) == "3.3" and mesa_adapter._layout((3, 5)) == "3.5"
    # a Mesa whose internals are not known goes through Mesa's own calls
    assert mesa_adapter._layout((3, 6)) == mesa_adapter._layout((4, 0)) == "unknown"


@pytest.mark.skipif(mesa_adapter.LAYOUT != "3.5", reason="Mesa 3.5's signals")
def test_observers_of_the_agents_see_every_agent_come_and_go():
    from mesa.experimental.mesa_signals import ModelSignals

    model = small_model(seed=6)
    seen = {"added": [], "removed": []}

    def added(signal):  # Mesa keeps weak references to handlers: these live to the end
        seen["added"].append(signal)

    def removed(signal):
        seen["removed"].append(signal)

    model.observe("agents", ModelSignals.AGENT_ADDED, added)
    model.observe("agents", ModelSignals.AGENT_REMOVED, removed)
    before = {a.unique_id for a in model.agents}
    model.step()
    after = {a.unique_id for a in model.agents}
    assert len(seen["added"]) == len(after - before) > 0
    assert len(seen["removed"]) == len(before - after) > 0
    assert len(model.agents_by_type[Resident]) == len(model.residents)
    assert len(model.agents) == sum(len(agents) for agents in model.agents_by_type.values())


def test_every_agent_is_a_handle_on_its_row_in_exactly_one_cell():
    model = small_model("northeast", seed=5)
    model.run(until=model.year + 4)
    residents, firms, geo = model.residents, model.firms, model.geography
    for table, place, cls in ((residents, residents.home, Resident), (firms, firms.cell, Firm)):
        handles = table.handles
        assert [agent.row for agent in handles] == list(range(len(table)))
        places = list(zip(handles, place.tolist(), strict=True))
        assert all(agent.cell is geo.cells[cell] for agent, cell in places)
        # the recorded slot is where the agent sits in its cell's list
        assert all(geo.cells[cell]._agents[agent._cell_slot] is agent for agent, cell in places)
        assert set(model.agents_by_type[cls]) == set(handles)
    homes = np.bincount(residents.home, minlength=geo.size)
    sites = np.bincount(firms.cell, minlength=geo.size)
    assert [len(cell.agents) for cell in geo.cells] == (homes + sites).tolist()
    # and the government and the rest of China
    assert len(model.agents) == len(residents) + len(firms) + 2
    assert gc.isenabled()
    model.dispose()


@pytest.mark.skipif(mesa_adapter.LAYOUT != "3.3", reason="Mesa 3.3's weak AgentSets")
def test_hard_key_agent_sets_answer_as_mesas_agent_sets_do():
    model = small_model(seed=7)
    model.step()
    ours = model.agents
    assert isinstance(ours, mesa_adapter.HardKeyAgentSet)
    assert isinstance(model.agents_by_type[Resident], mesa_adapter.HardKeyAgentSet)
    theirs = mesa.agent.AgentSet(list(ours), random=random.Random(0))
    ids = lambda agents: [agent.unique_id for agent in agents]  # noqa: E731
    assert ids(ours) == ids(theirs) and len(ours) == len(theirs)
    assert ours[3] is theirs[3] and ours[-1] in theirs and ours[0] in ours
    assert ours.get("unique_id") == theirs.get("unique_id")
    assert ids(ours.select(lambda a: a.unique_id % 3 == 0)) == ids(
        theirs.select(lambda a: a.unique_id % 3 == 0)
    )
    assert ids(ours.sort("unique_id", ascending=True)) == ids(theirs.sort("unique_id", True))
    assert ours.groupby(type).count() == theirs.groupby(type).count()
    assert ours.map(lambda a: a.unique_id) == theirs.map(lambda a: a.unique_id)
    for agent_set in (ours, theirs):
        agent_set.random = random.Random(3)
    assert ids(ours.shuffle()) == ids(theirs.shuffle())
    called = {"ours": [], "theirs": []}
    ours.shuffle_do(lambda a: called["ours"].append(a.unique_id))
    theirs.shuffle_do(lambda a: called["theirs"].append(a.unique_id))
    assert called["ours"] == called["theirs"]
    ours.random = model.random


def _normal_cdf_points() -> np.ndarray:
    """Values across the range, at and beside every branch of Cephes' erf and erfc, special ones."""
    rng = np.random.default_rng(3)
    sqrt2 = np.sqrt(2.0)
    edges = [sqrt2, 8 * sqrt2, np.sqrt(7.097827128933839730962063185871e2) * sqrt2]
    beside = []
    for edge in edges:
        for direction in (0.0, np.inf):
            value = edge
            for _ in range(20):
                beside += [value, -value]
                value = np.nextafter(value, direction)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 37.6, -37.6, 1e300, -1e300]
    return np.concatenate(
        [
            np.array(special + beside),
            np.linspace(-40.0, 40.0, 40_001),
            rng.normal(0.0, 3.0, 60_000),
            rng.uniform(-1.5, 1.5, 20_000),
        ]
    )


def test_the_normal_distribution_function_has_scipys_bits():
    from scipy.special import ndtr as scipy_ndtr

    from declineabm.model.normal import ndtr

    x = _normal_cdf_points()
    ours, theirs = ndtr(x), scipy_ndtr(x)
    same = (ours.view(np.uint64) == theirs.view(np.uint64)) | (np.isnan(ours) & np.isnan(theirs))
    assert same.all(), x[~same][:10]
    small = x[np.abs(x) < 1e6][:5000].astype(np.float32)
    assert ndtr(small).dtype == np.float32
    assert ndtr(small).view(np.uint32).tolist() == scipy_ndtr(small).view(np.uint32).tolist()
    grid = x[:600].reshape(20, 30)
    assert ndtr(grid).shape == (20, 30)


def test_the_expected_skilled_share_by_cohort_is_the_share_by_person():
    from scipy.special import ndtr as scipy_ndtr

    from declineabm.model.indicators import expected_skilled_share
    from declineabm.model.population import cohort_mean_skill

    model = small_model(**{"simulation.end_year": 1991})
    economy = model.config.economy
    rng = np.random.default_rng(5)
    for size in (1, 7, 5000):
        birth_years = (model.year - rng.integers(0, 40, size)).astype(np.int16)
        means = cohort_mean_skill(economy, birth_years)
        spread = max(economy.skill_dispersion, 1e-9)
        per_person = float(scipy_ndtr((means - economy.high_skill) / spread).mean())
        assert expected_skilled_share(model, birth_years) == per_person
    model.dispose()
