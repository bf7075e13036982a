"""A change the app applies to a running city takes effect, and one that cannot is refused."""

from __future__ import annotations

import pytest

from declineabm import ScenarioError, UrbanDeclineModel
from declineabm.app.catalogue import CAUSES, is_live
from declineabm.scenario import MECHANISMS, takes_effect_mid_run

SMALL = {"simulation.residents": 2000, "geography.km_per_cell": 24}
CHANGED_IN = 1993
COMPARED_UNTIL = 2010
LIVE_CONTROLS = [control for cause in CAUSES for control in cause.controls if is_live(control.key)]


def _trajectory(change: dict | None) -> list[dict]:
    model = UrbanDeclineModel("northeast", seed=5, **SMALL)
    model.run(until=CHANGED_IN)
    if change:
        model.set_causes(**change)
    model.run(until=COMPARED_UNTIL)
    return model.datacollector.get_model_vars_dataframe().to_dict("records")


@pytest.fixture(scope="module")
def unchanged() -> list[dict]:
    return _trajectory(None)


@pytest.mark.slow
@pytest.mark.parametrize("control", LIVE_CONTROLS, ids=lambda c: c.key)
def test_every_parameter_the_app_calls_live_changes_the_city(control, unchanged) -> None:
    model = UrbanDeclineModel("northeast", seed=5, **SMALL)
    section, name = control.key.split(".")
    current = getattr(getattr(model.config, section), name)
    # the ends of the app's own slider; a bound that does not bind in this city (a looser
    # limit) may change nothing, so one of the two must
    ends = [int(v) if control.integer else v for v in (control.low, control.high) if v != current]
    changed = (_trajectory({control.key: value}) != unchanged for value in ends)
    assert any(changed), f"{control.key} = {ends} did nothing"


def test_every_switch_and_only_cause_parameters_are_live() -> None:
    assert all(takes_effect_mid_run(f"{cause}.enabled") for cause in MECHANISMS)
    assert not takes_effect_mid_run("simulation.residents")
    assert not takes_effect_mid_run("geography.deposit_years")


def test_a_parameter_of_the_initial_state_is_refused_in_a_running_model() -> None:
    model = UrbanDeclineModel("northeast", seed=5, **SMALL)
    model.step()
    with pytest.raises(ScenarioError, match=r"^industry\.urban_share: shapes only the initial"):
        model.set_causes(**{"industry.urban_share": 0.3})
    assert not is_live("industry.urban_share")
