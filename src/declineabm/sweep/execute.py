"""Execute a batch of runs in parallel into a results folder: streamed, resumable, exact.

:func:`execute` is the library entry point for anything that runs the model many times
(parameter sweeps, validation over many seeds, attribution of decline to its causes, policy
portfolios): give it :class:`~declineabm.sweep.spec.RunSpec` objects and a folder. It runs
them on local processes or a Dask cluster, at most a window of them in flight, each worker
writing its run's files itself (see :mod:`declineabm.sweep.store`), and merges the tables once
all are done. Killed at any moment, even by SIGKILL, it leaves a folder that ``resume=True``
finishes with no run lost or computed twice, and the tables come out byte-identical to an
uninterrupted batch's, with any number of workers, locally or on Dask.

A run that raises is retried ``retries`` times, then recorded as failed with its error, and
the batch goes on. When a local worker process dies (killed, out of memory), the pool is
rebuilt and the runs that were in flight are rerun one at a time, so that a run that kills its
worker every time is found and recorded as failed rather than taking its neighbours with it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, get_args

from tqdm import tqdm

from declineabm.io.files import LOCK, write_atomic
from declineabm.io.provenance import now, package_versions
from declineabm.model.indicators import INDICATOR_NAMES, KIND_INDICATORS, KIND_SEPARATOR
from declineabm.model.structure import CityKind
from declineabm.scenario import Scenario
from declineabm.sweep import store
from declineabm.sweep.errors import SweepError
from declineabm.sweep.pools import DaskPool, LocalPool
from declineabm.sweep.spec import RunSpec
from declineabm.sweep.store import Layout
from declineabm.sweep.worker import Task, run_one

WORKER_DIED = "worker process died while running this run"
KEPT_BY_DEFAULT = tuple(name for name in INDICATOR_NAMES if name != "year")


@dataclass(frozen=True)
class Summary:
    """What a batch left on disk.

    Attributes:
        folder: The results folder.
        total: Runs in the batch (after merging identical runs).
        ok: Runs that finished.
        failed: Runs recorded as failed.
        layout: Columns and format of the tables.
    """

    folder: Path
    total: int
    ok: int
    failed: int
    layout: Layout

    @property
    def runs_table(self) -> Path:
        """Path of the runs table (``runs.csv`` or ``runs.parquet``)."""
        return self.folder / self.layout.tables[0]

    @property
    def timeseries_table(self) -> Path:
        """Path of the time-series table."""
        return self.folder / self.layout.tables[1]


@dataclass(frozen=True)
class Plan:
    """The distinct runs of a batch, in submission order, and the layout of its tables."""

    runs: dict[str, RunSpec]
    layout: Layout

    @property
    def digest(self) -> str:
        """Identity of the batch: its run ids and table layout (a resume must match it)."""
        text = json.dumps({"runs": sorted(self.runs), "layout": self.layout.to_dict()})
        return hashlib.sha256(text.encode()).hexdigest()


def is_kind_indicator(name: str) -> bool:
    """Whether ``name`` is ``indicator@kind`` for an indicator of the cities of a kind."""
    indicator, separator, kind = name.partition(KIND_SEPARATOR)
    return bool(separator) and indicator in KIND_INDICATORS and kind in get_args(CityKind)


def make_plan(
    specs: Iterable[RunSpec],
    indicators: Sequence[str] | None = None,
    every: int = 1,
    fmt: str = "csv",
    parameters: Sequence[str] | None = None,
) -> Plan:
    """Resolve and identify every run; invalid input raises before anything runs.

    Args:
        specs: The runs.
        indicators: Indicators to keep (default: all).
        every: Keep every ``every``-th year of the time series (and always the last).
        fmt: ``"csv"`` or ``"parquet"``.
        parameters: Parameter columns of the runs table (default: every override key whose
            value is not the same in all runs).

    Raises:
        ScenarioError: A run's overrides are not a valid scenario.
        SweepError: Another argument is invalid.
    """
    if fmt not in store.FORMATS:
        raise SweepError(f"format '{fmt}' unknown (choose from {', '.join(store.FORMATS)})")
    if every < 1:
        raise SweepError(f"every = {every}: must be at least 1")
    indicators = tuple(KEPT_BY_DEFAULT if indicators is None else indicators)
    for name in indicators:
        if name not in KEPT_BY_DEFAULT and not is_kind_indicator(name):
            hint = difflib.get_close_matches(name, KEPT_BY_DEFAULT, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise SweepError(f"unknown indicator '{name}'{suggestion}")
    bases: dict[str, Scenario] = {}
    runs: dict[str, RunSpec] = {}
    for spec in specs:
        if not isinstance(spec.scenario, Scenario):
            # Workers get the resolved scenario, so they need no scenario files of their own.
            ref = os.fspath(spec.scenario)
            if ref not in bases:
                bases[ref] = spec.base()
            spec = replace(spec, scenario=bases[ref])
        runs.setdefault(spec.run_id, spec)
    if not runs:
        raise SweepError("no runs to execute")
    if parameters is None:
        parameters = _varying(runs.values())
    types = tuple(
        store.column_type(s.overrides[name] for s in runs.values() if name in s.overrides)
        for name in parameters
    )
    layout = Layout(fmt, indicators, every, tuple(parameters), types)
    return Plan(runs, layout)


def _varying(specs: Iterable[RunSpec]) -> tuple[str, ...]:
    specs = list(specs)
    keys = sorted({key for spec in specs for key in spec.overrides})
    return tuple(
        key
        for key in keys
        if len({json.dumps(spec.overrides.get(key, "<unset>")) for spec in specs}) > 1
    )


def execute(
    specs: Iterable[RunSpec],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    retries: int = 0,
    resume: bool = False,
    progress: bool = True,
    fmt: str = "csv",
    indicators: Sequence[str] | None = None,
    every: int = 1,
    parameters: Sequence[str] | None = None,
    meta: Mapping[str, Any] | None = None,
    files: Mapping[str, str] | None = None,
    pool: LocalPool | DaskPool | None = None,
) -> Summary:
    """Run a batch into ``out`` and merge its tables.

    Args:
        specs: The runs; identical runs (same run id) are computed once.
        out: Results folder; must be new or empty unless ``resume``.
        workers: Local worker processes (default: every core). Not with ``scheduler``.
        scheduler: A Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``.
        retries: Times a run that raises is tried again before it is recorded as failed.
        resume: Continue the batch already in ``out`` (it must be the same batch); runs that
            failed before are tried again. On a new or empty folder, just start.
        progress: Show a progress bar with rate and ETA on stderr.
        fmt: Table format, ``"csv"`` or ``"parquet"``.
        indicators: Indicators to keep (default: all).
        every: Time-series rows every ``every`` years (the last year is always kept).
        parameters: Parameter columns of the runs table (default: overrides that vary).
        meta: Extra entries of ``manifest.json`` (e.g. the sweep file).
        files: Extra small text files (name -> content) written into ``out``.
        pool: A pool the caller keeps open across many small batches (it is left open), so
            that workers start once; instead of ``workers`` and ``scheduler``.

    Returns:
        Counts and paths of what was written.

    Raises:
        ScenarioError, SweepError: Invalid input; nothing is written.
        KeyboardInterrupt: Ctrl-C; the workers are stopped and ``out`` can be resumed.
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give either local workers or a Dask scheduler, not both")
    if workers is not None and workers < 1:
        raise SweepError(f"workers = {workers}: must be at least 1")
    if retries < 0:
        raise SweepError(f"retries = {retries}: must be at least 0")
    plan = make_plan(specs, indicators, every, fmt, parameters)
    folder = Path(out).absolute()
    previous = _check_folder(folder, plan, resume)
    if previous is not None and previous["status"] == "finished" and not previous["runs"]["failed"]:
        store.remove_shards(folder)  # left over if killed while deleting them
        return _summary(folder, plan, previous)

    own = pool is None
    if pool is None:
        pool = DaskPool(scheduler) if scheduler is not None else LocalPool(workers)
    try:
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        with store.locked(folder):
            if isinstance(pool, DaskPool):
                try:
                    pool.check_folder(folder)
                except SweepError:
                    if created:
                        shutil.rmtree(folder)
                    raise
            return _run_batch(pool, folder, plan, previous, retries, progress, meta, files)
    finally:
        if own:
            pool.close()


