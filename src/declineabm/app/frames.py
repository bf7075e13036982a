"""What the page draws: immutable snapshots of a session's city, published by its worker.

The worker (:mod:`.session`) steps the models; the page never reads them. After every year
the worker publishes a :class:`Frame`: the indicator rows of the city and of each
counterfactual, copies of the per-cell state the map needs, and the state of the run. Frames
are values: a page component that receives one may keep it as long as it likes.

While a run plays fast, not every frame is redrawn in full: a frame with ``redraw`` False only
moves the year on (the map and the charts are redrawn a few times a second, with every year up
to the latest; see :mod:`.session`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from declineabm.scenario import Scenario

from .experiment import Experiment
from .settings import Settings

if TYPE_CHECKING:
    from .bands import Bands
    from .citymap import City

Row = dict[str, float]
CityRow = dict[str, float | str]
"""A row of ``cities.csv``: a city (or the countryside) in a year."""


@dataclass(frozen=True, eq=False)
class ArmTrace:
    """A counterfactual's yearly indicators so far (a row per year, start year first)."""

    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class RunState:
    """What the run is doing: changes when it starts, stops, ends or fails, not every year.

    Attributes:
        playing: The run is playing.
        finished: The run has reached its last year.
        busy: What the worker is doing that takes a while ("" when nothing).
        error: The last request that failed in the background ("" when none).
        until: The year a "run until" plays to (None when none).
    """

    playing: bool = False
    finished: bool = False
    busy: str = ""
    error: str = ""
    until: int | None = None


@dataclass(frozen=True, eq=False)
class Frame:
    """A snapshot of a session's city, published by the worker after each year it shows.

    Attributes:
        version: Increases with every frame.
        experiment: What the run was built from, its counterfactuals and live changes.
        settings: The settings the city runs with now (the live changes made so far applied).
        scenario: The resolved scenario the run started from.
        year: The year the run has reached.
        steps: Steps taken since the start year.
        rows: The yearly indicators so far (a row per year, start year first).
        cities: The per-city indicators so far (per year, a row per city and the countryside;
            a frame with ``redraw`` False may not have its own year's yet).
        arms: The counterfactuals' indicators, up to ``year``, in the experiment's order.
        city: Per-cell state for the map (copied for the frames the page redraws; a frame with
            ``redraw`` False keeps the last such frame's, which nothing draws).
        start_city: The same in the start year (fixes the map's colour scales).
        state: Playing, finished, busy, error.
        bands: The background seeds of every arm (None: none asked for or not started).
        redraw: The page redraws everything that follows the frames (the map, the charts);
            False: only the year in the top bar moves on.
    """

    version: int
    experiment: Experiment
    settings: Settings
    scenario: Scenario
    year: int
    steps: int
    rows: tuple[Row, ...]
    cities: tuple[tuple[CityRow, ...], ...]
    arms: tuple[ArmTrace, ...]
    city: City
    start_city: City
    state: RunState
    bands: Bands | None = None
    redraw: bool = True

    @property
    def start_year(self) -> int:
        """First year of the run."""
        return self.scenario.simulation.start_year

    @property
    def end_year(self) -> int:
        """Last year of the run."""
        return self.scenario.simulation.end_year

    @property
    def finished(self) -> bool:
        """The run has reached its last year."""
        return self.state.finished

    @property
    def playing(self) -> bool:
        """The run is playing."""
        return self.state.playing


@dataclass(frozen=True)
class RunView:
    """What :func:`declineabm.run.run_record` reads from a model, taken from the session.

    The record must describe the scenario the run started from (live changes are listed
    separately) and the last finished year, even while the worker is in the middle of a step.
    """

    config: Scenario
    seed: int
    year: int


@dataclass(frozen=True)
class RunInfo:
    """The parts of a frame that change only with a new city, arms, settings or run state.

    Page components that draw these take a ``RunInfo`` rather than the frame, so they redraw
    when it changes, not every year. ``bands`` are the finished bands (None until then),
    ``band_progress`` is ``(seeds, runs done, runs in all, error)`` of the batch (None: none).
    """

    experiment: Experiment
    settings: Settings
    scenario: Scenario
    start_city: City
    state: RunState
    bands: Bands | None
    band_progress: tuple[int, int, int, str] | None

    @classmethod
    def of(cls, frame: Frame) -> RunInfo:
        """The run information of a frame."""
        bands = frame.bands
        return cls(
            frame.experiment,
            frame.settings,
            frame.scenario,
            frame.start_city,
            frame.state,
            bands if bands is not None and bands.ready else None,
            (bands.seeds, bands.done, bands.total, bands.error) if bands is not None else None,
        )

    @property
    def start_year(self) -> int:
        """First year of the run."""
        return self.scenario.simulation.start_year

    @property
    def end_year(self) -> int:
        """Last year of the run."""
        return self.scenario.simulation.end_year

    @property
    def arm_names(self) -> tuple[str, ...]:
        """The counterfactuals' names, in the charts' order."""
        return tuple(arm.name for arm in self.experiment.counterfactuals)
