"""The app's map: layers from the grid's numpy layers, fixed colour scales, legends, PNGs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import small_model
from PIL import Image

from declineabm.app.citymap import (
    CELL_FACTS,
    LAYER_BY_KEY,
    LAYERS,
    NO_DATA,
    NO_HOUSING,
    OFF_REGION,
    SECTOR_COLOURS,
    City,
    cell_facts,
    colours,
    describe,
    legend,
    render_png,
    snapshot,
    to_image,
)
from declineabm.model.sectors import Sector


def city(**layers: np.ndarray) -> City:
    """A 3x2 city with everything empty except the given layers."""
    shape = (3, 2)
    zeros = {
        name: np.zeros(shape)
        for name in (
            "housing",
            "occupancy",
            "derelict",
            "pollution",
            "infrastructure",
            "deposits",
            "deposits_initial",
            "working",
            "unemployed",
            "firms",
        )
    }
    zeros["jobs"] = np.zeros((len(Sector), *shape))
    zeros["place"] = np.full(shape, -1)  # countryside
    return City(3, 2, km2_per_cell=4.0, persons_per_agent=100, pollution_limit=1.0,
                city_names=(), centres=(), **{**zeros, **layers})  # fmt: skip


@pytest.fixture(scope="module")
def model_city():
    model = small_model()
    for _ in range(3):
        model.step()
    yield snapshot(model), model
    model.dispose()


def test_snapshot_aggregates_residents_and_firms(model_city) -> None:
    snap, model = model_city
    assert snap.occupancy.sum() == len(model.residents)
    assert snap.jobs.sum() == model.firms.workforce.sum()
    unemployed = snap.unemployed.sum() / snap.working.sum()
    assert unemployed == pytest.approx(model.indicators["jobless_rate"])
    # a copy: stepping the model on does not change what the page is drawing
    before = snap.occupancy.copy()
    model.geography.layers["occupancy"].data[:] = 0
    assert (snap.occupancy == before).all()


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.key)
def test_every_layer_draws_one_pixel_per_cell(model_city, layer) -> None:
    snap, _ = model_city
    png = render_png(layer, snap, snap)
    image = Image.open(io.BytesIO(png))
    assert image.size == (snap.width, snap.height)
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 2  # more than background


def test_image_has_north_up() -> None:
    rgb = np.zeros((3, 2, 3), dtype=np.uint8)
    rgb[0, 0] = 255  # x=0, y=0: the south-west corner
    image = to_image(rgb)
    assert image.shape == (2, 3, 3)
    assert (image[1, 0] == 255).all() and image[0, 0].sum() == 0


def test_cells_without_data_show_the_footprint() -> None:
    housing = np.array([[0, 4], [4, 4], [4, 0]])
    occupancy = np.array([[0, 4], [0, 2], [1, 0]])
    drawn = colours(LAYER_BY_KEY["unemployment"], city(housing=housing, occupancy=occupancy),
                    city(housing=housing))  # fmt: skip
    # no working-age residents anywhere: built-up cells grey, the rest lighter
    assert tuple(drawn[0, 0]) == NO_HOUSING and tuple(drawn[0, 1]) == NO_DATA


def test_land_outside_the_region_is_not_drawn_as_the_region(model_city) -> None:
    snap, _ = model_city
    off = snap.place == -2
    assert off.any() and (snap.housing[off] == 0).all()
    for layer in LAYERS:
        drawn = colours(layer, snap, snap)
        assert (drawn[off] == OFF_REGION).all(), layer.key
        assert not (drawn[~off] == OFF_REGION).all(axis=-1).any(), layer.key


def test_population_scale_is_fixed_by_the_start() -> None:
    housing = np.full((3, 2), 10)
    start = city(housing=housing, occupancy=housing)
    later = city(housing=housing, occupancy=np.full((3, 2), 5))
    layer = LAYER_BY_KEY["population"]
    assert layer.scale(later, start) == (0.0, 10 * 100 / 4.0)
    full, half = colours(layer, start, start), colours(layer, later, start)
    assert (full != half).any()  # an emptier city looks different, not rescaled to the same


def test_open_scales_clip_and_say_so() -> None:
    pollution = np.array([[0.0, 1.0], [2.0, 50.0], [0.5, 0.0]])
    housing = np.ones((3, 2))
    layer = LAYER_BY_KEY["pollution"]
    drawn = colours(layer, city(pollution=pollution, housing=housing), city())
    assert (drawn[1, 0] == drawn[1, 1]).all()  # 2x and 50x the limit: both the top colour
    entry = legend(layer, city(), city())
    assert entry.ticks == ("0", "1", "≥ 2") and entry.title == "Pollution (× limit)"


def test_share_layers_read_as_percentages() -> None:
    entry = legend(LAYER_BY_KEY["vacant"], city(), city())
    assert entry.ticks == ("0%", "50%", "100%")
    assert len(entry.gradient) == 9


def test_firms_are_coloured_by_their_leading_sector() -> None:
    jobs = np.zeros((len(Sector), 3, 2))
    jobs[Sector.HEAVY, 0, 0] = 100
    jobs[Sector.SERVICES, 0, 0] = 10
    jobs[Sector.HIGHTECH, 2, 1] = 100
    housing = np.ones((3, 2))
    drawn = colours(LAYER_BY_KEY["firms"], city(jobs=jobs, housing=housing), city())

    def nearest_sector(rgb: np.ndarray) -> Sector:
        return min(Sector, key=lambda s: np.abs(np.subtract(SECTOR_COLOURS[s], rgb)).sum())

    assert tuple(drawn[0, 0]) == SECTOR_COLOURS[Sector.HEAVY]  # the busiest cell: full colour
    assert nearest_sector(drawn[2, 1]) == Sector.HIGHTECH
    assert tuple(drawn[1, 1]) == NO_DATA
    labels = [label for label, _ in legend(LAYER_BY_KEY["firms"], city(), city()).swatches]
    assert labels[:5] == ["resources (mining)", "heavy industry", "light manufacturing",
                          "services", "high-tech"]  # fmt: skip


def test_infrastructure_is_drawn_only_where_people_live_or_work() -> None:
    housing = np.array([[0, 4], [0, 0], [0, 0]])
    firms = np.array([[0, 0], [1, 0], [0, 0]])
    quality = np.full((3, 2), 0.1)  # poor everywhere, also on the empty land
    drawn = colours(LAYER_BY_KEY["infrastructure"], city(housing=housing, firms=firms,
                    infrastructure=quality), city())  # fmt: skip
    assert tuple(drawn[0, 0]) == NO_HOUSING  # empty land: the footprint, not "bad" red
    assert tuple(drawn[0, 1]) != NO_HOUSING and tuple(drawn[1, 0]) != NO_HOUSING


def test_a_cell_lists_what_is_there(model_city) -> None:
    snap, model = model_city
    x, y = np.unravel_index(np.argmax(snap.occupancy), snap.occupancy.shape)
    facts = dict(cell_facts(snap, int(x), int(y)))
    assert list(facts) == [label for label, _ in CELL_FACTS]
    people = int(snap.occupancy[x, y]) * model.persons_per_agent
    assert facts["People"] == f"{people:,.0f}"
    homes = int(snap.housing[x, y]) * model.persons_per_agent
    assert facts["Homes"].startswith(f"for {homes:,.0f} people")
    # the densest cell lies in a city, named as the scenario names it
    assert facts["Place"] == model.geography.city_names[snap.place[x, y]].title()
    empty = dict(cell_facts(snap, 0, 0))  # the south-west corner: the sea off Dalian
    assert empty == {**empty, "Place": "outside the region", "People": "0", "Firms": "none"}


def test_the_map_has_a_text_alternative(model_city) -> None:
    snap, _ = model_city
    text = describe(LAYER_BY_KEY["vacant"], snap, 1993)
    assert text.startswith("Map of vacant housing in 1993, 49×47 cells of 576 km²:")
    assert "median" in text
