"""Seed bands: many seeds of every arm, run in the background through the batch executor.

One city is one draw of chance. With "seeds" above 1 the page runs that many seeds of the city
and of each counterfactual (:func:`declineabm.analysis.arms.run_arms`, the batch executor the
analyses use, with common random numbers across arms) and draws each arm's median and its
90 % band (5th to 95th percentile over seeds). The bands show the arms as built: live changes
made while the city plays are not in them (the batch executor runs whole scenarios).

The batch runs in a separate process, one worker wide, so the city on screen keeps one core and
its numbers are never touched; the page reads progress from the batch's folder. Only one batch
runs on a server at a time (:data:`BATCH_SLOTS`); others wait their turn. Cancelling (new
settings, a closed tab) stops the process, whose worker exits with it.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from declineabm.io.files import csv_line
from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.scenario import Scenario

logger = logging.getLogger(__name__)

LOW, HIGH = 0.05, 0.95
"""The band's quantiles: 90 % of seeds fall between them."""
BATCH_SLOTS = threading.BoundedSemaphore(1)
"""Batches running at once on this server (each takes one core)."""
POLL_SECONDS = 0.5
RESULT = "bands.parquet"
_RUNNING: set[multiprocessing.process.BaseProcess] = set()
"""Batch processes under way (stopped when the server exits, rather than waited for)."""


@atexit.register
def _stop_batches() -> None:
    for process in list(_RUNNING):
        process.terminate()


@dataclass(frozen=True, eq=False)
class ArmBand:
    """One arm over the seeds: by indicator, the 5 %, 50 % and 95 % quantiles of each year."""

    years: tuple[int, ...]
    low: Mapping[str, np.ndarray]
    median: Mapping[str, np.ndarray]
    high: Mapping[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Bands:
    """The state of a session's seed bands.

    Attributes:
        seeds: Seeds per arm.
        total: Runs in the batch (seeds times arms).
        done: Runs finished so far.
        arms: Each arm's band by name, once the batch is done (empty before).
        table: Every run's yearly indicators (``arm``, ``seed``, then ``model.csv``'s columns).
        error: Why the batch failed ("" if it did not).
    """

    seeds: int
    total: int
    done: int = 0
    arms: Mapping[str, ArmBand] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    error: str = ""

    @property
    def ready(self) -> bool:
        """The bands can be drawn."""
        return bool(self.arms)

    def csv_text(self) -> str:
        """Every seed of every arm, one row a year, in ``model.csv``'s number format."""
        if self.table is None:
            return ""
        columns = ["arm", "seed", *INDICATOR_NAMES]
        rows = self.table[columns].itertuples(index=False, name=None)
        return csv_line(columns) + "".join(csv_line(row) for row in rows)


def summarise(table: pd.DataFrame) -> dict[str, ArmBand]:
    """Each arm's quantiles over seeds, year by year."""
    bands = {}
    indicators = [name for name in INDICATOR_NAMES if name != "year"]
    for arm, rows in table.groupby("arm", sort=False):
        by_year = rows.groupby("year")[indicators]
        low, median, high = (by_year.quantile(q) for q in (LOW, 0.5, HIGH))
        bands[str(arm)] = ArmBand(
            tuple(int(y) for y in low.index),
            {name: low[name].to_numpy() for name in indicators},
            {name: median[name].to_numpy() for name in indicators},
            {name: high[name].to_numpy() for name in indicators},
        )
    return bands


def _run_batch(
    scenario: Scenario,
    arms: list[tuple[str, dict[str, Any]]],
    seeds: list[int],
    folder: str,
    server: int,
) -> None:
    """The batch process: every arm with every seed, one worker, into ``folder``."""
    from declineabm.analysis.arms import Arm, run_arms
    from declineabm.sweep.pools import init_local_worker

    init_local_worker(server)  # ends with the server, even if it is killed; Ctrl-C is its to stop
    table = run_arms(
        scenario,
        [Arm(name, overrides) for name, overrides in arms],
        seeds,
        Path(folder) / "batch",
        workers=1,
        progress=False,
    )
    table.to_parquet(Path(folder) / RESULT)


class BandRunner:
    """A session's background batch: at most one at a time, replaced when the arms change.

    Args:
        on_update: Called (from the runner's thread) with every new state of the bands.
    """

    def __init__(self, on_update: Callable[[Bands], None]) -> None:
        self.on_update = on_update
        self._lock = threading.Lock()
        self._cancel: threading.Event | None = None

    def start(
        self, scenario: Scenario, arms: Mapping[str, Mapping[str, Any]], seeds: list[int]
    ) -> Bands:
        """Start a batch (cancelling the one under way); returns its first state.

        Args:
            scenario: The city's scenario (every arm's changes go on top of it).
            arms: Each arm's changes by name, the city first (no changes).
            seeds: The seeds, the same for every arm.
        """
        self.cancel()
        first = Bands(len(seeds), len(seeds) * len(arms))
        cancel = threading.Event()
        with self._lock:
            self._cancel = cancel
        job = [(name, dict(changes)) for name, changes in arms.items()]
        threading.Thread(
            target=self._run,
            args=(scenario, job, list(seeds), first, cancel),
            name="declineabm-bands",
            daemon=True,
        ).start()
        return first

    def cancel(self) -> None:
        """Stop the batch under way, if any (its process ends within a second)."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()
            self._cancel = None

    def _run(
        self,
        scenario: Scenario,
        arms: list[tuple[str, dict[str, Any]]],
        seeds: list[int],
        state: Bands,
        cancel: threading.Event,
    ) -> None:
        while not BATCH_SLOTS.acquire(timeout=POLL_SECONDS):  # another page's batch runs
            if cancel.is_set():
                return
        folder = Path(tempfile.mkdtemp(prefix="declineabm-bands-"))
        try:
            self._batch(scenario, arms, seeds, state, cancel, folder)
        except Exception as exc:  # the session goes on without bands
            logger.exception("seed bands failed")
            if not cancel.is_set():
                why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                self.on_update(Bands(state.seeds, state.total, error=why))
        finally:
            BATCH_SLOTS.release()
            shutil.rmtree(folder, ignore_errors=True)

    def _batch(
        self,
        scenario: Scenario,
        arms: list[tuple[str, dict[str, Any]]],
        seeds: list[int],
        state: Bands,
        cancel: threading.Event,
        folder: Path,
    ) -> None:
        from declineabm.sweep import store

        # not a daemon: a daemon process may not start the batch's worker
        process = multiprocessing.get_context("spawn").Process(
            target=_run_batch, args=(scenario, arms, seeds, str(folder), os.getpid())
        )
        process.start()
        _RUNNING.add(process)
        done = 0
        try:
            while process.is_alive():
                process.join(POLL_SECONDS)
                if cancel.is_set():
                    process.terminate()
                    process.join()
                    return
                finished, _ = store.scan(folder / "batch")
                if len(finished) > done:  # (the executor removes its shards once merged)
                    done = len(finished)
                    self.on_update(Bands(state.seeds, state.total, done))
        finally:
            _RUNNING.discard(process)
        if process.exitcode != 0:
            raise RuntimeError(f"the batch of seeds stopped (exit code {process.exitcode})")
        table = pd.read_parquet(folder / RESULT)
        if not cancel.is_set():
            bands = summarise(table)
            self.on_update(Bands(state.seeds, state.total, state.total, bands, table))
