"""The region as a Mesa grid whose cells carry numpy property layers.

The geography is synthetic but shaped like an old industrial region (§1): a primary city and
secondary centres, mining towns on mineral deposits, infrastructure best in the cores, and a
seaport far beyond the grid edge (§2.2.2: "no long-distance waterways, ports are far").

Layers (Mesa ``PropertyLayer``s, shape ``(width, height)``; flat index ``x * height + y``):

========================  ======================================================  =========
layer                     meaning                                                 unit
========================  ======================================================  =========
``housing``               housing capacity                                        agents
``occupancy``             residents living in the cell                            agents
``derelict``              housing units abandoned, unusable until restored        agents
``deposits``              remaining mineral reserves                              units
``deposits_initial``      reserves at the start                                   units
``deposit_field``         the deposit field a cell belongs to (-1: none)          id
``infrastructure``        infrastructure quality                                  0..1
``pollution``             pollution concentration                                 index
``market_distance``       distance to the port / national market                  km
``closed_sites``          firms that closed in the cell (industrial wasteland)    count
========================  ======================================================  =========
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from declineabm.model.structure import GeographySection, SimulationSection
from declineabm.model.tables import gc_paused

LAYERS: dict[str, type] = {
    "housing": np.int64,
    "occupancy": np.int64,
    "derelict": np.int64,
    "deposits": np.float64,
    "deposits_initial": np.float64,
    "deposit_field": np.int64,
    "infrastructure": np.float64,
    "pollution": np.float64,
    "market_distance": np.float64,
    "closed_sites": np.int64,
}


class CityGrid(OrthogonalMooreGrid):
    """Mesa's Moore grid, with its cells connected in one tight loop.

    Mesa connects each pair of neighbours through ``Cell.connect``, which gives every
    connection a fresh ``(dx, dy)`` key tuple and clears a neighbourhood cache by catching a
    ``KeyError``. On a new, non-wrapping grid there is no cache to clear, so this builds the
    same ``connections`` (same keys, same order, same neighbours) directly, with one key tuple
    per direction shared by all cells: about a third of the time and memory of the grid.
    """

    # Mesa's order of the eight directions (OrthogonalMooreGrid._connect_cells_2d)
    OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

    def _connect_cells_2d(self) -> None:
        if self.torus:
            super()._connect_cells_2d()
            return
        cells = self._cells
        for (x, y), cell in cells.items():
            connections = cell.connections
            for key in self.OFFSETS:
                neighbour = cells.get((x + key[0], y + key[1]))
                if neighbour is not None:
                    connections[key] = neighbour


@dataclass
class Geography:
    """The grid, flat views of its layers, and the cell objects in flat order."""

    grid: CityGrid
    layers: dict[str, PropertyLayer]  # the grid's property layers by name
    cells: np.ndarray  # object array of Mesa cells, flat order
    centres: np.ndarray  # (k, 2) centre coordinates, largest first
    width: int
    height: int

    def layer(self, name: str) -> np.ndarray:
        """A writable flat (1-D) view of a property layer."""
        return self.layers[name].data.reshape(-1)

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.width * self.height

    def xy(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates of flat cell indices."""
        return np.divmod(flat, self.height)


def _gaussian(shape: tuple[int, int], centre: np.ndarray, spread: float) -> np.ndarray:
    xs = np.arange(shape[0])[:, None]
    ys = np.arange(shape[1])[None, :]
    d2 = (xs - centre[0]) ** 2 + (ys - centre[1]) ** 2
    return np.exp(-d2 / (2.0 * spread**2))


def apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.shape, dtype=np.int64)
    exact = weights / weights.sum() * total
    whole = np.floor(exact).astype(np.int64)
    short = total - int(whole.sum())
    if short > 0:
        # stable sort keeps ties in index order, so the result does not depend on the platform
        order = np.argsort(-(exact - whole), kind="stable")
        whole[order[:short]] += 1
    return whole