def _check_folder(folder: Path, plan: Plan, resume: bool) -> dict[str, Any] | None:
    """The manifest of the batch to resume (None for a fresh start); raises if unusable."""
    if not folder.exists():
        return None
    if not folder.is_dir():
        raise SweepError(f"{folder} is a file, not a folder")
    if all(path.name == LOCK for path in folder.iterdir()):
        return None
    manifest = store.read_manifest(folder)
    if manifest is None:
        raise SweepError(f"{folder} is not empty and holds no sweep; choose another folder")
    if not resume:
        state = "a finished sweep" if manifest.get("status") == "finished" else "a sweep"
        raise SweepError(
            f"{folder} already holds {state}; resume it (--resume) or choose another folder"
        )
    if manifest.get("plan_sha256") != plan.digest:
        raise SweepError(
            f"{folder} holds a different sweep (other runs, indicators or format); "
            "resume with the options it was started with, or choose another folder"
        )
    return manifest


def _summary(folder: Path, plan: Plan, manifest: Mapping[str, Any]) -> Summary:
    runs = manifest["runs"]
    return Summary(folder, len(plan.runs), runs["ok"], runs["failed"], plan.layout)


def _run_batch(
    pool: LocalPool | DaskPool,
    folder: Path,
    plan: Plan,
    previous: dict[str, Any] | None,
    retries: int,
    progress: bool,
    meta: Mapping[str, Any] | None,
    files: Mapping[str, str] | None,
) -> Summary:
    store.remove_temporary(folder)
    finished, _ = store.scan(folder)
    pending = [run_id for run_id in plan.runs if run_id not in finished]
    session = {"started": now(), "executor": pool.describe(), "runs": len(pending)}
    manifest = dict(previous or {})
    manifest.update(
        {
            "kind": "declineabm batch",
            "status": "running",
            "plan_sha256": plan.digest,
            "runs": {"total": len(plan.runs), "pending": len(pending)},
            "layout": plan.layout.to_dict(),
            "tables": [*plan.layout.tables, store.TIMINGS],
            "started": manifest.get("started", session["started"]),
            "finished": None,
            "sessions": [*manifest.get("sessions", []), session],
            "versions": package_versions(),
            **dict(meta or {}),
        }
    )
    store.write_manifest(folder, manifest)
    for name, text in (files or {}).items():
        write_atomic(folder / name, text)

    bar = tqdm(
        total=len(plan.runs),
        initial=len(plan.runs) - len(pending),
        desc=folder.name,
        unit="run",
        disable=not progress,
        dynamic_ncols=True,
    )
    try:
        _run_all(pool, folder, plan, pending, retries, bar)
    except BaseException:
        pool.abort()
        session["finished"] = now()
        manifest["status"] = "interrupted"
        store.write_manifest(folder, manifest)
        raise
    finally:
        bar.close()

    ok, failed = store.merge(folder, sorted(plan.runs), plan.layout)
    session["finished"] = now()
    manifest.update(
        status="finished",
        finished=session["finished"],
        runs={"total": len(plan.runs), "ok": ok, "failed": failed, "pending": 0},
    )
    store.write_manifest(folder, manifest)
    if not failed:
        store.remove_shards(folder)
    return Summary(folder, len(plan.runs), ok, failed, plan.layout)


