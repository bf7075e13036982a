"""Validation, attribution and policy portfolios: paired arms through the batch executor."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import pandas as pd
import pytest

from declineabm.analysis.attribution import (
    attribute,
    coalition,
    permutations,
    shapley_exact,
    shapley_sampled,
)
from declineabm.analysis.patterns import PATTERNS
from declineabm.analysis.portfolios import PORTFOLIOS, compare_policies
from declineabm.analysis.validation import validate
from declineabm.scenario import MECHANISMS

TINY = {"simulation.residents": 1500, "geography.km_per_cell": 24}
TINY_ARGS = [arg for key, value in TINY.items() for arg in ("--set", f"{key}={value}")]


def all_subsets() -> list[frozenset[str]]:
    return [
        frozenset(c)
        for k in range(len(MECHANISMS) + 1)
        for c in itertools.combinations(MECHANISMS, k)
    ]


def test_shapley_of_an_additive_game_is_each_causes_own_effect() -> None:
    own = {m: float(i + 1) for i, m in enumerate(MECHANISMS)}
    value = {s: sum(own[m] for m in s) for s in all_subsets()}
    assert shapley_exact(value) == pytest.approx(own)
    orders = permutations(3, seed=1)
    assert shapley_sampled(value, orders) == pytest.approx(own)


def test_shapley_splits_an_interaction_equally_and_adds_up() -> None:
    # Decline only when industry and resources act together: each gets half of it.
    def v(s: frozenset[str]) -> float:
        return -1.0 if {"industry", "resources"} <= s else 0.0

    value = {s: v(s) for s in all_subsets()}
    phi = shapley_exact(value)
    assert phi["industry"] == pytest.approx(-0.5) and phi["resources"] == pytest.approx(-0.5)
    assert sum(phi.values()) == pytest.approx(value[frozenset(MECHANISMS)] - value[frozenset()])
    for order in permutations(5, seed=2):  # every sampled order adds up exactly too
        assert math.fsum(shapley_sampled(value, [order]).values()) == pytest.approx(-1.0)


def test_coalition_arms_switch_exactly_their_causes() -> None:
    arm = coalition({"industry", "policy"})
    assert arm.name == "industry+policy"
    assert arm.overrides == {f"{m}.enabled": m in ("industry", "policy") for m in MECHANISMS}
    assert coalition(()).name == "none"


def test_validate_writes_every_pattern_with_band(tmp_path) -> None:
    summary = validate("northeast", tmp_path, replicates=2, overrides=TINY, progress=False)
    assert list(summary["pattern"]) == [p.name for p in PATTERNS]
    assert (summary["p05"] <= summary["median"]).all()
    assert (summary["median"] <= summary["p95"]).all()
    table = pd.read_csv(tmp_path / "patterns.csv")
    assert list(table.columns) == [
        "pattern",
        "description",
        "target",
        "median",
        "p05",
        "p95",
        "pass",
    ]
    report = (tmp_path / "patterns.md").read_text()
    assert all(p.name in report for p in PATTERNS)
    assert (tmp_path / "figures" / "output_share.png").stat().st_size > 5_000


def test_validate_fails_when_a_pattern_cannot_hold(tmp_path) -> None:
    # Without any revitalization there are no zombies and no policy effect: exit status 1.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "declineabm",
            "validate",
            "northeast",
            "--replicates",
            "2",
            "--out",
            str(tmp_path),
            "--quiet",
            "--set",
            "policy.enabled=false",
            *TINY_ARGS,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    table = pd.read_csv(tmp_path / "patterns.csv").set_index("pattern")
    assert not table.loc["zombies_kept", "pass"] and not table.loc["policy_modest", "pass"]


def test_attribution_contributions_add_up_and_resume_reuses_the_runs(tmp_path) -> None:
    table = attribute(
        "northeast",
        tmp_path,
        replicates=2,
        shapley="sampled",
        permutation_count=2,
        overrides=TINY,
        progress=False,
    )
    for outcome, part in table.groupby("outcome"):
        assert part["shapley"].sum() == pytest.approx(
            part["total_decline"].iloc[0], rel=1e-9, abs=1e-12
        ), outcome
    population = table[table["outcome"] == "population"].set_index("cause")
    assert population.loc["demography", "off_effect"] > 0  # nobody leaves without cause 5
    assert (tmp_path / "attribution.png").stat().st_size > 5_000
    before = (tmp_path / "attribution.csv").read_bytes()
    again = attribute(
        "northeast",
        tmp_path,
        replicates=2,
        shapley="sampled",
        permutation_count=2,
        overrides=TINY,
        progress=False,
        resume=True,
    )
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
        ("attribute", ["--permutations", "0"], "--permutations 0"),
        ("policy", ["--workers", "0"], "--workers 0"),
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
