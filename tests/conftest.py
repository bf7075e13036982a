"""Shared fixtures: small, fast versions of the shipped scenarios and of a sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from declineabm import UrbanDeclineModel

SMALL = {"simulation.residents": 3000, "geography.km_per_cell": 24}
"""Overrides that draw the Northeast with 3,000 agents on a coarse map, for fast tests."""
SMALL_ARGS = [arg for key, value in SMALL.items() for arg in ("--set", f"{key}={value}")]
"""The same overrides as ``--set`` options of the command line."""
SMALL_BASELINE = {"simulation.residents": 3000, "geography.km_per_cell": 12}
"""The same for the baseline, whose region is a quarter the Northeast's width."""


@pytest.fixture
def small() -> dict[str, object]:
    """Overrides for a small city (copy, so tests may add to it)."""
    return dict(SMALL)


def small_model(
    scenario: str = "northeast", seed: int = 1, **overrides: object
) -> UrbanDeclineModel:
    """A small model of a shipped scenario."""
    small = SMALL_BASELINE if scenario == "baseline" else SMALL
    return UrbanDeclineModel(scenario, seed=seed, **{**small, **overrides})


SMALL_SWEEP = """
description = "A small sweep for tests: 8 samples x 2 seeds of a small city over 12 years."
scenario = "northeast"
sampler = "lhs"
samples = 8
replicates = 2
years = 12
every = 2
seed = 11
indicators = ["population", "output_share", "unemployment_rate"]

[set]
simulation.residents = 3000
geography.km_per_cell = 24

[parameters]
"migration.base_rate" = { low = 0.01, high = 0.05 }
"policy.start_year" = { low = 1995, high = 2000 }
"""
"""16 runs of about 0.1 s: long enough to interrupt, short enough for CI."""

TABLES = ("runs.csv", "timeseries.csv", "design.csv")


@pytest.fixture(scope="session")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sweep as a file."""
    path = tmp_path_factory.mktemp("sweepfile") / "small.toml"
    path.write_text(SMALL_SWEEP)
    return path


def declineabm(
    *args: str | Path, hashseed: int = 0, wait: bool = True
) -> subprocess.CompletedProcess | subprocess.Popen:
    """Run the ``declineabm`` command in a fresh process (a given PYTHONHASHSEED)."""
    env = {**os.environ, "PYTHONHASHSEED": str(hashseed)}
    command = [sys.executable, "-m", "declineabm.cli", *map(str, args)]
    if not wait:
        return subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_ctrl_c_as_at_a_terminal,
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def _ctrl_c_as_at_a_terminal() -> None:
    """Give the started command SIGINT's default action, as a command typed at a terminal has.

    A shell without job control starts background jobs with SIGINT ignored, and Python then
    installs no KeyboardInterrupt handler: a suite started with ``make test &`` from a script
    saw its Ctrl-C tests' sweeps run to the end (exit 0) instead of stopping (130).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_run(out: Path, seed: int = 1) -> subprocess.Popen:
    """Start ``declineabm run northeast`` of the small city into ``out`` (not waited for)."""
    command = [sys.executable, "-m", "declineabm", "run", "northeast", "--seed", str(seed)]
    return subprocess.Popen(
        [*command, "--out", str(out), "--quiet", *SMALL_ARGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def reference_sweep(sweep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sweep run once, uninterrupted, on two local workers (PYTHONHASHSEED=1)."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    done = declineabm("sweep", sweep_file, "--out", out, "--workers", 2, "--quiet", hashseed=1)
    assert done.returncode == 0, done.stderr
    return out


def same_tables(folder: Path, reference: Path) -> None:
    """Assert that a sweep's tables are byte-identical to the reference's."""
    for name in TABLES:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
