"""Scenario files: what is accepted, and one clear line for what is not."""

from __future__ import annotations

import pytest

from declineabm import ScenarioError, UrbanDeclineModel, load_scenario
from declineabm.scenario import MECHANISMS, available_scenarios, parse_assignment


def test_shipped_scenarios_load_and_every_cause_has_a_switch() -> None:
    assert {"baseline", "northeast"} <= set(available_scenarios())
    for name in available_scenarios():
        scenario = load_scenario(name)
        for mechanism in MECHANISMS:
            assert isinstance(getattr(scenario, mechanism).enabled, bool)


def test_northeast_covers_the_papers_period_and_policy() -> None:
    scenario = load_scenario("northeast")
    assert scenario.simulation.start_year <= 1990
    assert scenario.simulation.end_year >= 2022
    assert scenario.policy.enabled and scenario.policy.start_year == 2003
    waves = dict(scenario.policy.waves)
    assert waves[2016] > waves[2014] > waves[2003]


def test_northeast_extends_baseline_and_overrides_what_differs() -> None:
    baseline, northeast = load_scenario("baseline"), load_scenario("northeast")
    # the economy's rules are the baseline's; four of its numbers are the Northeast's estimates
    calibrated = {
        "farm_productivity",
        "matching_efficiency",
        "regional_search",
        "rural_industry_productivity",
    }
    assert northeast.economy.model_dump(exclude=calibrated) == baseline.economy.model_dump(
        exclude=calibrated
    )
    assert northeast.economy.matching_efficiency != baseline.economy.matching_efficiency
    assert northeast.sectors.heavy.soe_share > baseline.sectors.heavy.soe_share
    assert northeast.digest() != baseline.digest()


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("migration.base_rate", -0.1, "migration.base_rate = -0.1"),
        ("migration.base_rate", 1.5, "allowed: at least 0.0 and at most 1.0"),
        ("economy.profit_tax", "high", 'economy.profit_tax = "high"'),
        ("geography.km_per_cell", 0, "geography.km_per_cell = 0"),
        (
            "simulation.end_year",
            1980,
            "simulation.end_year (1980) must be after simulation.start_year",
        ),
        ("migration.base_rte", 0.1, "did you mean 'base_rate'"),
        ("nosuchsection.key", 1, "unknown key 'nosuchsection'"),
        (
            "industry.structure.capital.heavy",
            0.9,
            "industry.structure.capital: the sector shares sum to 1.52, not 1",
        ),
        ("rest_of_china.sector_mix.services", 0.0, "rest_of_china.sector_mix: the sector"),
        ("demography.fertility_path", [[2000, 1.0], [1990, 2.0]], "strictly increasing"),
    ],
)
def test_bad_values_are_refused_with_one_line_naming_the_key(
    key: str, value: object, expected: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("northeast", {key: value})
    message = str(err.value)
    assert expected in message
    assert "\n" not in message


def test_a_grid_too_large_for_memory_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"a grid of 6250000 cells .* GiB"):
        load_scenario(
            "baseline",
            {"geography.km_per_cell": 0.12, "simulation.residents": 20_000_000},
        )


def test_overrides_by_keyword_in_both_spellings() -> None:
    a = UrbanDeclineModel(
        "northeast", seed=3, **{"simulation.residents": 500, "policy.enabled": False}
    )
    b = UrbanDeclineModel("northeast", seed=3, simulation__residents=500, policy__enabled=False)
    assert a.config == b.config
    assert len(a.residents) == 500 and not a.config.policy.enabled


def test_set_values_parse_as_toml() -> None:
    assert parse_assignment("policy.enabled=false") == ("policy.enabled", False)
    assert parse_assignment("migration.base_rate=0.02") == (
        "migration.base_rate",
        0.02,
    )
    assert parse_assignment("policy.waves=[[2003, 1.0]]") == ("policy.waves", [[2003, 1.0]])
    with pytest.raises(ScenarioError, match="expected key=value"):
        parse_assignment("policy.enabled")


def test_scenario_from_a_path_and_extends(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('extends = "northeast"\nname = "mine"\n[policy]\nefficiency = 0.9\n')
    scenario = load_scenario(path)
    assert scenario.name == "mine" and scenario.policy.efficiency == 0.9
    assert scenario.sectors == load_scenario("northeast").sectors
    broken = tmp_path / "broken.toml"
    broken.write_text("[model\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(broken)


def test_a_renamed_section_names_its_new_name() -> None:
    with pytest.raises(ScenarioError, match=r"unknown key 'model'.*did you mean 'simulation'"):
        load_scenario("baseline", {"model.residents": 100})
