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
    assert run.main([*argv, "--no-sweep", "--no-floor", "--no-scale", "--no-batch"]) == 0

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


@pytest.mark.slow
def test_floor_replays_the_steps_array_work_and_leaves_the_twin_unchanged():
    from benchmarks.floor import lockstep
    from benchmarks.measure import build_decline

    result = lockstep(lambda: build_decline(SMALLEST), steps=2, log=lambda message: None)
    # the tracer saw thousands of numpy operations, the twins ended with the same indicators
    # (lockstep raises otherwise), and the replayed array work is part of the step, not all
    step = result["steps"][0]
    assert step["calls"]["draw"] > 0 and step["calls"]["index"] > 100
    assert sum(step["calls"].values()) > 1000
    assert result["floor_s"] > 0 and result["step_s"] > 0


@pytest.mark.slow
def test_batch_memory_reports_every_run_and_the_last_rows():
    import mesa

    from benchmarks.batch_memory import batch_memory

    result = batch_memory(3, small=True)
    assert result["runs"] == 3 and result["first_mb"] > 0 and result["rows_per_run"] == 1
    assert set(result["alive_after"].values()) == {0}  # nothing of a run outlives it
    # Mesa 3.3 leaves out the last step's row (mesa issue #2514); Mesa 3.5 keeps it
    mesa_35 = tuple(int(p) for p in mesa.__version__.split(".")[:2]) >= (3, 5)
    assert result["last_row_is_end_year"] == mesa_35


def test_resolution_null_runs_the_default_size_on_other_seeds():
    from benchmarks.resolution import compare

    rows = compare(
        "northeast", 400, seeds=[1, 2], until=1993, factors=(1.0,), workers=1, fresh=True
    )
    same = {r["indicator"]: r for r in rows if r["draw"] == "same"}
    fresh = {r["indicator"]: r for r in rows if r["draw"] == "fresh"}
    assert set(same) == set(fresh) and {r["k"] for r in rows} == {1.0}
    # the band is the same seeds' (every median of those seeds lies in it) ...
    assert all(r["inside"] for r in same.values())
    assert all(
        (r["band_low"], r["band_high"]) == (fresh[n]["band_low"], fresh[n]["band_high"])
        for n, r in same.items()
    )
    # ... and the null's medians come from other draws
    assert any(fresh[n]["median"] != r["median"] for n, r in same.items())
