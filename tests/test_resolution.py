"""The same region at any resolution: k times the agents, each standing for 1/k of the persons.

The Northeast on 24 km cells drawn with 3,000, 12,000 and 48,000 agents (k = 1/4, 1, 4), ten
seeds each, to 2022. The indicators a calibration fits and a planner reads first must not move
with k beyond the seed noise. The criterion is each indicator's median over the seeds at k
against the 5-95 % band of the seeds at k = 1, in units of the band's half-width: inside the
band is at most 1. With the hand-set parameters the headline indicators stayed within 2.5
half-widths at k = 1/4 and 4 (the worst was 2.0: the population and the urban share at k = 4,
a 3 % and 1.5-point shortfall; see docs/PERFORMANCE.md, "Resolution"); with the calibrated
ones they do not (below). Before the labour market matched by persons
and firms kept fractional workforces, firms, jobs and wages were 5 to 19 half-widths apart.
"""

from __future__ import annotations

import pytest

from benchmarks.resolution import compare

HEADLINE = (
    "output_share",
    "population",
    "share_65plus",
    "urban_share",
    "unemployment_rate",
    "employment",
    "average_wage",
    "heavy_job_share",
    "out_migrants",
    "mean_pollution",
)
WITHIN = 2.5  # band half-widths


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def table() -> list[dict[str, object]]:
    return compare(
        "northeast",
        12000,
        seeds=range(1, 11),
        until=2022,
        factors=(0.25, 1.0, 4.0),
        workers=2,
        overrides={"geography.km_per_cell": 24},
    )


# With the hand-set parameters the headline indicators stayed within 2.5 half-widths; with the
# calibrated ones (a slow labour market) they do not: at 3,000 against 12,000 agents the
# population is 2.7 and unemployment 4.5 half-widths off, at 48,000 the population 6.0 and
# employment 6.3. Recorded as expected failures, strict, so that mending it shows here
# (docs/CALIBRATION.md, "At which size"; issue "The same city at any resolution").
@pytest.mark.xfail(
    strict=True, reason="the calibrated Northeast moves with the number of agents (issue 12)"
)
@pytest.mark.parametrize("k", [0.25, 4.0])
def test_the_headline_indicators_do_not_move_with_the_number_of_agents(table, k) -> None:
    rows = {r["indicator"]: r for r in table if r["k"] == k}
    off = {
        name: round(rows[name]["deviation"], 2)
        for name in HEADLINE
        if rows[name]["deviation"] > WITHIN
    }
    assert not off, f"at k = {k}, indicators outside {WITHIN} band half-widths: {off}"
