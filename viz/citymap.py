"""The city as a picture: map layers computed from the model's numpy layers, drawn as a PNG.

Each frame copies the grid's property layers and a few per-cell aggregates of residents and
firms (:class:`City`); a layer turns that into one value per cell and a fixed colour scale, and
:func:`render_png` colours the cells through a lookup table. Nothing is drawn per agent, so a
200×200 city costs the same few milliseconds as a small one. Cells without data (no housing, no
working-age residents, no deposit) show the city's footprint in grey, so every layer keeps its
geography.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import solara
from matplotlib import colormaps
from PIL import Image

from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model import UrbanDeclineModel

    from .live import Frame

NO_HOUSING = (244, 244, 244)
"""Colour of cells outside the built-up area."""
NO_DATA = (214, 214, 214)
"""Colour of built-up cells the layer has no value for."""
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
    """Per-cell state of a city in one year: copies, safe to read while the model steps on.

    Arrays have the grid's shape ``(width, height)``; ``jobs`` is ``(sectors, width, height)``.
    Counts are agents.
    """

    width: int
    height: int
    km2_per_cell: float
    persons_per_agent: float
    pollution_limit: float
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

    return City(
        width=geo.width,
        height=geo.height,
        km2_per_cell=model.config.geography.km_per_cell**2,
        persons_per_agent=model.persons_per_agent,
        pollution_limit=model.config.environment.concentration_limit,
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
        "Infrastructure quality, from 0 (none) to 1 (perfect).",
        "RdYlGn",
        lambda city: city.infrastructure.astype(np.float64),
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
    background = np.where(city.housing[..., None] > 0, NO_DATA, NO_HOUSING).astype(np.uint8)
    values = layer.values(city)
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
    outside = ("outside the built-up area", _css(NO_HOUSING))
    title = f"{layer.label} ({layer.unit})" if layer.unit else layer.label
    if layer.colormap is None:
        sectors = tuple((SECTOR_LABELS[s], _css(SECTOR_COLOURS[s])) for s in Sector)
        return Legend(
            title, layer.explain, swatches=(*sectors, ("no jobs", _css(NO_DATA)), outside)
        )
    low, high = layer.scale(city, start)
    lut = _LUTS[layer.colormap]
    stops = tuple(_css(lut[i]) for i in np.linspace(0, _LUT_SIZE - 1, 9).round().astype(int))
    top = ("≥ " if layer.open_top else "") + _tick(high, layer)
    ticks = (_tick(low, layer), _tick((low + high) / 2, layer), top)
    return Legend(
        title, layer.explain, stops, ticks, swatches=(("no data", _css(NO_DATA)), outside)
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


@solara.component
def CityMap(frame: Frame):
    """The map with its layer picker and legend."""
    chosen = solara.use_reactive(LAYERS[0].key)
    layer = LAYER_BY_KEY[chosen.value]
    city, start = frame.city, frame.start_city
    png = solara.use_memo(lambda: render_png(layer, city, start), [frame.version, layer.key])
    key = solara.use_memo(
        lambda: legend_html(legend(layer, city, start)), [frame.version, layer.key]
    )
    with solara.Card(f"The city in {frame.year}", classes=["map-card"]):
        solara.v.Select(
            label="Map layer",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": item.label, "value": item.key} for item in LAYERS],
            dense=True,
            hide_details=True,
            class_="layer-picker",
        )
        solara.Image(png, classes=["city-map"])
        solara.HTML(tag="div", unsafe_innerHTML=key, classes=["map-legend"])
