"""The fuzz suite: hostile input for every command, generated from the schema (hypothesis).

Every field of the scenario schema gets bad values (NaN, infinities, just and far outside its
range, wrong types, malformed paths) drawn from its own bounds; bad files, sweep files,
options and folders are drawn from :mod:`hostile`'s lists for every command. Each is run as a
user would, in a fresh ``declineabm`` process with a timeout, and must end with exit status 2,
exactly one line on stderr naming the key, no traceback and nothing written.

The default budget keeps ``make test`` short; ``DECLINEABM_FUZZ_EXAMPLES=500`` (examples per
test) fuzzes longer, and ``python tests/hostile.py`` runs every listed case and prints the table.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema import Leaf, leaves

EXAMPLES = int(os.environ.get("DECLINEABM_FUZZ_EXAMPLES", "8"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # each example is a process; the bound is hostile.TIMEOUT
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
LEAVES = list(leaves())
CLEAN = ("refused cleanly", "ran cleanly")


def outside(leaf: Leaf) -> st.SearchStrategy:
    """Numbers outside a field's range, drawn from its bounds."""
    low, high = leaf.bounds()
    integer = leaf.kind == "integer"
    numbers = st.integers if integer else st.floats
    parts = []
    finite = {} if integer else {"allow_nan": False, "allow_infinity": False}
    if high is not None:
        parts.append(
            numbers(min_value=high + 1 if integer else high, **finite).filter(
                lambda v: v > high or "exclusiveMaximum" in leaf.schema
            )
        )
    if low is not None:
        parts.append(
            numbers(max_value=low - 1 if integer else low, **finite).filter(
                lambda v: v < low or "exclusiveMinimum" in leaf.schema
            )
        )
    return st.one_of(parts) if parts else st.nothing()


def bad_value(leaf: Leaf) -> st.SearchStrategy:
    """Values the field must refuse: its listed bad values, or a number outside its range."""
    listed = [value for value, valid in hostile.bad_values(leaf) if not valid]
    strategies = [st.sampled_from(listed)] if listed else []
    if leaf.kind in ("number", "integer"):
        strategies.append(outside(leaf))
        strategies.append(st.text(st.characters(codec="utf-8"), min_size=1, max_size=6))
    return st.one_of(strategies)


def run_case(case: hostile.Case) -> hostile.Attempt:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        finished = FINISHED if case.setup == "finished-sweep" else None
        return hostile.attempt(case, Path(folder), finished)


FINISHED: Path | None = None


@pytest.fixture(scope="module", autouse=True)
def finished_sweep(tmp_path_factory: pytest.TempPathFactory):
    """The small finished sweep that analyze cases damage (a copy each time)."""
    global FINISHED
    FINISHED = hostile.make_finished_sweep(tmp_path_factory.mktemp("finished"))
    yield
    FINISHED = None


@FUZZ
@given(data=st.data())
def test_every_field_refuses_bad_values_in_one_line(data) -> None:
    leaf = data.draw(st.sampled_from(LEAVES), label="field")
    value = data.draw(bad_value(leaf), label="value")
    text = hostile._toml(value)
    args = ("run", "baseline", *hostile.SMALL, "--set", f"{leaf.key}={text}", "--out", "{d}/out")
    result = run_case(hostile.Case("value", leaf.key, args, names=leaf.key))
    assert result.outcome == "refused cleanly", (result.detail, result.stderr[-2000:])


def test_every_case_has_a_name_of_its_own() -> None:
    # ``hostile.py --resume-from`` knows an earlier run's cases by kind and name
    names = [(case.kind, case.name) for case in hostile.all_cases()]
    assert len(names) == len(set(names))


OTHER = [case for case in hostile.all_cases() if case.kind not in ("value", "file")]
FILES = [case for case in hostile.all_cases() if case.kind == "file"]


@FUZZ
@given(case=st.sampled_from(OTHER))
def test_bad_options_sweep_files_and_folders_are_refused_in_one_line(case) -> None:
    result = run_case(case)
    assert result.outcome in CLEAN, (case.name, result.detail, result.stderr[-2000:])


@FUZZ
@given(case=st.sampled_from(FILES))
def test_bad_scenario_files_are_refused_in_one_line(case) -> None:
    result = run_case(case)
    assert result.outcome in CLEAN, (case.name, result.detail, result.stderr[-2000:])
