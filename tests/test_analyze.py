"""``declineabm analyze``: Sobol' and Morris indices of small sweeps."""

from __future__ import annotations

from pathlib import Path

import hostile
import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol

from declineabm import cli
from declineabm.io.files import read_csv_exact

# transport.cost_per_1000km drives the region's costs, so its output share. policy.budget_share
# cannot act before revitalization starts (2003): over these four years it moves nothing.
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
geography.km_per_cell = 24

[parameters]
transport.cost_per_1000km = {{ low = 0.0, high = 0.5 }}
policy.budget_share = {{ low = 0.0, high = 0.1 }}
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
    table = read_csv_exact(sobol_sweep / "sensitivity-sobol.csv")
    assert list(table.columns) == ["indicator", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["indicator"]) == ["output_share"] * 2 + ["population"] * 2
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]]).all().all()
    index = table.set_index(["indicator", "parameter"])
    # Only the freight cost can move the share in four years (policy starts in 2003), so its true
    # indices are 1. With 16 base samples the estimates are noisy (half-widths about 0.5): they
    # must be clearly positive and their 95 % intervals must reach the truth.
    share = index.loc[("output_share", "transport.cost_per_1000km")]
    for index_name in ("S1", "ST"):
        estimate, half_width = share[index_name], share[f"{index_name}_conf"]
        assert estimate > 0.3 and estimate + half_width >= 1.0 >= estimate - half_width
    # A parameter that cannot move an indicator gets exactly zero: the samples line up.
    for indicator in ("output_share", "population"):
        assert index.loc[(indicator, "policy.budget_share"), "ST"] == 0
    assert (sobol_sweep / "sensitivity-sobol.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sobol_indices_are_salibs_on_the_tables(sobol_sweep: Path) -> None:
    """Recompute from design.csv and runs.csv with SALib directly."""
    assert cli.main(["analyze", str(sobol_sweep), "--quiet", "--indicator", "output_share"]) == 0
    table = read_csv_exact(sobol_sweep / "sensitivity-sobol.csv")
    design = read_csv_exact(sobol_sweep / "design.csv")
    runs = read_csv_exact(sobol_sweep / "runs.csv")
    y = design.merge(runs, on="run_id").sort_values("sample")["output_share"].to_numpy()
    problem = {
        "num_vars": 2,
        "names": ["transport.cost_per_1000km", "policy.budget_share"],
        "bounds": [[0.0, 0.5], [0.0, 0.1]],
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
    assert table.loc[("population", "policy.budget_share"), "mu_star"] == 0
    share = table.loc["output_share"]["mu_star"]
    assert share["transport.cost_per_1000km"] > 0 == share["policy.budget_share"]
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


DAMAGED = [case for case in hostile.analyze_cases() if case.setup == "finished-sweep"]


@pytest.mark.parametrize("case", DAMAGED, ids=[case.name for case in DAMAGED])
def test_damaged_results_are_refused_naming_the_file_and_nothing_is_written(
    case: hostile.Case, sobol_sweep: Path, tmp_path: Path, capsys
) -> None:
    hostile.prepare(case, tmp_path, sobol_sweep)  # a copy of the sweep, damaged
    before = hostile.fingerprint(tmp_path / "sweep")
    assert cli.main(["analyze", str(tmp_path / "sweep"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and case.names in err, err
    if case.name.startswith(("duplicated", "NaN")):
        assert ", line " in err, err  # the row
    assert "--resume" not in err  # a finished sweep's damaged files are not resumed
    assert hostile.fingerprint(tmp_path / "sweep") == before
