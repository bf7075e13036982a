"""Seed bands: each arm's median and 90 % band over seeds, and the table behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from declineabm.app.bands import Bands, summarise
from declineabm.model.indicators import INDICATOR_NAMES


def table(arms: dict[str, float], seeds: int = 21) -> pd.DataFrame:
    """Every indicator of seed ``s`` of an arm is ``level + s`` in 1990 and 1991."""
    rows = []
    for arm, level in arms.items():
        for seed in range(seeds):
            for year in (1990, 1991):
                row = dict.fromkeys(INDICATOR_NAMES, level + seed)
                rows.append({**row, "arm": arm, "seed": seed, "year": year})
    return pd.DataFrame(rows)


def test_each_arm_has_its_median_and_90_percent_band() -> None:
    bands = summarise(table({"this run": 0.0, "without policy": 100.0}))
    assert list(bands) == ["this run", "without policy"]
    city = bands["this run"]
    assert city.years == (1990, 1991)
    # 21 seeds 0..20: the 5th, 50th and 95th percentiles are 1, 10 and 19
    np.testing.assert_allclose(city.low["population"], [1.0, 1.0])
    np.testing.assert_allclose(city.median["population"], [10.0, 10.0])
    np.testing.assert_allclose(city.high["population"], [19.0, 19.0])
    assert bands["without policy"].median["output_share"][0] == pytest.approx(110.0)


def test_the_seeds_download_in_model_csvs_format() -> None:
    frame = table({"this run": 0.0}, seeds=2)
    text = Bands(2, 2, 2, summarise(frame), frame).csv_text()
    lines = text.splitlines()
    assert lines[0] == ",".join(["arm", "seed", *INDICATOR_NAMES])
    assert len(lines) == 1 + 2 * 2 and lines[1].startswith("this run,0,1990,")
    assert Bands(2, 2).csv_text() == "" and not Bands(2, 2).ready
