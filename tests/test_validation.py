"""declineabm validate: the paper's patterns, the record, and the wrong models they reject."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from declineabm.analysis.patterns import PATTERNS, ageing_lead, young_net_migration
from declineabm.analysis.record_checks import timing_brackets
from declineabm.analysis.validation import validate
from declineabm.calibration.observation import Compared

TINY = {"simulation.residents": 1500, "geography.km_per_cell": 24}
TINY_ARGS = [arg for key, value in TINY.items() for arg in ("--set", f"{key}={value}")]
COLUMNS = ["check", "description", "target", "median", "p05", "p95", "pass", "kind"]


def test_validate_writes_every_pattern_and_record_check_with_band(tmp_path) -> None:
    summary = validate("northeast", tmp_path, replicates=2, overrides=TINY, progress=False)
    patterns = summary[summary["kind"] == "pattern"]
    assert list(patterns["check"]) == [p.name for p in PATTERNS]
    record = summary[summary["kind"] == "level"]
    # every observation of the record the model computes, at face value (no calibration)
    assert {"output_share_2002", "population_2020", "share_65plus_2010"} <= set(record["check"])
    assert (summary["p05"] <= summary["median"]).all()
    assert (summary["median"] <= summary["p95"]).all()
    table = pd.read_csv(tmp_path / "patterns.csv")
    assert list(table.columns) == COLUMNS
    report = (tmp_path / "patterns.md").read_text()
    assert all(p.name in report for p in PATTERNS)
    assert "the record at face value" in report
    assert (tmp_path / "figures" / "output_share.png").stat().st_size > 5_000


def test_validate_fails_when_a_pattern_cannot_hold(tmp_path) -> None:
    # Without any revitalization no state firm is kept alive and policy has no effect: exit 1.
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
    table = pd.read_csv(tmp_path / "patterns.csv").set_index("check")
    assert not table.loc["zombies_kept", "pass"] and not table.loc["policy_modest", "pass"]


def test_wrong_models_are_run_and_the_tests_that_reject_them_reported(tmp_path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        '[no_policy]\nreason = "no revitalization"\n"policy.enabled" = false\n'
        '[no_ageing]\nreason = "a closed population"\n"migration.base_rate" = 0.0\n'
    )
    validate(
        "northeast",
        tmp_path / "out",
        replicates=2,
        overrides=TINY,
        progress=False,
        wrong_models=wrong,
        calibration=None,
    )
    table = pd.read_csv(tmp_path / "out" / "discrimination.csv").set_index("check")
    assert list(table.columns) == ["kind", "model_passes", "no_policy", "no_ageing", "rejects"]
    assert table.loc["policy_modest", "no_policy"]  # no policy: no policy effect
    assert table.loc["young_leave", "no_ageing"]  # no one moves: no net loss of the young
    assert (table["rejects"] == table[["no_policy", "no_ageing"]].sum(axis=1)).all()
    report = (tmp_path / "out" / "patterns.md").read_text()
    assert "Which wrong models each test rejects" in report and "a closed population" in report


def test_a_bad_wrong_model_is_one_line_exit_2(tmp_path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[broken]\nreason = "typo"\n"policy.enabeld" = false\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "declineabm",
            "validate",
            "northeast",
            "--wrong-models",
            str(wrong),
            "--out",
            str(tmp_path / "never"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "policy.enabeld" in result.stderr
    assert not (tmp_path / "never").exists()


def _compared(indicator: str, points: dict[int, float], reporting=()) -> list[Compared]:
    return [
        Compared(f"{indicator}_{y}", indicator, y, v, v, v, 1.0, 1.0, None, True, reporting, "")
        for y, v in points.items()
    ]


def test_a_timing_check_brackets_the_record_peak_unless_a_break_moves_it() -> None:
    population = _compared("population", {1990: 99.3, 2000: 106, 2010: 109.5, 2020: 98.5})
    assert timing_brackets(population) == {"population": (1990, 2020, 2000, 2020)}
    rising = _compared("share_65plus", {1990: 0.04, 2000: 0.06, 2020: 0.16})
    assert timing_brackets(rising) == {}  # peaks at the end: no timing in the record
    revised = _compared("output_share", {2002: 0.09, 2012: 0.093, 2022: 0.048}, ("break",))
    assert timing_brackets(revised) == {}


def _years(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"year": [2019, 2020, 2021, 2022], **columns})


def test_young_leave_compares_the_young_with_everyone_else() -> None:
    # 100 people, 30 of them young, every year: 3 young leave a year (10 %), 7 others (10 %):
    # the same rate, so not a young exodus; the young alone leaving is one
    even = _years(
        population=[100.0] * 4,
        young_adult_share=[0.3] * 4,
        net_migration=[-10.0] * 4,
        net_migration_young=[-3.0] * 4,
    )
    assert abs(young_net_migration(even)) < 1e-12
    young = even.assign(net_migration=[-3.0] * 4)
    assert young_net_migration(young) == -0.1  # -12 / 120 young person-years, 0 for the rest
    arriving = even.assign(net_migration=[5.0] * 4, net_migration_young=[5.0] * 4)
    assert young_net_migration(arriving) > 0


def test_ageing_overtakes_is_the_lead_over_the_nation_in_2020() -> None:
    frame = _years(
        share_65plus=[0.15, 0.164, 0.17, 0.18], national_share_65plus=[0.13, 0.135, 0.14, 0.15]
    )
    assert abs(ageing_lead(frame) - 2.9) < 1e-9
