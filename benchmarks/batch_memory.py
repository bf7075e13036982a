"""Mesa's ``batch_run`` over many runs in one process: does memory stay flat, is the last row there?

``python -m benchmarks.batch_memory --runs 144`` runs the Northeast scenario (at its own size,
or a city of 3,000 residents with ``--small``) to its end year ``--runs`` times through
``mesa.batch_run`` in this one process, reads the resident set size as each run's model is
created, and prints one JSON line: the memory at the first and last run, the growth per run
over the second half (a flat process grows by ~0), and whether every run's last row is the
scenario's end year (Mesa 3.3 leaves it out, mesa issue #2514).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import statistics
import sys
from typing import Any

import mesa

from benchmarks.measure import resident_kb
from declineabm import UrbanDeclineModel
from declineabm.scenario import load_scenario

SMALL = {"simulation.residents": 3000, "geography.km_per_cell": 24}  # tests/conftest.py's


def batch_memory(runs: int, small: bool = False) -> dict[str, Any]:
    """Run ``runs`` models through ``mesa.batch_run`` and sample memory at each one's start."""
    samples: list[float] = []

    class Sampled(UrbanDeclineModel):
        def __init__(self, scenario: Any = "northeast", seed: int | None = None, **kwargs: Any):
            gc.collect()
            samples.append(resident_kb() / 1024)
            super().__init__(scenario, seed, **kwargs)

    seeds = list(range(1, runs + 1))
    size = SMALL if small else {}
    parameters = {"scenario": "northeast", **size}
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.5: seeds through rng=
        rows = mesa.batch_run(Sampled, parameters, rng=seeds, display_progress=False)
    else:
        rows = mesa.batch_run(Sampled, {**parameters, "seed": seeds}, display_progress=False)
    end_year = load_scenario("northeast", size).simulation.end_year
    half = samples[len(samples) // 2 :]
    growth = (half[-1] - half[0]) / max(len(half) - 1, 1)
    return {
        "mesa": mesa.__version__,
        "runs": runs,
        "first_mb": samples[0],
        "last_mb": samples[-1],
        "growth_mb_per_run": growth,
        "median_mb": statistics.median(samples),
        "last_years": sorted({row["year"] for row in rows}),
        "end_year": end_year,
        "last_row_is_end_year": {row["year"] for row in rows} == {end_year},
    }


def main(argv: list[str] | None = None) -> int:
    """Print the result as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=144)
    parser.add_argument("--small", action="store_true", help="a city of 3,000 residents")
    args = parser.parse_args(argv)
    print(json.dumps(batch_memory(args.runs, args.small)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
