"""declineabm calibrate: deterministic, resumable ABC-SMC, and the posterior other commands read."""

from __future__ import annotations

import json
import math
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest
from conftest import declineabm

from declineabm.analysis.arms import replicate_seeds
from declineabm.calibration.observation import Compared, predict
from declineabm.calibration.posterior import load_posterior, replicate, replicate_seed
from declineabm.calibration.sampler import BatchSampler, ReplayModel
from declineabm.calibration.spec import load_calibration
from declineabm.cli import main
from declineabm.io.files import read_csv_exact

pytestmark = pytest.mark.xdist_group("calibration")

TINY_CALIBRATION = """
description = "A tiny calibration for tests: a city of 600 agents, 1990-2000."
until = 2000
forecast_draws = 4
records = ["china.csv"]

[budget]
population = 6
generations = 2
batch = 4
seed = 3

[set]
"simulation.residents" = 1000
"geography.km_per_cell" = 24

[parameters.gain]
key = "sectors.heavy.tfp_gap"
low = -0.05
high = 0.01
reason = "test"

[parameters.price]
key = "demography.fertility_path"
transform = "amplitude"
low = 0.0
high = 2.0
reason = "test"

[observation.liaoning]
indicator = "output_share"
years = [2011, 2015]
low = 0.0
high = 0.15
reason = "test"

[[targets]]
indicator = "population"
years = [2000, 2010]
relative_to = 1990
discrepancy = 0.02
reason = "test"

[[targets]]
indicator = "share_65plus"
years = [2000]
discrepancy = 0.05
reason = "test"

[[targets]]
indicator = "output_share"
years = [2002, 2012]
discrepancy = 0.05
reason = "test"

[[targets]]
indicator = "national_urban_share"
years = [2000]
discrepancy = 0.03
reason = "test"
"""
OUTPUTS = (
    "posterior.csv",
    "posterior.md",
    "posterior.json",
    "diagnostics.csv",
    "calibrated.toml",
    "marginals.png",
    "predictive.png",
    "coverage.csv",
    "coverage.md",
    "coverage.png",
)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("calibration") / "tiny.toml"
    path.write_text(TINY_CALIBRATION)
    return path


