"""``declineabm sweep`` as users run it: separate processes, interrupted, resumed."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import mesa
import pandas as pd
import psutil
import pytest
from conftest import declineabm, same_tables

from declineabm.io.files import read_csv_exact
from declineabm.sweep.store import scan


def wait_for_runs(out: Path, count: int, process, timeout: float = 120) -> None:
    """Wait until ``count`` runs have finished in ``out`` (and the sweep is still going)."""
    deadline = time.monotonic() + timeout
    while len(scan(out)[0]) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sweep made no progress"
        time.sleep(0.01)


def test_tables_are_sorted_and_complete(reference_sweep: Path) -> None:
    runs = read_csv_exact(reference_sweep / "runs.csv")
    series = read_csv_exact(reference_sweep / "timeseries.csv")
    design = pd.read_csv(reference_sweep / "design.csv")
    manifest = json.loads((reference_sweep / "manifest.json").read_text())
    assert list(runs.columns) == [
        "run_id",
        "migration.base_rate",
        "policy.start_year",
        "seed",
        "status",
        "error",
        "population",
        "output_share",
        "unemployment_rate",
    ]
    assert len(runs) == 16 and (runs["status"] == "ok").all()
    assert runs["run_id"].is_monotonic_increasing
    assert set(runs["run_id"]) == set(design["run_id"])
    assert list(series["year"].unique()) == list(range(1990, 2003, 2))  # every = 2
    assert series.groupby("run_id").size().eq(7).all()
    assert series[["run_id", "year"]].apply(tuple, axis=1).is_monotonic_increasing
    # Final values in runs.csv are the last year of timeseries.csv.
    last = series.groupby("run_id").last()
    assert runs.set_index("run_id")["population"].equals(last["population"])
    # Common random numbers: two seeds, each used at every sample.
    assert sorted(design.groupby("seed")["sample"].nunique()) == [8, 8]
    assert manifest["status"] == "finished"
    assert manifest["runs"] == {"total": 16, "ok": 16, "failed": 0, "pending": 0}
    assert manifest["sweep"]["sha256"] and "[parameters]" in manifest["sweep"]["text"]
    assert manifest["versions"]["mesa"] == mesa.__version__
    assert not (reference_sweep / "runs").exists(), "per-run files are removed when all ok"


def test_same_bytes_under_another_hash_seed(sweep_file: Path, tmp_path: Path, reference_sweep):
    out = tmp_path / "sweep"
    done = declineabm("sweep", sweep_file, "--out", out, "--workers", 2, "--quiet", hashseed=2)
    assert done.returncode == 0, done.stderr
    same_tables(out, reference_sweep)


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_same_bytes(
    sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    out = tmp_path / "sweep"
    sweep = declineabm("sweep", sweep_file, "--out", out, "--workers", 1, wait=False)
    wait_for_runs(out, 3, sweep)
    workers = psutil.Process(sweep.pid).children(recursive=True)
    sweep.send_signal(signal.SIGKILL)
    sweep.wait()
    assert not (out / "runs.csv").exists(), "killed too late to test anything"
    # Orphaned workers notice that the sweep is gone and exit by themselves.
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"orphaned workers still running: {alive}"

    # Resume on another number of workers and hash seed: still the same bytes.
    done = declineabm("sweep", sweep_file, "--out", out, "--resume", "--workers", 2, hashseed=3)
    assert done.returncode == 0, done.stderr
    same_tables(out, reference_sweep)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["runs"] < 16, "the resumed session reran finished runs"


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resumes(
    sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    out = tmp_path / "sweep"
    sweep = declineabm("sweep", sweep_file, "--out", out, "--workers", 1, wait=False)
    wait_for_runs(out, 2, sweep)
    sweep.send_signal(signal.SIGINT)
    _, stderr = sweep.communicate(timeout=60)
    assert sweep.returncode == 130
    assert "--resume" in stderr and "Traceback" not in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not (out / "runs.csv").exists()

    done = declineabm("sweep", sweep_file, "--out", out, "--resume", "--quiet")
    assert done.returncode == 0, done.stderr
    same_tables(out, reference_sweep)


def test_refuses_to_overwrite_or_mix_sweeps(
    sweep_file: Path, tmp_path: Path, reference_sweep: Path
) -> None:
    before = {p: p.read_bytes() for p in reference_sweep.iterdir()}
    again = declineabm("sweep", sweep_file, "--out", reference_sweep, "--quiet")
    assert again.returncode == 2
    assert "already holds a finished sweep" in again.stderr
    other = declineabm("sweep", sweep_file, "--out", reference_sweep, "--resume", "--samples", 3)
    assert other.returncode == 2
    assert "holds a different sweep" in other.stderr
    assert {p: p.read_bytes() for p in reference_sweep.iterdir()} == before
    # Resuming a finished sweep has nothing left to do.
    finished = declineabm("sweep", sweep_file, "--out", reference_sweep, "--resume")
    assert finished.returncode == 0, finished.stderr
    assert {p: p.read_bytes() for p in reference_sweep.iterdir()} == before
