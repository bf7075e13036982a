"""Validation, attribution and policy portfolios: paired arms through the batch executor."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from declineabm.analysis.attribution import PLAYERS, attribute
from declineabm.analysis.portfolios import PORTFOLIOS, compare_policies

TINY = {"simulation.residents": 1500, "geography.km_per_cell": 24}
TINY_ARGS = [arg for key, value in TINY.items() for arg in ("--set", f"{key}={value}")]


def test_attribution_contributions_add_up_and_resume_reuses_the_runs(tmp_path) -> None:
    options = {"replicates": 2, "shapley_method": "sampled", "pairs": 1, "overrides": TINY}
    table = attribute("northeast", tmp_path, progress=False, **options)
    for outcome, part in table.groupby("outcome"):
        assert set(part["player"]) == set(PLAYERS)
        assert part["shapley"].sum() == pytest.approx(part["total"].iloc[0], rel=1e-9, abs=1e-9), (
            outcome
        )
    population = table[table["outcome"] == "population"].set_index("player")
    assert population.loc["demography", "off_effect"] > 0  # fewer leave without cause 5
    assert {"region", "resource", "capital"} <= set(table["kind"])
    assert set(table["aspect"]) == {"economic", "social", "environmental", "cultural"}
    assert (tmp_path / "attribution.png").stat().st_size > 5_000
    before = (tmp_path / "attribution.csv").read_bytes()
    again = attribute("northeast", tmp_path, progress=False, resume=True, **options)
    pd.testing.assert_frame_equal(table, again)
    assert (tmp_path / "attribution.csv").read_bytes() == before


def test_policy_portfolios_are_paired_against_no_policy(tmp_path) -> None:
    table = compare_policies("northeast", tmp_path, replicates=2, overrides=TINY, progress=False)
    assert set(table["portfolio"]) == {arm.name for arm in PORTFOLIOS}
    none = table[table["portfolio"] == "none"]
    assert (none["vs_none"] == 0).all()
    zombies = table[table["outcome"] == "zombie_firms"].set_index("portfolio")["value"]
    assert zombies["none"] == 0 and zombies["infrastructure"] == 0
    assert (tmp_path / "policies.png").stat().st_size > 5_000


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("validate", ["--replicates", "1"], "--replicates 1"),
        ("attribute", ["--replicates", "1"], "--replicates 1"),
        ("policy", ["--workers", "0"], "--workers: 0 must be from 1"),
        ("attribute", ["--set", "policy.efficiency=3"], "policy.efficiency = 3"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, command, args, message) -> None:
    out = tmp_path / "never"
    result = subprocess.run(
        [sys.executable, "-m", "declineabm", command, "northeast", "--out", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not out.exists()