@pytest.fixture(scope="session")
def reference(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny calibration run once, uninterrupted, on two workers."""
    out = tmp_path_factory.mktemp("reference") / "calibration"
    done = declineabm(
        "calibrate", "northeast", "--calibration", tiny, "--out", out, "--workers", 2, "--quiet"
    )
    assert done.returncode == 0, done.stderr
    return out


def test_calibrate_writes_posterior_diagnostics_figures_and_forecast(reference: Path) -> None:
    for name in OUTPUTS:
        assert (reference / name).stat().st_size > 0, name
    posterior = pd.read_csv(reference / "posterior.csv")
    assert list(posterior.columns) == ["particle", "gain", "price", "liaoning", "weight"]
    assert len(posterior) == 6 and np.isclose(posterior["weight"].sum(), 1.0)
    assert posterior["gain"].between(-0.05, 0.01).all()
    steps = pd.read_csv(reference / "diagnostics.csv")
    assert list(steps["generation"]) == ["prior sample", "1", "2"]
    assert (steps["acceptance_rate"].dropna() <= 1).all() and (steps["ess"].dropna() > 0).all()
    coverage = pd.read_csv(reference / "coverage.csv").set_index("observation")
    # the window ends in 2000: 2010 and 2012 are forecast, 2012 through the reporting term
    assert coverage.loc["population_2000", "sample"] == "in"
    assert coverage.loc["population_2010", "sample"] == "out"
    assert coverage.loc["output_share_2012", "reporting"] == "liaoning"
    assert (coverage["p05"] <= coverage["median"]).all()
    # the medians' own run is set beside the predictive, every observation of it
    assert coverage["medians"].notna().all() and coverage["medians_inside"].dtype == bool
    assert "the posterior medians' own run" in (reference / "coverage.md").read_text()
    calibrated = (reference / "calibrated.toml").read_text()
    assert 'extends = "northeast"' in calibrated and "tfp_gap" in calibrated


def test_a_calibrated_scenario_extends_the_original(reference: Path) -> None:
    from declineabm.scenario import load_scenario

    scenario = load_scenario(reference / "calibrated.toml")
    assert scenario.name == "northeast-calibrated"
    assert scenario.observed == "northeast.csv"


def test_same_posterior_on_one_worker(tiny: Path, reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "one"
    done = declineabm(
        "calibrate",
        "northeast",
        "--calibration",
        tiny,
        "--out",
        out,
        "--workers",
        1,
        "--quiet",
        hashseed=5,
    )
    assert done.returncode == 0, done.stderr
    for name in ("posterior.csv", "diagnostics.csv", "coverage.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def _generations_stored(database: Path) -> int:
    try:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT count(*) FROM populations WHERE t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_resume_after_kill_gives_the_same_posterior_and_reuses_simulations(
    tiny: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    process = declineabm(
        "calibrate",
        "northeast",
        "--calibration",
        tiny,
        "--out",
        out,
        "--workers",
        2,
        "--quiet",
        wait=False,
    )
    deadline = time.monotonic() + 300
    # kill -9 inside the second generation: one generation in the History, batches on disk
    while time.monotonic() < deadline and process.poll() is None:
        if _generations_stored(out / "history.db") >= 1 and any(
            (out / "simulations" / "generation-01").glob("batch-*/manifest.json")
        ):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the calibration ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    batches = sorted((out / "simulations").glob("*/batch-*/timeseries.csv"))
    assert batches
    before = {path: path.stat().st_mtime_ns for path in batches}
    again = declineabm("calibrate", "northeast", "--calibration", tiny, "--out", out, "--quiet")
    assert again.returncode == 2 and "--resume" in again.stderr  # never overwrites
    resumed = declineabm(
        "calibrate",
        "northeast",
        "--calibration",
        tiny,
        "--out",
        out,
        "--resume",
        "--workers",
        1,
        "--quiet",
    )
    assert resumed.returncode == 0, resumed.stderr
    for name in ("posterior.csv", "diagnostics.csv", "coverage.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert {path: path.stat().st_mtime_ns for path in batches} == before  # not rerun


def test_resume_refuses_another_calibration(tiny: Path, reference: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference), str(copy)], check=True)
    done = declineabm(
        "calibrate",
        "northeast",
        "--calibration",
        tiny,
        "--out",
        copy,
        "--until",
        "2002",
        "--resume",
        "--quiet",
    )
    assert done.returncode == 2
    assert "another until" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_run_and_validate_draw_their_parameters_from_the_posterior(
    reference: Path, tmp_path: Path
) -> None:
    posterior = load_posterior(reference / "posterior.json")
    drawn = posterior.overrides_for(7)
    values = read_csv_exact(reference / "posterior.csv")
    assert drawn["sectors.heavy.tfp_gap"] in set(values["gain"])
    small = [
        "--set",
        "simulation.residents=1000",
        "--set",
        "geography.km_per_cell=24",
    ]
    done = declineabm(
        "run",
        "northeast",
        "--seed",
        7,
        "--posterior",
        reference / "posterior.json",
        "--out",
        tmp_path / "run",
        "--quiet",
        "--no-figure",
        *small,
        "--set",
        "simulation.end_year=1995",
    )
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
    assert config["sectors"]["heavy"]["tfp_gap"] == drawn["sectors.heavy.tfp_gap"]
    assert config["demography"]["fertility_path"] == drawn["demography.fertility_path"]
    done = declineabm(
        "validate",
        "northeast",
        "--replicates",
        2,
        "--posterior",
        reference / "posterior.json",
        "--out",
        tmp_path / "validate",
        "--quiet",
        *small,
    )
    assert done.returncode in (0, 1), done.stderr
    report = (tmp_path / "validate" / "patterns.md").read_text()
    assert "Observation model: the posterior" in report
    assert "population_2000" in report  # compared relative to 1990, as calibrated
    # a fact of the record that the calibration did not fit is still checked, and says so
    checks = read_csv_exact(tmp_path / "validate" / "patterns.csv").set_index("check")
    assert "not a target" not in checks.loc["share_65plus_2000", "description"]
    assert checks.loc["urban_share_2020", "description"].endswith("not a target of the calibration")
    assert "relative_wage_2019" in checks.index
    assert "share_65plus_1990" not in checks.index  # a fitted indicator's start stays out


def test_a_replicate_is_a_seed_and_the_particle_that_seed_draws(reference: Path) -> None:
    posterior = load_posterior(reference / "posterior.json")
    seeds = replicate_seeds(2003, 5)
    for i, seed in enumerate(seeds):
        overrides, model_seed = replicate(posterior, 2003, i)
        assert model_seed == seed == replicate_seed(2003, i)
        assert overrides == posterior.overrides_for(seed)
    assert replicate(None, 2003, 1) == ({}, seeds[1])
    # over many seeds, each particle is drawn as often as its weight says
    index = {id(d): i for i, d in enumerate(posterior.draws)}
    drawn = (
        np.bincount(
            [index[id(posterior.draw_for(s))] for s in range(4000)], minlength=len(posterior.draws)
        )
        / 4000
    )
    assert np.abs(drawn - [d.weight for d in posterior.draws]).max() < 0.04


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("until = 2000", "until = 2000\nbogus = 1"), "bogus: unknown key"),
        (("high = 0.01", "high = 0.5"), "parameters.gain = 0.5"),
        (("low = -0.05\nhigh = 0.01", "low = 0.0\nhigh = 0.0001"), "calibrate a factor"),
        (('reason = "test"', 'reason = ""'), "must say why"),
        (("relative_to = 1990", "relative_to = 1995"), "relative_to = 1995"),
        (('indicator = "share_65plus"', 'indicator = "total_fertility"'), "total_fertility"),
        (('records = ["china.csv"]', 'records = "china.csv"'), "records: must be a list"),
        (('records = ["china.csv"]', 'records = ["northeast.csv"]'), "is in both"),
        (('records = ["china.csv"]', 'records = ["nowhere.csv"]'), "'nowhere.csv' not found"),
        (('records = ["china.csv"]', "records = []"), "no 'national_urban_share'"),
        (("seed = 3", 'seed = 3\ntransition = "kde"'), "budget.transition: 'kde' unknown"),
        (("seed = 3", "seed = 3\ntransition_scaling = 0"), "budget.transition_scaling"),
        (('reason = "test"', 'base = "baseline"\nreason = "test"'), "gain.base: only a 'scale'"),
        (('transform = "amplitude"', 'transform = "amplitude"\nbase = 2.0'), "price.base: must"),
        (('transform = "amplitude"', 'transform = "amplitude"\nbase = "UN"'), "price.base: "),
    ],
)
def test_a_bad_calibration_file_is_one_line_exit_2_nothing_written(
    tmp_path: Path, edit: tuple[str, str], message: str, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TINY_CALIBRATION.replace(*edit, 1))
    out = tmp_path / "never"
    code = main(["calibrate", "northeast", "--calibration", str(path), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1 and message in stderr, stderr
    assert not out.exists()


def test_a_posterior_option_that_is_not_a_posterior_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "not.json"
    path.write_text('{"kind": "something else"}')
    code = main(["run", "northeast", "--posterior", str(path), "--out", str(tmp_path / "never")])
    assert code == 2 and "not a posterior file" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_observation_model_divides_by_the_base_year_and_inflates_covered_years() -> None:
    compared = [
        Compared("population_2010", "population", 2010, 1.1, 1.1, 1.1, 0.01, 1, 1990, True, (), ""),
        Compared(
            "output_share_2012",
            "output_share",
            2012,
            0.09,
            0.09,
            0.09,
            0.01,
            1,
            None,
            False,
            ("a", "b"),
            "",
        ),
    ]
    series = {"population": {1990: 100.0, 2010: 120.0}, "output_share": {2012: 0.05}}
    predicted = predict(series, compared, {"a": 0.1, "b": 0.2})
    assert predicted["population_2010"] == pytest.approx(1.2)
    assert predicted["output_share_2012"] == pytest.approx(0.05 * 1.1 * 1.2)


def _toy_abc(batch: int, tmp_path: Path, transition: str = "local") -> pd.DataFrame:
    """Pyabc on a toy problem (no city): the posterior through BatchSampler."""
    from declineabm.calibration.smc import transition_kernel

    model = ReplayModel()

    def evaluate(t, _batch, indices, proposals):
        rng = [np.random.default_rng([t + 1, i]) for i in indices]
        return [{"y": p["theta"] + 0.1 * r.normal()} for p, r in zip(proposals, rng, strict=True)]

    sampler = BatchSampler(model, evaluate, seed=11, batch=batch)
    abc = pyabc.ABCSMC(
        model,
        pyabc.Distribution(theta=pyabc.RV("uniform", -2, 4)),
        pyabc.PNormDistance(p=2),
        population_size=20,
        sampler=sampler,
        transitions=transition_kernel(transition, 2.0),
    )
    abc.new(f"sqlite:///{tmp_path / f'toy{transition}{batch}.db'}", {"y": 0.5})
    history = abc.run(max_nr_populations=3)
    frame, weights = history.get_distribution()
    return frame.assign(w=weights).reset_index(drop=True)


@pytest.mark.parametrize("transition", ["local", "multivariate"])
def test_the_sampler_accepts_in_index_order_whatever_the_batch(
    tmp_path: Path, transition: str
) -> None:
    # The first n accepted proposals by index do not depend on how they were batched.
    one, many = _toy_abc(1, tmp_path, transition), _toy_abc(13, tmp_path, transition)
    pd.testing.assert_frame_equal(one, many)
    assert abs(float((one["theta"] * one["w"]).sum()) - 0.5) < 0.3  # near the observed y


def test_the_northeast_calibration_file_is_valid_and_gives_reasons() -> None:
    from declineabm.calibration.smc import prepare

    calibration = load_calibration("northeast")
    problem = prepare("northeast", calibration)
    assert problem.in_sample and all(p.reason for p in calibration.parameters)
    assert {r.name for r in calibration.reporting} == {
        "liaoning_overreporting",
        "jilin_heilongjiang_overreporting",
    }
    assert calibration.until == 2022 and calibration.with_until(2010).until == 2010
    # the Northeast's shares are fitted with a national denominator from the nation's censuses
    national = {c.key for c in problem.compared if c.indicator.startswith("national_")}
    assert {"national_population_2010", "national_urban_share_2010"} <= national


def test_a_refit_scales_the_calibration_files_base_not_the_last_fits_medians() -> None:
    # The shipped medians are written into configs/northeast.toml; a factor on the scenario's
    # own value would then scale the last fit's result, and the prior would drift every refit.
    from declineabm.calibration.smc import prepare
    from declineabm.calibration.transforms import model_overrides
    from declineabm.scenario import load_scenario

    calibration = load_calibration("northeast")
    factors = {p.name: 2.0 for p in calibration.parameters}
    northeast = prepare("northeast", calibration).base
    shipped = model_overrides(calibration.parameters, northeast, factors)
    hand_set = model_overrides(calibration.parameters, load_scenario("baseline"), factors)
    assert load_scenario("northeast").population.mortality_scale != 3.0e-5  # calibrated
    assert shipped["population.mortality_scale"] == hand_set["population.mortality_scale"] == 6e-5
    un_path = load_scenario("baseline").rest_of_china.fertility_path
    assert shipped["rest_of_china.fertility_path"] == [[y, 2 * v] for y, v in un_path]


@pytest.mark.parametrize(
    ("name", "until"), [("northeast-posterior.json", 2022), ("northeast-2010-posterior.json", 2010)]
)
def test_the_shipped_posteriors_draw_parameter_sets_the_northeast_accepts(
    name: str, until: int
) -> None:
    # README: `run northeast --posterior configs/calibrated/...` gives the posterior predictive;
    # a schema change that refuses a shipped draw must fail here, not in a user's run.
    from declineabm.scenario import load_scenario

    posterior = load_posterior(Path(__file__).parents[1] / "configs" / "calibrated" / name)
    assert posterior.scenario == "northeast" and posterior.document["until"] == until
    particles = load_calibration("northeast").budget.population  # the shipped fits' budget
    assert len(posterior.draws) == particles
    assert math.isclose(sum(d.weight for d in posterior.draws), 1)
    # the draws at either end of every parameter's range: where a narrowed bound would refuse one
    extremes = {
        id(pick): pick
        for key in posterior.draws[0].overrides
        for pick in (
            min(posterior.draws, key=lambda d: _first(d.overrides[key])),
            max(posterior.draws, key=lambda d: _first(d.overrides[key])),
        )
    }
    for draw in extremes.values():
        scenario = load_scenario("northeast", dict(draw.overrides))
        assert scenario.migration.rural_push == draw.overrides["migration.rural_push"]


def _first(value: object) -> float:
    """A number, or the first value of a time path (a list of [year, value])."""
    return float(value[0][1]) if isinstance(value, list) else float(value)  # type: ignore[arg-type]


def test_a_proposal_that_runs_away_is_rejected_and_any_other_failure_stops_the_batch(
    tmp_path: Path,
) -> None:
    from declineabm.calibration.smc import open_pool, run_batch, run_proposals
    from declineabm.sweep import RunSpec, SweepError

    small = {"simulation.residents": 300, "geography.km_per_cell": 24}
    fine = RunSpec("baseline", small, seed=1, years=2)
    # so many entrants that the firms outnumber the residents in the first year
    runaway = RunSpec("baseline", {**small, "sectors.light.entry_rate": 10.0}, seed=1, years=2)
    with open_pool(workers=1) as pool:
        series = run_proposals([fine, runaway], tmp_path / "a", ["population"], pool, False)
        assert series[1] is None
        assert series[0] is not None and set(series[0]["population"]) == {1990, 1991, 1992}
        # where a run is not a proposal (the forecast, the sizes' comparison) it is an error
        with pytest.raises(SweepError, match="1 of 2 simulations failed"):
            run_batch([fine, runaway], tmp_path / "b", ["population"], pool, False)


def test_the_coverage_report_warns_when_the_medians_run_is_not_the_predictives() -> None:
    # The marginal medians of a degenerate posterior are one parameter set that no particle
    # need be near (3 December 2026: a region of 137 million where the predictive had 95).
    from declineabm.calibration import results
    from declineabm.calibration.smc import prepare

    problem = prepare("northeast", load_calibration("northeast"))
    rng = np.random.default_rng(1)
    values = {c.key: c.value for c in problem.compared}
    predicted = pd.DataFrame({k: v * (1 + 0.05 * rng.normal(size=40)) for k, v in values.items()})
    typical = pd.DataFrame({k: [v] * results.MEDIAN_RUNS for k, v in values.items()})
    table = results.coverage_table(problem, predicted, typical)
    assert table["medians_inside"].all()
    report = results.coverage_report(problem, table)
    assert f"{len(values)} of {len(values)} observations inside" in report
    assert "warning" not in report
    far = pd.DataFrame({k: [1.5 * v + 1.0] * results.MEDIAN_RUNS for k, v in values.items()})
    table = results.coverage_table(problem, predicted, far)
    assert not table["medians_inside"].any()
    assert "the medians are not a typical parameter set" in results.coverage_report(problem, table)
