"""``declineabm analyze``: Sobol' and Morris indices of small sweeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol

from declineabm import cli

# national.initial_share only rescales the nation the city is compared with: it drives the
# city's output share and nothing else. housing.move_candidates changes where people live.
# environmental_standard is an exogenous path: the same in every run.
SWEEP = """
scenario = "northeast"
sampler = "{sampler}"
samples = {samples}
years = 4
seed = 5
indicators = ["output_share", "population", "environmental_standard"]

[set]
simulation.residents = 3000
simulation.width = 30
simulation.height = 30

[parameters]
national.initial_share = {{ low = 0.05, high = 0.2 }}
housing.move_candidates = {{ low = 1, high = 10 }}
"""


def make_sweep(folder: Path, sampler: str, samples: int, *options: str) -> Path:
    path = folder / f"{sampler}.toml"
    path.write_text(SWEEP.format(sampler=sampler, samples=samples))
    out = folder / sampler
    command = ["sweep", str(path), "--out", str(out), "--workers", "2", "--quiet", *options]
    assert cli.main(command) == 0
    return out


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("analyze"), "sobol", 16)


def test_sobol_indices_with_confidence_intervals(sobol_sweep: Path, capsys) -> None:
    assert cli.main(["analyze", str(sobol_sweep), "--quiet"]) == 0
    assert "constant across samples: environmental_standard" in capsys.readouterr().err
    table = pd.read_csv(sobol_sweep / "sensitivity-sobol.csv", float_precision="round_trip")
    assert list(table.columns) == ["indicator", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["indicator"]) == ["output_share"] * 2 + ["population"] * 2
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]]).all().all()
    index = table.set_index(["indicator", "parameter"])
    share = index.loc[("output_share", "national.initial_share")]
    assert share["S1"] > 0.8 and share["ST"] > 0.8
    # A parameter that cannot move an indicator gets exactly zero: the samples line up.
    assert index.loc[("population", "national.initial_share"), "ST"] == 0
    # the only parameter that moves population gets a clearly non-zero total index
    assert index.loc[("population", "housing.move_candidates"), "ST"] > 0.2
    assert (sobol_sweep / "sensitivity-sobol.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sobol_indices_are_salibs_on_the_tables(sobol_sweep: Path) -> None:
    """Recompute from design.csv and runs.csv with SALib directly."""
    assert cli.main(["analyze", str(sobol_sweep), "--quiet", "--indicator", "output_share"]) == 0
    table = pd.read_csv(sobol_sweep / "sensitivity-sobol.csv", float_precision="round_trip")
    design = pd.read_csv(sobol_sweep / "design.csv", float_precision="round_trip")
    runs = pd.read_csv(sobol_sweep / "runs.csv", float_precision="round_trip")
    y = design.merge(runs, on="run_id").sort_values("sample")["output_share"].to_numpy()
    problem = {
        "num_vars": 2,
        "names": ["national.initial_share", "housing.move_candidates"],
        "bounds": [[0.05, 0.2], [1, 10]],
    }
    expected = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False)
    np.testing.assert_allclose(table["S1"], expected["S1"])
    np.testing.assert_allclose(table["ST"], expected["ST"])


def test_morris_where_the_sampler_was_morris(tmp_path: Path, capsys) -> None:
    out = make_sweep(tmp_path, "morris", 4, "--format", "parquet")
    assert (out / "runs.parquet").exists() and not (out / "runs.csv").exists()
    assert cli.main(["analyze", str(out)]) == 0
    assert "mu_star" in capsys.readouterr().out
    table = pd.read_csv(out / "sensitivity-morris.csv").set_index(["indicator", "parameter"])
    assert list(table.columns) == ["mu", "mu_star", "mu_star_conf", "sigma"]
    assert table.loc[("population", "national.initial_share"), "mu_star"] == 0
    share = table.loc["output_share"]["mu_star"]
    assert share["national.initial_share"] > 10 * share["housing.move_candidates"]
    assert (out / "sensitivity-morris.png").exists()


def test_analyze_refuses_what_it_cannot_analyse(
    sobol_sweep: Path, reference_sweep: Path, tmp_path: Path, capsys
) -> None:
    cases = [
        ([str(reference_sweep)], 'sampler = "sobol" or "morris"; this one used "lhs"'),
        ([str(sobol_sweep), "--method", "morris"], 'this one used "sobol"'),
        ([str(sobol_sweep), "--indicator", "firms"], "'firms' was not kept"),
        ([str(tmp_path)], "no manifest.json"),
    ]
    for args, message in cases:
        assert cli.main(["analyze", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
