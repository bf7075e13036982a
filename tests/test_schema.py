"""The scenario schema itself: every number has a physical range, every type is strict."""

from __future__ import annotations

import pytest
from schema import leaves

from declineabm.scenario import ScenarioError, load_scenario

NUMERIC = [leaf for leaf in leaves() if leaf.kind in ("number", "integer", "path")]


def test_the_walk_sees_every_section() -> None:
    sections = {leaf.key.split(".")[0] for leaf in NUMERIC}
    assert {"simulation", "geography", "sectors", "economy", "policy", "demography"} <= sections
    assert len(NUMERIC) > 100


@pytest.mark.parametrize("leaf", NUMERIC, ids=lambda leaf: leaf.key)
def test_every_number_has_a_lower_and_an_upper_bound(leaf) -> None:
    schemas = leaf.pair if leaf.kind == "path" else (leaf.schema,)
    for schema in schemas:
        low, high = leaf.bounds(schema)
        assert low is not None and high is not None, f"{leaf.key} needs a physical range"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("policy.efficiency", float("nan")),
        ("policy.efficiency", float("inf")),
        ("geography.ports", [[float("nan"), 150.0]]),
        ("geography.cities.capital.x_km", float("-inf")),
        ("geography.ports", [[1e400, 150.0]]),  # TOML's 1e400 reads as infinity
        ("policy.waves", [[2003, float("nan")]]),
        ("policy.efficiency", True),  # a switch is not a number
        ("policy.efficiency", "0.5"),  # nor is text
        ("policy.enabled", 1),  # a number is not a switch
        ("policy.enabled", "yes"),
        ("policy.enabled", "off"),
        ("simulation.residents", 3000.5),  # a whole number stays whole
        ("simulation.residents", True),
        ("policy.waves", [[True, 1.0]]),
        ("policy.waves", [["2003", 1.0]]),
    ],
)
def test_values_of_the_wrong_kind_are_refused_naming_the_key(key, value) -> None:
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        load_scenario("baseline", {key: value})


def test_whole_numbers_are_accepted_for_real_numbers() -> None:
    scenario = load_scenario("baseline", {"policy.efficiency": 1, "policy.waves": [[2003, 2]]})
    assert scenario.policy.efficiency == 1.0
    assert isinstance(scenario.policy.efficiency, float)
