"""The live app's engine: a session's city, its counterfactuals, live changes and exports."""

from __future__ import annotations

import gc
import json
import threading
import time
import weakref

import pytest
from conftest import SMALL

from declineabm import UrbanDeclineModel, load_scenario
from declineabm.analysis.arms import replicate_seeds
from declineabm.app import session
from declineabm.app.experiment import Counterfactual, Experiment, Intervention
from declineabm.app.frames import Frame
from declineabm.app.session import CityLimit, LiveRun
from declineabm.app.settings import Settings, differences, parse_seed
from declineabm.model.indicators import INDICATOR_NAMES
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


@pytest.mark.parametrize("key", ["nonsense", "policy.nonsense", "simulation"])
def test_keys_that_are_not_parameters_are_refused(key: str) -> None:
    with pytest.raises(ScenarioError, match=rf"\b{key}\b"):
        Settings(overrides=((key, 1),)).resolve()


@pytest.mark.parametrize("record", ["/etc/passwd", "../data/northeast.csv", "other.csv"])
def test_a_page_never_names_a_file(record: str) -> None:
    with pytest.raises(ScenarioError, match="the page reads only the records in data/"):
        Settings(overrides=(("observed", record),)).resolve()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("simulation.residents", 200_001, "the page builds regions of up to 200,000 agents"),
        ("geography.km_per_cell", 1.9, "a map of 617 cells a side; the page draws up to 600"),
    ],
)
def test_the_page_builds_regions_up_to_its_limits(key: str, value: float, message: str) -> None:
    with pytest.raises(ScenarioError, match=rf"^{key} = {value:,}: {message}"):
        small(**{key: value}).resolve()
    assert small(**{"geography.km_per_cell": 2}).resolve()  # the finest map the controls offer


def test_agents_keep_the_scenarios_population() -> None:
    base = load_scenario("northeast").simulation
    coarse = Settings().with_agents(5_000).resolve().simulation
    assert coarse.residents == 5_000 and coarse.population == base.population
    assert coarse.persons_per_agent == pytest.approx(base.population / 5_000)


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
    assert live.cities_csv() == (tmp_path / "cities.csv").read_text()  # every city, every year
    record = live.run_record()
    written = json.loads((tmp_path / "run.json").read_text())
    same = ("scenario", "seed", "status", "years", "scenario_sha256", "config", "versions")
    assert {k: record[k] for k in same} == {k: written[k] for k in same}
    assert record["interventions"] == [] and record["counterfactuals"] == []


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
    shown = [f.year for f in live.frames[before:] if f.redraw]
    assert shown[-1] == 2025
    assert len(shown) <= 2 + 35 // 10  # play, every 10th year, and the end
    assert all((year - 1990) % 10 == 0 for year in shown[1:-1])
    # the years between are frames too (the year in the top bar), drawn by nothing else
    assert [f.year for f in live.frames[before:]][1:] == list(range(1991, 2026))


def test_fast_play_redraws_less_often_but_counts_every_year(live: LiveRun, monkeypatch) -> None:
    monkeypatch.setattr(session, "FAST_FRAME_INTERVAL", 3600.0)  # no redraw due while it plays
    live.set_speed(0)
    before = len(live.frames)
    live.play()
    assert live.wait_idle()
    frames = live.frames[before:]
    assert [f.year for f in frames] == list(range(1990, 2026))  # the year moves on every year
    # redrawn: where it started playing and where it stopped, with every year up to there
    assert [f.year for f in frames if f.redraw] == [1990, 2025]
    assert len(frames[-1].rows) == 36 and not frames[-1].playing
    assert frames[-1].city is not frames[0].city  # the map's cells of the year it stopped in


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
    assert live.frame.state.error == "the model broke" and live.frame.year == 1990
    assert not live.frame.playing
    monkeypatch.undo()
    live.step()
    assert live.wait_idle()
    assert live.frame.year == 1991 and live.frame.state.error == ""


# --- the counterfactual ---------------------------------------------------------------------


