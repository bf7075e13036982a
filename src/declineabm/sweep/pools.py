"""Where runs execute: local worker processes, or a Dask distributed cluster.

Both are driven through a standard :class:`concurrent.futures.Executor` (a
``ProcessPoolExecutor``, or the executor Dask's ``client.get_executor`` returns), so the batch
loop in :mod:`declineabm.sweep.execute` is one code path for both. What differs lives here:
how many runs to keep in flight, what to do when a worker dies, and how to stop.

Retries are counted by the batch loop for both (Dask's own ``retries`` would multiply with
them); a Dask worker that dies mid-run is Dask's to handle: its scheduler reruns the run
elsewhere and gives up (``KilledWorker``) only after several workers died on the same run.

Local workers are ``spawn``-ed processes (Mesa forces that start method anyway) that ignore
Ctrl-C (the parent stops them) and exit by themselves when the parent dies, even by SIGKILL,
so no orphan keeps computing. ``ProcessPoolExecutor`` rather than ``multiprocessing.Pool``,
because when a worker dies the former raises ``BrokenProcessPool`` and the latter hangs. A run
that outlives its timeout (a stuck or stopped worker) cannot be cancelled in a
``ProcessPoolExecutor``: :meth:`LocalPool.kill` ends every worker and the batch loop reruns what
they held in a fresh pool. A worker stopped while idle holds no run and no timeout finds it:
ending a pool (:meth:`LocalPool.close`, ``rebuild``, ``abort``) kills a worker that has not
exited within ``EXIT_GRACE_SECONDS``.

A Dask worker that stops answering is Dask's to handle too: the scheduler drops it after
``distributed.scheduler.worker-ttl`` and reruns its runs elsewhere. When the scheduler itself
is gone (:meth:`DaskPool.lost`), the batch stops and keeps its unfinished runs pending.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from declineabm.sweep.address import check_reachable, connect_timeout
from declineabm.sweep.errors import SweepError

DASK_MIN_WINDOW = 1000
"""Runs kept queued on a Dask cluster: enough for an adaptive cluster to see work to scale to,
few enough that the client's and scheduler's memory stays flat however long the batch."""


EXIT_GRACE_SECONDS = 10.0
"""How long local workers have to exit once the pool shuts down before they are killed: an idle
worker exits within milliseconds; one that has not after this is stopped or stuck."""


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # re-parented: the sweep process is gone
            os._exit(1)


def init_local_worker(parent: int, started: Any = None) -> None:
    """Initializer of a local worker process (see the module docstring).

    Args:
        parent: The batch process's pid.
        started: A shared counter of workers that got this far (the pool tells a worker that
            died while starting from one that died in a run).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if started is not None:
        with started.get_lock():
            started.value += 1


class LocalPool:
    """Runs in local worker processes.

    Args:
        workers: Number of processes (default: the cores this process may use).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._context = multiprocessing.get_context("spawn")
        self._started = self._context.Value("i", 0)
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=self._context,
            initializer=init_local_worker,
            initargs=(os.getpid(), self._started),
        )

    def workers_started(self) -> int:
        """Worker processes that have started so far (in this pool and the ones it replaced)."""
        return int(self._started.value)

    def _processes(self) -> list[multiprocessing.process.BaseProcess]:
        return list((getattr(self.executor, "_processes", None) or {}).values())

    def kill(self) -> None:
        """End every worker process now, even a stopped one (SIGKILL); the pool then breaks."""
        for process in self._processes():
            process.kill()

    @staticmethod
    def lost(exc: BaseException | None = None) -> bool:
        """Local processes are never lost as a cluster is."""
        return False

    def describe(self) -> str:
        """Where the runs go, for the manifest."""
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def window(self) -> int:
        """Runs to keep submitted: each worker busy, and one more ready for each."""
        return 2 * self.workers

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Submit ``fn(*args)``."""
        return self.executor.submit(fn, *args)

    @staticmethod
    def broken(exc: BaseException) -> bool:
        """Did ``exc`` come from a worker process that died (the pool must be rebuilt)?"""
        return isinstance(exc, BrokenProcessPool)

    def rebuild(self) -> None:
        """Replace a broken pool by a fresh one."""
        # The dead pool fails every future it had (BrokenProcessPool); none is cancelled.
        self._end()
        self.executor = self._start()

    def abort(self) -> None:
        """Stop now: kill the workers mid-run (their half-written files are temporary ones)."""
        # ProcessPoolExecutor has no public way to stop running work before Python 3.14.
        for process in self._processes():
            process.terminate()
        self._end(cancel=True)

    def close(self) -> None:
        """Shut down after the last run."""
        self._end()

    def _end(self, cancel: bool = False) -> None:
        """Shut the executor down; a worker still there after ``EXIT_GRACE_SECONDS`` is killed.

        ``shutdown(wait=True)`` alone waits for every worker to exit, and a stopped one (SIGSTOP,
        a frozen container) never does, nor does SIGTERM end it: a sweep whose runs had all
        finished waited for it forever. Such a worker may also hold the queue's lock that the
        others need to read the request to exit.
        """
        executor = self.executor
        processes = self._processes()
        manager = getattr(executor, "_executor_manager_thread", None)
        executor.shutdown(wait=False, cancel_futures=cancel)
        deadline = time.monotonic() + EXIT_GRACE_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
        if manager is not None:
            manager.join()  # it has seen every worker end and released the queues


