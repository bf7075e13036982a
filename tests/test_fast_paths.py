"""The fast paths give exactly what the simple, obviously correct versions give."""

from __future__ import annotations

import numpy as np
import pytest

from declineabm.model.allocation import sample_within_reach


def reference_sample_within_reach(x, y, slot_cells, slot_weights, shape, reach, rng):
    """One row per searcher, one column per grid column of its window: plain and wide."""
    width, height = shape
    chosen = np.full(len(x), -1, dtype=np.int64)
    if len(x) == 0 or len(slot_cells) == 0:
        return chosen
    weights = np.asarray(slot_weights, dtype=np.int64)
    order = np.argsort(slot_cells, kind="stable")
    slot_cum = np.cumsum(weights[order])
    cell_cum = np.zeros(width * height + 1, dtype=np.int64)
    cell_cum[1:] = np.cumsum(np.bincount(slot_cells, weights, minlength=width * height))
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
    draw = np.zeros(len(x), dtype=np.int64)
    draw[has] = rng.integers(0, total[has])
    column = np.argmax(seg_cum > draw[:, None], axis=1)
    before = np.take_along_axis(seg_cum - segment, column[:, None], axis=1)[:, 0]
    position = np.take_along_axis(start, column[:, None], axis=1)[:, 0] + (draw - before)
    chosen[has] = order[np.searchsorted(slot_cum, position[has], side="right")]
    return chosen


@pytest.mark.parametrize("seed", range(12))
def test_sample_within_reach_matches_the_reference(seed):
    rng = np.random.default_rng(seed)
    width, height = rng.integers(1, 40, 2)
    reach = int(rng.integers(0, 9))
    searchers = int(rng.integers(0, 400))
    slots = int(rng.integers(0, 300))
    x = rng.integers(0, width, searchers)
    y = rng.integers(0, height, searchers)
    # sparse weights with many zeros, several slots per cell, empty windows
    slot_cells = rng.integers(0, width * height, slots)
    weights = rng.integers(0, 4, slots) * (rng.random(slots) < 0.4)
    args = (x, y, slot_cells, weights, (int(width), int(height)), reach)
    fast = sample_within_reach(*args, np.random.default_rng(seed + 100))
    slow = reference_sample_within_reach(*args, np.random.default_rng(seed + 100))
    np.testing.assert_array_equal(fast, slow)
    picked = fast >= 0
    cell_x, cell_y = np.divmod(slot_cells[fast[picked]], height)
    assert (np.abs(cell_x - x[picked]) <= reach).all()
    assert (np.abs(cell_y - y[picked]) <= reach).all()
    assert (weights[fast[picked]] > 0).all()
