"""The live app: watch a city decline, steer its causes, compare, and download the run.

Served by ``declineabm app`` (or ``make app``). Each browser session gets its own
:class:`~viz.live.LiveRun`: a city, an optional counterfactual and a worker thread that steps
them. The page only sends requests to it and draws the frames it publishes.

Layout, after Mesa's ``SolaraViz``: the controls in the sidebar (run, city, causes, compare,
download), the city's map and the charts of the four aspects of decline in the main area.
"""

from __future__ import annotations

import solara

from .charts import Charts
from .citymap import CityMap
from .compare import ComparePanel
from .controller import RunControls, RunStatus
from .downloads import Downloads
from .live import Frame, LiveRun, Settings
from .settings_panel import CausesPanel, PendingChanges, ScenarioPanel

TITLE = "declineabm · a city in decline"

CSS = """
.city-map, .city-map img { width: 100%; image-rendering: pixelated; }
.map-legend { font-size: 12px; margin-top: 6px; }
.legend-title { font-weight: 600; }
.legend-bar { height: 12px; border-radius: 2px; margin-top: 4px; }
.legend-ticks { display: flex; justify-content: space-between; }
.legend-swatches { margin-top: 4px; line-height: 1.9; }
.legend-swatch { margin-right: 12px; white-space: nowrap; }
.legend-swatch i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
                   vertical-align: -2px; border: 1px solid #9e9e9e; }
.legend-explain, .caption-text { display: block; font-size: 12px; line-height: 1.45;
                                 color: #666; margin-bottom: 6px; }
.paper-quote { display: block; font-size: 13px; font-style: italic; border-left: 3px solid #bbb;
               padding-left: 8px; margin: 4px 0; }
.param-label { font-size: 13px; margin-top: 6px; }
.param-changed { font-weight: 600; }
.run-year { display: block; font-weight: 600; }
.v-app-bar .v-sheet { background: transparent !important; }
.v-app-bar .run-year { font-size: 16px; }
.run-title { font-size: 15px; margin: 4px 0 8px 0; }
"""


@solara.component
def Main(live: LiveRun, frame: solara.Reactive[Frame | None]):
    """The map and the charts, drawn from the latest frame."""
    current = frame.value
    if current is None:
        with solara.Column(style={"padding": "48px"}):
            solara.Text("Building the city…")
            solara.ProgressLinear(True)
        return
    solara.Text(
        f"{current.scenario.name}, seed {current.settings.seed}: {current.scenario.description}",
        classes=["run-title"],
    )
    with solara.Columns([4, 8]):
        CityMap(current)
        Charts(current)


@solara.component
def RunPanels(
    live: LiveRun, frame: solara.Reactive[Frame | None], pending: solara.Reactive[Settings]
):
    """The panels that follow the run, redrawn with every frame."""
    current = frame.value
    RunControls(live, current, pending)
    if current is None:
        return
    # each panel gets only what it shows, so most frames leave them alone
    PendingChanges(live, current.settings, current.finished, pending)
    ComparePanel(live, current.switched_off)
    Downloads(live, current.settings, bool(current.counterfactual_rows))


@solara.component
def SettingsPanels(pending: solara.Reactive[Settings], applied: solara.Reactive[Settings]):
    """Scenario and causes: redrawn only when they are edited or a new run starts."""
    ScenarioPanel(pending)
    CausesPanel(pending, applied.value)


@solara.component
def YearInAppBar(frame: solara.Reactive[Frame | None]):
    """The year and step in the app bar, redrawn with every frame."""
    RunStatus(frame.value)


@solara.component
def Page(settings: Settings | None = None):
    """One session's page (``settings``: the first city, by default the Northeast, seed 7)."""
    frame = solara.use_reactive(None)
    live = solara.use_memo(lambda: LiveRun(settings), [])
    pending = solara.use_reactive(live.settings)
    applied = solara.use_reactive(live.settings)

    def show(new: Frame) -> None:
        frame.set(new)
        applied.set(new.settings)  # unchanged settings (the usual case) redraw nothing

    live.on_frame = show

    def run_worker():
        live.start()
        return live.close  # the session ends: stop stepping and free the city

    solara.use_effect(run_worker, [])
    solara.Style(CSS)
    solara.Title("declineabm")
    # The app bar's contents are handed to the layout once: a component in it that added them
    # again on every frame would redraw the whole page every frame.
    solara.AppBarTitle(TITLE)
    with solara.AppBar():
        YearInAppBar(frame)
    with solara.Sidebar():
        # Only components that read a reactive value redraw when it changes: the run panels
        # follow every frame, the long list of settings only edits and resets.
        RunPanels(live, frame, pending)
        SettingsPanels(pending, applied)
    Main(live, frame)
