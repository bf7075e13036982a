"""The region as a picture: map layers computed from the model's numpy layers, drawn as a PNG.

Each frame copies the grid's property layers and a few per-cell aggregates of residents and
firms (:class:`City`); a layer turns that into one value per cell and a fixed colour scale, and
:func:`render_png` colours the cells through a lookup table. Nothing is drawn per agent, so a
fine map costs the same few milliseconds as a coarse one. Cells without data (no housing, no
working-age residents, no deposit) show where people live in grey and the land outside the
region's outline in pale blue, so every layer keeps its geography; the cities' names sit at
their centres. Clicking a cell lists what is there (:data:`CELL_FACTS`, one entry a fact).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import solara
from matplotlib import colormaps
from PIL import Image
from solara import widgets as solara_widgets

from declineabm.model.geography import COUNTRYSIDE
from declineabm.model.geography import OFF_REGION as OFF_REGION_ID
from declineabm.model.sectors import Sector

from .feed import FrameFeed, use_frames
from .widgets import LiveText, MapWidget

if TYPE_CHECKING:
    from declineabm.model import UrbanDeclineModel

    from .frames import Frame, RunInfo

NO_HOUSING = (244, 244, 244)
"""Colour of cells of the region where nobody lives."""
NO_DATA = (214, 214, 214)
"""Colour of inhabited cells the layer has no value for."""
OFF_REGION = (226, 236, 244)
"""Colour of cells outside the region's outline (the model's ``geography.OFF_REGION``)."""
SECTOR_COLOURS = {
    Sector.RESOURCE: (140, 86, 75),
    Sector.HEAVY: (59, 91, 146),
    Sector.LIGHT: (255, 127, 14),
    Sector.SERVICES: (44, 160, 44),
    Sector.HIGHTECH: (148, 103, 189),
}
SECTOR_LABELS = {
    Sector.RESOURCE: "resources (mining)",
    Sector.HEAVY: "heavy industry",
    Sector.LIGHT: "light manufacturing",
    Sector.SERVICES: "services",
    Sector.HIGHTECH: "high-tech",
}


@dataclass(frozen=True, eq=False)
class City:
    """Per-cell state of the region in one year: copies, safe to read while the model steps on.

    Arrays have the grid's shape ``(width, height)``; ``jobs`` is ``(sectors, width, height)``.
    Counts are agents (times ``persons_per_agent``: people). ``place`` is the city a cell
    belongs to (an index into ``city_names``; the model's ``COUNTRYSIDE`` and ``OFF_REGION``
    otherwise); ``centres`` the cities' centres in cells (x east, y north).
    """

    width: int
    height: int
    km2_per_cell: float
    persons_per_agent: float
    pollution_limit: float
    place: np.ndarray
    city_names: tuple[str, ...]
    centres: tuple[tuple[float, float], ...]
    housing: np.ndarray
    occupancy: np.ndarray
    derelict: np.ndarray
    pollution: np.ndarray
    infrastructure: np.ndarray
    deposits: np.ndarray
    deposits_initial: np.ndarray
    working: np.ndarray
    unemployed: np.ndarray
    jobs: np.ndarray
    firms: np.ndarray


def snapshot(model: UrbanDeclineModel) -> City:
    """Copy what the map layers need from a model."""
    geo = model.geography
    shape = (geo.width, geo.height)
    residents, firms = model.residents, model.firms
    working = model.of_working_age() & (model.resident_city() >= 0)  # farm workers have work
    unemployed = working & (residents.employer < 0)
    jobs = np.bincount(
        firms.sector.astype(np.int64) * geo.size + firms.cell,
        weights=firms.workforce,
        minlength=len(Sector) * geo.size,
    )

    def layer(name: str) -> np.ndarray:
        return geo.layers[name].data.copy()

    def per_cell(selected: np.ndarray) -> np.ndarray:
        return np.bincount(residents.home[selected], minlength=geo.size).reshape(shape)

    cities = model.config.geography.cities
    return City(
        width=geo.width,
        height=geo.height,
        km2_per_cell=geo.km_per_cell**2,
        persons_per_agent=model.persons_per_agent,
        pollution_limit=model.config.environment.concentration_limit,
        place=layer("city"),
        city_names=geo.city_names,
        centres=tuple(
            (cities[name].x_km / geo.km_per_cell, cities[name].y_km / geo.km_per_cell)
            for name in geo.city_names
        ),
        housing=layer("housing"),
        occupancy=layer("occupancy"),
        derelict=layer("derelict"),
        pollution=layer("pollution"),
        infrastructure=layer("infrastructure"),
        deposits=layer("deposits"),
        deposits_initial=layer("deposits_initial"),
        working=per_cell(working),
        unemployed=per_cell(unemployed),
        jobs=jobs.reshape((len(Sector), *shape)),
        firms=np.bincount(firms.cell, minlength=geo.size).reshape(shape),
    )


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Share ``part / whole``, NaN where ``whole`` is 0."""
    return np.divide(
        part, whole, out=np.full(whole.shape, np.nan), where=whole > 0, dtype=np.float64
    )


