"""ABC-SMC calibration of a scenario against its record, with pyabc.

:func:`calibrate` runs pyabc's ``ABCSMC`` (sequential Monte Carlo approximate Bayesian
computation: a population of parameter sets from the prior, then generations proposed around
the last one and kept when their simulated record is within a shrinking distance of the real
one) with :class:`~declineabm.calibration.sampler.BatchSampler`, which evaluates every
simulation through :func:`declineabm.sweep.execute`. The results folder holds:

* ``history.db``: pyabc's History (SQLite), one transaction per finished generation;
* ``simulations/<generation>/batch-NNN/``: every evaluated batch, an executor folder each, so
  that a generation killed halfway reruns nothing when resumed;
* ``manifest.json``: the scenario, the calibration file and the window it was started with
  (``--resume`` must match them).

Same scenario, calibration file and seed: the same posterior, on any number of workers,
locally or on Dask, resumed or not.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from tqdm import tqdm

from declineabm.calibration.observation import (
    Compared,
    compared_observations,
    gather_record,
    last_year,
    predict,
    reporting_values,
)
from declineabm.calibration.spec import Calibration, CalibrationError, check_against
from declineabm.calibration.transforms import check_parameters, model_overrides
from declineabm.io.files import LOCK, write_json
from declineabm.io.observed import Observation
from declineabm.io.provenance import now, package_versions
from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.scenario import Scenario, load_scenario
from declineabm.scenario.errors import RunawayGrowthError
from declineabm.sweep import RunSpec, SweepError, execute, store
from declineabm.sweep.pools import DaskPool, LocalPool
from declineabm.sweep.store import read_manifest

HISTORY = "history.db"
MANIFEST = "manifest.json"
KIND = "declineabm calibration"
# The statistics of a run stopped for runaway growth: farther from any record than any run.
RUNAWAY = 1e12


@dataclass(frozen=True)
class Problem:
    """A calibration ready to run: the scenario, its record and what is compared.

    Attributes:
        scenario: The scenario as given (name or path).
        base: The resolved scenario (the posterior's draws apply to it).
        simulated: The scenario the calibration runs simulate (``base`` plus ``[set]``).
        calibration: The calibration file.
        record: The scenario's observed record.
        compared: Every target observation, in-sample and held out.
    """

    scenario: str
    base: Scenario
    simulated: Scenario
    calibration: Calibration
    record: tuple[Observation, ...]
    compared: tuple[Compared, ...]

    @property
    def in_sample(self) -> tuple[Compared, ...]:
        """The observations the fit sees."""
        return tuple(c for c in self.compared if c.in_sample)

    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicators the simulations must keep."""
        return tuple(dict.fromkeys(c.indicator for c in self.compared))

    def years(self, until: int) -> int:
        """Years to simulate from the start year to ``until``."""
        return until - self.simulated.simulation.start_year

    def spec(self, theta: Mapping[str, float], seed: int, until: int) -> RunSpec:
        """The run of one particle (its model parameters; reporting terms are not the model's)."""
        overrides = model_overrides(self.calibration.parameters, self.simulated, theta)
        return RunSpec(self.simulated, overrides, seed=seed, years=self.years(until))

    def identity(self) -> dict[str, Any]:
        """What a resumed calibration must share with the one it continues."""
        return {
            "scenario": self.scenario,
            "scenario_sha256": self.base.digest(),
            "calibration": str(self.calibration.path),
            "calibration_sha256": hashlib.sha256(self.calibration.text.encode()).hexdigest(),
            "until": self.calibration.until,
        }


def prepare(scenario: str | os.PathLike[str], calibration: Calibration) -> Problem:
    """Check everything a calibration needs before anything runs (one-line errors)."""
    base = load_scenario(scenario)
    if base.observed is None:
        raise CalibrationError(
            f"scenario '{base.name}' names no observed record (observed = \"file.csv\")"
        )
    # the scenario's record and the calibration's others (indicators the model lacks are
    # simply not targets)
    record = gather_record(calibration, base.observed)
    check_against(calibration, record, INDICATOR_NAMES)
    try:
        simulated = load_scenario(base, calibration.overrides)
    except CalibrationError:
        raise
    except Exception as exc:
        raise CalibrationError(f"{calibration.path}: [set]: {exc}") from None
    check_parameters(calibration, simulated)
    compared = compared_observations(calibration, record)
    end = simulated.simulation.end_year
    needed = last_year(compared, in_sample_only=False)
    if needed > end:
        raise CalibrationError(
            f"the record reaches {needed} but scenario '{base.name}' ends in {end}"
        )
    if calibration.until <= simulated.simulation.start_year:
        raise CalibrationError(
            f"--until {calibration.until}: must be after the start year "
            f"({simulated.simulation.start_year})"
        )
    return Problem(os.fspath(scenario), base, simulated, calibration, record, compared)


def _quiet_pyabc() -> None:
    # pyabc logs every generation at INFO; the calibration reports its own progress.
    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "History", "Transition"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)


