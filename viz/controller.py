"""The run bar: Reset, Play/Pause and Step, the playing speed, and where the run has got to.

Mesa's ``ModelController`` steps the model on the thread that draws it; here every click only
queues a request to the session's :class:`~viz.live.LiveRun`, whose worker thread steps the city
and publishes frames, so the buttons answer at once even while a 200×200 city is stepping.

Solara redraws a component when its arguments change, so each part gets only what it shows:
the buttons change when the run starts, stops or ends, the progress line every year.
"""

from __future__ import annotations

import solara

from declineabm.scenario import ScenarioError

from .live import DEFAULT_SPEED, Frame, LiveRun, Settings

SPEEDS = {"1": 1.0, "2": 2.0, "5": 5.0, "10": 10.0, "max": 0.0}
"""Playing speeds offered, in years per second ("max": as fast as the machine allows)."""


def speed_label(years_per_second: float) -> str:
    """The speed button of a speed."""
    return next(label for label, value in SPEEDS.items() if value == years_per_second)


@solara.component
def RunStatus(frame: Frame | None):
    """The year and step, for the app bar."""
    if frame is None:
        solara.Text("Building the city…", classes=["run-year"])
        return
    solara.Text(
        f"Year {frame.year} · step {frame.steps} of {frame.end_year - frame.start_year}",
        classes=["run-year"],
    )


@solara.component
def RunButtons(
    live: LiveRun, pending: solara.Reactive[Settings], ready: bool, playing: bool, finished: bool
):
    """Reset, Play/Pause and Step; a Reset with invalid settings says why and changes nothing."""
    message = solara.use_reactive("")

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

    with solara.Row(gap="8px"):
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
def SpeedControls(live: LiveRun):
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
def RunProgress(frame: Frame | None):
    """How far the run has got, and what the worker is doing or could not do."""
    if frame is None:
        solara.ProgressLinear(True)
        return
    done = (frame.year - frame.start_year) / (frame.end_year - frame.start_year)
    solara.ProgressLinear(value=100 * done)
    RunStatus(frame)
    if frame.finished:
        solara.Text(
            f"The run has reached {frame.end_year}: Reset to start again.",
            classes=["caption-text"],
        )
    if frame.busy:
        solara.Info(frame.busy, dense=True)
    if frame.error:
        solara.Error(frame.error, dense=True, classes=["run-error"])


@solara.component
def RunControls(live: LiveRun, frame: Frame | None, pending: solara.Reactive[Settings]):
    """The run card: buttons, speed and progress."""
    ready = frame is not None
    with solara.Card("Run", classes=["run-card"]):
        RunButtons(
            live,
            pending,
            ready=ready,
            playing=ready and frame.playing,
            finished=ready and frame.finished,
        )
        SpeedControls(live)
        RunProgress(frame)
