"""The live app's page: watch a city decline, steer its causes, compare, keep and share the run.

Served by ``declineabm app`` (or ``make app``). Each browser session gets its own
:class:`~.session.LiveRun`, built from the page's address (:mod:`.links`): a city, its
counterfactuals and a worker thread that steps them. The page only sends requests to it and
draws the frames it publishes; it writes the experiment back into its address whenever it
changes, so the address is always a link to the run on screen.

Layout, after Mesa's ``SolaraViz``: the controls in a side panel (run, compare, files, city,
causes), the map and the charts of the four aspects of decline in the main area. The side
panel sits beside the main area on wide screens and slides over it on narrow ones, opened and
closed by the menu button; the map and the charts reflow from a phone to a wall screen.

What the page draws every year (the year, the progress line, the map picture, the charts'
numbers) is read from the latest frame by those components alone; the rest reads
:class:`~.frames.RunInfo`, which changes only with the run's settings or state, so a year of
play redraws a handful of widgets, not the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import reacton.core
import solara

from declineabm.scenario import ScenarioError

from .charts import Charts
from .citycharts import CitiesCard
from .citymap import CityMap
from .compare import ComparePanel
from .controller import RunControls, ShownYear
from .downloads import Downloads
from .experiment import Experiment
from .feed import FrameFeed
from .frames import Frame, RunInfo
from .links import from_query, to_query
from .session import CITIES, LiveRun
from .settings import Settings
from .settings_panel import CausesPanel, PendingChanges, ScenarioPanel
from .widgets import Bridge

TITLE = "declineabm · cities in decline"
DRAWER_WIDTH = 380

CSS = """
.dab-main { padding: 8px; }
.map-legend { font-size: 12px; margin-top: 6px; }
.legend-title { font-weight: 600; }
.legend-bar { height: 12px; border-radius: 2px; margin-top: 4px; }
.legend-ticks { display: flex; justify-content: space-between; }
.legend-swatches { margin-top: 4px; line-height: 1.9; display: flex; flex-wrap: wrap; }
.legend-swatch { margin-right: 12px; }
.legend-swatch i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
                   vertical-align: -2px; border: 1px solid #9e9e9e; }
