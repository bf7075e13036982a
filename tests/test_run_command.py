"""`declineabm run` end to end, as a user runs it: files, determinism, errors, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mesa
import pandas as pd
import pytest
from conftest import SMALL, SMALL_ARGS

from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.scenario import config_dir


def declineabm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "declineabm", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_run_writes_yearly_csv_run_json_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "ne"
    result = declineabm(
        "run", str(config_dir() / "northeast.toml"), "--seed", "7", "--out", str(out), *SMALL_ARGS
    )
    assert result.returncode == 0, result.stderr
    df = pd.read_csv(out / "model.csv")
    assert list(df.columns) == list(INDICATOR_NAMES) and df.columns[0] == "year"
    assert list(df["year"]) == list(range(1990, 2026))
    # every cell a plain number (numpy 2 once wrote "np.float64(...)" cells into model.csv)
    text = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    assert not text, f"cells that are not numbers in {text}"
    record = json.loads((out / "run.json").read_text())
    assert record["seed"] == 7 and record["status"] == "ok"
    assert record["config"]["simulation"]["residents"] == SMALL["simulation.residents"]
    assert len(record["scenario_sha256"]) == 64 and record["versions"]["mesa"] == mesa.__version__
    assert record["wall_time_s"] > 0
    assert (out / "summary.png").stat().st_size > 10_000
    assert "output share" in result.stdout  # the short table
    assert not list(out.glob("*.part"))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    runs = {}
    for name, seed, hashseed in (("a", "3", "0"), ("b", "3", "12345"), ("c", "4", "0")):
        out = tmp_path / name
        result = declineabm(
            "run",
            "northeast",
            "--seed",
            seed,
            "--out",
            str(out),
            "--quiet",
            "--no-figure",
            *SMALL_ARGS,
            env={"PYTHONHASHSEED": hashseed},
        )
        assert result.returncode == 0, result.stderr
        runs[name] = (out / "model.csv").read_bytes()
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_set_overrides_reach_the_model(tmp_path: Path) -> None:
    out = tmp_path / "nopolicy"
    result = declineabm(
        "run",
        "northeast",
        "--seed",
        "1",
        "--out",
        str(out),
        "--quiet",
        "--set",
        "policy.enabled=false",
        "--set",
        "migration.base_rate=0.02",
        *SMALL_ARGS,
    )
    assert result.returncode == 0, result.stderr
    df = pd.read_csv(out / "model.csv")
    assert (df["subsidy_spending"] == 0).all() and (df["zombie_firms"] == 0).all()
    config = json.loads((out / "run.json").read_text())["config"]
    assert config["policy"]["enabled"] is False
    assert config["migration"]["base_rate"] == 0.02


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--set", "migration.base_rate=-1"], "migration.base_rate"),
        (["--set", "policy.efficiency=2"], "policy.efficiency"),
        (["--set", "simulation.residents=many"], "simulation.residents"),
        (["--set", "economy.nosuch=1"], "economy.nosuch"),
        (["--set", "policy.enabled"], "policy.enabled"),
        # in its range, but one cell of 10,000 km leaves no countryside to house anyone in
        (["--set", "geography.km_per_cell=10000"], "geography.km_per_cell"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path: Path, args, names) -> None:
    out = tmp_path / "never"
    result = declineabm("run", "northeast", "--out", str(out), *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_scenario_file(tmp_path: Path) -> None:
    result = declineabm("run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "nope.toml" in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_killed_run_keeps_its_years_and_the_previous_results(tmp_path: Path) -> None:
    out = tmp_path / "ne"
    previous = declineabm(
        "run", "northeast", "--seed", "1", "--out", str(out), "--quiet", "--no-figure", *SMALL_ARGS
    )
    assert previous.returncode == 0
    before = (out / "model.csv").read_bytes()
    # A city of 20,000 agents takes long enough to be killed halfway.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "declineabm",
            "run",
            "northeast",
            "--seed",
            "2",
            "--out",
            str(out),
            "--quiet",
            "--no-figure",
            "--set",
            "simulation.residents=20000",
            "--set",
            "geography.km_per_cell=12",
        ],
    )
    part = out / "model.csv.part"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if part.exists() and part.read_text().count("\n") >= 4:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    rows = part.read_text().splitlines()
    assert rows[0].split(",") == list(INDICATOR_NAMES)
    assert 3 <= len(rows) - 1 < 36
    assert all(len(row.split(",")) == len(INDICATOR_NAMES) for row in rows)
    assert (out / "model.csv").read_bytes() == before


def test_a_run_that_cannot_fit_in_free_memory_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from declineabm.errors import InputError
    from declineabm.io import memory
    from declineabm.run import run_to_folder

    monkeypatch.setattr(memory, "available_memory", lambda: 2**20)  # 1 MiB free
    out = tmp_path / "out"
    with pytest.raises(InputError, match="needs about") as caught:
        run_to_folder("baseline", out, seed=1, overrides=SMALL, progress=False)
    message = str(caught.value)
    assert "simulation.residents" in message and "free on this machine" in message
    assert "\n" not in message and not out.exists()


def test_a_large_grid_says_so_before_its_long_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from declineabm import run
    from declineabm.scenario import load_scenario

    small = {**SMALL, "simulation.end_year": 1991}
    cells = load_scenario("baseline", small).grid_cells()
    monkeypatch.setattr(run, "LARGE_GRID", cells)  # this grid counts as large
    run.run_to_folder("baseline", tmp_path / "large", seed=1, overrides=small, figure=False)
    assert f"building a grid of {cells:,.0f} cells (geography.km_per_cell = 24)" in (
        capsys.readouterr().err
    )
    monkeypatch.setattr(run, "LARGE_GRID", cells + 1)
    run.run_to_folder("baseline", tmp_path / "small", seed=1, overrides=small, figure=False)
    assert "building a grid" not in capsys.readouterr().err


def test_unseeded_runs_draw_a_seed_and_keep_their_own_folders(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "declineabm", "run", "baseline", "--quiet", "--no-figure"]
            + [arg for key, value in SMALL.items() for arg in ("--set", f"{key}={value}")]
            + ["--set", "simulation.end_year=1992"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2 and not any(f.name.endswith("seedNone") for f in folders)
    for folder in folders:
        seed = json.loads((folder / "run.json").read_text())["seed"]
        assert folder.name == f"baseline-seed{seed}"


def test_the_agent_classes_are_importable_from_the_package() -> None:
    from declineabm import Firm, Resident, UrbanDeclineModel

    model = UrbanDeclineModel("baseline", seed=1, **SMALL)
    assert len(model.agents_by_type[Resident]) == len(model.residents)
    assert len(model.agents_by_type[Firm]) == len(model.firms)