def _place_centres(count: int, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Centres spread over the interior, at least a fifth of the grid apart where possible."""
    margin = np.array([width, height]) * 0.15
    span = np.array([width, height]) - 2 * margin
    min_gap = 0.2 * min(width, height)
    centres: list[np.ndarray] = []
    for _ in range(count):
        best, best_gap = None, -1.0
        for _attempt in range(50):
            candidate = margin + rng.random(2) * span
            gap = min((np.hypot(*(candidate - c)) for c in centres), default=np.inf)
            if gap >= min_gap:
                best = candidate
                break
            if gap > best_gap:
                best, best_gap = candidate, gap
        centres.append(best)
    return np.array(centres)


def build_geography(
    model_params: SimulationSection,
    params: GeographySection,
    rng: np.random.Generator,
    random,
) -> Geography:
    """Create the grid and fill its layers for the scenario.

    Args:
        model_params: Grid size and initial population.
        params: The scenario's geography section.
        rng: Random generator for the layout (the model's geography stream).
        random: The model's stdlib ``random`` (Mesa cells keep a reference to it).

    Returns:
        The geography with every layer initialised.
    """
    width, height = model_params.width, model_params.height
    shape = (width, height)
    with gc_paused():
        grid = CityGrid(shape, torus=False, random=random)
    layers = {
        name: grid.create_property_layer(name, default_value=dtype(0), dtype=dtype)
        for name, dtype in LAYERS.items()
    }

    centres = _place_centres(params.centres, width, height, rng)
    # The primary city holds `primary_weight` of the housing; the rest share what is left,
    # each smaller than the one before (a rank-size pattern).
    if params.centres == 1:
        weights = np.array([1.0])
    else:
        rest = 1.0 / np.arange(2, params.centres + 1)
        weights = np.r_[params.primary_weight, (1 - params.primary_weight) * rest / rest.sum()]
    density = np.zeros(shape)
    for centre, weight in zip(centres, weights, strict=True):
        spread = params.centre_spread * np.sqrt(weight / weights[0])
        kernel = _gaussian(shape, centre, max(spread, 1.0))
        density += weight * kernel / kernel.sum()

    units = round(model_params.residents * (1.0 + params.housing_slack))
    housing = apportion(density.ravel(), units)
    layers["housing"].data[:] = housing.reshape(shape)

    # Mining towns: deposit fields beside the secondary centres (or the primary if alone).
    # A cell belongs to the field that contributes most to it; thin fringes hold nothing.
    fields = np.zeros((params.deposit_fields, *shape))
    hosts = centres[1:] if len(centres) > 1 else centres
    for i in range(params.deposit_fields):
        host = hosts[i % len(hosts)]
        offset = rng.normal(0.0, params.deposit_spread, 2)
        field_centre = np.clip(host + offset, 0, np.array(shape) - 1)
        fields[i] = _gaussian(shape, field_centre, params.deposit_spread)
    deposits = fields.sum(axis=0) if len(fields) else np.zeros(shape)
    owner = fields.argmax(axis=0) if len(fields) else np.zeros(shape, dtype=np.int64)
    rich = deposits >= 0.05
    layers["deposits"].data[:] = np.where(rich, deposits, 0.0)
    layers["deposits_initial"].data[:] = layers["deposits"].data
    layers["deposit_field"].data[:] = np.where(rich, owner, -1)

    relative = np.sqrt(density / density.max())
    quality = (
        params.infrastructure_edge
        + (params.infrastructure_core - params.infrastructure_edge) * relative
    )
    layers["infrastructure"].data[:] = quality

    xs = np.arange(width)[:, None]
    ys = np.arange(height)[None, :]
    distance = np.hypot(xs - params.port_x, ys - params.port_y) * params.km_per_cell
    layers["market_distance"].data[:] = distance

    cells = np.empty(width * height, dtype=object)
    for flat in range(width * height):
        cells[flat] = grid[divmod(flat, height)]
    return Geography(
        grid=grid, layers=layers, cells=cells, centres=centres, width=width, height=height
    )
