"""The page's own browser widgets: charts, the map, and the bridge to the page's address.

Solara's ``FigureEcharts`` and ``Image`` redraw from a whole new option or picture and know
nothing of units, exports or cells; these small Vue templates (in ``vue/``) do what the page
needs in the browser itself:

* :class:`ChartWidget`: an ECharts chart whose structure (``option``) is sent when the run or
  the indicator changes and whose numbers (``numbers``) every year, merged into the chart; tooltips
  with the unit and a sensible precision, observations drawn with their range, a text
  alternative (``description``) and a PNG export.
* :class:`MapWidget`: the map picture, with the cell under a click reported to the server and a
  PNG export.
* :class:`Bridge`: the page's language, its address (the experiment, :mod:`.links`) and that
  the page is built (``ready``).
* :class:`YearWidget`: the year the page shows, and the acknowledgement of every frame once its
  year is on the page (:meth:`.session.LiveRun.acknowledge`).
* :class:`UploadWidget`: a button that sends a chosen scenario or ``run.json`` to the server.
* :class:`DownloadWidget`: a button that asks the server for a file and saves it.
* :class:`LiveText`: a line of text that changes every year (the year, the step).

The traits that change every frame are never element properties (Solara could set them back
to a stale value when it redraws the component): :func:`~.feed.use_frames` sets them.

The JavaScript they load (ECharts) comes from the installed ``solara-assets``, like Solara's.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import traitlets


def _cdn() -> str | None:
    import solara.settings

    return None if solara.settings.assets.proxy else solara.settings.assets.cdn


class ChartWidget(ipyvuetify.VuetifyTemplate):
    """An ECharts chart of yearly values (see the module docstring)."""

    template_file = (__file__, "vue/chart.vue")
    option = traitlets.Dict().tag(sync=True)
    numbers: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    unit = traitlets.Unicode("").tag(sync=True)
    decimals = traitlets.Int(1).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("chart.png").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(260).tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _default_cdn(self) -> str | None:
        return _cdn()


class MapWidget(ipyvuetify.VuetifyTemplate):
    """The map picture; reports the cell a click falls on (see the module docstring)."""

    template_file = (__file__, "vue/citymap.vue")
    src = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.Int(1).tag(sync=True)
    rows = traitlets.Int(1).tag(sync=True)
    # the cities' names: {name, left, top} in %
    labels: traitlets.List[dict[str, object]] = traitlets.List([]).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("map.png").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    on_cell = traitlets.Callable(None, allow_none=True)

    def vue_cell_clicked(self, data: dict) -> None:
        """From the browser: the cell ``{x, y}`` under a click (grid coordinates)."""
        if self.on_cell is not None:
            self.on_cell(int(data["x"]), int(data["y"]))


class Bridge(ipyvuetify.VuetifyTemplate):
    """The page's language and address, and that the page is built."""

    template_file = (__file__, "vue/bridge.vue")
    lang = traitlets.Unicode("en").tag(sync=True)
    query = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    ready = traitlets.Bool(False).tag(sync=True)


class UploadWidget(ipyvuetify.VuetifyTemplate):
    """A button that opens a file chooser and sends the chosen text file to the server."""

    template_file = (__file__, "vue/upload.vue")
    label = traitlets.Unicode("Upload").tag(sync=True)
    max_bytes = traitlets.Int(1_000_000).tag(sync=True)
    on_file = traitlets.Callable(None, allow_none=True)

    def vue_uploaded(self, data: dict) -> None:
        """From the browser: ``{name, text, too_large}`` of the chosen file."""
        if self.on_file is not None:
            text = None if data.get("too_large") else str(data.get("text", ""))
            self.on_file(str(data.get("name", "")), text)


class DownloadWidget(ipyvuetify.VuetifyTemplate):
    """A button that saves a file the server makes when it is pressed.

    Solara's ``FileDownload`` saves whenever its ``bytes`` change while a request is pending, so
    a redraw that empties them at the wrong moment saves the text ``null`` (seen on a loaded
    machine). Here the browser saves only when the server has counted a new file (``serial``),
    and the file is made in the same message that delivers it.
    """

    template_file = (__file__, "vue/download.vue")
    label = traitlets.Unicode("Download").tag(sync=True)
    filename = traitlets.Unicode("download").tag(sync=True)
    mime_type = traitlets.Unicode("application/octet-stream").tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)
    payload = traitlets.Bytes(None, allow_none=True).tag(sync=True)
    serial = traitlets.Int(0).tag(sync=True)
    make = traitlets.Callable(None, allow_none=True)

    def vue_prepare(self, _data: object = None) -> None:
        """From the browser: the button was pressed; make the file and send it."""
        if self.make is None:
            return
        made = self.make()
        with self.hold_sync():
            self.payload = made.encode("utf-8") if isinstance(made, str) else bytes(made)
            self.serial += 1


class LiveText(ipyvuetify.VuetifyTemplate):
    """A line of text drawn every frame (see the module docstring)."""

    template_file = (__file__, "vue/text.vue")
    text = traitlets.Unicode("").tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)
    live = traitlets.Bool(False).tag(sync=True)


class YearWidget(LiveText):
    """The year the page shows; tells the server once each frame's year is on the page.

    The year and the frame's ``version`` travel in one message, and the answer is an event
    (no trait, so no echo): a year of play costs the connection one message each way.
    """

    template_file = (__file__, "vue/year.vue")
    version = traitlets.Int(0).tag(sync=True)
    on_shown = traitlets.Callable(None, allow_none=True)

    def vue_shown(self, version: int) -> None:
        """From the browser: the frame ``version`` is on the page."""
        if self.on_shown is not None:
            self.on_shown(int(version))