def _sees_folder(path: str) -> bool:
    return os.path.isdir(path)


def quiet_dask_logs() -> None:
    """Silence the logs of Dask's client side (distributed, tornado, asyncio) in this process.

    For the command line, which says in one line what went wrong with a cluster: when its
    scheduler goes, Dask's client logs pages of tracebacks. ``DASK_LOGGING__DISTRIBUTED=info``
    keeps them.
    """
    if "DASK_LOGGING__DISTRIBUTED" in os.environ:
        return
    import distributed  # noqa: F401  (creates its loggers, with levels of their own)

    for name in ["asyncio", *logging.root.manager.loggerDict]:
        if name.split(".")[0] in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _connect(address: str, client_class: Any, timeout: float) -> Any:
    """A client of the scheduler at ``address``, or one line saying why not, within ``timeout``.

    Anything but a Dask scheduler at the address (an HTTP server, another protocol) must fail as
    cleanly as nothing at all: the handshake runs in a thread bounded by the connect timeout.
    """
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = client_class(address, timeout=timeout)
        except BaseException as exc:  # anything: garbage from a foreign server included
            outcome["error"] = exc

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if "client" in outcome:
        return outcome["client"]
    exc = outcome.get("error")
    if exc is None:
        reason = f"no answer within {timeout:g} s"
    elif isinstance(exc, OSError | TimeoutError | ValueError | TypeError):
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        reason = f"it does not speak Dask's protocol ({type(exc).__name__})"
    raise SweepError(f"--scheduler {address}: cannot reach a Dask scheduler ({reason})")


class DaskPool:
    """Runs on a Dask distributed cluster.

    Args:
        scheduler: Address of the scheduler (``tcp://host:8786``), or a connected
            ``distributed.Client`` (left open at the end).
    """

    def __init__(self, scheduler: Any) -> None:
        self.address = scheduler if isinstance(scheduler, str) else scheduler.scheduler.address
        if isinstance(scheduler, str):
            timeout = connect_timeout()
            check_reachable(scheduler, timeout)  # at once, before the seconds Dask's import takes
            from distributed import Client

            self.client = _connect(scheduler, Client, timeout)
            self._own = True
        else:
            self.client, self._own = scheduler, False
        # pure=False: Dask would otherwise merge tasks with equal arguments into one.
        self.executor = self.client.get_executor(pure=False)
        self._threads, self._checked = 0, -1e9

    def describe(self) -> str:
        """Where the runs go, for the manifest."""
        return f"Dask cluster at {self.address}"

    def check_folder(self, folder: Path) -> None:
        """Fail early if the workers cannot import declineabm or cannot see ``folder``."""
        try:
            seen = self.client.run(_sees_folder, str(folder))
        except Exception as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise SweepError(
                f"the Dask workers at {self.address} cannot run declineabm "
                f"({type(exc).__name__}: {first}); install it on every worker"
            ) from None
        blind = sorted(worker for worker, ok in seen.items() if not ok)
        if blind:
            raise SweepError(
                f"Dask worker {blind[0]} cannot see the results folder {folder}: --out must be "
                "on a filesystem shared by the client and every worker, at the same path"
            )

    def window(self) -> int:
        """Runs to keep submitted (see :data:`DASK_MIN_WINDOW`); follows the cluster's size."""
        now = time.monotonic()
        if now - self._checked > 30.0:
            self._threads = sum(self.client.nthreads().values())
            self._checked = now
        return max(DASK_MIN_WINDOW, 4 * self._threads)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Submit ``fn(*args)``."""
        return self.executor.submit(fn, *args)

    @staticmethod
    def broken(exc: BaseException) -> bool:
        """Dask reschedules the runs of a worker that died by itself: nothing to rebuild."""
        return False

    def lost(self, exc: BaseException | None = None) -> bool:
        """Is the cluster gone (its scheduler unreachable)? With ``exc``: did it cause that?"""
        from concurrent.futures import CancelledError

        if self.client.status != "running":
            return True
        if exc is None:
            return False
        name = type(exc).__name__
        return isinstance(exc, CancelledError | OSError) or name in ("CommClosedError",)

    def workers_started(self) -> int:
        """Dask's workers are started by the cluster: count them as started."""
        return 1

    def kill(self) -> None:  # pragma: no cover - Dask drops unresponsive workers itself
        """Nothing to kill: Dask removes a worker that stops answering (worker-ttl)."""

    def rebuild(self) -> None:  # pragma: no cover - never broken
        """Nothing to rebuild on a cluster."""

    def abort(self) -> None:
        """Stop now: cancel every run not finished."""
        self.executor.shutdown(wait=False)
        self.close()

    def close(self) -> None:
        """Disconnect (unless the client was passed in)."""
        if self._own:
            self.client.close()