def _check_folder(out: Path, problem: Problem, resume: bool) -> dict[str, Any] | None:
    if not out.exists() or all(path.name == LOCK for path in out.iterdir()):
        return None
    try:
        manifest = read_manifest(out, KIND)
    except SweepError:
        manifest = None
    if manifest is None:
        raise CalibrationError(f"{out} is not empty and holds no calibration; choose another")
    if not resume:
        raise CalibrationError(
            f"{out} already holds a calibration; continue it (--resume) or choose another folder"
        )
    identity = problem.identity()
    for key, value in identity.items():
        if manifest.get(key) != value:
            raise CalibrationError(
                f"{out} holds a calibration with another {key.replace('_sha256', '')} "
                f"({manifest.get(key)!r}); resume with the same options or choose another folder"
            )
    return manifest


def _generation_folder(out: Path, t: int) -> Path:
    name = "prior-sample" if t < 0 else f"generation-{t:02d}"
    return out / "simulations" / name


def read_series(table: Path) -> dict[str, dict[str, dict[int, float]]]:
    """A batch's time series: ``series[run_id][indicator][year]``."""
    from declineabm.analysis.arms import read_table

    frame = read_table(table)
    result: dict[str, dict[str, dict[int, float]]] = {}
    for run_id, part in frame.groupby("run_id", sort=False):
        years = part["year"].astype(int).to_numpy()
        result[str(run_id)] = {
            column: dict(
                zip(years.tolist(), part[column].to_numpy(np.float64).tolist(), strict=True)
            )
            for column in part.columns
            if column not in ("run_id", "year")
        }
    return result


def run_batch(
    specs: Sequence[RunSpec],
    folder: Path,
    indicators: Sequence[str],
    pool: Any,
    progress: bool,
) -> list[dict[str, dict[int, float]]]:
    """Run specs into ``folder`` (resuming what is there) and return each one's series."""
    series = run_proposals(specs, folder, indicators, pool, progress, runaway_rejected=False)
    # without runaway_rejected every failure raises, so every run has its series, in order
    return cast("list[dict[str, dict[int, float]]]", series)


def run_proposals(
    specs: Sequence[RunSpec],
    folder: Path,
    indicators: Sequence[str],
    pool: Any,
    progress: bool,
    *,
    runaway_rejected: bool = True,
) -> list[dict[str, dict[int, float]] | None]:
    """Run specs into ``folder`` (resuming what is there) and return each one's series.

    A run the model stopped for runaway growth
    (:class:`~declineabm.scenario.errors.RunawayGrowthError`: a valid parameter set that drives
    the region past what it can simulate) gives ``None`` with ``runaway_rejected``: a parameter
    set the record rejects. Any other failure raises.
    """
    summary = execute(
        specs,
        folder,
        resume=True,
        progress=progress,
        indicators=indicators,
        parameters=(),
        pool=pool,
    )
    runaway: set[str] = set()
    if summary.failed and runaway_rejected:
        from declineabm.analysis.arms import read_table

        runs = read_table(summary.runs_table)
        errors = runs["error"].fillna("").astype(str)
        marker = f"{RunawayGrowthError.__name__}:"
        stopped = (runs["status"] == "failed") & errors.str.startswith(marker)
        runaway = set(runs.loc[stopped, "run_id"].astype(str))
    if summary.failed > len(runaway):
        raise SweepError(
            f"{summary.failed - len(runaway)} of {summary.total} simulations failed (see "
            f"{summary.runs_table}); fix the cause and run again with --resume"
        )
    series = read_series(summary.timeseries_table)
    return [None if spec.run_id in runaway else series[spec.run_id] for spec in specs]


