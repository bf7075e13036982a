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
A run that takes longer than its timeout (a stuck or stopped worker) is cancelled by ending the
local workers, and retried in fresh ones like a run that raised; the others they held are
resubmitted. The timeout follows the measured cost of the batch's runs (see
:func:`run_timeout`) unless given. When a Dask cluster's scheduler is gone, the batch stops with
one line and keeps its unfinished runs pending for ``resume``.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any, get_args

from tqdm import tqdm

from declineabm.io.files import LOCK, write_atomic
from declineabm.io.provenance import now, package_versions
from declineabm.model.indicators import INDICATOR_NAMES, KIND_INDICATORS, KIND_SEPARATOR
from declineabm.model.structure import CityKind
from declineabm.scenario import Scenario
from declineabm.sweep import store
from declineabm.sweep.errors import SweepError
from declineabm.sweep.pools import DaskPool, LocalPool, default_workers
from declineabm.sweep.spec import RunSpec
from declineabm.sweep.store import Layout
from declineabm.sweep.worker import Task, run_one

WORKER_DIED = "worker process died while running this run"
KEPT_BY_DEFAULT = tuple(name for name in INDICATOR_NAMES if name != "year")
TIMEOUT_FACTOR = 10.0
"""A run is stuck when it takes this many times the slowest finished run of the batch..."""
TIMEOUT_FLOOR = 60.0
"""... and at least this many seconds (start-up, a busy machine)."""
FIRST_TIMEOUT_PER_AGENT_YEAR = 2e-5
"""Before any run has finished: seconds allowed per resident-year (about 40 times the
measured cost of the model, docs/PERFORMANCE.md), on top of the floor."""
WORKER_BASE_BYTES = 250 * 2**20
"""Memory of a local worker process before its run: Python, numpy, pandas, Mesa (measured
about 180 MB resident)."""
POLL_SECONDS = 1.0
"""How often the batch loop looks for runs past their timeout."""


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
    timeout: float | None = None,
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
        timeout: Seconds a run may take before it is cancelled and retried (default: derived
            from the cost of the batch's finished runs, :func:`run_timeout`).

    Returns:
        Counts and paths of what was written.

    Raises:
        ScenarioError, SweepError: Invalid input; nothing is written.
        SweepError: The Dask cluster was lost, or the folder could not be written, mid-batch
            (what is done is kept; resume to finish).
        KeyboardInterrupt: Ctrl-C; the workers are stopped and ``out`` can be resumed.
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give either local workers or a Dask scheduler, not both")
    if workers is not None and workers < 1:
        raise SweepError(f"workers = {workers}: must be at least 1")
    if retries < 0:
        raise SweepError(f"retries = {retries}: must be at least 0")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise SweepError(f"timeout = {timeout}: must be a positive number of seconds")
    _refuse_reimport()
    plan = make_plan(specs, indicators, every, fmt, parameters)
    if scheduler is None:
        _check_workers_fit(workers or default_workers(), plan)
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
            return _run_batch(pool, folder, plan, previous, retries, progress, meta, files, timeout)
    finally:
        if own:
            pool.close()


def _refuse_reimport() -> None:
    """Refuse a call that every spawned worker process would make again.

    Worker processes start by running the ``__main__`` script again (as ``__mp_main__``): a
    script that calls :func:`execute` at its top level, outside ``if __name__ ==
    "__main__":``, would start a batch in every worker. Python's own rule for which scripts a
    worker re-runs is followed (``multiprocessing.spawn``: not ``python -m package``).
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    path = getattr(main, "__file__", None)
    if spec is not None and (spec.name == "__main__" or spec.name.endswith(".__main__")):
        return
    if not path or not os.path.isfile(path):
        return  # an interactive session or a notebook: nothing is re-run
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and not (
        frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__main__"
    ):
        frame = frame.f_back
    if frame is None:
        return
    line = frame.f_lineno
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, SyntaxError):
        return
    guards = [n for n in ast.walk(tree) if isinstance(n, ast.If) and _is_main_test(n.test)]
    if any(n.lineno <= line <= (n.end_lineno or n.lineno) for n in guards):
        return
    raise SweepError(
        f"{path}, line {line}: runs a batch at the top level of the script, which every worker "
        'process runs again; put it under `if __name__ == "__main__":`'
    )


def _is_main_test(test: ast.expr) -> bool:
    names = {
        node.id if isinstance(node, ast.Name) else node.value
        for node in ast.walk(test)
        if isinstance(node, ast.Name | ast.Constant)
    }
    return {"__name__", "__main__"} <= names


def _check_workers_fit(workers: int, plan: Plan) -> None:
    """Refuse more local workers than this machine's memory holds, with the estimate."""
    from declineabm.io.memory import available_memory, gib

    scenario = next(iter(plan.runs.values())).resolve()
    per_worker = WORKER_BASE_BYTES + scenario.run_bytes()
    needed, available = workers * per_worker, available_memory()
    if needed > available:
        raise SweepError(
            f"workers = {workers:,}: each worker process needs about {gib(per_worker)}, "
            f"{workers:,} about {gib(needed)}, more than the {gib(available)} available"
        )


def run_timeout(finished: Sequence[float], scenario: Scenario) -> float:
    """Seconds a run may take before it counts as stuck.

    Args:
        finished: Wall times of the batch's runs finished so far.
        scenario: A run's scenario (before any has finished, its size sets the timeout).
    """
    if finished:
        return max(TIMEOUT_FLOOR, TIMEOUT_FACTOR * max(finished))
    spec = scenario.simulation
    agent_years = spec.residents * (spec.end_year - spec.start_year)
    return TIMEOUT_FLOOR + FIRST_TIMEOUT_PER_AGENT_YEAR * agent_years


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


def _counts(folder: Path, plan: Plan) -> dict[str, int]:
    """Runs on disk now: what an interrupted manifest records."""
    finished, failed = store.scan(folder)
    ok = len(finished & plan.runs.keys())
    bad = len(failed & plan.runs.keys())
    return {"total": len(plan.runs), "ok": ok, "failed": bad, "pending": len(plan.runs) - ok - bad}


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
    timeout: float | None = None,
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
        _run_all(pool, folder, plan, pending, retries, bar, timeout)
    except BaseException as exc:
        pool.abort()
        session["finished"] = now()
        manifest["status"] = "interrupted"
        manifest["runs"] = _counts(folder, plan)
        error = exc
        if isinstance(exc, OSError):
            error = SweepError(
                f"{exc.filename or folder}: cannot write the results ({exc.strerror}); the runs "
                "done so far are kept: make the folder writable and resume (--resume)"
            )
        if isinstance(error, SweepError):
            manifest["error"] = str(error)
        try:
            store.write_manifest(folder, manifest)
        except OSError:
            with contextlib.suppress(OSError):  # the file refuses writes too: the message says so
                store.write_manifest_in_place(folder, manifest)
        if error is not exc:
            raise error from None
        raise
    finally:
        bar.close()

    try:
        ok, failed = store.merge(folder, sorted(plan.runs), plan.layout)
    except OSError as exc:
        raise SweepError(
            f"{exc.filename or folder}: cannot write the tables ({exc.strerror}); every run is "
            "kept: make the folder writable and resume (--resume)"
        ) from None
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
    timeout: float | None = None,
) -> None:
    """Keep a window of runs in flight until every run finished or failed."""
    queue: deque[str] = deque(pending)
    suspects: deque[str] = deque()  # in flight when a local worker died: rerun one by one
    alone: set[str] = set()  # submitted while nothing else was in flight
    attempts: Counter[str] = Counter()
    inflight: dict[Future, str] = {}
    started: dict[Future, float] = {}  # when a run was seen running
    timed_out: dict[str, float] = {}  # runs cancelled for their timeout, with the timeout
    durations: list[float] = []
    sample = next(iter(plan.runs.values())).resolve()
    failed = 0
    killed = False  # the workers were ended for a timeout: their other runs are innocent

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
        started.pop(future, None)
        if future.cancelled():  # by Dask, not by us: it lost the run (or the scheduler)
            exc: BaseException | None = CancelledError("the Dask cluster cancelled the run")
        else:
            exc = future.exception()
        if exc is None:
            store.failure_path(folder, run_id).unlink(missing_ok=True)  # from an earlier try
            durations.append(float(future.result().get("wall_time_s", 0.0)))
            bar.update()
            return False
        if pool.lost(exc):
            raise cluster_gone(_error_line(exc))
        if run_id in timed_out:
            limit = timed_out.pop(run_id)
            if attempts[run_id] <= retries:
                queue.appendleft(run_id)
            else:
                give_up(run_id, f"timed out: still running after {limit:.0f} s")
            return True
        if pool.broken(exc) and killed:  # ended for another run's timeout: no attempt counted
            attempts[run_id] -= 1
            queue.appendleft(run_id)
            return True
        if pool.broken(exc):
            if pool.workers_started() == 0:
                raise SweepError(
                    "the worker processes exited while starting, before any run (their "
                    "error is above); nothing was run"
                )
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

    def cluster_gone(reason: str) -> SweepError:
        return SweepError(
            f"the Dask cluster at {pool.describe().removeprefix('Dask cluster at ')} is gone "
            f"({reason}); the finished runs are kept and the others pending: resume "
            "(--resume) when it is back"
        )

    def cancel_stuck() -> bool:
        """Cancel the runs past their timeout; True if the workers were ended."""
        clock = time.monotonic()
        for future in inflight:
            if future not in started and future.running():
                started[future] = clock
        limit = timeout or run_timeout(durations, sample)
        stuck = [f for f, t in started.items() if clock - t > limit and not f.done()]
        if not stuck or isinstance(pool, DaskPool):
            return False
        for future in stuck:
            timed_out[inflight[future]] = limit
        pool.kill()
        return True

    while queue or suspects or inflight:
        if suspects:
            if not inflight:
                submit(suspects.popleft(), isolated=True)
        else:
            window = pool.window()
            while queue and len(inflight) < window:
                submit(queue.popleft(), isolated=False)
        done, _ = wait(list(inflight), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        if not done and pool.lost():
            raise cluster_gone("its scheduler does not answer")
        if not done and cancel_stuck():
            killed = True
            done, _ = wait(list(inflight))  # the dead pool fails every future it had
        broken = False
        for future in done:
            broken |= settle(future, inflight.pop(future))
        if broken:
            # Rebuilding waits for the dead pool's bookkeeping: then all its futures are done.
            pool.rebuild()
            for future in list(inflight):
                settle(future, inflight.pop(future))
            killed = False
