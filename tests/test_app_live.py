"""The live app's engine: a session's city, its counterfactual, live changes and exports."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from conftest import SMALL
from declineabm_viz.live import (
    Frame,
    LiveRun,
    Settings,
    differences,
    parse_seed,
    retune,
)

from declineabm import UrbanDeclineModel, load_scenario
from declineabm.run import run_to_folder
from declineabm.scenario import ScenarioError

SMALL_SETTINGS = Settings(overrides=tuple(sorted(SMALL.items())))


def small(**changes: object) -> Settings:
    return SMALL_SETTINGS.with_changes(changes)


@pytest.fixture
def live():
    frames: list[Frame] = []
    run = LiveRun(SMALL_SETTINGS, on_frame=frames.append).start()
    run.frames = frames
    assert run.wait_idle()
    yield run
    run.close()


def indicator_rows(model: UrbanDeclineModel) -> list[dict]:
    return model.datacollector.get_model_vars_dataframe().to_dict("records")


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["nowhere", "../configs/northeast", "/etc/passwd", "northeast.toml", "configs/baseline"]
)
def test_only_shipped_scenarios_by_name(name: str) -> None:
    with pytest.raises(ScenarioError, match="is not one of baseline, northeast"):
        Settings(scenario=name).resolve()


@pytest.mark.parametrize("key", ["name", "simulation.persons_per_agent", "demography.age_profile"])
def test_only_the_pages_keys_can_be_overridden(key: str) -> None:
    with pytest.raises(ScenarioError, match="cannot be changed from the page"):
        Settings(overrides=((key, 1),)).resolve()


def test_out_of_range_value_names_key_and_range() -> None:
    with pytest.raises(ScenarioError, match=r"policy.efficiency = 2.*allowed: at least 0.0 and "):
        small(**{"policy.efficiency": 2}).resolve()


@pytest.mark.parametrize("text", ["abc", "-1", "1e3", "", "3.5", str(2**63)])
def test_bad_seeds_are_refused(text: str) -> None:
    with pytest.raises(ScenarioError, match="seed"):
        parse_seed(text)


@pytest.mark.parametrize(("text", "seed"), [(" 42 ", 42), ("1_000", 1000), ("0", 0)])
def test_seeds_are_parsed(text: str, seed: int) -> None:
    assert parse_seed(text) == seed


def test_settings_keep_only_real_changes() -> None:
    base = load_scenario("northeast")
    settings = Settings().with_changes({"policy.efficiency": 0.9, "industry.enabled": True})
    assert settings.changes == {"policy.efficiency": 0.9}  # industry is on in the file
    back = settings.with_changes({"policy.efficiency": base.policy.efficiency})
    assert back.overrides == ()


def test_differences_name_what_reset_would_change() -> None:
    applied = small(**{"policy.efficiency": 0.9})
    pending = applied.with_changes({"policy.efficiency": 0.5, "industry.enabled": False})
    assert differences(pending, applied) == {"industry.enabled": False, "policy.efficiency": 0.5}
    assert differences(applied, applied) == {}
    other = Settings(scenario="baseline", seed=3)
    assert differences(other, applied) == {"scenario": "baseline", "seed": 3}


# --- the run --------------------------------------------------------------------------------


def test_steps_match_the_model_run_directly(live: LiveRun) -> None:
    live.step(3)
    assert live.wait_idle()
    frame = live.frame
    assert (frame.year, frame.steps, len(frame.rows)) == (1993, 3, 4)
    reference = UrbanDeclineModel("northeast", seed=7, **SMALL)
    for _ in range(3):
        reference.step()
    assert list(frame.rows) == indicator_rows(reference)
    reference.dispose()


def test_csv_is_exactly_declineabm_runs_model_csv(live: LiveRun, tmp_path) -> None:
    live.set_speed(0)
    live.play()
    assert live.wait_idle()
    assert live.frame.finished and not live.frame.playing
    run_to_folder("northeast", tmp_path, seed=7, overrides=SMALL, progress=False, figure=False)
    assert live.csv_text() == (tmp_path / "model.csv").read_text()
    record = live.run_record()
    written = json.loads((tmp_path / "run.json").read_text())
    same = ("scenario", "seed", "status", "years", "scenario_sha256", "config", "versions")
    assert {k: record[k] for k in same} == {k: written[k] for k in same}
    assert record["interventions"] == []


def test_unfinished_run_is_recorded_as_partial(live: LiveRun) -> None:
    live.step(2)
    assert live.wait_idle()
    record = live.run_record()
    assert record["status"] == "partial"
    assert record["years"] == [1990, 1992]
    assert live.csv_text().count("\n") == 1 + 3


def test_render_every_publishes_fewer_frames(live: LiveRun) -> None:
    live.set_speed(0)
    live.set_render_every(10)
    before = len(live.frames)
    live.play()
    assert live.wait_idle()
    shown = [f.year for f in live.frames[before:]]
    assert shown[-1] == 2025
    assert len(shown) <= 2 + 35 // 10  # play, every 10th year, and the end
    assert all((year - 1990) % 10 == 0 for year in shown[1:-1])


def test_pause_stops_playing(live: LiveRun) -> None:
    live.set_speed(1)
    live.play()
    live.pause()
    assert live.wait_idle()
    assert not live.frame.playing and live.frame.year < 2025


def test_reset_builds_the_pending_settings(live: LiveRun) -> None:
    live.step(2)
    live.reset(small(**{"industry.enabled": False}).with_changes({}))
    assert live.wait_idle()
    frame = live.frame
    assert frame.year == 1990 and frame.settings.changes["industry.enabled"] is False
    assert frame.scenario.industry.enabled is False


def test_bad_reset_keeps_the_current_city(live: LiveRun) -> None:
    live.step(2)
    assert live.wait_idle()
    frame = live.frame
    with pytest.raises(ScenarioError, match=r"simulation\.residents = 10"):
        live.reset(small(**{"simulation.residents": 10}))
    with pytest.raises(ScenarioError):
        live.reset(Settings(scenario="../secret"))
    assert live.wait_idle()
    assert live.frame is frame and live.frame.year == 1992


def test_failing_step_shows_an_error_and_keeps_the_session(live: LiveRun, monkeypatch) -> None:
    def broken() -> None:
        raise RuntimeError("the model broke")

    monkeypatch.setattr(live.model, "step", broken)
    live.play()
    assert live.wait_idle()  # the failure stops playing
    assert live.frame.error == "the model broke" and live.frame.year == 1990
    assert not live.frame.playing
    monkeypatch.undo()
    live.step()
    assert live.wait_idle()
    assert live.frame.year == 1991 and live.frame.error == ""


# --- the counterfactual ---------------------------------------------------------------------


def test_counterfactual_is_the_same_seed_without_the_causes(live: LiveRun) -> None:
    live.compare(["policy", "industry"])
    live.step(3)
    assert live.wait_idle()
    frame = live.frame
    assert frame.switched_off == ("industry", "policy")
    reference = UrbanDeclineModel(
        "northeast", seed=7, **SMALL, **{"industry.enabled": False, "policy.enabled": False}
    )
    reference.run(until=1993)
    assert list(frame.counterfactual_rows) == indicator_rows(reference)
    assert frame.counterfactual_rows != frame.rows
    reference.dispose()


def test_counterfactual_chosen_mid_run_catches_up(live: LiveRun) -> None:
    live.step(4)
    live.compare(["demography"])
    assert live.wait_idle()
    years = [row["year"] for row in live.frame.counterfactual_rows]
    assert years == [1990, 1991, 1992, 1993, 1994]
    live.compare([])
    assert live.wait_idle()
    assert live.frame.counterfactual_rows == () and live.counterfactual is None


def test_unknown_cause_is_refused(live: LiveRun) -> None:
    with pytest.raises(ScenarioError, match="unknown cause 'weather'"):
        live.compare(["weather"])


# --- live changes ---------------------------------------------------------------------------


def test_live_change_at_the_start_equals_building_with_it(live: LiveRun) -> None:
    changes = {"policy.budget_share": 0.06, "policy.efficiency": 0.9, "policy.target_young": 0.5}
    live.apply_live(changes)
    live.step(16)
    assert live.wait_idle()
    reference = UrbanDeclineModel("northeast", seed=7, **SMALL, **changes)
    reference.run(until=2006)
    assert list(live.frame.rows) == indicator_rows(reference)
    assert live.frame.interventions == ((1990, changes),)
    assert live.settings.changes["policy.efficiency"] == 0.9
    reference.dispose()


def test_counterfactual_makes_the_same_live_changes_but_keeps_its_causes_off(
    live: LiveRun,
) -> None:
    live.compare(["industry"])
    live.step(2)
    live.apply_live({"industry.enabled": True, "policy.budget_share": 0.05})
    live.step(14)
    assert live.wait_idle()
    reference = UrbanDeclineModel("northeast", seed=7, **SMALL, **{"industry.enabled": False})
    reference.run(until=1992)
    retune(reference, {"policy.budget_share": 0.05})
    reference.run(until=2006)
    assert list(live.frame.counterfactual_rows) == indicator_rows(reference)
    assert live.counterfactual.config.industry.enabled is False
    assert live.run_record()["interventions"] == [
        {"year": 1992, "set": {"industry.enabled": True, "policy.budget_share": 0.05}}
    ]
    reference.dispose()


@pytest.mark.parametrize("key", ["simulation.residents", "geography.km_per_cell"])
def test_structural_keys_only_apply_on_reset(live: LiveRun, key: str) -> None:
    with pytest.raises(ScenarioError, match="only applies on Reset"):
        live.apply_live({key: 5000})


def test_live_change_out_of_range_is_refused(live: LiveRun) -> None:
    with pytest.raises(ScenarioError, match=r"policy\.budget_share"):
        live.apply_live({"policy.budget_share": 0.9})
    assert live.wait_idle()
    assert live.frame.interventions == ()


# --- sessions -------------------------------------------------------------------------------


def test_two_sessions_are_independent(live: LiveRun) -> None:
    other = LiveRun(SMALL_SETTINGS).start()
    try:
        live.step(3)
        other.step(1)
        assert live.wait_idle() and other.wait_idle()
        other.reset(small(**{"policy.enabled": False}))
        assert other.wait_idle()
        assert live.frame.year == 1993 and other.frame.year == 1990
        assert live.frame.scenario.policy.enabled and not other.frame.scenario.policy.enabled
    finally:
        other.close()


def test_closing_frees_the_models() -> None:
    run = LiveRun(SMALL_SETTINGS).start()
    run.compare(["policy"])
    assert run.wait_idle()
    models = [weakref.ref(run.model), weakref.ref(run.counterfactual)]
    run.close()
    run._thread.join(10)
    gc.collect()
    assert [ref() for ref in models] == [None, None]
