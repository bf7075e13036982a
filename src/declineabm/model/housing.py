"""Housing: where residents live, vacancy, dereliction, restoration and construction.

Adults move within the city toward cells with better amenity (infrastructure, clean air) and
more jobs within commuting reach; only vacant homes can be taken. Housing left vacant becomes
derelict at a yearly rate (§2.1: "increased derelict buildings", §2.3: "degradation of built
environment"); derelict housing is restored, and new housing built, only where a cell is full.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.allocation import accept_within_capacity, sample_weighted

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
    economy = model.config.economy
    working = (residents.age >= economy.working_age) & (residents.age < economy.retirement_age)
    workers = np.bincount(residents.home[working], minlength=geo.size)
    reach = economy.commute_reach
    near_jobs = window_sum(jobs.reshape(shape).astype(np.float64), reach)
    near_workers = window_sum(workers.reshape(shape).astype(np.float64), reach)
    return (near_jobs / (near_workers + 1.0)).reshape(-1)


def update_occupancy(model: UrbanDeclineModel) -> None:
    """Recount residents per cell."""
    geo = model.geography
    geo.layer("occupancy")[:] = np.bincount(model.residents.home, minlength=geo.size)


def move(model: UrbanDeclineModel) -> int:
    """Adults looking for a better home move to the best vacant one they find."""
    residents = model.residents
    geo = model.geography
    params = model.config.housing
    rng = model.streams["housing"]
    adults = np.flatnonzero(residents.age >= ADULT_AGE)
    movers = adults[rng.random(len(adults)) < params.move_rate]
    vacant = vacant_units(geo)
    if len(movers) == 0 or vacant.sum() == 0:
        return 0
    score = amenity(model) + params.job_access_weight * np.minimum(job_access(model), 2.0)
    k = params.move_candidates
    candidates = sample_weighted(vacant, len(movers) * k, rng).reshape(len(movers), k)
    best = candidates[np.arange(len(movers)), np.argmax(score[candidates], axis=1)]
    gain = score[best] - score[residents.home[movers]]
    wants = gain > 0
    movers, best, gain = movers[wants], best[wants], gain[wants]
    accepted = accept_within_capacity(best, gain, vacant)
    movers, best = movers[accepted], best[accepted]
    model.relocate_residents(movers, best)
    return len(movers)


def age_buildings(model: UrbanDeclineModel) -> None:
    """Vacant housing decays into dereliction; full cells restore and build."""
    geo = model.geography
    params = model.config.housing
    rng = model.streams["housing"]
    update_occupancy(model)
    housing, derelict = geo.layer("housing"), geo.layer("derelict")
    vacant = vacant_units(geo)
    derelict += rng.binomial(vacant, params.dereliction_rate)
    full = geo.layer("occupancy") >= housing - derelict
    restored = np.where(full, rng.binomial(derelict, params.restoration_rate), 0)
    derelict -= restored
    built = np.where(
        full & (derelict == 0) & (housing > 0), rng.binomial(housing, params.construction_rate), 0
    )
    housing += built
