"""Mesa's ``batch_run`` over many runs in one process: does memory stay flat, is the last row there?

``python -m benchmarks.batch_memory --runs 144`` runs the Northeast scenario (at its own size,
or a city of 3,000 residents on a coarse map with ``--small``) to its end year ``--runs`` times
through ``mesa.batch_run`` in this one process, reads the memory as each run's model is created
(after a collection), and prints one JSON line:

* the resident set size at the first and the last run, and its growth per run over the second
  half (a flat process grows by ~0);
* that growth taken apart: ``rows_kb_per_run``, the rows ``batch_run`` returns (its results
  list, kept in memory by design: retained output, not a leak); ``malloc_kb_per_run``, the
  growth of what C's ``malloc`` has handed out and not had back (numpy arrays and large Python
  objects; glibc only); ``blocks_per_run``, the growth in small Python objects;
* what of the runs is still alive once ``batch_run`` returns: models, grids, grid cell
  classes and property layers more than before it (0 if nothing of a run survives it), and
  the entries the runs added to ``copyreg``'s process-wide table;
* ``trimmed_mb``, the resident set size after ``malloc_trim(0)`` at the end (glibc): what the
  process holds when the allocator hands its free memory back, so ``last_mb - trimmed_mb`` is
  freed memory kept by the allocator (fragmentation), not data;
* whether every run's last row is the scenario's end year (Mesa 3.3 leaves it out, mesa
  issue #2514).
"""

from __future__ import annotations

import argparse
import copyreg
import ctypes
import ctypes.util
import gc
import inspect
import json
import statistics
import sys
from typing import Any

import mesa
from mesa.discrete_space import Grid, PropertyLayer

from benchmarks.measure import resident_kb
from declineabm import UrbanDeclineModel
from declineabm.scenario import load_scenario

SMALL = {"simulation.residents": 3000, "geography.km_per_cell": 24}  # tests/conftest.py's


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd"),
            *("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
        )
    ]


def _glibc() -> Any:
    """glibc, if this process runs on it and it has ``mallinfo2`` (2.33+), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
    except (OSError, AttributeError):
        return None
    return libc


GLIBC = _glibc()


def malloc_in_use_kb() -> float | None:
    """Bytes C's ``malloc`` has handed out and not had back, in KB (glibc only)."""
    if GLIBC is None:
        return None
    info = GLIBC.mallinfo2()
    return (info.uordblks + info.hblkhd) / 1024


def deep_bytes(value: Any, seen: set[int]) -> int:
    """Bytes of ``value`` and of the dicts, lists, keys and values inside it, each once."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(deep_bytes(k, seen) + deep_bytes(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple):
        size += sum(deep_bytes(item, seen) for item in value)
    return size


def alive_of_runs() -> dict[str, int]:
    """Models, grids, grid cell classes and property layers alive in this process."""
    objects = gc.get_objects()
    return {
        "models": sum(isinstance(o, UrbanDeclineModel) for o in objects),
        "cell_classes": sum(isinstance(o, type) and o.__name__ == "GridCell" for o in objects),
        "property_layers": sum(isinstance(o, PropertyLayer) for o in objects),
        "grids": sum(isinstance(o, Grid) for o in objects),
    }


def per_run(values: list[float]) -> float:
    """Growth per run over the second half of ``values`` (the first runs warm caches up)."""
    half = values[len(values) // 2 :]
    return (half[-1] - half[0]) / max(len(half) - 1, 1)


def batch_memory(runs: int, small: bool = False) -> dict[str, Any]:
    """Run ``runs`` models through ``mesa.batch_run`` and sample memory at each one's start."""
    samples: list[dict[str, float | None]] = []

    class Sampled(UrbanDeclineModel):
        def __init__(self, scenario: Any = "northeast", seed: int | None = None, **kwargs: Any):
            gc.collect()
            samples.append(
                {
                    "rss_mb": resident_kb() / 1024,
                    "malloc_kb": malloc_in_use_kb(),
                    "blocks": sys.getallocatedblocks(),
                }
            )
            super().__init__(scenario, seed, **kwargs)

    seeds = list(range(1, runs + 1))
    size = SMALL if small else {}
    parameters = {"scenario": "northeast", **size}
    gc.collect()
    registered, before = len(copyreg.dispatch_table), alive_of_runs()
    if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.5: seeds through rng=
        rows = mesa.batch_run(Sampled, parameters, rng=seeds, display_progress=False)
    else:
        rows = mesa.batch_run(Sampled, {**parameters, "seed": seeds}, display_progress=False)
    gc.collect()
    alive = {kind: count - before[kind] for kind, count in alive_of_runs().items()}
    added = len(copyreg.dispatch_table) - registered
    last_mb = resident_kb() / 1024
    if GLIBC is not None:
        GLIBC.malloc_trim(0)
    trimmed_mb = resident_kb() / 1024 if GLIBC is not None else None
    end_year = load_scenario("northeast", size).simulation.end_year
    rss = [float(s["rss_mb"] or 0) for s in samples]
    malloc = [s["malloc_kb"] for s in samples]
    return {
        "mesa": mesa.__version__,
        "runs": runs,
        "first_mb": rss[0],
        "last_mb": rss[-1],
        "growth_mb_per_run": per_run(rss),
        "median_mb": statistics.median(rss),
        "rows_kb_per_run": deep_bytes(rows, set()) / 1024 / runs,
        "rows_per_run": len(rows) / runs,
        "malloc_kb_per_run": per_run([float(m) for m in malloc]) if None not in malloc else None,
        "blocks_per_run": per_run([float(s["blocks"] or 0) for s in samples]),
        "alive_after": alive,
        "copyreg_entries_added": added,
        "after_mb": last_mb,
        "trimmed_mb": trimmed_mb,
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