def _error_line(exc: BaseException) -> str:
    """An exception as one deterministic line."""
    if type(exc).__name__ == "KilledWorker":  # Dask gave up after several workers died on it
        return WORKER_DIED
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _run_all(
    pool: LocalPool | DaskPool,
    folder: Path,
    plan: Plan,
    pending: Sequence[str],
    retries: int,
    bar: tqdm,
) -> None:
    """Keep a window of runs in flight until every run finished or failed."""
    queue: deque[str] = deque(pending)
    suspects: deque[str] = deque()  # in flight when a local worker died: rerun one by one
    alone: set[str] = set()  # submitted while nothing else was in flight
    attempts: Counter[str] = Counter()
    inflight: dict[Future, str] = {}
    failed = 0

    def submit(run_id: str, isolated: bool) -> None:
        attempts[run_id] += 1
        task = Task(plan.runs[run_id], run_id, str(folder), plan.layout, attempts[run_id])
        inflight[pool.submit(run_one, task)] = run_id
        if isolated:
            alone.add(run_id)

    def give_up(run_id: str, error: str) -> None:
        nonlocal failed
        spec = plan.runs[run_id]
        record = {
            "run_id": run_id,
            "seed": spec.seed,
            "parameters": dict(spec.overrides),
            "status": "failed",
            "error": error,
            "final": {},
            "attempt": attempts[run_id],
        }
        store.write_record(store.failure_path(folder, run_id), record)
        failed += 1
        bar.set_postfix(failed=failed)
        bar.update()

    def settle(future: Future, run_id: str) -> bool:
        """Book a finished future; True if its worker died and the pool must be rebuilt."""
        isolated = run_id in alone
        alone.discard(run_id)
        if future.cancelled():  # by Dask, not by us: it lost the run (or the scheduler)
            exc: BaseException | None = CancelledError("the Dask cluster cancelled the run")
        else:
            exc = future.exception()
        if exc is None:
            store.failure_path(folder, run_id).unlink(missing_ok=True)  # from an earlier try
            bar.update()
            return False
        if pool.broken(exc):
            if not isolated:  # not known which run killed the worker: no attempt counted
                attempts[run_id] -= 1
                suspects.append(run_id)
            elif attempts[run_id] <= retries:
                suspects.appendleft(run_id)
            else:
                give_up(run_id, WORKER_DIED)
            return True
        if attempts[run_id] <= retries:
            queue.appendleft(run_id)
        else:
            give_up(run_id, _error_line(exc))
        return False

    while queue or suspects or inflight:
        if suspects:
            if not inflight:
                submit(suspects.popleft(), isolated=True)
        else:
            window = pool.window()
            while queue and len(inflight) < window:
                submit(queue.popleft(), isolated=False)
        done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            broken |= settle(future, inflight.pop(future))
        if broken:
            # Rebuilding waits for the dead pool's bookkeeping: then all its futures are done.
            pool.rebuild()
            for future in list(inflight):
                settle(future, inflight.pop(future))
