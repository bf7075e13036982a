"""The run bar: Reset, Play/Pause and Step, the speed, "run until", and where the run has got to.

Mesa's ``ModelController`` steps the model on the thread that draws it; here every click only
queues a request to the session's :class:`~.session.LiveRun`, whose worker thread steps the city
and publishes frames, so the buttons answer at once even while a 200×200 city is stepping.

Solara redraws a component when its arguments change, so each part gets only what it shows:
the buttons change when the run starts, stops or ends, the progress line every year.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify
import solara

from declineabm.scenario import ScenarioError

from .feed import FrameFeed, use_frames
from .frames import Frame, RunInfo, RunState
from .session import DEFAULT_SPEED, LiveRun
from .settings import Settings
from .widgets import LiveText, YearWidget

SPEEDS = {"1": 1.0, "2": 2.0, "5": 5.0, "10": 10.0, "max": 0.0}
"""Playing speeds offered, in years per second ("max": as fast as the machine allows)."""


def speed_label(years_per_second: float) -> str:
    """The speed button of a speed."""
    return next(label for label, value in SPEEDS.items() if value == years_per_second)


def status_text(frame: Frame | None) -> str:
    """The year and step, as the app bar shows them."""
    if frame is None:
        return "Building the city…"
    return f"Year {frame.year} · step {frame.steps} of {frame.end_year - frame.start_year}"


def _done(frame: Frame | None) -> float:
    if frame is None:
        return 0.0
    return 100 * (frame.year - frame.start_year) / (frame.end_year - frame.start_year)


def _show_status(widget: LiveText, frame: Frame) -> None:
    widget.text = status_text(frame)


def _show_year(widget: YearWidget, frame: Frame) -> None:
    with widget.hold_sync():  # one message: the year and the frame it belongs to
        widget.text = status_text(frame)
        widget.version = frame.version


@solara.component
def RunStatus(feed: FrameFeed) -> None:
    """The year and step (follows the frames the page redraws)."""
    element = LiveText.element(css_class="run-year")
    use_frames(feed, element, _show_status, [])


@solara.component
def ShownYear(feed: FrameFeed, on_shown: Callable[[int], None]) -> None:
    """The year and step of every frame, also those the map and charts skip (the top bar's).

    ``on_shown`` is called with each frame's version once its year is on the page.
    """
    element = YearWidget.element(css_class="run-year", on_shown=on_shown)
    use_frames(feed, element, _show_year, [], every_frame=True)


@solara.component
def RunButtons(live: LiveRun, pending: solara.Reactive[Settings], state: RunState | None) -> None:
    """Reset, Play/Pause and Step; a Reset with invalid settings says why and changes nothing."""
    message = solara.use_reactive("")
    ready = state is not None
    playing = state is not None and state.playing
    finished = state is not None and state.finished

    def reset() -> None:
        try:
            live.reset(pending.value)
            message.set("")
        except ScenarioError as exc:
            message.set(f"Not reset: {exc}")

    def play_pause() -> None:
        if live.playing:
            live.pause()
        else:
            live.play()

    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        solara.Button(
            "Reset",
            icon_name="mdi-restore",
            color="primary",
            outlined=True,
            on_click=reset,
            disabled=not ready,
            classes=["run-reset"],
        )
        solara.Button(
            "Pause" if playing else "Play",
            icon_name="mdi-pause" if playing else "mdi-play",
            color="primary",
            on_click=play_pause,
            disabled=not ready or finished,
            classes=["run-play"],
        )
        solara.Button(
            "Step",
            icon_name="mdi-step-forward",
            color="primary",
            outlined=True,
            on_click=lambda: live.step(1),
            disabled=not ready or finished or playing,
            classes=["run-step"],
        )
    if message.value:
        solara.Error(message.value, dense=True, classes=["run-error"])


@solara.component
def SpeedControls(live: LiveRun) -> None:
    """Playing speed, and how often a playing run is drawn (large cities: less often)."""
    speed = solara.use_reactive(speed_label(DEFAULT_SPEED))
    render_every = solara.use_reactive(1)

    def set_speed(label: str) -> None:
        speed.set(label)
        live.set_speed(SPEEDS[label])

    def set_render_every(years: int) -> None:
        render_every.set(years)
        live.set_render_every(years)

    solara.Text("Speed (years per second)", classes=["caption-text"])
    solara.ToggleButtonsSingle(
        value=speed.value, values=list(SPEEDS), on_value=set_speed, classes=["run-speed"]
    )
    with solara.Column(gap="0px", classes=["redraw-every"]):
        solara.SliderInt(
            "Redraw every … years",
            value=render_every.value,
            min=1,
            max=10,
            on_value=set_render_every,
        )


@solara.component
def RunUntil(live: LiveRun, info: RunInfo | None) -> None:
    """A year field: play the city as fast as it goes to that year, then stop."""
    text = solara.use_reactive("")
    message = solara.use_reactive("")
    if info is None:
        return

    def go() -> None:
        try:
            cleaned = text.value.strip()
            if not cleaned.isdecimal():
                raise ScenarioError(f"run until '{cleaned}': type a year")
            live.run_until(int(cleaned))
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))

    with solara.Row(gap="8px", style={"align-items": "baseline"}):
        solara.v.TextField(
            label="Run until year",  # the longer label was cut off at this width
            hint=f"up to {info.end_year}",
            persistent_hint=True,
            v_model=text.value,
            on_v_model=lambda value: text.set(value or ""),
            dense=True,
            hide_details="auto",
            error_messages=[message.value] if message.value else [],
            class_="run-until-year",
            style_="max-width: 210px",
        )
        solara.Button(
            "Go",
            color="primary",
            outlined=True,
            small=True,
            on_click=go,
            disabled=info.state.finished,
            classes=["run-until-go"],
        )


def _show_progress(widget: ipyvuetify.ProgressLinear, frame: Frame) -> None:
    widget.value = _done(frame)


@solara.component
def RunProgress(feed: FrameFeed) -> None:
    """How far the run has got (follows every frame)."""
    bar = solara.v.ProgressLinear(class_="run-progress")
    RunStatus(feed)
    use_frames(feed, bar, _show_progress, [])


@solara.component
def RunMessages(info: RunInfo | None) -> None:
    """What the worker is doing or could not do, and the end of the run."""
    if info is None:
        return
    state = info.state
    if state.finished:
        solara.Text(
            f"The run has reached {info.end_year}: Reset to start again.",
            classes=["caption-text"],
        )
    if state.until is not None:
        solara.Text(f"Running to {state.until}…", classes=["caption-text", "run-until-note"])
    if state.busy:
        solara.Info(state.busy, dense=True)
    if state.error:
        solara.Error(state.error, dense=True, classes=["run-error"])


@solara.component
def RunControls(
    live: LiveRun, feed: FrameFeed, info: RunInfo | None, pending: solara.Reactive[Settings]
) -> None:
    """The run card: buttons, speed, run until and progress."""
    with solara.Card("Run", classes=["run-card"]):
        RunButtons(live, pending, info.state if info else None)
        SpeedControls(live)
        RunUntil(live, info)
        RunProgress(feed)
        RunMessages(info)