def test_counterfactual_is_the_same_seed_without_the_causes(live: LiveRun) -> None:
    live.compare(["policy", "industry"])
    live.step(3)
    assert live.wait_idle()
    frame = live.frame
    assert frame.experiment.counterfactuals[0].switched_off == ("industry", "policy")
    reference = UrbanDeclineModel(
        "northeast", seed=7, **SMALL, **{"industry.enabled": False, "policy.enabled": False}
    )
    reference.run(until=1993)
    assert list(frame.arms[0].rows) == indicator_rows(reference)
    assert frame.arms[0].rows != frame.rows
    reference.dispose()


def test_several_counterfactuals_each_equal_their_own_run(live: LiveRun) -> None:
    arms = [
        Counterfactual.without(["policy"]),
        Counterfactual.without(["industry", "demography"], name="no state industry, no exodus"),
        Counterfactual("efficient policy", (("policy.efficiency", 0.95),)),
    ]
    live.set_counterfactuals(arms)
    live.step(4)
    assert live.wait_idle()
    frame = live.frame
    assert [arm.name for arm in frame.arms] == [
        "without policy", "no state industry, no exodus", "efficient policy",
    ]  # fmt: skip
    for arm, trace in zip(arms, frame.arms, strict=True):
        reference = UrbanDeclineModel("northeast", seed=7, **SMALL, **dict(arm.changes))
        reference.run(until=1994)
        assert list(trace.rows) == indicator_rows(reference), arm.name
        reference.dispose()
    assert live.csv_text("efficient policy").count("\n") == 1 + 5


