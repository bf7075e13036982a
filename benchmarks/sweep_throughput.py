"""Sweep throughput: runs per second on 1 and 2 local workers and on a 2-worker Dask cluster.

Each configuration runs the same batch, in the same process, interleaved ``repeats`` times; the
figures of merit are ratios within one invocation (2 local workers against 1, Dask against
local with 2), so a slower or busier machine changes the absolute rates, not the ratios, as
long as nothing else competes for the cores. Targets: 2 workers >= 1.8x one worker, Dask with
2 workers >= 0.9x the local executor with 2.

Throughput is measured in steady state, from the moments runs finished (``timings.csv``): the
first wave of runs, which pays for starting the worker processes, is left out. The rate
including start-up is reported too. ``cpu_share`` (CPU time / wall time of the runs) tells
whether the workers had their cores to themselves: on a machine shared with other work it falls
below 1 and the ratios say more about the neighbours than about the executors.

    python -m benchmarks.sweep_throughput                 # prints a table and the ratios
    python -m benchmarks.sweep_throughput --out sweep.csv --repeats 3

Other harnesses import :func:`measure_sweep_throughput`.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from declineabm.io.files import read_csv_exact
from declineabm.sweep import RunSpec, execute

CITY = {"simulation.residents": 5000, "geography.km_per_cell": 24}
"""A small city: runs of a few tenths of a second, long against the per-run overhead."""

CONFIGURATIONS = (("local", 1), ("local", 2), ("dask", 2))


def batch(runs: int, years: int, overrides: Mapping[str, Any]) -> list[RunSpec]:
    """``runs`` distinct runs of the Northeast scenario (one seed each)."""
    return [RunSpec("northeast", overrides, seed=seed, years=years) for seed in range(runs)]


def steady_rate(timings: pd.DataFrame, workers: int) -> float:
    """Runs per second after the first wave (``workers`` runs) finished."""
    ends = sorted(timings["started"] + timings["wall_time_s"])
    if len(ends) <= workers:
        raise ValueError("too few runs to measure a steady state: give more runs than workers")
    return (len(ends) - workers) / (ends[-1] - ends[workers - 1])


def _measure(specs: list[RunSpec], backend: str, workers: int, client: Any, root: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"{backend}{workers}-", dir=root))
    options = {"scheduler": client} if backend == "dask" else {"workers": workers}
    clock = time.perf_counter()
    summary = execute(specs, out / "sweep", progress=False, indicators=["population"], **options)
    elapsed = time.perf_counter() - clock
    if summary.failed:
        raise RuntimeError(f"{summary.failed} runs failed in {out}")
    timings = read_csv_exact(out / "sweep" / "timings.csv")
    return {
        "backend": backend,
        "workers": workers,
        "runs": len(specs),
        "steady_runs_per_s": steady_rate(timings, workers),
        "overall_runs_per_s": len(specs) / elapsed,
        "mean_run_s": float(timings["wall_time_s"].mean()),
        # 1.0: every worker had a core of its own; less: the machine was busy with other work.
        "cpu_share": float(timings["cpu_time_s"].sum() / timings["wall_time_s"].sum()),
        "load_average": os.getloadavg()[0],
    }


def measure_sweep_throughput(
    runs: int = 24,
    years: int = 20,
    overrides: Mapping[str, Any] | None = None,
    configurations: Sequence[tuple[str, int]] = CONFIGURATIONS,
    repeats: int = 1,
) -> list[dict[str, Any]]:
    """Measure sweep throughput of each configuration.

    Args:
        runs: Runs per batch.
        years: Years per run.
        overrides: Scenario overrides of every run (default: :data:`CITY`).
        configurations: (backend, workers) pairs; backend ``local`` or ``dask`` (a
            ``LocalCluster`` of single-threaded worker processes, started before the clock).
        repeats: Measure every configuration this many times, interleaved.

    Returns:
        One row per measurement: backend, workers, runs, steady_runs_per_s,
        overall_runs_per_s, mean_run_s, cpu_share, load_average, repeat.
    """
    specs = batch(runs, years, CITY if overrides is None else overrides)
    rows: list[dict[str, Any]] = []
    clusters: dict[int, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        try:
            for repeat in range(repeats):
                for backend, workers in configurations:
                    client = None
                    if backend == "dask":
                        client = clusters.get(workers) or _dask_client(workers)
                        clusters[workers] = client
                    row = _measure(specs, backend, workers, client, Path(tmp))
                    rows.append({**row, "repeat": repeat})
        finally:
            for client in clusters.values():
                cluster = client.cluster
                client.close()
                cluster.close()
    return rows


def _dask_client(workers: int) -> Any:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.wait_for_workers(workers)
    return client


def ratios(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Median steady rates and the two target ratios."""
    median = {
        (backend, workers): statistics.median(
            r["steady_runs_per_s"]
            for r in rows
            if (r["backend"], r["workers"]) == (backend, workers)
        )
        for backend, workers in {(r["backend"], r["workers"]) for r in rows}
    }
    result = {f"{b}-{w} runs/s": rate for (b, w), rate in sorted(median.items())}
    if ("local", 1) in median and ("local", 2) in median:
        result["local-2 / local-1 (target >= 1.8)"] = median["local", 2] / median["local", 1]
    if ("dask", 2) in median and ("local", 2) in median:
        result["dask-2 / local-2 (target >= 0.9)"] = median["dask", 2] / median["local", 2]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as CSV")
    args = parser.parse_args(argv)
    rows = measure_sweep_throughput(args.runs, args.years, repeats=args.repeats)
    print(pd.DataFrame(rows).to_string(index=False, float_format="%.3f"))
    for name, value in ratios(rows).items():
        print(f"{name:>36}: {value:.2f}")
    if args.out:
        with args.out.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
