"""The region as a Mesa grid whose cells carry numpy property layers.

The geography is the region's own (§1, §2.2.2): its cities at their places, each of a kind the
paper names (provincial capitals, heavy-industry cities, resource towns built on one deposit,
ports), rural settlement around them, mineral deposits under the resource towns, and the
seaports its goods must reach overland ("there are no long-distance waterways in the northern
region", §2.2.2). Everything is set in kilometres and persons: the grid's size follows the
frame and ``geography.km_per_cell``, never the number of agents, and a cell's housing holds the
persons who live there drawn as agents of the run's resolution.

Layers (Mesa ``PropertyLayer``s, shape ``(width, height)``; flat index ``x * height + y``):

========================  ======================================================  =========
layer                     meaning                                                 unit
========================  ======================================================  =========
``city``                  the city a cell belongs to (-1: countryside, -2: off    id
                          the region)
``housing``               housing capacity                                        agents
``occupancy``             residents living in the cell                            agents
``derelict``              housing units abandoned, unusable until restored        agents
``deposits``              remaining mineral reserves                              units
``deposits_initial``      reserves at the start                                   units
``deposit_field``         the resource town whose deposit lies under the cell     id
                          (-1: none)
``infrastructure``        infrastructure quality                                  0..1
``pollution``             pollution concentration (the city's air)                index
``market_distance``       overland distance to the nearest seaport                km
``closed_sites``          firms that closed in the cell (industrial wasteland)    count
========================  ======================================================  =========
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import Cell, PropertyLayer

from declineabm.model.mesa_adapter import CityGrid
from declineabm.model.tables import gc_paused

if TYPE_CHECKING:
    from random import Random

    from declineabm.model.structure import CityKind
    from declineabm.scenario import Scenario

LAYERS: dict[str, type] = {
    "city": np.int64,
    "housing": np.int64,
    "occupancy": np.int64,
    "derelict": np.int64,
    "deposits": np.float64,
    "deposits_initial": np.float64,
    "deposit_field": np.int64,
    "infrastructure": np.float64,
    "pollution": np.float64,
    "market_distance": np.float64,
    "closed_sites": np.float64,
}
COUNTRYSIDE, OFF_REGION = -1, -2
FOOTPRINT_SPREAD = 0.5  # a city's density falls off with this share of its radius (1 s.d.)
DEPOSIT_REACH = 1.5  # a deposit field reaches this many city radii from the town's centre
RURAL_FLOOR = 0.02  # rural density far from any city, relative to the peak


@dataclass
class Geography:
    """The grid, flat views of its layers, the cell objects in flat order, and the cities."""

    grid: CityGrid
    layers: dict[str, PropertyLayer]  # the grid's property layers by name
    cells: tuple[Cell, ...]  # the Mesa cells in flat order (a tuple: the cycle collector sees it)
    width: int
    height: int
    km_per_cell: float
    city_names: tuple[str, ...]  # by city id
    city_kinds: tuple[CityKind, ...]

    def layer(self, name: str) -> np.ndarray:
        """A writable flat (1-D) view of a property layer."""
        return self.layers[name].data.reshape(-1)

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.width * self.height

    @property
    def cities(self) -> int:
        """Number of cities."""
        return len(self.city_names)

    def xy(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates of flat cell indices."""
        return np.divmod(flat, self.height)

    def cells_to_km(self, km: float) -> int:
        """A distance in kilometres as a whole number of cells (at least 0)."""
        return max(0, round(km / self.km_per_cell))

    def city_area_km2(self) -> np.ndarray:
        """Built-up area of each city."""
        cells = np.bincount(self.urban_cells_city(), minlength=self.cities)
        return cells * self.km_per_cell**2

    def urban_cells_city(self) -> np.ndarray:
        """City id of every city cell (for counting)."""
        city = self.layer("city")
        return city[city >= 0]


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


def inside_polygon(x: np.ndarray, y: np.ndarray, polygon: list[tuple[float, float]]) -> np.ndarray:
    """Whether each point lies inside the polygon (even-odd rule; no polygon: everywhere)."""
    inside = np.zeros(np.broadcast(x, y).shape, dtype=bool)
    if len(polygon) < 3:
        return ~inside
    xs = np.array([p[0] for p in polygon])
    ys = np.array([p[1] for p in polygon])
    for x0, y0, x1, y1 in zip(xs, ys, np.roll(xs, -1), np.roll(ys, -1), strict=True):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < at)
    return inside