@pytest.mark.parametrize(
    ("arms", "message"),
    [
        ([Counterfactual("a", ()), ], "changes nothing"),
        ([Counterfactual.without(["policy"])] * 2, "two counterfactuals are called"),
        ([Counterfactual.without([c]) for c in ("policy", "industry", "resources", "transport",
                                                 "demography")], "at most 4"),
        ([Counterfactual("x:y", (("policy.enabled", False),))], "counterfactual name"),
        ([Counterfactual("big", (("simulation.residents", 10**6),))], "builds regions of up to"),
    ],
)  # fmt: skip
def test_bad_counterfactuals_are_refused(live: LiveRun, arms, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        live.set_counterfactuals(arms)


def test_counterfactual_chosen_mid_run_catches_up(live: LiveRun) -> None:
    live.step(4)
    live.compare(["demography"])
    assert live.wait_idle()
    years = [row["year"] for row in live.frame.arms[0].rows]
    assert years == [1990, 1991, 1992, 1993, 1994]
    live.compare([])
    assert live.wait_idle()
    assert live.frame.arms == () and live.counterfactuals == []


def test_seed_bands_are_each_arms_own_runs_and_leave_the_city_alone(live: LiveRun) -> None:
    live.reset(small(**{"simulation.end_year": 1993}))
    live.compare(["policy"])
    live.set_seeds(2)
    live.step(1)  # the city steps while the batch runs in its own process
    assert live.wait_idle()
    deadline = time.monotonic() + 300  # the batch process imports everything first
    while not (live.frame.bands is not None and live.frame.bands.ready):
        assert live.frame.bands is not None and not live.frame.bands.error
        assert time.monotonic() < deadline, "the seeds never finished"
        time.sleep(0.5)
    live.step(2)
    assert live.wait_idle()
    frame = live.frame
    # the city on screen is the one seed it was built with, untouched by the batch
    reference = UrbanDeclineModel("northeast", seed=7, **SMALL, **{"simulation.end_year": 1993})
    reference.run()
    assert list(frame.rows) == indicator_rows(reference)
    reference.dispose()
    # every arm's seeds are that arm's own runs, seed by seed
    table = frame.bands.table
    assert set(frame.bands.arms) == {session.CITY, "without policy"}
    for arm, changes in [(session.CITY, {}), ("without policy", {"policy.enabled": False})]:
        for seed in replicate_seeds(7, 2):
            run = UrbanDeclineModel(
                "northeast", seed=seed, **SMALL, **{"simulation.end_year": 1993}, **changes
            )
            run.run()
            rows = table[(table["arm"] == arm) & (table["seed"] == seed)][list(INDICATOR_NAMES)]
            assert rows.to_dict("records") == indicator_rows(run), (arm, seed)
            run.dispose()


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
    assert live.frame.experiment.interventions == (Intervention.of(1990, changes),)
    assert live.settings.changes["policy.efficiency"] == 0.9
    reference.dispose()


def test_scheduled_changes_equal_changes_made_live(live: LiveRun) -> None:
    changes = {"policy.budget_share": 0.06, "demography.young_leaving": 2.0}
    live.compare(["industry"])
    live.step(5)
    live.apply_live(changes)
    live.set_speed(0)
    live.play()
    assert live.wait_idle()
    by_hand = live.experiment
    assert by_hand.interventions == (Intervention.of(1995, changes),)
    scheduled = LiveRun(by_hand).start()  # what a link or run.json starts
    try:
        scheduled.set_speed(0)
        scheduled.play()
        assert scheduled.wait_idle()
        assert scheduled.csv_text() == live.csv_text()
        assert scheduled.csv_text("without industry") == live.csv_text("without industry")
    finally:
        scheduled.close()


def test_run_until_stops_at_the_year(live: LiveRun) -> None:
    live.run_until(2001)
    assert live.wait_idle()
    assert live.frame.year == 2001 and not live.frame.playing
    with pytest.raises(ScenarioError, match="already in 2001"):
        live.run_until(1999)
    with pytest.raises(ScenarioError, match="must be a year after 1990, up to 2025"):
        live.run_until(2030)


def test_an_experiment_can_start_by_playing_to_a_year() -> None:
    run = LiveRun(Experiment(SMALL_SETTINGS, until=1996)).start()
    try:
        assert run.wait_idle()
        assert run.frame.year == 1996 and not run.frame.playing
    finally:
        run.close()


@pytest.mark.parametrize("paused_in", [None, 1995])
def test_pause_stops_within_a_year_of_the_page(live: LiveRun, monkeypatch, paused_in) -> None:
    """With a browser attached, the model is never more than a year ahead of what it drew."""
    monkeypatch.setattr(session, "ACK_TIMEOUT", 60.0)
    ahead = []

    def drawn(frame: Frame) -> None:
        if not frame.playing:
            return  # the frame of the pause itself
        ahead.append(frame.version - live._acknowledged)
        # the browser draws the frame a little later, on its own thread
        later = 0.02
        if frame.year == paused_in:  # the user clicks while 1994 is on screen, 1995 on its way
            threading.Timer(0.005, live.pause).start()
            later = 0.5
        threading.Timer(later, live.acknowledge, [frame.version]).start()

    live.acknowledge(live.frame.version)  # a browser is there
    live.on_frame = drawn
    live.set_speed(0)
    live.play()
    assert live.wait_idle()
    assert live.frame.year == (paused_in or 2025)  # 1995: one year past what the page showed
    assert max(ahead) <= 1  # each frame waited for the one before it to be drawn


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
    reference.set_causes(**{"policy.budget_share": 0.05})
    reference.run(until=2006)
    assert list(live.frame.arms[0].rows) == indicator_rows(reference)
    assert live.counterfactuals[0].config.industry.enabled is False
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
    assert live.frame.experiment.interventions == ()


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
    models = [weakref.ref(run.model), weakref.ref(run.counterfactuals[0])]
    run.close()
    run._thread.join(10)
    gc.collect()
    assert [ref() for ref in models] == [None, None]


def test_the_server_keeps_at_most_its_limit_of_cities() -> None:
    cities = CityLimit(2)
    first, second, third = object(), object(), object()
    assert cities.admit(first) and cities.admit(second)
    assert not cities.admit(third) and cities.count == 2
    cities.release(first)
    assert cities.admit(third) and cities.count == 2
