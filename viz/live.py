"""A browser session's city: the run on screen, its counterfactual, the thread that steps them.

A :class:`LiveRun` owns two models: the run the user watches and, when asked for, a
counterfactual with the same scenario and seed but some causes switched off. A worker thread
does everything that takes time (building a city, stepping, catching a new counterfactual up)
so the page stays responsive however large the city, and after every ``render_every`` years it
publishes a :class:`Frame`: an immutable snapshot the page draws without touching the models.

Every request is checked before it is queued (:class:`~declineabm.scenario.ScenarioError` with a
one-line message) and the city is only replaced once its successor is built, so bad input never
costs the user the run they have. Each browser session has its own ``LiveRun``; nothing here is
shared between sessions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from declineabm.io.files import csv_line
from declineabm.io.provenance import now
from declineabm.model import UrbanDeclineModel
from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.run import run_record
from declineabm.scenario import MECHANISMS, Scenario, ScenarioError, available_scenarios
from declineabm.scenario import load_scenario as _load

from .catalogue import EDITABLE, is_live
from .citymap import City, snapshot

logger = logging.getLogger(__name__)

DEFAULT_SCENARIO = "northeast"
DEFAULT_SEED = 7
MAX_SEED = 2**63 - 1
DEFAULT_SPEED = 5.0
"""Years per second while playing; 0 means as fast as the machine allows."""


# ---------------------------------------------------------------------------------------------
# What a run is built from


@dataclass(frozen=True)
class Settings:
    """What Reset builds: a shipped scenario, a seed and overrides of the page's controls.

    Attributes:
        scenario: Name of a scenario in ``configs/``.
        seed: Random seed.
        overrides: ``(dotted key, value)`` pairs, sorted, for keys in
            :data:`~viz.catalogue.EDITABLE` whose value differs from the scenario file's.
    """

    scenario: str = DEFAULT_SCENARIO
    seed: int = DEFAULT_SEED
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def changes(self) -> dict[str, Any]:
        """The overrides as a mapping."""
        return dict(self.overrides)

    def base(self) -> Scenario:
        """The scenario file's own values (no overrides)."""
        return _shipped(self.scenario)

    def with_changes(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with some keys set; keys set back to the file's value are dropped."""
        base = self.base()
        merged = {**self.changes, **changes}
        kept = {k: v for k, v in merged.items() if _value(base, k) != v}
        return replace(self, overrides=tuple(sorted(kept.items())))

    def resolve(self) -> Scenario:
        """Check the settings and return the scenario they describe.

        Raises:
            ScenarioError: A one-line message naming the bad value (scenario, seed or key).
        """
        if not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ScenarioError(f"seed {self.seed!r}: must be a whole number from 0 to {MAX_SEED}")
        for key, _ in self.overrides:
            if key not in EDITABLE:
                raise ScenarioError(f"'{key}' cannot be changed from the page")
        return _load(_shipped(self.scenario), self.changes)


def _shipped(name: str) -> Scenario:
    # Only names from configs/ are accepted: a page never makes the server open a path.
    names = available_scenarios()
    if name not in names:
        raise ScenarioError(f"scenario '{name}' is not one of {', '.join(names)}")
    return _load(name)


def _value(scenario: Scenario, key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(getattr(scenario, section), name)


def differences(pending: Settings, applied: Settings) -> dict[str, Any]:
    """What Reset would change: ``scenario``, ``seed`` and dotted keys, with their new values."""
    diff: dict[str, Any] = {}
    if pending.scenario != applied.scenario:
        diff["scenario"] = pending.scenario
    if pending.seed != applied.seed:
        diff["seed"] = pending.seed
    if "scenario" in diff:
        return {**diff, **pending.changes}
    base = pending.base()
    for key in sorted(set(pending.changes) | set(applied.changes)):
        new = pending.changes.get(key, _value(base, key))
        if new != applied.changes.get(key, _value(base, key)):
            diff[key] = new
    return diff


def parse_seed(text: str) -> int:
    """A seed typed on the page, as an integer.

    Raises:
        ScenarioError: The text is not a whole number in range.
    """
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not cleaned.isdecimal():
        raise ScenarioError(f"seed '{text.strip()}': must be a whole number from 0 to {MAX_SEED}")
    seed = int(cleaned)
    if seed > MAX_SEED:
        raise ScenarioError(f"seed {seed}: must be at most {MAX_SEED}")
    return seed


def retune(model: UrbanDeclineModel, changes: Mapping[str, Any]) -> None:
    """Give a running model new values for cause parameters, effective from its next step."""
    if changes:
        model.set_causes(**changes)


# ---------------------------------------------------------------------------------------------
# What the page draws


@dataclass(frozen=True, eq=False)
class Frame:
    """A snapshot of a session's city, published by the worker after each step it shows.

    Attributes:
        version: Increases with every frame.
        settings: What the run was built from, with any changes applied live since.
        scenario: The resolved scenario the run started from.
        year: The year the run has reached.
        steps: Steps taken since the start year.
        finished: The run has reached its last year.
        rows: The yearly indicators so far (a row per year, start year first).
        switched_off: Causes the counterfactual runs without (empty: no counterfactual).
        counterfactual_rows: The counterfactual's yearly indicators, up to ``year``.
        city: Per-cell state for the map.
        start_city: The same in the start year (fixes the map's colour scales).
        interventions: Live changes, as ``(year, {key: value})`` in the order they were made.
        playing: Whether the run is playing.
        busy: What the worker is doing that takes a while ("" when nothing).
        error: The last request that failed in the background ("" when none).
    """

    version: int
    settings: Settings
    scenario: Scenario
    year: int
    steps: int
    finished: bool
    rows: tuple[dict[str, float], ...]
    switched_off: tuple[str, ...]
    counterfactual_rows: tuple[dict[str, float], ...]
    city: City
    start_city: City
    interventions: tuple[tuple[int, dict[str, Any]], ...] = ()
    playing: bool = False
    busy: str = ""
    error: str = ""

    @property
    def start_year(self) -> int:
        """First year of the run."""
        return self.scenario.simulation.start_year

    @property
    def end_year(self) -> int:
        """Last year of the run."""
        return self.scenario.simulation.end_year


@dataclass(frozen=True)
class _RunView:
    """What :func:`declineabm.run.run_record` reads from a model, taken from the session.

    The record must describe the scenario the run started from (live changes are listed
    separately) and the last finished year, even while the worker is in the middle of a step.
    """

    config: Scenario
    seed: int
    year: int


@dataclass
class _Run:
    """A model with its yearly indicators."""

    model: UrbanDeclineModel
    start: City
    rows: list[dict[str, float]] = field(default_factory=list)
    applied: int = 0  # interventions applied so far (counterfactual)

    def record(self) -> None:
        self.rows.append(dict(self.model.indicators))


# ---------------------------------------------------------------------------------------------
# The session's engine


class LiveRun:
    """A session's city, stepped by a worker thread; every method returns at once.

    Args:
        settings: What to build first (the default scenario and seed if omitted).
        on_frame: Called from the worker thread with every new frame.
    """

    def __init__(
        self, settings: Settings | None = None, on_frame: Callable[[Frame], None] | None = None
    ) -> None:
        self.on_frame = on_frame
        self._cond = threading.Condition()
        self._jobs: deque[tuple[str, Any]] = deque()
        self._active = False
        self._closed = False
        self._playing = False
        self._speed = DEFAULT_SPEED
        self._render_every = 1
        self._thread: threading.Thread | None = None
        self._version = 0
        self._error = ""
        self._frame: Frame | None = None
        # The run and its provenance; replaced together on reset.
        self._settings = settings or Settings()
        self._scenario = self._settings.resolve()
        self._main: _Run | None = None
        self._counterfactual: _Run | None = None
        self._switched_off: tuple[str, ...] = ()
        self._interventions: list[tuple[int, dict[str, Any]]] = []
        self._started = now()
        self._wall_time = 0.0
        self._jobs.append(("reset", (self._settings, self._scenario)))

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> LiveRun:
        """Start the worker thread (builds the first city)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="declineabm-live", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the worker; it releases the models (Mesa keeps agents alive otherwise).

        Does not wait for the worker, which may be publishing a frame into the page being
        closed.
        """
        with self._cond:
            self._closed = True
            self._playing = False
            self._cond.notify_all()
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

    # --- requests from the page (checked here, carried out by the worker) ------------------

    @property
    def frame(self) -> Frame | None:
        """The latest frame (None until the first city is built)."""
        return self._frame

    @property
    def model(self) -> UrbanDeclineModel | None:
        """The current model (the worker steps it: read it only while the run is idle)."""
        return self._main.model if self._main else None

    @property
    def counterfactual(self) -> UrbanDeclineModel | None:
        """The counterfactual model, if one runs (read it only while the run is idle)."""
        return self._counterfactual.model if self._counterfactual else None

    @property
    def settings(self) -> Settings:
        """What the current run was built from, with live changes."""
        return self._settings

    def reset(self, settings: Settings) -> None:
        """Build a new city from ``settings`` (and its counterfactual, if one is chosen).

        Raises:
            ScenarioError: The settings are invalid; the current city is kept.
        """
        scenario = settings.resolve()
        self._submit("reset", (settings, scenario), stop=True)

    def step(self, years: int = 1) -> None:
        """Advance the run by ``years`` (pauses a playing run)."""
        self._submit("step", max(1, int(years)), stop=True)

    def play(self) -> None:
        """Step on until paused or the last year, at the chosen speed."""
        with self._cond:
            self._playing = True
            self._jobs.append(("publish", None))
            self._cond.notify_all()

    def pause(self) -> None:
        """Stop playing after the current step."""
        self._submit("publish", None, stop=True)

    @property
    def playing(self) -> bool:
        """Whether the run is playing."""
        return self._playing

    def set_speed(self, years_per_second: float) -> None:
        """Playing speed in years per second; 0 for as fast as possible."""
        with self._cond:
            self._speed = max(0.0, float(years_per_second))
            self._cond.notify_all()

    def set_render_every(self, years: int) -> None:
        """Publish a frame every ``years`` steps while playing (large cities draw less often)."""
        with self._cond:
            self._render_every = max(1, int(years))

    def compare(self, switched_off: Iterable[str]) -> None:
        """Run a counterfactual without the given causes beside the run (none: no counterfactual).

        Raises:
            ScenarioError: A name is not one of the causes.
        """
        chosen = set(switched_off)
        unknown = sorted(chosen - set(MECHANISMS))
        if unknown:
            raise ScenarioError(f"unknown cause '{unknown[0]}' (causes: {', '.join(MECHANISMS)})")
        causes = tuple(cause for cause in MECHANISMS if cause in chosen)
        self._submit("compare", causes)

    def apply_live(self, changes: Mapping[str, Any]) -> None:
        """Give the running city new cause parameters from its next year on.

        Raises:
            ScenarioError: A key is not a cause parameter, or a value is out of range.
        """
        changes = dict(changes)
        for key in changes:
            if key not in EDITABLE or not is_live(key):
                raise ScenarioError(f"'{key}' only applies on Reset")
        settings = self._settings.with_changes(changes)
        settings.resolve()
        self._submit("apply", changes)

    # --- exports -----------------------------------------------------------------------------

    def csv_text(self, counterfactual: bool = False) -> str:
        """The yearly indicators so far, in the format of ``declineabm run``'s ``model.csv``."""
        with self._cond:
            run = self._counterfactual if counterfactual else self._main
            rows = list(run.rows) if run else []
        lines = [csv_line(INDICATOR_NAMES)]
        lines += [csv_line(row[name] for name in INDICATOR_NAMES) for row in rows]
        return "".join(lines)

    def counterfactual_csv_text(self) -> str:
        """The counterfactual's yearly indicators so far, in the same format."""
        return self.csv_text(counterfactual=True)

    def run_json(self) -> str:
        """:meth:`run_record` as the text of a ``run.json`` file."""
        return json.dumps(self.run_record(), indent=2) + "\n"

    def run_record(self) -> dict[str, Any]:
        """The run's ``run.json`` content, as ``declineabm run`` writes it, plus live changes."""
        with self._cond:
            rows = self._main.rows if self._main else []
            year = int(rows[-1]["year"]) if rows else self._scenario.simulation.start_year
            view = _RunView(self._scenario, self._settings.seed, year)
            finished = year >= self._scenario.simulation.end_year
            record = run_record(
                view, self._started, self._wall_time, "ok" if finished else "partial"
            )  # type: ignore[arg-type]
            record["interventions"] = [
                {"year": when, "set": dict(changes)} for when, changes in self._interventions
            ]
        return record

    # --- the worker --------------------------------------------------------------------------

    def _submit(self, kind: str, payload: Any, stop: bool = False) -> None:
        with self._cond:
            if stop:
                self._playing = False
            self._jobs.append((kind, payload))
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
                    if job is None and self._speed > 0:
                        delay = next_step - time.monotonic()
                        if delay > 0:
                            # wait for the next tick, but wake for pause, reset and the like
                            self._cond.wait(delay)
                            continue
                    self._active = True
                if job is None:
                    next_step = time.monotonic() + (1.0 / self._speed if self._speed else 0.0)
                    self._play_one()
                else:
                    self._run_job(*job)
        finally:
            self._release()

    def _can_play(self) -> bool:
        return self._playing and self._main is not None and not self._finished()

    def _finished(self) -> bool:
        assert self._main is not None
        return self._main.model.year >= self._main.model.config.simulation.end_year

    def _play_one(self) -> None:
        try:
            self._advance()
        except Exception as exc:  # a failing step must not kill the session
            self._fail(exc)
            return
        with self._cond:
            done = self._finished()
            if done:
                self._playing = False
            shown = self._main is not None and self._main.model.steps % self._render_every == 0
        if done or shown or not self._playing:
            self._publish()

    def _run_job(self, kind: str, payload: Any) -> None:
        try:
            if kind == "reset":
                self._reset(*payload)
            elif kind == "step":
                for _ in range(payload):
                    if self._main is None or self._finished():
                        break
                    self._advance()
            elif kind == "compare":
                self._compare(payload)
            elif kind == "apply":
                self._apply(payload)
            self._error = ""
        except Exception as exc:
            self._fail(exc)
            return
        self._publish()

    def _fail(self, exc: Exception) -> None:
        if not isinstance(exc, ScenarioError):
            logger.exception("background request failed")
        with self._cond:
            self._playing = False  # a step that failed would fail again at every tick
        self._error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self._publish()

    def _reset(self, settings: Settings, scenario: Scenario) -> None:
        self._announce(
            f"Building the region: {scenario.simulation.population:,.0f} people as "
            f"{scenario.simulation.residents:,} resident agents…"
        )
        model = UrbanDeclineModel(scenario, seed=settings.seed)
        main = _Run(model, snapshot(model))
        main.record()
        with self._cond:
            old = (self._main, self._counterfactual)
            self._main, self._counterfactual = main, None
            self._settings, self._scenario = settings, scenario
            self._interventions = []
            self._started, self._wall_time = now(), 0.0
        _dispose(*old)
        if self._switched_off:
            self._compare(self._switched_off)

    def _compare(self, causes: tuple[str, ...]) -> None:
        with self._cond:
            old, self._counterfactual = self._counterfactual, None
            self._switched_off = causes
        _dispose(old)
        if not causes or self._main is None:
            return
        self._announce(f"Running the city without {_join(causes)}…")
        off = {f"{cause}.enabled": False for cause in causes}
        model = UrbanDeclineModel(self._scenario, seed=self._settings.seed, **off)
        run = _Run(model, snapshot(model))
        run.record()
        self._catch_up(run)
        with self._cond:
            self._counterfactual = run

    def _apply(self, changes: dict[str, Any]) -> None:
        assert self._main is not None
        retune(self._main.model, changes)
        with self._cond:
            self._settings = self._settings.with_changes(changes)
            self._interventions.append((self._main.model.year, changes))
        if self._counterfactual is not None:
            self._catch_up(self._counterfactual)

    def _advance(self) -> None:
        """One year of the run, and of the counterfactual beside it."""
        assert self._main is not None
        started = time.perf_counter()
        self._main.model.step()
        with self._cond:
            self._main.record()
            self._wall_time += time.perf_counter() - started
        if self._counterfactual is not None:
            self._catch_up(self._counterfactual)

    def _catch_up(self, run: _Run) -> None:
        """Step the counterfactual to the run's year, making the same live changes on the way."""
        assert self._main is not None
        while True:
            self._apply_due(run)
            if run.model.year >= self._main.model.year:
                return
            run.model.step()
            with self._cond:
                run.record()

    def _apply_due(self, run: _Run) -> None:
        # The counterfactual keeps its causes off whatever the live changes say.
        off = {f"{cause}.enabled" for cause in self._switched_off}
        while run.applied < len(self._interventions):
            year, changes = self._interventions[run.applied]
            if year > run.model.year:
                return
            retune(run.model, {k: v for k, v in changes.items() if k not in off})
            run.applied += 1

    def _announce(self, message: str) -> None:
        """Show what takes a while (the page keeps showing the current city meanwhile)."""
        self._publish(busy=message)

    def _publish(self, busy: str = "") -> None:
        with self._cond:
            if self._main is None or self._closed:
                return
            self._version += 1
            main, counterfactual = self._main, self._counterfactual
            frame = Frame(
                version=self._version,
                settings=self._settings,
                scenario=self._scenario,
                year=main.model.year,
                steps=main.model.steps,
                finished=self._finished(),
                rows=tuple(main.rows),
                switched_off=self._switched_off if counterfactual else (),
                counterfactual_rows=tuple(counterfactual.rows) if counterfactual else (),
                city=snapshot(main.model),
                start_city=main.start,
                interventions=tuple(self._interventions),
                playing=self._playing,
                busy=busy,
                error=self._error,
            )
            self._frame = frame
        if self.on_frame is not None:
            try:
                self.on_frame(frame)
            except Exception:  # the page may be closing; the run itself is fine
                logger.exception("could not show a frame")

    def _release(self) -> None:
        with self._cond:
            runs = (self._main, self._counterfactual)
            self._main = self._counterfactual = None
            self._active = False
            self._cond.notify_all()
        _dispose(*runs)


def _dispose(*runs: _Run | None) -> None:
    for run in runs:
        if run is not None:
            run.model.dispose()


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