def build_geography(scenario: Scenario, urban_share: float, random: Random) -> Geography:
    """Create the grid and fill its layers for the scenario.

    Args:
        scenario: The scenario (its ``geography`` and ``simulation`` sections).
        urban_share: Share of the region's people living in cities at the start (cause 1).
        random: The model's stdlib ``random`` (Mesa cells keep a reference to it).

    Returns:
        The geography with every layer initialised (housing for the initial residents).
    """
    params, simulation = scenario.geography, scenario.simulation
    km = params.km_per_cell
    width = max(1, int(np.ceil(params.width_km / km)))
    height = max(1, int(np.ceil(params.height_km / km)))
    shape = (width, height)
    with gc_paused():
        grid = CityGrid(shape, torus=False, random=random)
    layers = {
        name: grid.create_property_layer(name, default_value=dtype(0), dtype=dtype)
        for name, dtype in LAYERS.items()
    }
    x = (np.arange(width)[:, None] + 0.5) * km
    y = (np.arange(height)[None, :] + 0.5) * km
    land = inside_polygon(x, y, params.outline)

    names = tuple(params.cities)
    specs = [params.cities[name] for name in names]
    distance = np.stack([np.hypot(x - c.x_km, y - c.y_km) for c in specs])
    # A cell belongs to the city whose edge it lies deepest inside; every city has its
    # centre's cell at least, whatever the resolution of the grid.
    depth = np.stack([c.radius_km - d for c, d in zip(specs, distance, strict=True)])
    nearest = depth.argmax(axis=0)
    city = np.where(depth.max(axis=0) >= 0, nearest, COUNTRYSIDE)
    for i, c in enumerate(specs):
        cx = min(max(int(c.x_km // km), 0), width - 1)
        cy = min(max(int(c.y_km // km), 0), height - 1)
        city[cx, cy] = i
    land |= city >= 0
    city = np.where(land, city, OFF_REGION)
    layers["city"].data[:] = city

    # Housing for the initial residents: cities by weight, denser at the centre; the
    # countryside around the cities (farmland), thinning with distance.
    residents = simulation.residents
    urban_agents = round(residents * urban_share)
    weights = np.array([c.weight for c in specs])
    per_city = apportion(weights, round(urban_agents * (1.0 + params.housing_slack)))
    housing = np.zeros(shape, dtype=np.int64)
    for i, c in enumerate(specs):
        inside = city == i
        density = np.exp(-(distance[i] ** 2) / (2.0 * (FOOTPRINT_SPREAD * c.radius_km) ** 2))
        units = apportion(np.where(inside, density, 0.0).ravel(), int(per_city[i]))
        housing += units.reshape(shape)
    rural = np.zeros(shape)
    for c, d in zip(specs, distance, strict=True):
        rural += c.weight * np.exp(-(d**2) / (2.0 * params.rural_spread_km**2))
    rural = np.where(city == COUNTRYSIDE, rural + RURAL_FLOOR * rural.max(), 0.0)
    rural_units = round((residents - urban_agents) * (1.0 + params.housing_slack))
    housing += apportion(rural.ravel(), rural_units).reshape(shape)
    layers["housing"].data[:] = housing

    # Deposits under the resource towns: one field each, richest at the town.
    field = np.full(shape, -1, dtype=np.int64)
    deposits = np.zeros(shape)
    for i, c in enumerate(specs):
        if c.deposit_years <= 0:
            continue
        reach = DEPOSIT_REACH * c.radius_km
        richness = np.exp(-(distance[i] ** 2) / (2.0 * (reach / 2.0) ** 2))
        mine = (distance[i] <= reach) & land
        mine[np.unravel_index(np.argmin(distance[i]), shape)] = True
        better = mine & (richness > deposits)
        deposits = np.where(better, richness, deposits)
        field = np.where(better, i, field)
    layers["deposits"].data[:] = deposits
    layers["deposits_initial"].data[:] = deposits
    layers["deposit_field"].data[:] = field

    layers["infrastructure"].data[:] = np.where(
        city >= 0, params.infrastructure_city, params.infrastructure_rural
    )
    to_port = np.full(shape, np.inf)
    for px, py in params.ports:
        to_port = np.minimum(to_port, np.hypot(x - px, y - py))
    if not params.ports:
        to_port = np.zeros(shape)
    layers["market_distance"].data[:] = to_port * params.overland_circuity

    cells = tuple(grid[divmod(flat, height)] for flat in range(width * height))
    return Geography(
        grid=grid,
        layers=layers,
        cells=cells,
        width=width,
        height=height,
        km_per_cell=km,
        city_names=names,
        city_kinds=tuple(c.kind for c in specs),
    )
