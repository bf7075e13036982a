"""The model's accounting holds every year, including at the extremes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import small_model
from invariants import run_checked

from declineabm.model.agents import Resident
from declineabm.model.indicators import compute


@pytest.mark.parametrize("scenario", ["northeast", "baseline"])
@pytest.mark.parametrize("seed", [1, 2])
def test_invariants_hold_every_year(scenario: str, seed: int) -> None:
    model = small_model(scenario, seed=seed)
    run_checked(model)
    assert model.year == model.config.simulation.end_year


def test_an_emptied_region_ends_cleanly_with_zeros() -> None:
    # Everyone leaves at once (Mesa-style removals); a nation of one person sends no one back.
    model = small_model(**{"rest_of_china.population": 1.0})
    model.step()
    for resident in list(model.agents_by_type[Resident]):
        resident.remove()
    model.step()
    run_checked(model)
    assert model.indicators["population"] == 0
    assert model.indicators["employment"] == 0
    assert model.indicators["output"] == 0


def test_every_firm_closing_ends_cleanly_with_zeros() -> None:
    # Wages above output per worker: every firm loses money and closes; no one enters.
    overrides = {
        f"sectors.{s}.entry_rate": 0.0
        for s in ("resource", "heavy", "light", "services", "hightech")
    }
    model = small_model(
        **overrides,
        **{
            "economy.labour_share": 1.0,
            "economy.wage_floor": 2.0,
            "industry.reform_year": 1990,
            "industry.reform_span": 0,
            "economy.closure_patience": 1,
            "industry.soe_closure_patience": 1,
            "industry.adaptation_private": 0.0,
            "industry.adaptation_soe": 0.0,
        },
    )
    run_checked(model)
    assert model.indicators["firms"] == 0
    assert model.indicators["employment"] == 0
    # whoever of working age still lives in a city is out of work (most have left)
    urban_working = (model.resident_city() >= 0) & model.of_working_age()
    assert model.indicators["jobless_rate"] == (1.0 if urban_working.any() else 0.0)


def test_the_smallest_city_and_numpy_seeds_run_to_the_end() -> None:
    model = small_model(seed=np.int64(4), **{"simulation.residents": 50})
    run_checked(model)
    assert model.seed == 4


def state_of(model) -> dict[str, object]:
    """A copy of every number and array the model carries into next year (not its indicators)."""
    holders = {
        "model": model,
        "rest_of_china": model.rest_of_china,
        "government": model.government,
        "labour_market": model.labour_market,
        "baselines": model.baselines,
        "support": model.support,
        **{mechanism.section: mechanism for mechanism in model.mechanisms},
    }
    state: dict[str, object] = {}
    for name, holder in holders.items():
        for key, value in vars(holder).items():
            numbers = isinstance(value, dict) and all(
                isinstance(v, int | float) for v in value.values()
            )
            if key != "indicators" and (isinstance(value, int | float | np.ndarray) or numbers):
                state[f"{name}.{key}"] = copy.deepcopy(value)
    for table in (model.residents, model.firms):
        for column in table.columns:
            state[f"{type(table).__name__}.{column}"] = getattr(table, column).copy()
    for layer in model.geography.layers:
        state[f"layer {layer}"] = model.geography.layer(layer).copy()
    for stream, rng in model.streams.items():
        state[f"stream {stream}"] = rng.bit_generator.state
    state["model.random"] = model.random.getstate()
    return state


def test_recording_the_year_changes_nothing() -> None:
    # The app, the sweeps and cities.csv compute indicators as often as they like: if that
    # moved the region, watching a run would change it.
    model = small_model(seed=5)
    for _ in range(3):
        model.step()
    before = state_of(model)
    indicators = compute(model)
    model.city_indicators()
    after = state_of(model)
    assert indicators == model.indicators
    assert before.keys() == after.keys() and len(before) > 50
    changed = [
        key
        for key, value in before.items()
        if not (
            np.array_equal(value, after[key], equal_nan=True)
            if isinstance(value, np.ndarray)
            else value == after[key]
        )
    ]
    assert not changed, f"recording changed {changed}"
