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


def sample_within_reach(
    x: np.ndarray,
    y: np.ndarray,
    slot_cells: np.ndarray,
    slot_weights: np.ndarray,
    shape: tuple[int, int],
    reach: int,
    rng: np.random.Generator,
    slot_order: np.ndarray | None = None,
) -> np.ndarray:
    """For each searcher, draw one slot within Chebyshev distance ``reach`` of its cell.

    A slot (a firm, a cell) is drawn with probability proportional to its integer weight
    (vacancies, vacant flats) among the slots in the searcher's window. Each searcher draws one
    integer below the total weight of its window; the window is read as its grid columns in
    order, each a contiguous run of flat cell indices, and the draw lands in the first column
    whose running total exceeds it. A summed-area table gives any run of columns in four
    look-ups, so that column is found by bisection: time and memory grow with the number of
    searchers only, not with the window's width.

    Args:
        x: Grid x of each searcher's cell.
        y: Grid y of each searcher's cell.
        slot_cells: Flat cell index of each slot.
        slot_weights: Non-negative integer weight of each slot.
        shape: Grid ``(width, height)``.
        reach: Window half-width in cells.
        rng: Random generator.
        slot_order: ``np.argsort(slot_cells, kind="stable")``, when the caller draws from the
            same slots many times (the labour market's rounds): sorted once, not every call.

    Returns:
        Index of the chosen slot for each searcher, or -1 where the window holds no weight.
    """
    width, height = shape
    n = len(x)
    chosen = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(slot_cells) == 0:
        return chosen
    weights = np.asarray(slot_weights, dtype=np.int64)
    order = np.argsort(slot_cells, kind="stable") if slot_order is None else slot_order
    slot_cum = np.cumsum(weights[order])
    per_cell = np.bincount(slot_cells, weights, minlength=width * height).astype(np.int64)
    cell_cum = np.zeros(width * height + 1, dtype=np.int64)
    np.cumsum(per_cell, out=cell_cum[1:])
    # area[c, j]: weight in grid columns < c and rows < j (a summed-area table)
    area = np.zeros((width + 1, height + 1), dtype=np.int64)
    area[1:, 1:] = per_cell.reshape(width, height).cumsum(axis=1).cumsum(axis=0)
    area = area.reshape(-1)
    stride = height + 1

    c_low = np.maximum(x - reach, 0)
    c_high = np.minimum(x + reach, width - 1)
    y_low = np.clip(y - reach, 0, height - 1)
    y_top = np.clip(y + reach, 0, height - 1) + 1
    base_low, base_top = c_low * stride + y_low, c_low * stride + y_top

    def through(column: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Window weight in grid columns ``c_low[rows] .. column`` (inclusive)."""
        end = (column + 1) * stride
        return (
            area[end + y_top[rows]]
            - area[base_top[rows]]
            - area[end + y_low[rows]]
            + area[base_low[rows]]
        )

    total = through(c_high)
    has = np.flatnonzero(total > 0)
    draw = rng.integers(0, total[has])
    low, high = c_low[has], c_high[has]
    while True:
        open_ = np.flatnonzero(low < high)
        if len(open_) == 0:
            break
        middle = (low[open_] + high[open_]) // 2
        beyond = through(middle, has[open_]) > draw[open_]
        high[open_] = np.where(beyond, middle, high[open_])
        low[open_] = np.where(beyond, low[open_], middle + 1)
    column = low
    before = through(column - 1, has)
    position = cell_cum[column * height + y_low[has]] + (draw - before)
    chosen[has] = order[np.searchsorted(slot_cum, position, side="right")]
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
