"""Vectorised allocation under capacity: who gets the job, the flat, the layoff notice.

Two primitives serve the labour market, housing moves and layoffs alike:

* :func:`sample_within_reach` draws, for each of many searchers at once, one slot (a vacancy,
  a vacant flat) uniformly among all slots within a square window around the searcher's cell;
* :func:`accept_within_capacity` lets every target accept its best proposals up to its
  capacity.
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
    return rank_within_groups(targets, priority) < capacity[targets]


def pick_per_group(groups: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pick ``counts[g]`` random items from every group ``g`` (e.g. whom a firm lays off).

    Returns:
        Boolean mask over the items.
    """
    return accept_within_capacity(groups, rng.random(len(groups)), counts)


def sample_within_reach(
    x: np.ndarray,
    y: np.ndarray,
    slot_cells: np.ndarray,
    slot_weights: np.ndarray,
    shape: tuple[int, int],
    reach: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each searcher, draw one slot within Chebyshev distance ``reach`` of its cell.

    A slot (a firm, a cell) is drawn with probability proportional to its integer weight
    (vacancies, vacant flats) among the slots in the searcher's window. The window is split in
    ``2 * reach + 1`` grid columns, each a contiguous run of flat cell indices, so the draw is a
    few cumulative sums and one ``searchsorted`` for all searchers together.

    Args:
        x: Grid x of each searcher's cell.
        y: Grid y of each searcher's cell.
        slot_cells: Flat cell index of each slot.
        slot_weights: Non-negative integer weight of each slot.
        shape: Grid ``(width, height)``.
        reach: Window half-width in cells.
        rng: Random generator.

    Returns:
        Index of the chosen slot for each searcher, or -1 where the window holds no weight.
    """
    width, height = shape
    n = len(x)
    chosen = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(slot_cells) == 0:
        return chosen
    weights = np.asarray(slot_weights, dtype=np.int64)
    order = np.argsort(slot_cells, kind="stable")
    slot_cum = np.cumsum(weights[order])
    cell_cum = np.zeros(width * height + 1, dtype=np.int64)
    cell_cum[1:] = np.cumsum(np.bincount(slot_cells, weights, minlength=width * height)).astype(
        np.int64
    )

    columns = x[:, None] + np.arange(-reach, reach + 1)[None, :]
    valid = (columns >= 0) & (columns < width)
    columns = np.clip(columns, 0, width - 1)
    y_low = np.clip(y - reach, 0, height - 1)[:, None]
    y_high = np.clip(y + reach, 0, height - 1)[:, None]
    start = cell_cum[columns * height + y_low]
    segment = np.where(valid, cell_cum[columns * height + y_high + 1] - start, 0)
    seg_cum = np.cumsum(segment, axis=1)
    total = seg_cum[:, -1]
    has = total > 0
    draw = np.zeros(n, dtype=np.int64)
    draw[has] = rng.integers(0, total[has])
    column = np.argmax(seg_cum > draw[:, None], axis=1)
    before = np.take_along_axis(seg_cum - segment, column[:, None], axis=1)[:, 0]
    position = np.take_along_axis(start, column[:, None], axis=1)[:, 0] + (draw - before)
    chosen[has] = order[np.searchsorted(slot_cum, position[has], side="right")]
    return chosen


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
