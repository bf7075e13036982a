"""Links, downloads and uploads of the app: each gives back exactly the run it describes."""

from __future__ import annotations

import io
import json
import tomllib
import zipfile

import pytest
from conftest import SMALL, declineabm

from declineabm.app.experiment import Counterfactual, Experiment, Intervention
from declineabm.app.files import archive, read_upload, scenario_toml, toml_value
from declineabm.app.links import from_query, to_query
from declineabm.app.session import LiveRun
from declineabm.app.settings import Settings
from declineabm.scenario import ScenarioError, load_scenario, parse_value

SHORT = {**SMALL, "simulation.end_year": 1998}
SETTINGS = Settings(seed=5).with_changes(
    {
        **SHORT,
        "policy.efficiency": 0.1 + 0.2,  # 0.30000000000000004: must survive every trip exactly
        "sectors.heavy.firm_size": 8000,
        "demography.fertility_path": [[1990, 1.9], [2000, 1.4]],
    }
)
EXPERIMENT = Experiment(
    SETTINGS,
    (
        Counterfactual.without(["policy"]),
        Counterfactual("weak industry", (("industry.soe_efficiency", 0.5),)),
    ),
    (Intervention.of(1992, {"policy.budget_share": 0.04}),),
    seeds=5,
    until=1996,
)


@pytest.mark.parametrize(
    "value", [True, 3, 0.30000000000000004, 1e-05, 'a "name"', [[1990, 0.5], [2010, 0.25]]]
)
def test_toml_values_read_back_exactly(value) -> None:
    assert parse_value(toml_value(value)) == value


def test_a_link_holds_the_whole_experiment() -> None:
    query = to_query(EXPERIMENT)
    assert "set=policy.efficiency=0.30000000000000004" in query
    assert "vs=without%20policy:policy.enabled=false" in query
    assert "at=1992:policy.budget_share=0.04" in query and "seeds=5" in query
    assert from_query(query) == EXPERIMENT
    assert from_query("") == Experiment()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("scenario=nowhere", "scenario 'nowhere' is not one of"),
        ("seed=-1", "seed '-1' is not a whole number"),
        ("colour=red", "unknown part 'colour'"),
        ("set=policy.efficiency", "should be key=value"),
        ("set=policy.efficiency=2", r"policy\.efficiency = 2"),
        ("set=observed=%2Fetc%2Fpasswd", "the page reads only the records in data/"),
        ("set=simulation.residents=5000000", "the page builds regions of up to 200,000 agents"),
        ("vs=policy.enabled=false", "should be name:key=value"),
        ("vs=a;b:policy.enabled=false", "counterfactual name"),
        ("at=1992:geography.km_per_cell=50", "'geography.km_per_cell' only applies on Reset"),
        ("at=2040:policy.efficiency=0.5", "live change in 2040: the run goes from 1990 to 2025"),
        ("until=1800", "until = 1800"),
        ("seeds=1000", "seeds = 1000: must be from 1 to 50"),
    ],
)
def test_a_bad_link_says_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        from_query(query)


@pytest.fixture(scope="module")
def finished() -> LiveRun:
    run = LiveRun(Experiment(SETTINGS, EXPERIMENT.counterfactuals, EXPERIMENT.interventions))
    run.start()
    run.set_speed(0)
    run.play()
    assert run.wait_idle()
    yield run
    run.close()


def test_the_scenario_file_runs_to_the_same_model_csv(finished: LiveRun, tmp_path) -> None:
    scenario = SETTINGS.resolve()
    text = scenario_toml(scenario, Experiment(SETTINGS))
    tomllib.loads(text)  # valid TOML
    path = tmp_path / "page.toml"
    path.write_text(text)
    assert load_scenario(path) == scenario
    done = declineabm("run", path, "--seed", "5", "--out", tmp_path / "out", "--quiet")
    assert done.returncode == 0, done.stderr
    fresh = LiveRun(SETTINGS).start()  # the same settings, without the live change
    try:
        fresh.set_speed(0)
        fresh.play()
        assert fresh.wait_idle()
        assert (tmp_path / "out" / "model.csv").read_text() == fresh.csv_text()
        assert (tmp_path / "out" / "cities.csv").read_text() == fresh.cities_csv()
    finally:
        fresh.close()


def test_the_zip_holds_every_arm_and_the_record(finished: LiveRun) -> None:
    with zipfile.ZipFile(io.BytesIO(finished.archive())) as zipped:
        names = set(zipped.namelist())
        assert names == {
            "model.csv",
            "cities.csv",
            "counterfactuals/without-policy/model.csv",
            "counterfactuals/weak-industry/model.csv",
            "run.json",
            "scenario.toml",
        }
        assert zipped.read("model.csv").decode() == finished.csv_text()
        assert zipped.read("cities.csv").decode() == finished.cities_csv()
        weak = zipped.read("counterfactuals/weak-industry/model.csv").decode()
        assert weak == finished.csv_text("weak industry")
        record = json.loads(zipped.read("run.json"))
    assert record["counterfactuals"] == [
        {"name": "without policy", "set": {"policy.enabled": False}},
        {"name": "weak industry", "set": {"industry.soe_efficiency": 0.5}},
    ]
    assert record["interventions"] == [{"year": 1992, "set": {"policy.budget_share": 0.04}}]
    assert record["status"] == "ok" and record["link"].endswith("&until=1998")


def test_an_uploaded_run_json_is_the_same_experiment(finished: LiveRun) -> None:
    experiment = read_upload("run.json", finished.run_json().encode())
    assert experiment == finished.experiment


def test_an_uploaded_scenario_extends_a_shipped_one() -> None:
    text = 'extends = "northeast"\nname = "mine"\n[policy]\nefficiency = 0.85\n'
    experiment = read_upload("mine.toml", text.encode())
    assert experiment.settings.scenario == "northeast"
    assert experiment.settings.changes == {"name": "mine", "policy.efficiency": 0.85}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.toml", b'extends = "/etc/passwd"\n', "an uploaded scenario may extend baseline, north"),
        ("a.toml", b'extends = "../configs/northeast.toml"\n', "may extend"),
        ("a.toml", b'extends = "northeast"\nobserved = "/etc/passwd"\n', "reads only the record"),
        ("a.toml", b"[policy\n", "not valid TOML"),
        ("a.toml", b'extends = "northeast"\n[policy]\nefficiency = 7\n', r"efficiency = 7"),
        ("a.toml", b'name = "x"\n', "missing key"),
        ("a.toml", b"\xff\xfe", "not UTF-8"),
        ("a.toml", b"#" * 2_000_000, "larger than 1,000,000 bytes"),
        ("run.json", b"{", "not valid JSON"),
        ("run.json", b'{"seed": 1}', "no 'config'"),
        ("run.json", b'{"config": {"observed": "/etc/passwd"}}', "reads only the records"),
    ],
)
def test_a_bad_upload_says_what_is_wrong(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as raised:
        read_upload(name, data)
    assert str(raised.value).startswith(f"{name}: ") and "\n" not in str(raised.value)


def test_archive_names_each_arm_by_a_safe_file_name() -> None:
    data = archive([("this run", "a"), ("../../etc/x", "b")], "{}", "", "")
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert "counterfactuals/etc-x/model.csv" in zipped.namelist()
