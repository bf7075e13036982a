"""Housing: where residents live, vacancy, dereliction, restoration and construction.

Adults move within their city toward cells with better amenity (infrastructure, clean air) and
more jobs within commuting reach; only vacant homes can be taken. People arriving in a city
(from another city, a farm or the rest of China) take its vacant homes; a city with none left
restores derelict homes and then builds what it lacks (demand, counted in persons, decides,
not how full a cell of agents happens to be). Housing left vacant becomes derelict at a yearly
rate (§2.1: "increased derelict buildings", §2.3: "degradation of built environment").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.allocation import accept_within_capacity, sample_weighted
from declineabm.model.geography import apportion
from declineabm.model.population import working_age

if TYPE_CHECKING:
    from declineabm.model.geography import Geography
    from declineabm.model.urban_decline import UrbanDeclineModel

ADULT_AGE = 18  # children move with their parents, not on their own


def vacant_units(geo: Geography) -> np.ndarray:
    """Usable housing units nobody lives in, per cell."""
    usable = geo.layer("housing") - geo.layer("derelict") - geo.layer("occupancy")
    return np.maximum(usable, 0)


def window_sum(field: np.ndarray, reach: int) -> np.ndarray:
    """Sum of a 2-D field over the square window of half-width ``reach`` around each cell."""
    width, height = field.shape
    table = np.zeros((width + 1, height + 1))
    table[1:, 1:] = field.cumsum(0).cumsum(1)
    lo_x = np.clip(np.arange(width) - reach, 0, width)[:, None]
    hi_x = np.clip(np.arange(width) + reach + 1, 0, width)[:, None]
    lo_y = np.clip(np.arange(height) - reach, 0, height)[None, :]
    hi_y = np.clip(np.arange(height) + reach + 1, 0, height)[None, :]
    return table[hi_x, hi_y] - table[lo_x, hi_y] - table[hi_x, lo_y] + table[lo_x, lo_y]


def amenity(model: UrbanDeclineModel) -> np.ndarray:
    """Amenity of every cell: infrastructure quality minus pollution damage."""
    geo = model.geography
    quality = geo.layer("infrastructure")
    return model.config.infrastructure.amenity_weight * quality - model.environment.amenity_loss(
        np.arange(geo.size)
    )


def job_access(model: UrbanDeclineModel) -> np.ndarray:
    """Jobs within commuting reach per working-age resident within reach, per cell."""
    geo = model.geography
    firms, residents = model.firms, model.residents
    shape = (geo.width, geo.height)
    jobs = np.bincount(firms.cell, np.maximum(firms.positions, firms.workforce), minlength=geo.size)
    working = working_age(residents.age, model.config.economy)
    workers = np.bincount(residents.home[working], minlength=geo.size)
    reach = geo.cells_to_km(model.config.economy.commute_km)
    near_jobs = window_sum(jobs.reshape(shape).astype(np.float64), reach)
    near_workers = window_sum(workers.reshape(shape).astype(np.float64), reach)
    # a ratio of counts, so the same at any resolution (no "+1 agent" that weighs more when
    # agents are few)
    empty = np.where(near_jobs > 0, np.inf, 0.0)  # jobs and nobody near them: the most access
    access = np.divide(near_jobs, near_workers, out=empty, where=near_workers > 0)
    return access.reshape(-1)


def update_occupancy(model: UrbanDeclineModel) -> None:
    """Recount residents per cell."""
    geo = model.geography
    geo.layer("occupancy")[:] = np.bincount(model.residents.home, minlength=geo.size)


def _efraimidis(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``count`` items drawn without replacement with probability ~ ``weights``."""
    keys = np.log(rng.random(len(weights))) / np.maximum(weights, 1e-300)
    return np.argsort(-keys, kind="stable")[:count]


def house_arrivals(
    model: UrbanDeclineModel, cities: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Homes (flat cells) for people arriving in ``cities``; a city builds when it is full.

    Each arrival takes a vacant unit of its city, drawn with probability growing with the
    cell's amenity; a city with fewer vacant units than arrivals first restores derelict units
    and then builds the rest, in its cells, in proportion to the housing they hold.

    Writes ``housing``, ``derelict`` and ``occupancy``.
    """
    geo = model.geography
    update_occupancy(model)
    homes = np.empty(len(cities), dtype=np.int64)
    city_of_cell = geo.layer("city")
    attraction = np.exp(amenity(model))
    vacancy = vacant_units(geo)
    for city in np.unique(cities):
        arriving = np.flatnonzero(cities == city)
        cells = np.flatnonzero(city_of_cell == city)
        vacant = vacancy[cells]
        short = len(arriving) - int(vacant.sum())
        if short > 0:
            derelict = geo.layer("derelict")
            restored = apportion(
                derelict[cells].astype(np.float64), min(short, int(derelict[cells].sum()))
            )
            derelict[cells] -= restored
            housing = geo.layer("housing")
            weights = np.maximum(housing[cells], 1).astype(np.float64)
            built = apportion(weights, short - int(restored.sum()))
            housing[cells] += built
            vacant = vacant + restored + built
        units = np.repeat(np.arange(len(cells)), vacant)
        chosen = _efraimidis(attraction[cells][units], len(arriving), rng)
        homes[arriving] = cells[units[chosen]]
        np.add.at(geo.layer("occupancy"), homes[arriving], 1)
    return homes


def move(model: UrbanDeclineModel) -> int:
    """Adults looking for a better home in their city move to the best vacant one they find.

    Reads amenity, job access and vacancy; writes ``residents.home``. Returns the moves.
    """
    residents = model.residents
    geo = model.geography
    params = model.config.housing
    rng = model.streams["housing"]
    update_occupancy(model)
    city = model.resident_city()
    adults = np.flatnonzero((residents.age >= ADULT_AGE) & (city >= 0))
    movers = adults[rng.random(len(adults)) < params.move_rate]
    vacant = vacant_units(geo)
    if len(movers) == 0 or vacant.sum() == 0:
        return 0
    score = amenity(model) + params.job_access_weight * np.minimum(job_access(model), 2.0)
    k = params.move_candidates
    candidates = np.empty((len(movers), k), dtype=np.int64)
    city_of_cell = geo.layer("city")
    for c in np.unique(city[movers]):
        mine = city[movers] == c
        cells = np.flatnonzero(city_of_cell == c)
        picks = sample_weighted(vacant[cells], int(mine.sum()) * k, rng)
        if len(picks) == 0:  # a full city: nobody finds a better home
            candidates[mine] = residents.home[movers[mine]][:, None]
            continue
        candidates[mine] = cells[picks].reshape(-1, k)
    best = candidates[np.arange(len(movers)), np.argmax(score[candidates], axis=1)]
    gain = score[best] - score[residents.home[movers]]
    wants = gain > 0
    movers, best, gain = movers[wants], best[wants], gain[wants]
    accepted = accept_within_capacity(best, gain, vacant)
    movers, best = movers[accepted], best[accepted]
    model.relocate_residents(movers, best)
    return len(movers)


def age_buildings(model: UrbanDeclineModel) -> None:
    """Vacant housing decays into dereliction (writes ``derelict``)."""
    geo = model.geography
    update_occupancy(model)
    rng = model.streams["housing"]
    geo.layer("derelict")[:] += rng.binomial(
        vacant_units(geo), model.config.housing.dereliction_rate
    )
