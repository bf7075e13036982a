"""What the page can change: every control is a real, documented, valid parameter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from declineabm.app.catalogue import CAUSES, CITY, CONTROLS, EDITABLE, describe
from declineabm.scenario import MECHANISMS, available_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[1]
PAPER_NAME = "urban-decline-northeast-china.txt"


def test_every_cause_has_a_panel_in_the_papers_order() -> None:
    assert tuple(cause.section for cause in CAUSES) == MECHANISMS


@pytest.mark.parametrize("scenario", available_scenarios())
@pytest.mark.parametrize("key", sorted(CONTROLS))
def test_slider_ends_are_valid_values(scenario: str, key: str) -> None:
    control = CONTROLS[key]
    for value in (control.low, control.high):
        load_scenario(scenario, {key: value})  # raises ScenarioError if the schema refuses it
    assert control.low < control.high and control.step > 0
    low, high = control.bounds(load_scenario(scenario))
    assert low <= control.value_in(load_scenario(scenario)) <= high


def test_every_control_is_described_by_the_schema() -> None:
    for key in CONTROLS:
        assert len(describe(key)) > 10, key


def test_policy_controls_cover_the_issue() -> None:
    policy = {c.key for c in next(c for c in CAUSES if c.section == "policy").controls}
    targets = {k for k in policy if ".target_" in k}
    assert {"policy.start_year", "policy.budget_share", "policy.efficiency"} <= policy
    assert len(targets) == 4


def test_only_causes_apply_live() -> None:
    assert not any(control.live for control in CITY)
    assert CONTROLS["policy.efficiency"].live and not CONTROLS["simulation.residents"].live
    assert set(CONTROLS) | {f"{m}.enabled" for m in MECHANISMS} == EDITABLE


def test_every_cause_says_what_switching_it_off_does() -> None:
    for cause in CAUSES:
        assert cause.switched_off.startswith("Switched off"), cause.section


def _paper() -> str | None:
    for folder in (ROOT.parent / "shared", Path("/work/shared")):
        path = folder / "paper" / PAPER_NAME
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def test_quotes_are_the_papers_words() -> None:
    paper = _paper()
    if paper is None:
        pytest.skip(f"the paper ({PAPER_NAME}) is not beside this checkout")
    flat = " ".join(paper.split()).lower()
    for cause in CAUSES:
        for fragment in re.split(r"\s*\[…\]\s*", cause.quote):
            words = " ".join(fragment.split()).lower().rstrip(".")
            assert words in flat, (cause.section, fragment)
