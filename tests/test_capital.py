"""Capital per worker: a region that invests less falls behind, one that keeps pace does not."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_model

from declineabm.model.capital import NORTHEAST, REST_OF_CHINA, CapitalSection, RegionalCapital

FACTS = CapitalSection(elasticity=0.5, investment_rate=0.4, depreciation=0.1, salvage=0.25)


def run_capital(
    years: int,
    shares: tuple[float, float],
    output: tuple[float, float] = (10.0, 90.0),
    workers: tuple[float, float] = (1.0, 9.0),
    worker_growth: tuple[float, float] = (0.0, 0.0),
) -> RegionalCapital:
    """Stocks after ``years`` of investment from fixed outputs and growing workers."""
    capital = RegionalCapital(FACTS, growth=0.05)
    labour = np.array(workers)
    capital.invest(np.array(output), labour, np.ones(2))  # the start year: steady state
    for _ in range(years):
        labour = labour * (1.0 + np.array(worker_growth))
        capital.update_factors(labour)
        capital.invest(np.array(output), labour, np.array(shares))
    capital.update_factors(labour)
    return capital


def test_the_start_year_sets_each_region_at_the_steady_state_of_its_output() -> None:
    capital = run_capital(0, (1.0, 1.0))
    # K / Y = s / (g + delta) = 0.4 / 0.15 in both regions; no deepening yet.
    assert capital.stock == pytest.approx(np.array([10.0, 90.0]) * 0.4 / 0.15)
    assert capital.factor == pytest.approx([1.0, 1.0])


def test_regions_that_invest_alike_and_keep_their_workers_keep_pace() -> None:
    capital = run_capital(30, (1.0, 1.0))
    assert capital.deepening == pytest.approx([1.0, 1.0])
    assert capital.factor == pytest.approx([1.0, 1.0])


def test_a_region_that_invests_less_falls_to_its_share_of_the_capital_per_worker() -> None:
    # Long after, each stock is s c Y / delta: the Northeast's capital over the rest of
    # China's, each against its start, is its investment share; output follows as c**alpha.
    capital = run_capital(200, (0.5, 1.0))
    deepening = capital.deepening[NORTHEAST] / capital.deepening[REST_OF_CHINA]
    assert deepening == pytest.approx(0.5, rel=1e-6)
    factor = capital.factor[NORTHEAST] / capital.factor[REST_OF_CHINA]
    assert factor == pytest.approx(0.5**0.5, rel=1e-6)
    # and it falls year by year on the way there
    path = [run_capital(t, (0.5, 1.0)).factor[NORTHEAST] for t in range(1, 8)]
    assert np.all(np.diff(path) < 0)


def test_a_region_that_loses_workers_faster_than_capital_gains_capital_per_worker() -> None:
    capital = run_capital(10, (1.0, 1.0), worker_growth=(-0.03, 0.0))
    assert capital.deepening[NORTHEAST] > 1.2
    assert capital.factor[REST_OF_CHINA] < 1.0  # the nation's average moved towards it


def test_the_investment_climate_is_cause_7s_and_off_means_an_ordinary_region() -> None:
    climate = {"policy.investment_climate": 0.5}
    on = small_model(**climate)
    off = small_model(**climate, **{"policy.enabled": False})
    kept = small_model(**climate, **{"policy.enabled": False, "policy.off_means": "no_support"})
    assert on.policy.investment_share() == 0.5
    assert off.policy.investment_share() == 1.0
    assert kept.policy.investment_share() == 0.5
    for model in (on, off, kept):
        model.dispose()


def test_a_poorer_climate_leaves_the_northeast_less_capital_and_output_per_worker() -> None:
    def indicators(climate: float) -> dict[str, float]:
        model = small_model(**{"policy.investment_climate": climate})
        model.run(2000)
        values = dict(model.indicators)
        model.dispose()
        return values

    poor, ordinary = indicators(0.4), indicators(1.0)
    assert poor["capital_deepening"] < 0.8 < ordinary["capital_deepening"]
    assert poor["output_share"] < ordinary["output_share"]
    assert poor["relative_wage"] < ordinary["relative_wage"]


def test_a_closed_firms_capital_is_written_off_but_its_salvage() -> None:
    capital = run_capital(0, (1.0, 1.0))
    before = capital.stock.copy()
    capital.strand(NORTHEAST, 0.2)  # firms with a fifth of the Northeast's workers closed
    assert capital.stock[NORTHEAST] == pytest.approx(before[NORTHEAST] * (1 - 0.75 * 0.2))
    assert capital.stock[REST_OF_CHINA] == before[REST_OF_CHINA]
    # the laid-off found work in the region: its workers have less to work with, and its factor
    # falls below the nation's
    capital.update_factors(np.array([1.0, 9.0]))
    assert capital.factor[NORTHEAST] < 1.0 < capital.factor[REST_OF_CHINA]


def test_closures_before_the_start_years_stocks_strand_nothing() -> None:
    capital = RegionalCapital(FACTS, growth=0.05)
    capital.strand(NORTHEAST, 0.5)
    capital.invest(np.array([10.0, 90.0]), np.array([1.0, 9.0]), np.ones(2))
    assert capital.stock == pytest.approx(np.array([10.0, 90.0]) * 0.4 / 0.15)


def test_the_reforms_closures_leave_the_northeasts_workers_less_capital() -> None:
    def deepening(salvage: float) -> float:
        model = small_model(**{"capital.salvage": salvage})
        model.run(2005)  # through the reform's closures
        value = model.indicators["capital_deepening"]
        model.dispose()
        return value

    # the Northeast closed more of its firms than the nation in the reform
    assert deepening(0.0) < deepening(1.0)
