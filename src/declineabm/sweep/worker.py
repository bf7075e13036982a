"""One run in a worker process: simulate, write the run's files, return a small receipt.

Local worker processes and Dask workers both call :func:`run_one`; it lives at module top level
so that it pickles by reference. Only the receipt travels back: the time series goes straight
to the results folder, which Dask workers must see at the same path (a shared filesystem).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declineabm.model import UrbanDeclineModel
from declineabm.model.indicators import KIND_SEPARATOR, compute_kinds
from declineabm.sweep.spec import RunSpec
from declineabm.sweep.store import Layout, record_path, write_record, write_series


@dataclass(frozen=True)
class Task:
    """A run as sent to a worker.

    Attributes:
        spec: The run (its scenario already resolved to a Scenario object, so the worker reads
            no scenario files).
        run_id: The run's id.
        folder: The results folder (absolute path).
        layout: Which indicators to keep, how often, in which format.
        attempt: 1 for the first try, 2 for the first retry, ...
    """

    spec: RunSpec
    run_id: str
    folder: str
    layout: Layout
    attempt: int = 1


def simulate(
    model: UrbanDeclineModel, indicators: Sequence[str], every: int
) -> tuple[list[int], list[list[float]]]:
    """Run a model to its end year; the kept indicators every ``every`` years and at the end.

    Returns:
        The recorded years and, for each, the indicator values in ``indicators`` order.
    """
    start, end = model.year, model.config.simulation.end_year
    years = [model.year]
    rows = [recorded(model, indicators)]
    while model.year < end:
        model.step()
        if (model.year - start) % every == 0 or model.year == end:
            years.append(model.year)
            rows.append(recorded(model, indicators))
    return years, rows


def recorded(model: UrbanDeclineModel, indicators: Sequence[str]) -> list[float]:
    """This year's values of ``indicators``; ``name@kind`` sums the cities of a kind (0: none)."""
    kinds = compute_kinds(model) if any(KIND_SEPARATOR in name for name in indicators) else {}
    return [
        float(kinds.get(name, 0.0) if KIND_SEPARATOR in name else model.indicators[name])
        for name in indicators
    ]


def run_one(task: Task) -> dict[str, Any]:
    """Compute one run and write its time series and record into the results folder.

    Exceptions propagate: the parent decides whether to retry and records the failure.

    Returns:
        A receipt: run id, status and wall time.
    """
    started, clock, cpu = time.time(), time.perf_counter(), time.thread_time()
    spec, layout, folder = task.spec, task.layout, Path(task.folder)
    model = UrbanDeclineModel(spec.resolve(), seed=spec.seed)
    try:
        years, rows = simulate(model, layout.indicators, layout.every)
    finally:
        model.dispose()
    write_series(folder, task.run_id, layout, years, rows)
    wall_time, cpu_time = time.perf_counter() - clock, time.thread_time() - cpu
    write_record(
        record_path(folder, task.run_id),
        {
            "run_id": task.run_id,
            "seed": spec.seed,
            "parameters": dict(spec.overrides),
            "status": "ok",
            "error": "",
            "final": dict(zip(layout.indicators, rows[-1], strict=True)),
            "attempt": task.attempt,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": round(started, 3),
            "wall_time_s": round(wall_time, 4),
            # CPU time well below wall time: the worker waited for a core (a busy machine).
            "cpu_time_s": round(cpu_time, 4),
        },
    )
    return {"run_id": task.run_id, "status": "ok", "wall_time_s": wall_time}
