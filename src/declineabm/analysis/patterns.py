"""The patterns of the paper the Northeast scenario must reproduce together.

Pattern-oriented modelling (Grimm et al. 2005): a model earns trust when one parameter set
reproduces several observed patterns at once. Each pattern is measured on one run (or on a pair of
runs with the same seed, with and without revitalization policy) and compared with its target;
``declineabm validate`` reports the median and 5-95 % band over many seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

PAPER_OUTPUT_SHARE = {2002: 0.114, 2022: 0.048}
"""The Northeast's share of China's GDP (paper §2.2.5)."""


@dataclass(frozen=True)
class Pattern:
    """One pattern: how it is measured and when it passes."""

    name: str
    description: str
    target: str
    measure: Callable[[pd.DataFrame, pd.DataFrame | None], float]
    passes: Callable[[float], bool]
    paired: bool = False  # needs the run without policy


def _at(df: pd.DataFrame, column: str, year: int) -> float:
    return float(df.loc[df["year"] == year, column].iloc[0])


def share_ratio(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Output share in 2022 over output share in 2002."""
    return _at(df, "output_share", 2022) / _at(df, "output_share", 2002)


def population_peak_drop(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Fall of population from its peak (before 2022) to 2022, as a share of the peak.

    Zero when the population peaks at the start or in 2022 (no rise-then-fall).
    """
    window = df[df["year"] <= 2022].reset_index(drop=True)
    peak = int(window["population"].idxmax())
    if peak == 0 or peak == len(window) - 1:
        return 0.0
    return float(1.0 - window["population"].iloc[-1] / window["population"].iloc[peak])


def young_net_migration(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Net migration rate of people aged 18-34 less that of everyone else, 1990-2022.

    Each rate is the net migrants (arrivals less departures) summed over the years, over the
    person-years of the group. Negative when migration takes the young away faster than the
    rest (§2.2.4: "many young people choose to leave"), whether or not the region as a whole
    loses people; a region that loses people evenly, or gains young migrants, has 0 or more.
    """
    window = df[df["year"] <= 2022]
    young_people = window["young_adult_share"] * window["population"]
    others = window["population"] - young_people
    young_rate = window["net_migration_young"].sum() / young_people.sum()
    other_rate = (window["net_migration"] - window["net_migration_young"]).sum() / others.sum()
    return float(young_rate - other_rate)


def ageing_lead(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Share aged 65+ in 2020 less the nation's (percentage points).

    The Northeast, younger than the nation at the top in 1990 (census: 4.5 % aged 65+ against
    5.6 %), was older by 2020 (16.4 % against 13.5 %): §2.2.4's "the region with the most
    serious aging in China".
    """
    lead = _at(df, "share_65plus", 2020) - _at(df, "national_share_65plus", 2020)
    return 100.0 * lead


def old_industry_job_loss(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Heavy-industry and mining share of jobs in 2022 relative to the start."""
    old = df["heavy_job_share"] + df["resource_job_share"]
    return float(old[df["year"] == 2022].iloc[0] / old.iloc[0])


def vacancy_rise(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Vacant plus derelict housing share in 2022 minus at the start."""
    empty = df["housing_vacancy_rate"] + df["derelict_share"]
    return float(empty[df["year"] == 2022].iloc[0] - empty.iloc[0])


def mining_job_loss(df: pd.DataFrame, _: pd.DataFrame | None = None) -> float:
    """Mining's share of jobs in 2022 relative to the start."""
    return _at(df, "resource_job_share", 2022) / float(df["resource_job_share"].iloc[0])


def policy_effect(df: pd.DataFrame, without: pd.DataFrame | None) -> float:
    """Output share in 2022 with revitalization support over without (same seed)."""
    assert without is not None
    return _at(df, "output_share", 2022) / _at(without, "output_share", 2022)


def state_firms_kept(df: pd.DataFrame, without: pd.DataFrame | None) -> float:
    """State-owned firms in 2022 with support over without it (same seed)."""
    assert without is not None
    kept = _at(without, "soe_firms", 2022)
    return _at(df, "soe_firms", 2022) / kept if kept else float("inf")


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "share_halves",
        "Output share 2022 / 2002 (paper: 4.8 / 11.4 = 0.42)",
        "< 0.5",
        share_ratio,
        lambda v: v < 0.5,
    ),
    Pattern(
        "population_peaks",
        "Fall of population from its peak to 2022",
        ">= 0.03",
        population_peak_drop,
        lambda v: v >= 0.03,
    ),
    # Migration takes the young first in any region (the region with every cause off: -0.004,
    # docs/VALIDATION.md); the paper's young leave because the region declines, so the pattern
    # asks for a gap of a point a year. The record has no figure for the young: the threshold
    # is ours, stated as such.
    Pattern(
        "young_leave",
        "Net migration rate aged 18-34 less everyone else's, 1990-2022 (per person-year)",
        "< -0.01",
        young_net_migration,
        lambda v: v < -0.01,
    ),
    Pattern(
        "ageing_overtakes",
        "Share aged 65+ in 2020 less the nation's, pp (census: +2.9, from -1.1 in 1990)",
        "> 1.45 (half the census's lead)",
        ageing_lead,
        lambda v: v > 1.45,
    ),
    Pattern(
        "old_industry_shrinks",
        "Heavy + mining job share 2022 over start",
        "< 0.7",
        old_industry_job_loss,
        lambda v: v < 0.7,
    ),
    Pattern(
        "housing_empties",
        "Vacant + derelict housing share 2022 minus start",
        "> 0.05",
        vacancy_rise,
        lambda v: v > 0.05,
    ),
    Pattern(
        "resources_fall",
        "Mining's share of jobs 2022 over start (reserves run down, mining towns shrink)",
        "< 0.5",
        mining_job_loss,
        lambda v: v < 0.5,
    ),
    Pattern(
        "policy_modest",
        "Output share 2022 with revitalization support over without",
        "1.0 to 1.25",
        policy_effect,
        lambda v: 1.0 < v < 1.25,
        paired=True,
    ),
    Pattern(
        "zombies_kept",
        "State-owned firms in 2022 with support over without (support keeps them alive)",
        ">= 1.1",
        state_firms_kept,
        lambda v: v >= 1.1,
        paired=True,
    ),
)


def measure_all(with_policy: pd.DataFrame, without_policy: pd.DataFrame) -> dict[str, float]:
    """Every pattern's value for one seed (the run with policy and its twin without)."""
    return {p.name: p.measure(with_policy, without_policy) for p in PATTERNS}


def summarize(values: pd.DataFrame) -> pd.DataFrame:
    """Median, 5-95 % band and pass/fail (on the median) of each pattern over seeds."""
    import pandas as pd  # here: the summary figure of every run reads PAPER_OUTPUT_SHARE

    rows = []
    for pattern in PATTERNS:
        column = values[pattern.name]
        median = float(np.median(column))
        rows.append(
            {
                "pattern": pattern.name,
                "description": pattern.description,
                "target": pattern.target,
                "median": median,
                "p05": float(np.percentile(column, 5)),
                "p95": float(np.percentile(column, 95)),
                "pass": bool(pattern.passes(median)),
            }
        )
    return pd.DataFrame(rows)
