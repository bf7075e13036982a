"""A browser session's city: the models, and the worker thread that builds and steps them.

A :class:`LiveRun` owns the run the user watches and the counterfactuals beside it (the same
scenario and seed with some values changed). A worker thread does everything that takes time
(building a city, stepping, catching a new counterfactual up) so the page stays responsive
however large the city, and after the years it shows it publishes a
:class:`~.frames.Frame`, an immutable snapshot the page draws without touching the models.

Requests from the page are checked before they are queued (:class:`ScenarioError` with a
one-line message) and queued as the worker's own methods with their arguments; the city is only
replaced once its successor is built, so bad input never costs the user the run they have.

While it plays, the worker publishes a frame every year and steps the next year only once the
browser says the year is on the page (:meth:`LiveRun.acknowledge`): the model is never more
than the year it is stepping ahead of the page, so Pause stops within a year of what the user
saw, and a slow browser slows the run instead of falling behind it. (Stepping while a frame is
on its way would be faster, but then a click lands while one year is on its way to the page and
the next is being stepped: two years beyond what the user saw, as the browser test measured.)

Drawing the map and the charts costs the server and the browser more than the year in the top
bar, so a run that plays fast redraws them at most :data:`FRAME_INTERVAL` apart, and at *max*
(or running until a year) at most :data:`FAST_FRAME_INTERVAL` apart and :data:`DRAW_SHARE` of
the time (a frame between has ``redraw`` False: only the year moves on, and the next redrawn
frame has every year up to its own). At up to 5 years a second every year is redrawn; a run
that stops (Pause, the last year, run until) is always redrawn where it stops. The year goes to
the page ahead of the map and the charts (:class:`~.feed.FrameFeed`), so the browser answers
while they are still on their way, and the worker spends the wait on the year's rows of
cities.csv, which nothing on the page needs before the next redraw.

Each browser session has its own ``LiveRun``; :data:`CITIES` counts them against the server's
limit. Nothing else is shared between sessions.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from declineabm.analysis.arms import replicate_seeds
from declineabm.io.provenance import now
from declineabm.model import UrbanDeclineModel
from declineabm.run import run_record
from declineabm.scenario import Scenario, ScenarioError

from . import files
from .bands import BandRunner, Bands
from .citymap import City, snapshot
from .experiment import MAX_SEEDS, Counterfactual, Experiment, Intervention
from .frames import ArmTrace, CityRow, Frame, Row, RunState, RunView
from .settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_SPEED = 5.0
"""Years per second while playing; 0 means as fast as the machine allows."""
ACK_TIMEOUT = 1.0
"""Seconds the worker waits for the browser to show a frame before it goes on regardless."""
FRAME_INTERVAL = 0.125
"""Seconds at least between two frames the page redraws in full while playing (eight a second)."""
FAST_FRAME_INTERVAL = 0.25
"""The same at *max* and while running until a year (four a second): each redraw costs the
worker the time of a year, and the browser draws the charts at most a quarter of its time."""
DRAW_SHARE = 0.25
"""At *max* and while running until a year: the share of the time redrawing may take."""
CITY = "this run"
"""The name of the city itself among the arms (charts, bands, downloads)."""


class CityLimit:
    """How many cities (sessions) the server keeps at once.

    Args:
        limit: The most cities open at once (None: no limit).
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.on_release: Callable[[], None] | None = None  # the server frees memory then
        self._lock = threading.Lock()
        self._open: set[int] = set()

    def admit(self, run: LiveRun) -> bool:
        """Count a new city in, unless the server is full."""
        with self._lock:
            if self.limit is not None and len(self._open) >= self.limit:
                return False
            self._open.add(id(run))
        logger.info("a city opened (%d open)", self.count)
        return True

    def release(self, run: LiveRun) -> None:
        """Count a city out (it has been freed)."""
        with self._lock:
            if id(run) not in self._open:
                return
            self._open.discard(id(run))
        logger.info("a city was freed (%d open)", self.count)
        if self.on_release is not None:
            self.on_release()

    @property
    def count(self) -> int:
        """Cities open now."""
        return len(self._open)


CITIES = CityLimit()
"""The cities of this server (``declineabm app --max-cities`` sets the limit)."""