.legend-explain, .caption-text { display: block; font-size: 12px; line-height: 1.45;
                                 color: #555; margin-bottom: 6px; }
.cell-inspector { font-size: 12px; margin-top: 8px; }
.cell-inspector th { text-align: left; padding-right: 8px; vertical-align: top;
                     font-weight: 600; white-space: nowrap; }
.paper-quote { display: block; font-size: 13px; font-style: italic; border-left: 3px solid #bbb;
               padding-left: 8px; margin: 4px 0; }
.param-label { font-size: 13px; margin-top: 6px; }
.param-changed { font-weight: 600; }
.run-year, .map-year { display: block; font-weight: 600; }
.v-app-bar .run-year { font-size: 16px; white-space: nowrap; }
.v-app-bar .v-toolbar__title { overflow: hidden; text-overflow: ellipsis; }
.run-title { font-size: 15px; margin: 4px 8px 8px 8px; }
/* headings wrap between words, never inside one (Vuetify breaks anywhere by default) */
.v-card__title { word-break: normal; overflow-wrap: break-word; hyphens: none; }
.v-card { margin-bottom: 8px; max-width: 100%; }
.dab-drawer .v-navigation-drawer__content { padding: 8px; }
.chart-col, .map-col { min-width: 0; }
@media (max-width: 599px) {
  .v-app-bar .dab-title { display: none; }
  .dab-main { padding: 4px; }
}
"""


@solara.component
def Layout(
    children: list[solara.Element] = [],  # noqa: B006 - Solara's layout signature
) -> solara.Element:
    """The page lays itself out (app bar, side panel, main area): no Solara ``AppLayout``."""
    return solara.Div(children=children)


@solara.component
def Main(feed: FrameFeed, info: RunInfo | None) -> None:
    """The map and the charts."""
    if info is None:
        with solara.Column(style={"padding": "48px"}):
            solara.Text("Building the region…")
            solara.ProgressLinear(True)
        return
    settings = info.experiment.settings
    solara.Text(
        f"{info.scenario.name}, seed {settings.seed}: {info.scenario.description}",
        classes=["run-title"],
    )
    with solara.v.Row(dense=True):
        with solara.v.Col(cols=12, md=5, lg=4, class_="map-col"):
            CityMap(feed, info)
            CitiesCard(feed, info)
        with solara.v.Col(cols=12, md=7, lg=8, class_="charts-col"):
            Charts(feed, info)


@solara.component
def SidePanel(
    live: LiveRun,
    feed: FrameFeed,
    info: RunInfo | None,
    pending: solara.Reactive[Settings],
    built: Settings,
) -> None:
    """Run, compare, files, and the settings a Reset builds (``built``: the city's)."""
    # keys: the panels that appear with the first city must not remount the others
    RunControls(live, feed, info, pending).key("run")
    if info is not None:
        PendingChanges(live, info.settings, info.state.finished, pending).key("pending")
        ComparePanel(live, info, pending).key("compare")
        Downloads(live, info.experiment.settings).key("files")
    ScenarioPanel(pending, built).key("city")
    CausesPanel(pending, info.settings if info else pending.value).key("causes")


def _first_experiment(query: str | None, given: Experiment | None) -> tuple[Experiment, str]:
    """The experiment the address asks for, or the default one and why the address was not used."""
    if given is not None:
        return given, ""
    try:
        return from_query(query), ""
    except ScenarioError as exc:
        return Experiment(), f"The link could not be used ({exc}); showing the default city."


@solara.component
def Busy() -> None:
    """The page of a server that already keeps as many cities as it may."""
    with solara.Column(style={"padding": "48px", "max-width": "640px"}):
        solara.Text(TITLE, style={"font-size": "20px", "font-weight": "600"})
        solara.Error(
            f"This server already runs {CITIES.count} cities, the most it keeps at once "
            f"(declineabm app --max-cities). Close another tab of the app, or try again in a "
            "minute: a closed tab's city is freed within a minute.",
            classes=["cities-full"],
        )
        # an empty link reloads this address, experiment and all
        solara.HTML(tag="div", unsafe_innerHTML='<a href="">Try again</a>')


@solara.component
def Page(experiment: Experiment | Settings | None = None) -> None:
    """One session's page (``experiment``: the first city, by default from the address)."""
    router = solara.use_router()
    if isinstance(experiment, Settings):
        experiment = Experiment(experiment)
    first, link_error = solara.use_memo(lambda: _first_experiment(router.search, experiment), [])

    def open_city() -> LiveRun | None:
        live = LiveRun(first)
        return live if CITIES.admit(live) else None

    live = solara.use_memo(open_city, [])
    feed = solara.use_memo(FrameFeed, [])
    info: solara.Reactive[RunInfo | None] = solara.use_reactive(None)
    pending = solara.use_reactive(first.settings)
    # None: open on wide screens, closed on narrow ones
    drawer: solara.Reactive[bool | None] = solara.use_reactive(None)

    render_context = reacton.core.get_render_context()

    def run_worker() -> Callable[[], None] | None:
        if live is None:
            return None
        bridge_widget = solara.get_widget(bridge)

        def show(new: Frame) -> None:
            # the year, progress, map and charts, no render pass (feed.py); a frame that is not
            # redrawn (a year of fast play) only moves the year on
            feed.publish(new)
            if not new.redraw:
                return
            # one render pass at most for the rest, however many components read it
            with render_context:
                update(new)
            if not new.playing:
                # the address: a link to this run as far as it has got (not every year of play)
                reached = None if new.year == new.start_year else new.year
                bridge_widget.query = to_query(replace(new.experiment, until=reached))

        def update(new: Frame) -> None:
            run_info = RunInfo.of(new)
            if info.value is not None and run_info.experiment.settings != (
                info.value.experiment.settings
            ):
                pending.set(run_info.experiment.settings)  # a new city: edit from it
            info.set(run_info)  # unchanged run information (the usual case) redraws nothing

        def ready(change: dict) -> None:
            if change["new"]:
                feed.resend()

        live.on_frame = show
        bridge_widget.observe(ready, "ready")
        live.start()

        return live.close  # the session ends: stop stepping and free the city

    solara.Style(CSS)
    solara.Title("declineabm")
    bridge = Bridge.element()
    solara.use_effect(run_worker, [])
    if live is None:
        Busy()
        return
    with solara.v.AppBar(app=True, clipped_left=True, dark=True, color="primary", dense=True):
        menu = solara.v.AppBarNavIcon(
            attributes={
                "aria-label": "Show or hide the side panel (run, compare, files, settings)",
                "title": "Show or hide the side panel",
            },
            class_="menu-button",
        )
        # `live` is memoised once, so the early return above is taken on every render or none
        solara.v.use_event(menu, "click", lambda *_: drawer.set(not drawer.value))  # noqa: SH101
        solara.v.ToolbarTitle(children=[TITLE], class_="dab-title")
        solara.v.Spacer()
        ShownYear(feed, live.acknowledge)
    with solara.v.NavigationDrawer(
        app=True,
        clipped=True,
        v_model=drawer.value,
        on_v_model=drawer.set,
        width=DRAWER_WIDTH,
        mobile_break_point=960,  # narrower: the panel slides over the page (as d-md-none says)
        style_="max-width: 88vw",
        class_="dab-drawer",
        attributes={"aria-label": "Run, compare, files and settings"},
    ):
        solara.Button(
            "Close the panel",
            icon_name="mdi-close",
            small=True,
            text=True,
            on_click=lambda: drawer.set(False),
            classes=["drawer-close", "d-md-none"],
        )
        if link_error:
            solara.Warning(link_error, dense=True, classes=["link-error"])
        built = info.value.experiment.settings if info.value else first.settings
        SidePanel(live, feed, info.value, pending, built)
    with solara.v.Content(), solara.Div(classes=["dab-main"]):
        Main(feed, info.value)
