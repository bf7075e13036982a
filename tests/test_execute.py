"""The execution layer as a library: results, failures, dead workers, resume, formats."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from conftest import SMALL

from declineabm import UrbanDeclineModel
from declineabm.io.files import read_csv_exact
from declineabm.sweep import RunSpec, SweepError, execute, store
from declineabm.sweep.store import MANIFEST, scan, series_path

KEEP = ["population", "output_share", "firms"]
SPECS = [
    RunSpec("northeast", {**SMALL, "policy.efficiency": e}, seed=s, years=6)
    for e in (0.2, 0.9)
    for s in (3, 4, 5)
]


def run(out: Path, **options) -> object:
    options = {"indicators": KEEP, "progress": False, "workers": 2, **options}
    return execute(SPECS, out, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("execute") / "reference"
    summary = run(out)
    assert (summary.total, summary.ok, summary.failed) == (6, 6, 0)
    return out


def tables(folder: Path, names=("runs.csv", "timeseries.csv")) -> list[bytes]:
    return [(folder / name).read_bytes() for name in names]


def test_run_ids_identify_parameters_and_seed() -> None:
    spec = RunSpec("northeast", {"policy.efficiency": 0.2, "simulation.residents": 3000}, seed=3)
    same = RunSpec(
        "northeast", {"simulation__residents": np.int64(3000), "policy.efficiency": 0.2}, seed=3
    )
    assert spec.run_id == same.run_id
    assert RunSpec(spec.base(), spec.overrides, seed=3).run_id == spec.run_id
    assert len({spec.run_id, RunSpec("northeast", spec.overrides, seed=4).run_id}) == 2
    assert RunSpec("northeast", spec.overrides, seed=3, years=5).run_id != spec.run_id
    # Setting a parameter to the value it already has is the same run.
    assert RunSpec("northeast", {**spec.overrides, "policy.enabled": True}, 3).run_id == (
        spec.run_id
    )


def test_results_are_the_models_own(reference: Path) -> None:
    runs = read_csv_exact(reference / "runs.csv")
    series = read_csv_exact(reference / "timeseries.csv")
    spec = SPECS[4]
    model = UrbanDeclineModel("northeast", seed=spec.seed, **spec.overrides)
    model.run(until=1996)
    expected = model.datacollector.get_model_vars_dataframe()[["year", *KEEP]]
    model.dispose()
    got = series[series["run_id"] == spec.run_id].drop(columns="run_id")
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )
    row = runs.set_index("run_id").loc[spec.run_id]
    assert row["policy.efficiency"] == 0.9 and row["seed"] == spec.seed
    assert row["firms"] == expected["firms"].iloc[-1]
    assert list(runs.columns[:2]) == ["run_id", "policy.efficiency"]  # only what varies


def test_one_worker_gives_the_same_bytes_as_two(reference: Path, tmp_path: Path) -> None:
    run(tmp_path / "one", workers=1)
    assert tables(tmp_path / "one") == tables(reference)


def test_identical_runs_are_computed_once(tmp_path: Path) -> None:
    summary = execute(
        [SPECS[0], SPECS[0], RunSpec(SPECS[0].scenario, dict(SPECS[0].overrides), 3, 6)],
        tmp_path / "dup",
        indicators=KEEP,
        progress=False,
        workers=1,
    )
    assert summary.total == 1
    assert len(pd.read_csv(summary.runs_table)) == 1


def test_parquet_holds_the_same_tables(reference: Path, tmp_path: Path) -> None:
    summary = run(tmp_path / "pq", fmt="parquet")
    for name, table in (("runs", summary.runs_table), ("timeseries", summary.timeseries_table)):
        assert table.suffix == ".parquet"
        csv = read_csv_exact(reference / f"{name}.csv")
        parquet = pd.read_parquet(table)
        if name == "runs":
            # an all-empty column reads as floats
            csv["error"] = csv["error"].astype(object).fillna("")
        pd.testing.assert_frame_equal(parquet, csv, check_dtype=False)


def test_every_k_years_keeps_the_last(tmp_path: Path) -> None:
    summary = execute(SPECS[:1], tmp_path / "k", indicators=KEEP, every=4, progress=False)
    years = pd.read_csv(summary.timeseries_table)["year"].tolist()
    assert years == [1990, 1994, 1996]


def block(folder: Path, run_id: str) -> threading.Thread:
    """Make the time-series path of a run a folder as soon as the batch starts (a disk fault)."""

    def inject() -> None:
        while not (folder / MANIFEST).exists():
            time.sleep(0.005)
        series_path(folder, run_id, "csv").mkdir(parents=True)

    thread = threading.Thread(target=inject, daemon=True)
    thread.start()
    return thread


def test_failed_run_is_recorded_retried_and_resumed(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "faulty"
    victim = SPECS[-1].run_id  # submitted last: the fault is in place before it runs
    block(out, victim)
    summary = run(out, workers=1, retries=1)
    assert (summary.ok, summary.failed) == (5, 1)
    runs = pd.read_csv(out / "runs.csv").set_index("run_id")
    assert runs.loc[victim, "status"] == "failed"
    assert runs.loc[victim, "error"].startswith("IsADirectoryError: ")
    assert runs.drop(victim)["status"].eq("ok").all()
    timings = pd.read_csv(out / "timings.csv").set_index("run_id")
    assert timings.loc[victim, "attempt"] == 2  # tried, then retried once
    assert scan(out) == ({r for r in runs.index if r != victim}, {victim})

    shutil.rmtree(series_path(out, victim, "csv"))  # the fault is repaired
    summary = run(out, workers=1, resume=True)
    assert (summary.ok, summary.failed) == (6, 0)
    assert tables(out) == tables(reference)


def test_batch_survives_a_killed_worker(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    original: list[int] = []

    def kill_a_worker() -> None:
        while len(scan(out)[0]) < 1:
            time.sleep(0.005)
        workers = [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]
        original.extend(p.pid for p in workers)
        workers[0].kill()

    threading.Thread(target=kill_a_worker, daemon=True).start()
    run(out, workers=2, retries=0)
    assert len(original) == 2
    assert tables(out) == tables(reference)
    pids = set(pd.read_csv(out / "timings.csv")["pid"])
    assert pids - set(original), "no run was computed by a replacement worker"


def test_folder_guards(reference: Path, tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="already holds a finished sweep"):
        run(reference)
    with pytest.raises(SweepError, match="holds a different sweep"):
        run(reference, resume=True, every=2)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="holds no sweep"):
        run(tmp_path)
    with pytest.raises(SweepError, match="not both"):
        run(tmp_path / "x", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(SweepError, match="unknown indicator 'populaton'; did you mean"):
        run(tmp_path / "x", indicators=["populaton"])
    assert not (tmp_path / "x").exists()
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_one_process_at_a_time(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    busy = r"in use by a sweep still running \(pid \d+\)"
    # As if another sweep were running in it:
    with store.locked(out), pytest.raises(SweepError, match=busy):
        run(out, resume=True)
    assert os.listdir(out) == [".lock"]