@dataclass
class _Run:
    """A model with its yearly indicators and the live changes it has taken."""

    model: UrbanDeclineModel
    start: City
    fixed: frozenset[str] = frozenset()  # keys a counterfactual keeps, whatever live changes say
    name: str = CITY
    rows: list[Row] = field(default_factory=list)
    applied: int = 0  # interventions applied so far
    cities: list[tuple[CityRow, ...]] | None = None  # each year's cities.csv rows (the city's)

    def record(self, cities: bool = True) -> None:
        """This year's indicators; ``cities`` False: the cities' later (:meth:`record_cities`)."""
        self.rows.append(dict(self.model.indicators))
        if cities:
            self.record_cities()

    def record_cities(self) -> None:
        """This year's rows of cities.csv, unless recorded already."""
        if self.cities_due:
            self.cities.append(tuple(self.model.city_indicators()))  # type: ignore[union-attr]

    @property
    def cities_due(self) -> bool:
        """Whether this year's cities.csv rows are still to record (a counterfactual has none)."""
        return self.cities is not None and len(self.cities) < len(self.rows)


class LiveRun:
    """A session's city, stepped by a worker thread; every method returns at once.

    Args:
        experiment: What to build first (the default scenario and seed if omitted).
        on_frame: Called from the worker thread with every new frame.
    """

    def __init__(
        self,
        experiment: Experiment | Settings | None = None,
        on_frame: Callable[[Frame], None] | None = None,
    ) -> None:
        if isinstance(experiment, Settings):
            experiment = Experiment(experiment)
        self.on_frame = on_frame
        self._cond = threading.Condition()
        self._jobs: deque[Callable[[], None]] = deque()
        self._active = False
        self._closed = False
        self._playing = False
        self._speed = DEFAULT_SPEED
        self._render_every = 1
        self._thread: threading.Thread | None = None
        self._version = 0
        self._acknowledged = -1  # the last frame the browser has drawn (-1: no browser seen)
        self._error = ""
        self._busy = ""
        self._frame: Frame | None = None
        self._redrawn_at = 0.0  # when the last frame redrawn in full was published
        self._redraw_cost = 0.0  # and how long the page took to draw it
        # The run and what it was built from; replaced together on reset.
        self._experiment = experiment or Experiment()
        self._scenario = self._experiment.check()
        self._main: _Run | None = None
        self._arms: list[_Run] = []
        self._interventions: list[Intervention] = []
        self._until: int | None = None
        self._started = now()
        self._wall_time = 0.0
        self._bands: Bands | None = None
        self._band_runner = BandRunner(self._bands_changed)
        self._jobs.append(functools.partial(self._build, self._experiment, self._scenario))

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> LiveRun:
        """Start the worker thread (builds the first city)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="declineabm-live", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the worker and the seeds; the worker frees the models and counts the city out.

        Does not wait for the worker, which may be publishing a frame into the page being
        closed.
        """
        with self._cond:
            self._closed = True
            self._playing = False
            self._cond.notify_all()
        self._band_runner.cancel()
        if self._thread is None:
            self._release()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no request is pending and the run is not playing (for tests and tools)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._active or self._playing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # --- what the page reads ---------------------------------------------------------------

    @property
    def frame(self) -> Frame | None:
        """The latest frame (None until the first city is built)."""
        return self._frame

    @property
    def model(self) -> UrbanDeclineModel | None:
        """The current model (the worker steps it: read it only while the run is idle)."""
        return self._main.model if self._main else None

    @property
    def counterfactuals(self) -> list[UrbanDeclineModel]:
        """The counterfactuals' models (read them only while the run is idle)."""
        return [run.model for run in self._arms]

    @property
    def experiment(self) -> Experiment:
        """What the current run was built from, with its counterfactuals and live changes."""
        with self._cond:
            return self._current_experiment()

    @property
    def settings(self) -> Settings:
        """The settings the city runs with now (live changes made so far applied)."""
        with self._cond:
            return self._settings_now()

    @property
    def playing(self) -> bool:
        """Whether the run is playing."""
        return self._playing

    # --- requests from the page (checked here, carried out by the worker) ------------------

    def load(self, experiment: Experiment) -> None:
        """Build a new city with its counterfactuals and scheduled live changes.

        Raises:
            ScenarioError: The experiment is invalid; the current city is kept.
        """
        scenario = experiment.check()
        self._submit(functools.partial(self._build, experiment, scenario), stop=True)

    def reset(self, settings: Settings) -> None:
        """Build a new city from ``settings``, keeping the counterfactuals and seeds.

        Raises:
            ScenarioError: The settings are invalid; the current city is kept.
        """
        with self._cond:
            current = self._experiment
        self.load(Experiment(settings, current.counterfactuals, (), current.seeds))

    def step(self, years: int = 1) -> None:
        """Advance the run by ``years`` (pauses a playing run)."""
        self._submit(functools.partial(self._step, max(1, int(years))), stop=True)

    def play(self) -> None:
        """Step on until paused or the last year, at the chosen speed."""
        with self._cond:
            self._playing = True
            self._until = None
            self._jobs.append(self._publish)
            self._cond.notify_all()

    def run_until(self, year: int) -> None:
        """Play as fast as possible to ``year``, then stop there.

        Raises:
            ScenarioError: The year is outside the run, or already behind it.
        """
        start, end = self._scenario.simulation.start_year, self._scenario.simulation.end_year
        if not isinstance(year, int) or not start < year <= end:
            raise ScenarioError(f"run until {year}: must be a year after {start}, up to {end}")
        if self._main is not None and year <= self._main.model.year:
            raise ScenarioError(f"run until {year}: the city is already in {self._main.model.year}")
        with self._cond:
            self._until = year
            self._playing = True
            self._jobs.append(self._publish)
            self._cond.notify_all()

    def pause(self) -> None:
        """Stop playing after the current step."""
        self._submit(self._publish, stop=True)

    def set_speed(self, years_per_second: float) -> None:
        """Playing speed in years per second; 0 for as fast as possible."""
        with self._cond:
            self._speed = max(0.0, float(years_per_second))
            self._cond.notify_all()

    def set_render_every(self, years: int) -> None:
        """Publish a frame every ``years`` steps while playing (large cities draw less often)."""
        with self._cond:
            self._render_every = max(1, int(years))

    def acknowledge(self, version: int) -> None:
        """The browser has drawn the frame ``version`` (see the module docstring)."""
        with self._cond:
            self._acknowledged = max(self._acknowledged, int(version))
            self._cond.notify_all()

    def set_counterfactuals(self, arms: Iterable[Counterfactual]) -> None:
        """Run these counterfactuals beside the city (none: no counterfactual).

        Raises:
            ScenarioError: An arm is invalid (see :meth:`Experiment.check`).
        """
        arms = tuple(arms)
        with self._cond:
            experiment = replace(self._experiment, counterfactuals=arms)
        experiment.check()
        self._submit(functools.partial(self._set_arms, arms))

    def compare(self, switched_off: Iterable[str]) -> None:
        """Run one counterfactual without the given causes (none: no counterfactual).

        Raises:
            ScenarioError: A name is not one of the causes.
        """
        chosen = tuple(switched_off)
        self.set_counterfactuals([Counterfactual.without(chosen)] if chosen else [])

    def apply_live(self, changes: Mapping[str, Any]) -> None:
        """Give the running city (and its counterfactuals) new values from its next year on.

        Raises:
            ScenarioError: A key cannot change mid-run, or a value is out of range.
        """
        changes = dict(changes)
        with self._cond:
            year = self._main.model.year if self._main else self._scenario.simulation.start_year
            settings = self._settings_now()
        change = Intervention.of(min(year, self._scenario.simulation.end_year - 1), changes)
        change.check(self._scenario)
        settings.with_changes(changes).resolve()
        self._submit(functools.partial(self._apply, changes))

    def set_seeds(self, seeds: int) -> None:
        """Run ``seeds`` seeds of every arm in the background (1: no bands).

        Raises:
            ScenarioError: Not from 1 to :data:`~.experiment.MAX_SEEDS`.
        """
        if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
            raise ScenarioError(f"seeds = {seeds}: must be from 1 to {MAX_SEEDS}")
        self._submit(functools.partial(self._set_seeds, seeds))

    # --- exports -----------------------------------------------------------------------------

    def csv_text(self, arm: str = CITY) -> str:
        """An arm's yearly indicators so far, in the format of ``declineabm run``'s model.csv."""
        with self._cond:
            runs = [r for r in (self._main, *self._arms) if r is not None and r.name == arm]
            rows = list(runs[0].rows) if runs else []
        return files.model_csv(rows)

    def cities_csv(self) -> str:
        """The per-city indicators so far, in the format of ``declineabm run``'s cities.csv."""
        with self._cond:
            years = list(self._main.cities or ()) if self._main else []
        return files.cities_csv(row for year in years for row in year)

    def run_record(self) -> dict[str, Any]:
        """The run's ``run.json``: as ``declineabm run`` writes it, plus the page's experiment.

        ``interventions`` lists the live changes, ``counterfactuals`` the arms with their
        changes, ``seeds`` the seeds of the bands and ``link`` the page's query string (which
        plays the run to the year it has reached).
        """
        from .links import to_query

        with self._cond:
            rows = self._main.rows if self._main else []
            year = int(rows[-1]["year"]) if rows else self._scenario.simulation.start_year
            view = RunView(self._scenario, self._experiment.settings.seed, year)
            finished = year >= self._scenario.simulation.end_year
            status = "ok" if finished else "partial"
            record = run_record(view, self._started, self._wall_time, status)  # type: ignore[arg-type]
            experiment = self._current_experiment()
        record.update(files.experiment_record(experiment))
        reached = year if year > self._scenario.simulation.start_year else None
        record["link"] = "?" + to_query(replace(experiment, until=reached))
        return record

    def run_json(self) -> str:
        """:meth:`run_record` as the text of a ``run.json`` file."""
        return files.json_text(self.run_record())

    def scenario_toml(self) -> str:
        """The city's settings as a scenario file that ``declineabm run`` accepts."""
        with self._cond:
            experiment = self._current_experiment()
            scenario = self._scenario
        return files.scenario_toml(scenario, experiment)

    def archive(self) -> bytes:
        """A zip of every arm's ``model.csv``, ``cities.csv``, ``run.json``, scenario, seeds."""
        with self._cond:
            arms = [
                (run.name, files.model_csv(run.rows)) for run in (self._main, *self._arms) if run
            ]
            bands = self._bands
        return files.archive(
            arms,
            self.run_json(),
            self.scenario_toml(),
            bands.csv_text() if bands is not None and bands.ready else "",
            self.cities_csv(),
        )

    # --- the worker --------------------------------------------------------------------------

    def _submit(self, job: Callable[[], None], stop: bool = False) -> None:
        with self._cond:
            if stop:
                self._playing = False
                self._until = None
            self._jobs.append(job)
            self._cond.notify_all()

    def _work(self) -> None:
        next_step = 0.0
        try:
            while True:
                with self._cond:
                    while not self._closed and not self._jobs and not self._can_play():
                        self._active = False
                        self._cond.notify_all()
                        self._cond.wait()
                    if self._closed:
                        return
                    job = self._jobs.popleft() if self._jobs else None
                    fast = self._speed == 0 or self._until is not None
                    if job is None and not fast:
                        delay = next_step - time.monotonic()
                        if delay > 0:
                            # wait for the next tick, but wake for pause, reset and the like
                            self._cond.wait(delay)
                            continue
                    self._active = True
                if job is None:
                    next_step = time.monotonic() + (0.0 if fast else 1.0 / self._speed)
                    self._play_one()
                else:
                    self._run_job(job)
        finally:
            self._release()

    def _can_play(self) -> bool:
        return self._playing and self._main is not None and not self._finished()

    def _finished(self) -> bool:
        assert self._main is not None
        return self._main.model.year >= self._main.model.config.simulation.end_year

    def _play_one(self) -> None:
        with self._cond:
            if self._acknowledged >= 0:  # a browser draws the frames: wait for the last one
                deadline = time.monotonic() + ACK_TIMEOUT
                while self._acknowledged < self._version and self._playing and not self._closed:
                    if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                        break
            if not self._can_play() or self._jobs:  # paused, or asked something, meanwhile
                return
        try:
            self._advance(cities=False)
        except Exception as exc:  # a failing step must not kill the session
            self._fail(exc)
            return
        with self._cond:
            assert self._main is not None
            year = self._main.model.year
            if self._until is not None and year >= self._until:
                self._playing, self._until = False, None
            if self._finished():
                self._playing = False
            shown = self._main.model.steps % self._render_every == 0
            fast = self._speed == 0 or self._until is not None
        redraw = not self._playing or (shown and self._redraw_due(fast))
        main = self._main
        if redraw:  # the cities' chart draws this year's rows
            self._record_cities(main)
        self._publish(redraw=redraw)
        # a year the page only shows in the top bar: its cities.csv rows while the browser shows
        # it (the worker waits for that anyway), before the next step changes the model
        self._record_cities(main)

    def _record_cities(self, run: _Run) -> None:
        if not run.cities_due:
            return
        try:
            year = tuple(run.model.city_indicators())
        except Exception as exc:  # as a failing step: the session goes on
            self._fail(exc)
            return
        with self._cond:
            run.cities.append(year)  # type: ignore[union-attr]

    def _redraw_due(self, fast: bool) -> bool:
        """Whether the next frame of a playing run is redrawn in full (see the module docstring)."""
        wait = max(FAST_FRAME_INTERVAL, self._redraw_cost / DRAW_SHARE) if fast else FRAME_INTERVAL
        return time.monotonic() - self._redrawn_at >= wait

    def _run_job(self, job: Callable[[], None]) -> None:
        try:
            job()
            self._error = ""
        except Exception as exc:
            self._fail(exc)
            return
        if job != self._publish:
            self._publish()

    def _fail(self, exc: Exception) -> None:
        if not isinstance(exc, ScenarioError):
            logger.exception("background request failed")
        with self._cond:
            self._playing = False  # a step that failed would fail again at every tick
            self._until = None
        self._error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self._busy = ""
        self._publish()

    def _build(self, experiment: Experiment, scenario: Scenario) -> None:
        sim = scenario.simulation
        self._announce(
            f"Building the region: {sim.population:,.0f} people as {sim.residents:,} resident "
            "agents…"
        )
        model = UrbanDeclineModel(scenario, seed=experiment.settings.seed)
        main = _Run(model, snapshot(model), cities=[])
        main.record()
        with self._cond:
            old = (self._main, *self._arms)
            self._main, self._arms = main, []
            self._experiment, self._scenario = experiment, scenario
            self._interventions = list(experiment.interventions)
            self._started, self._wall_time = now(), 0.0
        _dispose(*old)
        self._apply_due(main)
        self._build_arms(experiment.counterfactuals)
        self._restart_bands()
        if experiment.until is not None and experiment.until > sim.start_year:
            with self._cond:
                self._until, self._playing = experiment.until, True

    def _set_arms(self, arms: tuple[Counterfactual, ...]) -> None:
        with self._cond:
            old, self._arms = self._arms, []
            self._experiment = replace(self._experiment, counterfactuals=arms)
        _dispose(*old)
        self._build_arms(arms)
        self._restart_bands()

    def _build_arms(self, arms: tuple[Counterfactual, ...]) -> None:
        if self._main is None:
            return
        built = []
        for arm in arms:
            self._announce(f"Running the counterfactual “{arm.name}”…")
            scenario = arm.settings(self._experiment.settings).resolve()
            model = UrbanDeclineModel(scenario, seed=self._experiment.settings.seed)
            run = _Run(model, snapshot(model), frozenset(dict(arm.changes)), arm.name)
            run.record()
            self._catch_up(run)
            built.append(run)
        with self._cond:
            self._arms = built
        self._busy = ""

    def _set_seeds(self, seeds: int) -> None:
        with self._cond:
            self._experiment = replace(self._experiment, seeds=seeds)
        self._restart_bands()

    def _restart_bands(self) -> None:
        experiment = self._experiment
        if experiment.seeds < 2 or self._main is None:
            self._band_runner.cancel()
            self._bands = None
            return
        arms = {CITY: {}, **{arm.name: dict(arm.changes) for arm in experiment.counterfactuals}}
        seeds = replicate_seeds(experiment.settings.seed, experiment.seeds)
        self._bands = self._band_runner.start(self._scenario, arms, seeds)

    def _bands_changed(self, bands: Bands) -> None:
        """From the band runner's thread: show the new state with the next frame."""
        with self._cond:
            if self._bands is None or bands.seeds != self._bands.seeds:
                return  # a batch that was cancelled meanwhile
            self._bands = bands
            if not self._playing:
                self._jobs.append(self._publish)
                self._cond.notify_all()

    def _apply(self, changes: dict[str, Any]) -> None:
        assert self._main is not None
        change = Intervention.of(self._main.model.year, changes)
        with self._cond:
            # after every change of the same year or earlier: the list stays in year order
            at = sum(1 for other in self._interventions if other.year <= change.year)
            self._interventions.insert(at, change)
        self._apply_due(self._main)
        for run in self._arms:
            self._catch_up(run)

    def _step(self, years: int) -> None:
        for _ in range(years):
            if self._main is None or self._finished():
                break
            self._advance()

    def _advance(self, cities: bool = True) -> None:
        """One year of the run, and of the counterfactuals beside it.

        Args:
            cities: Record the year's rows of cities.csv now; False: the caller records them
                (:meth:`_Run.record_cities`) before the next step.
        """
        assert self._main is not None
        started = time.perf_counter()
        self._apply_due(self._main)
        self._main.model.step()
        with self._cond:
            self._main.record(cities)
            self._wall_time += time.perf_counter() - started
        for run in self._arms:
            self._catch_up(run)

    def _catch_up(self, run: _Run) -> None:
        """Step a counterfactual to the city's year, making the same live changes on the way."""
        assert self._main is not None
        while True:
            self._apply_due(run)
            if run.model.year >= self._main.model.year:
                return
            run.model.step()
            with self._cond:
                run.record()

    def _apply_due(self, run: _Run) -> None:
        """Give a run the live changes due by its year (a counterfactual keeps its own keys)."""
        while run.applied < len(self._interventions):
            change = self._interventions[run.applied]
            if change.year > run.model.year:
                return
            kept = {k: v for k, v in change.changes if k not in run.fixed}
            if kept:
                run.model.set_causes(**kept)
            run.applied += 1

    def _settings_now(self) -> Settings:
        applied = self._main.applied if self._main else 0
        settings = self._experiment.settings
        for change in self._interventions[:applied]:
            settings = settings.with_changes(dict(change.changes))
        return settings

    def _current_experiment(self) -> Experiment:
        return replace(self._experiment, interventions=tuple(self._interventions), until=None)

    def _announce(self, message: str) -> None:
        """Show what takes a while (the page keeps showing the current city meanwhile)."""
        self._busy = message
        self._publish()

    def _publish(self, redraw: bool = True) -> None:
        started = time.monotonic()
        with self._cond:
            if self._main is None or self._closed:
                return
            self._version += 1
            main = self._main
            last = self._frame
            frame = Frame(
                version=self._version,
                experiment=self._current_experiment(),
                settings=self._settings_now(),
                scenario=self._scenario,
                year=main.model.year,
                steps=main.model.steps,
                rows=tuple(main.rows),
                cities=tuple(main.cities or ()),
                arms=tuple(ArmTrace(run.name, tuple(run.rows)) for run in self._arms),
                city=snapshot(main.model) if redraw or last is None else last.city,
                start_city=main.start,
                state=RunState(
                    playing=self._playing,
                    finished=self._finished(),
                    busy=self._busy,
                    error=self._error,
                    until=self._until,
                ),
                bands=self._bands,
                redraw=redraw or last is None,
            )
            self._frame = frame
        if self.on_frame is not None:
            try:
                self.on_frame(frame)
            except Exception:  # the page may be closing; the run itself is fine
                logger.exception("could not show a frame")
        if frame.redraw:
            self._redrawn_at, self._redraw_cost = started, time.monotonic() - started

    def _release(self) -> None:
        with self._cond:
            runs = (self._main, *self._arms)
            self._main, self._arms = None, []
            self._active = False
            self._cond.notify_all()
        _dispose(*runs)
        CITIES.release(self)  # counted out once its models are gone


def _dispose(*runs: _Run | None) -> None:
    for run in runs:
        if run is not None:
            run.model.dispose()
