"""One measurement of one model at one size, in a process of its own.

``python -m benchmarks.measure MODEL AGENTS --steps K`` prints one JSON object: the
initialisation time, the time of each of ``K`` steps, the agents alive before each step, and
the memory the model took. :mod:`benchmarks.run` starts one such process per model, size and
repetition, so every measurement starts from the same clean interpreter and the peak memory of
one model is never mixed with another's.

Memory: after the imports and a warm-up run of a tiny model of the same kind, the process
collects garbage, reads its resident set size (``baseline_kb``) and resets the kernel's peak
(``/proc/self/clear_refs``); ``peak_kb`` is the peak resident set size over initialisation and
the timed steps. What the model costs per agent is ``(peak_kb - baseline_kb) / agents``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED = 7
"""Every repetition runs the same seed: the repetitions differ only by the machine's noise."""

SCENARIO = "northeast"
AGENTS_PER_RESIDENT = 24262 / 20000
"""Agents (residents + firms) per resident at the start of the northeast scenario.

20,000 residents opened 4,262 firms at seed 1 when this was measured; calibration moves it a
little, so a size is "about" its target and the results give the agents a model actually had.
Every size is the same region (the same people, the same map), drawn with more agents."""
SCHELLING_DENSITY = 0.8
"""Mesa's default for the Schelling example: the share of cells holding an agent."""
WARM_UP_AGENTS = 600

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def decline_overrides(agents: int) -> dict[str, int]:
    """Scenario overrides for the northeast drawn with about ``agents`` agents."""
    return {"simulation.residents": round(agents / AGENTS_PER_RESIDENT)}


def build_decline(agents: int) -> Any:
    """The full decline model (every mechanism on, data collection on) of about ``agents``."""
    from declineabm.model import UrbanDeclineModel

    return UrbanDeclineModel(SCENARIO, seed=SEED, **decline_overrides(agents))


def build_schelling(agents: int) -> Any:
    """Mesa's Schelling example on a square grid sized to hold about ``agents`` agents."""
    from mesa.examples.basic.schelling import model as schelling

    side = max(round(math.sqrt(agents / SCHELLING_DENSITY)), 5)
    size = {"height": side, "width": side, "density": SCHELLING_DENSITY}
    if hasattr(schelling, "SchellingScenario"):  # Mesa 3.5: the example takes a Scenario
        return schelling.Schelling(schelling.SchellingScenario(rng=SEED, **size))
    return schelling.Schelling(**size, seed=SEED)


def count_decline(model: Any) -> int:
    """Residents and firms (the government, one agent, is not counted)."""
    return len(model.residents) + len(model.firms)


def count_schelling(model: Any) -> int:
    """Agents on the grid."""
    return len(model.agents)


MODELS: dict[str, tuple[Callable[[int], Any], Callable[[Any], int]]] = {
    "decline": (build_decline, count_decline),
    "schelling": (build_schelling, count_schelling),
}


def _status_kb(field: str) -> int | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def resident_kb() -> int:
    """Current resident set size of this process (falls back to the peak off Linux)."""
    current = _status_kb("VmRSS")
    return current if current is not None else peak_kb()


def peak_kb() -> int:
    """Peak resident set size of this process since the last :func:`reset_peak`."""
    hwm = _status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> bool:
    """Reset the peak resident set size to the current one; False where the OS cannot."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def _dispose(model: Any) -> None:
    # Mesa 3.3's Agent._ids keeps every model alive for the life of the process (Mesa 3.5 keeps
    # the counter in the model; the decline model makes Mesa 3.3's weak).
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)


def measure(model_name: str, agents: int, steps: int) -> dict[str, Any]:
    """Warm up, then time the initialisation and ``steps`` steps of one model.

    Returns:
        ``model``, ``agents`` (at the start), ``wall`` and ``cpu`` (each ``{"init": seconds,
        "steps": [seconds, ...]}``, by the wall clock and by this process's CPU time),
        ``step_agents`` (agents alive before each step), ``baseline_kb``, ``peak_kb`` and
        ``peak_reset`` (whether the peak could be reset after the warm-up; if not, ``peak_kb``
        is the process's lifetime peak).
    """
    build, count = MODELS[model_name]
    warm = build(WARM_UP_AGENTS)
    for _ in range(2):
        warm.step()
    _dispose(warm)
    del warm
    gc.collect()

    baseline = resident_kb()
    was_reset = reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    model = build(agents)
    timings = {"wall": {"init": time.perf_counter() - wall, "steps": []}}
    timings["cpu"] = {"init": time.process_time() - cpu, "steps": []}
    population = count(model)
    step_agents = []
    for _ in range(steps):
        step_agents.append(count(model))
        wall, cpu = time.perf_counter(), time.process_time()
        model.step()
        timings["wall"]["steps"].append(time.perf_counter() - wall)
        timings["cpu"]["steps"].append(time.process_time() - cpu)
    return {
        "model": model_name,
        "agents": population,
        **timings,
        "step_agents": step_agents,
        "baseline_kb": baseline,
        "peak_kb": peak_kb(),
        "peak_reset": was_reset,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure one model at one size and print the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("agents", type=int)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.model, args.agents, args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