def calibrate(
    problem: Problem,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    progress: bool = True,
    pool: Any = None,
) -> Path:
    """Run (or continue) ABC-SMC into ``out``; returns the History database's path.

    Raises:
        CalibrationError, ScenarioError, SweepError: Invalid input; nothing is written.
        KeyboardInterrupt: Ctrl-C; ``out`` can be resumed.
    """
    out = Path(out).absolute()
    previous = _check_folder(out, problem, resume)
    out.mkdir(parents=True, exist_ok=True)
    with store.locked(out):  # a second calibration into the same folder is refused
        return _sample(problem, out, previous, workers, scheduler, progress, pool)


def _sample(
    problem: Problem,
    out: Path,
    previous: dict[str, Any] | None,
    workers: int | None,
    scheduler: Any,
    progress: bool,
    pool: Any,
) -> Path:
    """The ABC-SMC run itself (the folder checked and held)."""
    import pyabc  # imported here: it takes seconds, and bad input should fail before it

    from declineabm.calibration.sampler import BatchSampler, ReplayModel, model_seed

    _quiet_pyabc()
    calibration, budget = problem.calibration, problem.calibration.budget
    until = calibration.until
    in_sample = problem.in_sample
    manifest = dict(previous or {})
    manifest.update(
        {
            "kind": KIND,
            **problem.identity(),
            "status": "sampling",
            "started": manifest.get("started", now()),
            "sessions": [*manifest.get("sessions", []), {"started": now()}],
            "versions": package_versions(),
        }
    )
    write_json(out / MANIFEST, manifest)
    (out / "calibration.toml").write_text(calibration.text, encoding="utf-8")

    def evaluate(
        t: int, batch: int, indices: Sequence[int], proposals: Sequence[Mapping[str, float]]
    ) -> list[dict]:
        specs = [
            problem.spec(theta, model_seed(budget.seed, t, i), until)
            for i, theta in zip(indices, proposals, strict=True)
        ]
        folder = _generation_folder(out, t) / f"batch-{batch:03d}"
        series = run_proposals(specs, folder, problem.indicators, pool, progress)
        return [
            {c.key: RUNAWAY for c in in_sample}
            if s is None
            else predict(s, in_sample, reporting_values(calibration.reporting, theta))
            for s, theta in zip(series, proposals, strict=True)
        ]

    def report(t: int, accepted: int, n: int, evaluated: int) -> None:
        if progress:
            label = "prior sample" if t < 0 else f"generation {t + 1}/{budget.generations}"
            tqdm.write(
                f"calibrate: {label}: {accepted} of {n} accepted after {evaluated} simulations"
            )

    model = ReplayModel()
    sampler = BatchSampler(model, evaluate, budget.seed, budget.batch, report)
    priors = pyabc.Distribution(**{name: _rv(prior) for name, prior in calibration.priors.items()})
    abc = pyabc.ABCSMC(
        model,
        priors,
        pyabc.PNormDistance(p=2, fixed_weights={c.key: c.distance_weight for c in in_sample}),
        population_size=budget.population,
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(alpha=budget.quantile),
        transitions=transition_kernel(budget.transition, budget.transition_scaling),
    )
    database = out / HISTORY
    url = f"sqlite:///{database}"
    observed = {c.key: c.value for c in in_sample}
    history = abc.load(url, 1) if _has_run(database) else abc.new(url, observed)
    done = history.n_populations
    if not _finished(history, budget, done):
        with open_pool(workers, scheduler, pool) as pool:
            manifest["sessions"][-1]["executor"] = pool.describe()
            write_json(out / MANIFEST, manifest)
            abc.run(
                minimum_epsilon=budget.min_epsilon,
                max_nr_populations=budget.generations - done,
                min_acceptance_rate=budget.min_acceptance,
                max_total_nr_simulations=budget.max_simulations,
            )
    manifest["status"] = "sampled"
    manifest["sessions"][-1]["finished"] = now()
    manifest["simulations_run_this_session"] = sampler.simulations_run
    write_json(out / MANIFEST, manifest)
    return database


