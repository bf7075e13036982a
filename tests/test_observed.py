"""The observed record: the shipped copy, and one line for a damaged file."""

from __future__ import annotations

from pathlib import Path

import pytest

from declineabm import ScenarioError, load_scenario
from declineabm.io.observed import COLUMNS, load_observed
from declineabm.model.indicators import INDICATOR_NAMES

HEADER = ",".join(COLUMNS)


def test_the_northeast_names_its_record_and_the_record_is_the_official_one() -> None:
    scenario = load_scenario("northeast")
    assert scenario.observed == "northeast.csv"
    record = {(o.indicator, o.year): o for o in load_observed(scenario.observed)}
    assert record["population", 2020].value == pytest.approx(98.51e6)
    assert record["share_65plus", 2020].value == pytest.approx(0.1639)
    assert all(o.low <= o.value <= o.high and o.source for o in record.values())
    assert load_scenario("baseline").observed is None


def test_the_project_ships_its_own_copy_with_its_notes() -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    assert "Statistical breaks" in (data / "README.md").read_text(encoding="utf-8")
    assert (data / "northeast.csv").read_text(encoding="utf-8").startswith(HEADER)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("output_share,2002,abc,0.08,0.1,fraction,s,", "line 2: year, value, low and high"),
        ("output_share,2002,0.2,0.08,0.1,fraction,s,", "line 2: needs low <= value <= high"),
        ("output_share,2002,nan,0.08,0.1,fraction,s,", "line 2: value, low and high must be"),
        ("gdp,2002,0.09,0.08,0.1,fraction,s,", "line 2: unknown indicator 'gdp'"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "record.csv"
    path.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_observed(path, frozenset(INDICATOR_NAMES))


def test_a_scenario_naming_a_missing_record_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"observed = \"nowhere.csv\".*not found"):
        load_scenario("northeast", {"observed": "nowhere.csv"})
