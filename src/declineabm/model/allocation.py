"""Vectorised allocation under capacity: who gets the job, the flat, the layoff notice.

One primitive serves the labour market, housing moves and layoffs alike:
:func:`accept_within_capacity` lets every target (a city's hires, a cell's vacant flats, a
firm's layoffs) accept its best proposals up to its capacity.
"""

from __future__ import annotations

import numpy as np


def rank_within_groups(groups: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Rank of every item inside its group, 0 for the highest priority.

    Args:
        groups: Group id of each item.
        priority: Higher is served first; ties keep input order.

    Returns:
        Rank of each item within its group.
    """
    order = np.lexsort((-priority, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - np.repeat(starts, sizes)
    return ranks


def accept_within_capacity(
    targets: np.ndarray, priority: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Each target accepts its highest-priority proposals up to ``capacity[target]``.

    Returns:
        Boolean mask over the proposals: accepted or not.
    """
    if len(targets) == 0:
        return np.zeros(0, dtype=bool)
    limit = capacity[targets]
    proposals = np.bincount(targets)[targets]
    accepted = limit >= proposals
    # Only where a target must choose do ranks matter; ranking whole groups alone gives each
    # proposal the rank it has among all of them, so the result is the same.
    contested = np.flatnonzero((limit > 0) & ~accepted)
    if len(contested):
        ranks = rank_within_groups(targets[contested], priority[contested])
        accepted[contested] = ranks < limit[contested]
    return accepted


def pick_per_group(groups: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pick ``counts[g]`` random items from every group ``g`` (e.g. whom a firm lays off).

    Returns:
        Boolean mask over the items.
    """
    return accept_within_capacity(groups, rng.random(len(groups)), counts)


def sample_weighted(weights: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` indices with probability proportional to non-negative ``weights``.

    Returns:
        Indices, or an empty array when all weights are zero.
    """
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    if count <= 0 or total <= 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(weights)
    picks = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
    return np.minimum(picks, len(weights) - 1)


def systematic_sample(chances: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep each item with probability ``chances[i]`` (each at most 1), as few coin flips as can be.

    Systematic sampling with probability proportional to size: one uniform offset, and an
    item is kept where the running sum of the chances crosses an integer. Each item's chance
    is exactly its own, and the number kept is the sum of the chances rounded up or down,
    where independent draws would scatter it by its square root.

    Returns:
        Boolean mask over the items.
    """
    running = np.cumsum(chances) + rng.random()
    return np.floor(running) > np.floor(np.r_[running[:1] - chances[:1], running[:-1]])