@dataclass(frozen=True)
class Layer:
    """A map layer: one value per cell and a fixed colour scale.

    Attributes:
        key: Identifier (what the layer picker sends).
        label: Name in the picker and the legend.
        explain: One sentence on what a cell's colour means.
        colormap: Matplotlib colormap name (``None``: coloured by sector).
        percent: Values are shares, shown as percentages.
        values: Per-cell values, NaN where the layer has no data.
        scale: The colour scale's low and high end for a city, given the city and the same city
            in its start year (scales stay put while a run plays); values beyond are clipped.
        unit: Unit of the values (after ``percent`` scaling).
        open_top: Values can exceed the scale's high end (the legend says "≥").
    """

    key: str
    label: str
    explain: str
    colormap: str | None
    values: Callable[[City], np.ndarray]
    scale: Callable[[City, City], tuple[float, float]]
    unit: str = ""
    percent: bool = False
    open_top: bool = False


def _density(city: City) -> np.ndarray:
    people = city.occupancy * city.persons_per_agent / city.km2_per_cell
    return np.where(city.housing > 0, people, np.nan)


def _capacity_density(city: City, start: City) -> tuple[float, float]:
    # The densest cell's capacity at the start: a city that empties visibly fades.
    top = start.housing.max(initial=1) * start.persons_per_agent / start.km2_per_cell
    return 0.0, float(top)


def _infrastructure(city: City) -> np.ndarray:
    used = (city.housing > 0) | (city.firms > 0)
    return np.where(used, city.infrastructure, np.nan)


def _vacant(city: City) -> np.ndarray:
    vacant = np.maximum(city.housing - city.derelict - city.occupancy, 0)
    return _share(vacant, city.housing)


LAYERS: tuple[Layer, ...] = (
    Layer(
        "population",
        "Population density",
        "Residents per km²; the scale ends at the densest cell's housing capacity.",
        "viridis",
        _density,
        _capacity_density,
        unit="people/km²",
    ),
    Layer(
        "vacant",
        "Vacant housing",
        "Usable homes nobody lives in, as a share of the cell's homes.",
        "Oranges",
        _vacant,
        lambda city, start: (0.0, 1.0),
        percent=True,
    ),
    Layer(
        "derelict",
        "Derelict housing",
        "Homes abandoned and unusable until restored, as a share of the cell's homes.",
        "Reds",
        lambda city: _share(city.derelict, city.housing),
        lambda city, start: (0.0, 1.0),
        percent=True,
    ),
    Layer(
        "firms",
        "Firms by sector",
        "The sector with most jobs in the cell; paler where a cell has fewer jobs.",
        None,
        lambda city: city.jobs.sum(axis=0).astype(np.float64),
        lambda city, start: (0.0, 1.0),
    ),
    Layer(
        "unemployment",
        "Unemployment",
        "Working-age residents of the cell without a job, as a share of its working-age residents.",
        "YlOrRd",
        lambda city: _share(city.unemployed, city.working),
        lambda city, start: (0.0, 0.5),
        percent=True,
        open_top=True,
    ),
    Layer(
        "pollution",
        "Pollution",
        "Pollution concentration relative to the environmental standard's limit (1 = at the "
        "limit).",
        "YlOrBr",
        lambda city: city.pollution / city.pollution_limit,
        lambda city, start: (0.0, 2.0),
        unit="× limit",
        open_top=True,
    ),
    Layer(
        "infrastructure",
        "Infrastructure",
        "Infrastructure quality where people live or work, from 0 (none) to 1 (perfect); "
        "the cities start better served than the countryside.",
        "RdYlGn",
        _infrastructure,
        lambda city, start: (0.0, 1.0),
    ),
    Layer(
        "resources",
        "Remaining resources",
        "Mineral reserves left in the cell as a share of its initial reserves.",
        "YlGnBu",
        lambda city: _share(city.deposits, city.deposits_initial),
        lambda city, start: (0.0, 1.0),
        percent=True,
    ),
)
LAYER_BY_KEY = {layer.key: layer for layer in LAYERS}