def transition_kernel(name: str, scaling: float) -> Any:
    """Pyabc's transition kernel of that name (spec.TRANSITIONS), its covariance scaled."""
    import pyabc

    if name == "local":
        return pyabc.LocalTransition(k_fraction=0.5, scaling=scaling)
    return pyabc.MultivariateNormalTransition(scaling=scaling)


def _rv(prior: Any) -> Any:
    import pyabc

    name, args = prior.scipy()
    return pyabc.RV(name, *args)


@contextlib.contextmanager
def open_pool(
    workers: int | None = None, scheduler: Any = None, pool: Any = None
) -> Iterator[LocalPool | DaskPool]:
    """Local worker processes or a Dask cluster, started once for many small batches.

    With ``pool``, that pool (left open for its owner).
    """
    if pool is not None:
        yield pool
        return
    if workers is not None and scheduler is not None:
        raise SweepError("give either local workers or a Dask scheduler, not both")
    if workers is not None and workers < 1:
        raise SweepError(f"workers = {workers}: must be at least 1")
    pool = DaskPool(scheduler) if scheduler is not None else LocalPool(workers)
    try:
        yield pool
    finally:
        pool.close()


def _has_run(database: Path) -> bool:
    """Whether the History database holds a started ABC-SMC run."""
    if not database.is_file():
        return False
    import sqlite3

    try:
        with sqlite3.connect(database) as connection:
            rows = connection.execute("SELECT count(*) FROM abc_smc").fetchone()
    except sqlite3.Error:
        rows = None
    if not rows or not rows[0]:
        database.unlink()  # killed while pyabc created it: start afresh
        return False
    return True


def _finished(history: Any, budget: Any, done: int) -> bool:
    """Whether pyabc would already have stopped after the last stored generation."""
    from pyabc.inference_util import termination_criteria_fulfilled

    if done >= budget.generations:
        return True
    if done == 0:
        return False
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0].sort_values("t")
    last = populations.iloc[-1]
    previous_eps = populations.iloc[-2]["epsilon"] if len(populations) > 1 else None
    return bool(
        termination_criteria_fulfilled(
            current_eps=float(last["epsilon"]),
            min_eps=budget.min_epsilon,
            prev_eps=previous_eps,
            min_eps_diff=0.0,
            stop_if_single_model_alive=False,
            nr_of_models_alive=1,
            acceptance_rate=float(last["particles"]) / float(last["samples"]),
            min_acceptance_rate=budget.min_acceptance,
            total_nr_simulations=history.total_nr_simulations,
            max_total_nr_simulations=budget.max_simulations,
            walltime=timedelta(0),
            max_walltime=None,
            t=int(last["t"]),
            max_t=budget.generations - 1,
        )
    )


def posterior_frame(database: Path, names: Sequence[str]) -> pd.DataFrame:
    """The last generation's particles: one column per calibrated number, and ``weight``."""
    import pyabc

    history = pyabc.History(f"sqlite:///{database}", _id=1, create=False)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)[list(names)]
    frame["weight"] = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))
    return frame


def diagnostics(database: Path) -> pd.DataFrame:
    """Per generation: epsilon, simulations, acceptance rate and effective sample size."""
    import pyabc

    history = pyabc.History(f"sqlite:///{database}", _id=1, create=False)
    populations = history.get_all_populations().sort_values("t")
    rows = []
    for row in populations.itertuples():
        if row.t < 0:
            rows.append(
                {
                    "generation": "prior sample",
                    "epsilon": np.nan,
                    "simulations": int(row.samples),
                    "accepted": np.nan,
                    "acceptance_rate": np.nan,
                    "ess": np.nan,
                }
            )
            continue
        _, weights = history.get_distribution(m=0, t=int(row.t))
        weights = np.asarray(weights, dtype=np.float64)
        weights = weights / weights.sum()
        rows.append(
            {
                "generation": int(row.t) + 1,
                "epsilon": float(row.epsilon),
                "simulations": int(row.samples),
                "accepted": int(row.particles),
                "acceptance_rate": float(row.particles) / float(row.samples),
                "ess": float(1.0 / np.sum(weights**2)),
            }
        )
    return pd.DataFrame(rows)
