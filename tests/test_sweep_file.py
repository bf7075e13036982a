"""Sweep files and samplers: designs, seeds, and one-line errors for bad files."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_SWEEP

from declineabm import cli
from declineabm.scenario import config_dir
from declineabm.sweep.samplers import Axis, design
from declineabm.sweep.sweepfile import load_sweep

AXES = (
    Axis("policy.efficiency", low=0.2, high=0.9),
    Axis("policy.start_year", low=1998, high=2015, integer=True),
    Axis("migration.base_rate", low=0.005, high=0.02),
)


@pytest.mark.parametrize(
    ("sampler", "samples", "points"),
    [("lhs", 10, 10), ("sobol", 8, 8 * (3 + 2)), ("morris", 5, 5 * (3 + 1))],
)
def test_sampler_counts_bounds_and_seed(sampler: str, samples: int, points: int) -> None:
    rows = design(sampler, AXES, samples, seed=7)
    assert len(rows) == points
    for axis in AXES:
        values = np.array([row[axis.name] for row in rows])
        assert values.min() >= axis.low and values.max() <= axis.high
        assert len(np.unique(values)) > 1
    assert all(isinstance(row["policy.start_year"], int) for row in rows)
    assert all(isinstance(row["policy.efficiency"], float) for row in rows)
    assert design(sampler, AXES, samples, seed=7) == rows
    assert design(sampler, AXES, samples, seed=8) != rows


def test_latin_hypercube_has_one_point_per_stratum() -> None:
    rows = design("lhs", AXES, 20, seed=3)
    for axis in (AXES[0], AXES[2]):
        unit = [(row[axis.name] - axis.low) / (axis.high - axis.low) for row in rows]
        assert sorted(int(u * 20) for u in unit) == list(range(20))


def test_grid_is_the_full_product() -> None:
    axes = (
        Axis("policy.efficiency", values=(0.3, 0.6)),
        Axis("policy.budget_share", low=0.0, high=0.06, levels=4),
        Axis("policy.start_year", low=2000, high=2002, integer=True),
    )
    rows = design("grid", axes, samples=5, seed=0)
    expected = itertools.product((0.3, 0.6), (0.0, 0.02, 0.04, 0.06), (2000, 2001, 2002))
    np.testing.assert_allclose([list(r.values()) for r in rows], list(expected))
    assert isinstance(rows[0]["policy.start_year"], int)


def test_small_sweep_design_and_seeds(sweep_file: Path) -> None:
    sweep = load_sweep(sweep_file)
    assert len(sweep.samples) == 8 and len(sweep.runs) == 16
    sampler_seed, seeds = sweep.seeds
    assert len(set(seeds)) == 2
    assert [spec.seed for spec in sweep.runs] == list(seeds) * 8
    # More replicates keep the runs already made (SeedSequence.spawn is prefix-stable).
    more = load_sweep(sweep_file, {"replicates": 3})
    assert more.seeds[1][:2] == seeds and more.seeds[0] == sampler_seed
    assert {s.run_id for s in sweep.runs} < {s.run_id for s in more.runs}
    # --set reaches every run, through the base scenario.
    fixed = load_sweep(sweep_file, fixed={"simulation.residents": 2000})
    assert fixed.base.simulation.residents == 2000
    assert fixed.manifest()["sweep"]["settings"]["set"]["simulation.residents"] == 2000


@pytest.mark.parametrize("name", sorted(p.stem for p in (config_dir() / "sweeps").glob("*.toml")))
def test_shipped_sweeps_are_valid(name: str) -> None:
    sweep = load_sweep(config_dir() / "sweeps" / f"{name}.toml")
    runs = {"causes": 64 * 9 * 2, "policy": 20 * 8 * 2, "policy-grid": 48 * 3}
    assert len(sweep.runs) == runs[name]
    assert sweep.settings.description
    assert len({spec.run_id for spec in sweep.runs}) > 0.95 * len(sweep.runs)


def test_shipped_sweeps_cover_causes_and_policy() -> None:
    causes = load_sweep(config_dir() / "sweeps" / "causes.toml")
    sections = {axis.name.split(".")[0] for axis in causes.axes}
    assert sections >= {"industry", "resources", "transport", "infrastructure", "demography"}
    policy = {axis.name for axis in load_sweep(config_dir() / "sweeps" / "policy.toml").axes}
    assert {"policy.budget_share", "policy.efficiency", "policy.start_year"} <= policy
    assert any(name.startswith("policy.target_") for name in policy)


BAD = [
    (
        '"migration.base_rte" = { low = 0.0, high = 0.1 }',
        "unknown key 'migration.base_rte'",
        "did you mean 'base_rate'",
    ),
    ('"policy.efficiency" = { low = 0.5, high = 0.5 }', "parameters.policy.efficiency", "empty"),
    ('"policy.efficiency" = { low = 0.8, high = 0.2 }', "low = 0.8 is above high = 0.2", ""),
    (
        '"policy.efficiency" = { low = 0.2, high = 1.5 }',
        "policy.efficiency = 1.5",
        "at least 0.0 and at most 1.0",
    ),
    ('"policy.efficiency" = []', "parameters.policy.efficiency", "no values"),
    ('"policy.efficiency" = [0.1, 0.2]', "lhs sampler needs a range", ""),
    ('"policy.enabled" = { low = 0, high = 1 }', "range needs a numeric parameter", ""),
    ('"policy.start_year" = { low = 1998.5, high = 2004 }', "whole number", ""),
]


@pytest.mark.parametrize(("parameter", "first", "second"), BAD)
def test_bad_parameter_is_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture, parameter: str, first: str, second: str
) -> None:
    text = SMALL_SWEEP.replace(
        '"policy.start_year" = { low = 1995, high = 2000 }', parameter
    ).replace('"migration.base_rate" = { low = 0.01, high = 0.05 }', "")
    assert_rejected(tmp_path, capsys, text, [], first, second)


@pytest.mark.parametrize(
    ("change", "options", "first", "second"),
    [
        (("samples = 8", "samples = 0"), [], "samples = 0", "greater than or equal to 1"),
        (("", ""), ["--samples", "0"], "argument --samples: 0", "must be from 1"),
        (("", ""), ["--replicates", "0"], "argument --replicates: 0", ""),
        (("", ""), ["--years", "300"], "years:", "end_year"),
        (("samples = 8", "sampels = 8"), [], "unknown key 'sampels'", "did you mean 'samples'"),
        (("seed = 11", ""), [], "missing key 'seed'", ""),
        (('"population", ', '"populaton", '), [], "unknown indicator 'populaton'", "population"),
        (
            ("simulation.residents = 3000", "simulation.residents = 3"),
            [],
            "simulation.residents = 3",
            "50",
        ),
        (('sampler = "lhs"', 'sampler = "sobl"'), [], "sampler", "sobol"),
        (("", ""), ["--workers", "0"], "argument --workers: 0", ""),
        (("", ""), ["--workers", "2", "--scheduler", "tcp://1.2.3.4:1"], "exclude each other", ""),
        (("", ""), ["--set", "policy.eficiency=1"], "unknown key 'policy.eficiency'", ""),
    ],
)
def test_bad_sweep_file_or_option(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    change: tuple[str, str],
    options: list[str],
    first: str,
    second: str,
) -> None:
    text = SMALL_SWEEP.replace(*change) if change[0] else SMALL_SWEEP
    assert_rejected(tmp_path, capsys, text, options, first, second)


def assert_rejected(tmp_path, capsys, text, options, first, second) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    code = cli.main(["sweep", str(path), "--out", str(out), "--quiet", *options])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("declineabm sweep: error: "), err
    assert first in err and second in err, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_missing_sweep_file_names_shipped_ones(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["sweep", "nonesuch"]) == 2
    err = capsys.readouterr().err
    assert "sweep 'nonesuch' not found" in err and "causes" in err and err.count("\n") == 1


INDICATORS = 'indicators = ["population", "output_share", "unemployment_rate"]'
AXIS = '"policy.efficiency" = { low = 0.2, high = 0.8 }\n'


@pytest.mark.parametrize(
    ("text", "options", "first", "second"),
    [
        (
            SMALL_SWEEP + AXIS + "[parameters.policy]\nefficiency = { low = 0.1, high = 0.9 }\n",
            [],
            "parameters.policy.efficiency",
            "given twice",
        ),
        (
            SMALL_SWEEP.replace(
                "km_per_cell = 24\n", "km_per_cell = 24\nmigration.base_rate = 0.02\n"
            ),
            [],
            "set.migration.base_rate",
            "also varied",
        ),
        (SMALL_SWEEP, ["--set", "migration.base_rate=0.02"], "--set migration.base_rate", "varies"),
        (SMALL_SWEEP.replace(INDICATORS, "indicators = []"), [], "indicators", "empty"),
        (
            SMALL_SWEEP.replace(INDICATORS, 'indicators = ["population", "population"]'),
            [],
            "'population'",
            "twice",
        ),
        (SMALL_SWEEP + '"policy.efficiency" = 0.5\n', [], "policy.efficiency = 0.5", "[set]"),
        (SMALL_SWEEP.replace("samples = 8", "samples = 1000000000"), [], "samples", "memory"),
        (SMALL_SWEEP.replace("replicates = 2", "replicates = 1000000000"), [], "replicates", "TiB"),
    ],
    ids=[
        "twice",
        "set-and-varied",
        "--set-and-varied",
        "no-indicators",
        "indicator-twice",
        "scalar",
        "samples-1e9",
        "replicates-1e9",
    ],
)
def test_conflicting_or_oversized_sweeps_are_refused_before_any_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    text: str,
    options: list[str],
    first: str,
    second: str,
) -> None:
    assert_rejected(tmp_path, capsys, text, options, first, second)