_LUT_SIZE = 256


def _lut(name: str) -> np.ndarray:
    """A colormap as a (256, 3) uint8 lookup table."""
    rgba = colormaps[name](np.linspace(0.0, 1.0, _LUT_SIZE))
    return (rgba[:, :3] * 255).round().astype(np.uint8)


_LUTS = {layer.colormap: _lut(layer.colormap) for layer in LAYERS if layer.colormap}


def colours(layer: Layer, city: City, start: City) -> np.ndarray:
    """The layer's colour of every cell, shape ``(width, height, 3)``, uint8.

    Args:
        layer: The layer to draw.
        city: The city now.
        start: The city in its start year (fixes the colour scale).
    """
    off = city.place == OFF_REGION_ID
    background = np.where(city.housing[..., None] > 0, NO_DATA, NO_HOUSING)
    background = np.where(off[..., None], OFF_REGION, background).astype(np.uint8)
    values = np.where(off, np.nan, layer.values(city))  # the sea, other provinces: no values
    if layer.colormap is None:
        return _sector_colours(city, values, background)
    low, high = layer.scale(city, start)
    position = np.clip((values - low) / (high - low or 1.0), 0.0, 1.0)
    known = ~np.isnan(values)
    index = np.where(known, position * (_LUT_SIZE - 1), 0).round().astype(np.intp)
    return np.where(known[..., None], _LUTS[layer.colormap][index], background)


def _sector_colours(city: City, jobs: np.ndarray, background: np.ndarray) -> np.ndarray:
    palette = np.array([SECTOR_COLOURS[s] for s in Sector], dtype=np.float64)
    leading = city.jobs.argmax(axis=0)
    occupied = jobs > 0
    # Shade by jobs on a log scale against the busiest cells, so small service clusters still
    # show beside giant combines.
    reference = np.percentile(jobs[occupied], 95) if occupied.any() else 1.0
    strength = np.clip(np.log1p(jobs) / np.log1p(max(reference, 1.0)), 0.35, 1.0)
    mixed = background + (palette[leading] - background) * strength[..., None]
    return np.where(occupied[..., None], mixed, background).round().astype(np.uint8)


def to_image(rgb: np.ndarray) -> np.ndarray:
    """Grid-shaped colours ``(width, height, 3)`` as image rows: north up, x to the right."""
    return np.ascontiguousarray(np.flipud(rgb.transpose(1, 0, 2)))


