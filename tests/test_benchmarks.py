"""Smoke test of the benchmark harness at its smallest size (no timing assertion)."""

from __future__ import annotations

import csv
import math

import pytest

from benchmarks import run
from benchmarks.measure import AGENTS_PER_RESIDENT, decline_overrides

SMALLEST = run.SIZES[0]


def test_decline_sizes_are_the_same_region_drawn_with_more_agents():
    for agents in run.SIZES:
        overrides = decline_overrides(agents)
        assert set(overrides) == {"simulation.residents"}  # same people, same map
        residents = overrides["simulation.residents"]
        assert residents * AGENTS_PER_RESIDENT == pytest.approx(agents, rel=1e-3)


@pytest.mark.slow
def test_harness_writes_a_sane_csv(tmp_path, capsys):
    out = tmp_path / "bench.csv"
    argv = ["--out", str(out), "--sizes", str(SMALLEST), "--repeats", "1", "--steps", "2"]
    assert run.main([*argv, "--no-sweep"]) == 0

    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == run.COLUMNS
        rows = {row["model"]: row for row in reader}
    assert set(rows) == set(run.MODELS)
    for row in rows.values():
        agents = int(row["agents"])
        assert abs(agents - SMALLEST) < 0.1 * SMALLEST
        values = {name: float(row[name]) for name in run.COLUMNS[2:]}
        assert all(math.isfinite(v) and v > 0 for v in values.values()), row
        # the per-step and per-agent-step figures describe the same timed steps
        per_agent_step = values["step_s"] / agents * 1e6
        assert values["us_per_agent_step"] == pytest.approx(per_agent_step, rel=0.25)
    assert float(rows[run.REFERENCE]["ratio_to_schelling"]) == 1.0
    ratio = float(rows["decline"]["us_per_agent_step"]) / float(
        rows["schelling"]["us_per_agent_step"]
    )
    assert float(rows["decline"]["ratio_to_schelling"]) == pytest.approx(ratio)
    printed = capsys.readouterr().out
    assert "µs/agent-step" in printed and "decline" in printed and "schelling" in printed