def render_png(layer: Layer, city: City, start: City) -> bytes:
    """The layer as a PNG with one pixel per cell (the page scales it up without smoothing)."""
    buffer = io.BytesIO()
    Image.fromarray(to_image(colours(layer, city, start)), "RGB").save(
        buffer, "PNG", compress_level=1
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class Legend:
    """What the colours of a layer mean.

    Attributes:
        title: Layer name and unit.
        explain: What a cell's colour means.
        gradient: CSS colours from the low to the high end (continuous layers).
        ticks: Labels at the low end, middle and high end (continuous layers).
        swatches: (label, CSS colour) pairs (sector layer, and the no-data colours).
    """

    title: str
    explain: str
    gradient: tuple[str, ...] = ()
    ticks: tuple[str, ...] = ()
    swatches: tuple[tuple[str, str], ...] = ()


def _css(rgb: tuple[int, ...] | np.ndarray) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def _tick(value: float, layer: Layer) -> str:
    if layer.percent:
        return f"{value:.0%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:g}"


def legend(layer: Layer, city: City, start: City) -> Legend:
    """The legend of a layer for a city (``start``: the city in its start year)."""
    outside = ("nobody lives there", _css(NO_HOUSING))
    off = ("outside the region", _css(OFF_REGION))
    title = f"{layer.label} ({layer.unit})" if layer.unit else layer.label
    if layer.colormap is None:
        sectors = tuple((SECTOR_LABELS[s], _css(SECTOR_COLOURS[s])) for s in Sector)
        return Legend(
            title, layer.explain, swatches=(*sectors, ("no jobs", _css(NO_DATA)), outside, off)
        )
    low, high = layer.scale(city, start)
    lut = _LUTS[layer.colormap]
    stops = tuple(_css(lut[i]) for i in np.linspace(0, _LUT_SIZE - 1, 9).round().astype(int))
    top = ("≥ " if layer.open_top else "") + _tick(high, layer)
    ticks = (_tick(low, layer), _tick((low + high) / 2, layer), top)
    return Legend(
        title, layer.explain, stops, ticks, swatches=(("no data", _css(NO_DATA)), outside, off)
    )


def legend_html(entry: Legend) -> str:
    """The legend as HTML (built from the layer definitions only, never from page input)."""
    parts = [f'<div class="legend-title">{entry.title}</div>']
    if entry.gradient:
        stops = ", ".join(entry.gradient)
        parts.append(
            f'<div class="legend-bar" style="background: linear-gradient(to right, {stops})"></div>'
        )
        parts.append(
            '<div class="legend-ticks">'
            + "".join(f"<span>{t}</span>" for t in entry.ticks)
            + "</div>"
        )
    swatches = "".join(
        f'<span class="legend-swatch"><i style="background:{colour}"></i>{label}</span>'
        for label, colour in entry.swatches
    )
    parts.append(f'<div class="legend-swatches">{swatches}</div>')
    parts.append(f'<div class="legend-explain">{entry.explain}</div>')
    return "".join(parts)


def png_data_url(png: bytes) -> str:
    """A PNG as a ``data:`` URL (what the map widget shows)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def describe(layer: Layer, city: City, year: int) -> str:
    """A text alternative of the map: the layer, the year and the spread of its values."""
    values = np.where(city.place == OFF_REGION_ID, np.nan, layer.values(city))
    known = values[~np.isnan(values)] if layer.colormap else values[values > 0]
    where = f"{city.width}×{city.height} cells of {city.km2_per_cell:g} km²"
    if known.size == 0:
        return f"Map of {layer.label.lower()} in {year}, {where}: no cell has a value."
    low, middle, high = np.percentile(known, [0, 50, 100])

    def shown(value: float) -> str:
        return _tick(float(value), layer) + (f" {layer.unit}" if layer.unit else "")

    return (
        f"Map of {layer.label.lower()} in {year}, {where}: {known.size:,} cells with a value, "
        f"from {shown(low)} to {shown(high)}, median {shown(middle)}."
    )


# --- what is in a cell ------------------------------------------------------------------------


def persons(city: City, agents: float) -> str:
    """A count of agents as the persons they stand for, rounded to a whole person."""
    return f"{agents * city.persons_per_agent:,.0f}"


def _place(city: City, x: int, y: int) -> str:
    place = int(city.place[x, y])
    if place == COUNTRYSIDE:
        return "countryside"
    if place == OFF_REGION_ID:
        return "outside the region"
    return city.city_names[place].title()


def _people(city: City, x: int, y: int) -> str:
    return persons(city, int(city.occupancy[x, y]))


def _homes(city: City, x: int, y: int) -> str:
    homes = int(city.housing[x, y])
    if homes == 0:
        return "none"
    vacant = max(homes - int(city.derelict[x, y]) - int(city.occupancy[x, y]), 0)
    return (
        f"for {persons(city, homes)} people; {vacant / homes:.0%} vacant, "
        f"{city.derelict[x, y] / homes:.0%} derelict"
    )


def _firms(city: City, x: int, y: int) -> str:
    count = int(city.firms[x, y])
    if count == 0:
        return "none"
    jobs = city.jobs[:, x, y]
    sectors = sorted(Sector, key=lambda s: -jobs[s])
    mix = ", ".join(f"{SECTOR_LABELS[s]} {persons(city, jobs[s])}" for s in sectors if jobs[s])
    return f"{count} with jobs for {persons(city, jobs.sum())} ({mix})"


def _unemployment(city: City, x: int, y: int) -> str:
    working = int(city.working[x, y])
    return f"{city.unemployed[x, y] / working:.1%}" if working else "no working-age residents"


def _reserves(city: City, x: int, y: int) -> str:
    initial = float(city.deposits_initial[x, y])
    return f"{city.deposits[x, y] / initial:.0%} of the initial" if initial > 0 else "none"


CELL_FACTS: tuple[tuple[str, Callable[[City, int, int], str]], ...] = (
    ("Place", _place),
    ("People", _people),
    ("Homes", _homes),
    ("Firms", _firms),
    ("Unemployment", _unemployment),
    ("Pollution", lambda c, x, y: f"{c.pollution[x, y] / c.pollution_limit:.2f} × the limit"),
    ("Infrastructure", lambda c, x, y: f"{c.infrastructure[x, y]:.2f} (0 to 1)"),
    ("Mineral reserves", _reserves),
)
"""What the cell inspector lists: a label and how to read it from a city."""


def cell_facts(city: City, x: int, y: int) -> list[tuple[str, str]]:
    """What is in a cell, as ``(label, text)`` pairs."""
    return [(label, read(city, x, y)) for label, read in CELL_FACTS]


def city_labels(city: City) -> list[dict[str, object]]:
    """Where each city's name goes on the map, in percent of its width and height."""
    return [
        {
            "name": name.title(),
            "left": round(100 * x / city.width, 2),
            "top": round(100 * (1 - y / city.height), 2),
        }
        for name, (x, y) in zip(city.city_names, city.centres, strict=True)
    ]


def _picture_props(frame: Frame, layer: Layer) -> dict[str, object]:
    """The map widget's traits for a frame (its text alternative once play stops)."""
    city, settings = frame.city, frame.experiment.settings
    props: dict[str, object] = {
        "src": png_data_url(render_png(layer, city, frame.start_city)),
        "columns": city.width,
        "rows": city.height,
        "labels": city_labels(city),
        "title": f"{layer.label}, {frame.year} ({settings.scenario}, seed {settings.seed})",
        "filename": f"{settings.scenario}-seed{settings.seed}-map-{layer.key}-{frame.year}.png",
    }
    if not frame.playing:
        props["description"] = describe(layer, city, frame.year)
    return props


def _year_text(frame: Frame) -> str:
    return f"The region in {frame.year}"


@solara.component
def MapPicture(feed: FrameFeed, layer: Layer, on_cell: Callable[[int, int], None]) -> None:
    """The map of one layer, redrawn every frame."""
    year = LiveText.element(css_class="map-year")
    element = MapWidget.element(on_cell=on_cell)

    def draw(widget: MapWidget, frame: Frame) -> None:
        with widget.hold_sync():
            for trait, value in _picture_props(frame, layer).items():
                setattr(widget, trait, value)

    use_frames(feed, element, draw, [layer.key])
    use_frames(feed, year, lambda widget, frame: setattr(widget, "text", _year_text(frame)), [])


def _inspection(frame: Frame, cell: tuple[int, int] | None) -> str:
    if cell is None:
        return '<span class="caption-text">Click a cell of the map to see what is there.</span>'
    city = frame.city
    x, y = cell
    if not (0 <= x < city.width and 0 <= y < city.height):
        return ""
    rows = "".join(
        f"<tr><th>{label}</th><td>{text}</td></tr>" for label, text in cell_facts(city, x, y)
    )
    return (
        f'<div class="legend-title">Cell ({x}, {y}) in {frame.year}, '
        f"{city.km2_per_cell:g} km²</div><table>{rows}</table>"
    )


@solara.component
def CellInspector(feed: FrameFeed, cell: tuple[int, int] | None) -> None:
    """What is in the clicked cell, in the year shown (follows every frame)."""
    element = solara_widgets.HTML.element(
        tag="div", attributes={"class": "cell-inspector", "aria-live": "polite"}
    )
    use_frames(
        feed,
        element,
        lambda widget, frame: setattr(widget, "unsafe_innerHTML", _inspection(frame, cell)),
        [cell],
    )


@solara.component
def CityMap(feed: FrameFeed, info: RunInfo) -> None:
    """The map with its layer picker, legend and cell inspector."""
    chosen = solara.use_reactive(LAYERS[0].key)
    cell: solara.Reactive[tuple[int, int] | None] = solara.use_reactive(None)
    layer = LAYER_BY_KEY[chosen.value]
    start = info.start_city
    key = solara.use_memo(lambda: legend_html(legend(layer, start, start)), [start, layer.key])
    with solara.Card("The region", classes=["map-card"]):
        solara.v.Select(
            label="Map layer",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": item.label, "value": item.key} for item in LAYERS],
            dense=True,
            hide_details=True,
            class_="layer-picker",
        )
        MapPicture(feed, layer, lambda x, y: cell.set((x, y)))
        solara.HTML(tag="div", unsafe_innerHTML=key, classes=["map-legend"])
        CellInspector(feed, cell.value)
