"""Switching each cause off moves the 2022 city the way the paper implies.

Every comparison is paired (same seeds in both arms, common random numbers) and averaged over
several seeds of the small Northeast city.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small_model

from declineabm import UrbanDeclineModel
from declineabm.model.mechanisms.policy import FOOTLOOSE
from declineabm.model.sectors import Sector
from declineabm.scenario import MECHANISMS

SEEDS = range(1, 6)
YEAR = 2022


def remote_to_port(model: UrbanDeclineModel, indicator: str) -> float:
    """The five cities 800-1,200 km from a seaport against the port, Dalian."""
    cities = {r["city"]: r for r in model.city_indicators()}
    far = ("harbin", "qiqihar", "daqing", "jixi", "hegang")
    return float(sum(cities[c][indicator] for c in far) / cities["dalian"][indicator])


def outcome(**overrides: object) -> pd.Series:
    rows = []
    for seed in SEEDS:
        model = small_model(seed=seed, **overrides)
        model.run(YEAR)
        df = model.datacollector.get_model_vars_dataframe()
        row = df.iloc[-1].copy()
        row["share_ratio"] = row["output_share"] / df["output_share"].iloc[0]
        row["old_industry_jobs"] = (row["heavy_job_share"] + row["resource_job_share"]) * row[
            "employment"
        ]
        row["young_leavers_total"] = df["out_migrants_young"].sum()
        row["remote_to_port_people"] = remote_to_port(model, "population")
        row["laid_off_years"] = df["laid_off_workers"].sum()
        row["zombie_years"] = df["zombie_firms"].sum()
        row["subsidies_total"] = df["subsidy_spending"].sum()
        rows.append(row)
        model.dispose()
    return pd.DataFrame(rows).mean()


@pytest.fixture(scope="module")
def arms() -> dict[str, pd.Series]:
    results = {"all": outcome()}
    for mechanism in MECHANISMS:
        results[mechanism] = outcome(**{f"{mechanism}.enabled": False})
    # cause 7 on but without a budget: its investment climate stays, its support goes
    results["no_support"] = outcome(**{"policy.budget_share": 0.0})
    # cause 1 off but the region's own early structure kept: only its rigidity goes
    results["rigidity"] = outcome(**{"industry.enabled": False, "industry.off_means": "adaptive"})
    return results


def test_every_cause_of_decline_makes_the_region_fall_behind(arms) -> None:
    # The paper's causes and environmental standards each make the region's share of national
    # output fall further from where it started. Cause 1's rigidity alone (the same early
    # structure, 'adaptive') is not among them: with the rest of China's firms under the same
    # rules (docs/ODD.md 7.16) its effect on the share is within chance (-0.008 of the
    # 2022/1990 ratio, t = -1.1 over 20 paired seeds; docs/RESULTS.md: -0.45 pp, -1.0 to
    # +0.11). Remoteness is among them (+0.080, t = 9.9) since the region's distance from the
    # nation's farm workers became part of cause 3. Cause 7 is tested below. Depletion (cause 2)
    # is among them again since a closed firm's capital is stranded (model/capital.py, 6
    # December 2026; with capital per worker by region and none stranded, the capital of the
    # mines that closed stayed with the region's remaining workers: 0.424 without depletion
    # against 0.429 with it). At the refit's medians: 0.437 against 0.422, t = 2.4 over ten
    # paired seeds.
    for mechanism in ("resources", "transport", "infrastructure", "demography", "environment"):
        assert arms[mechanism]["share_ratio"] > arms["all"]["share_ratio"], mechanism


def test_without_rigid_state_industry_no_one_is_laid_off_with_a_tie_to_the_unit(arms) -> None:
    assert arms["industry"]["laid_off_years"] == 0
    assert arms["all"]["laid_off_years"] > 0


def test_without_depletion_reserves_last_and_mining_survives(arms) -> None:
    assert arms["resources"]["remaining_resources"] == 1.0
    assert arms["all"]["remaining_resources"] < 0.8
    # mining keeps a clearly larger share of the jobs (1.8x on these seeds, 2022)
    assert arms["resources"]["resource_job_share"] > 1.5 * arms["all"]["resource_job_share"]
    assert arms["resources"]["firms_resource"] > arms["all"]["firms_resource"]


def test_without_transport_costs_the_remote_cities_keep_up_with_the_port(arms) -> None:
    # "the economic center began to migrate to the southeast coast" (§2.2.2): inside the
    # region too, people and output leave the cities far from the seaports for the port.
    # People, on the five seeds of the other arms:
    assert arms["transport"]["remote_to_port_people"] > arms["all"]["remote_to_port_people"]
    # Output: the effect is small beside chance in the calibrated model (+0.34 on a remote-to-
    # port output ratio of 2.1 over 30 paired seeds, t = 2.5; five seeds show either sign),
    # so its own thirty seeds, paired.
    gaps = []
    for seed in range(1, 31):
        ratios = []
        for overrides in ({}, {"transport.enabled": False}):
            model = small_model(seed=seed, **overrides)
            model.run(YEAR)
            ratios.append(remote_to_port(model, "output"))
            model.dispose()
        gaps.append(ratios[1] - ratios[0])
    assert sum(gaps) > 0, gaps


def test_without_infrastructure_decay_quality_and_population_hold(arms) -> None:
    assert arms["infrastructure"]["mean_infrastructure"] > arms["all"]["mean_infrastructure"]
    assert arms["infrastructure"]["population"] > arms["all"]["population"]


def test_with_the_nations_demography_the_region_ages_slower(arms) -> None:
    assert arms["demography"]["young_leavers_total"] < arms["all"]["young_leavers_total"]
    assert arms["demography"]["total_fertility"] > arms["all"]["total_fertility"]
    assert arms["demography"]["share_65plus"] < arms["all"]["share_65plus"]
    assert arms["demography"]["median_age"] < arms["all"]["median_age"]
    assert arms["demography"]["young_adult_share"] > arms["all"]["young_adult_share"]


def test_without_standards_polluters_stay_open_and_pollute_more(arms) -> None:
    assert arms["environment"]["heavy_job_share"] > arms["all"]["heavy_job_share"]
    assert arms["environment"]["mean_pollution"] > arms["all"]["mean_pollution"]
    assert arms["environment"]["environmental_standard"] == 0.0


def test_revitalization_keeps_loss_makers_alive_and_slows_decline_modestly(arms) -> None:
    assert arms["policy"]["zombie_years"] == 0 and arms["policy"]["subsidies_total"] == 0
    assert arms["all"]["zombie_years"] > 0 and arms["all"]["subsidies_total"] > 0
    assert arms["no_support"]["subsidies_total"] == 0
    # the support alone, the investment climate held: cause 7's other half
    # Modest either way: "not a sustained and effective role" (§2.2.5). Since capital per worker
    # is regional (model/capital.py) it is slightly negative at the refit's medians (-2.1 %,
    # five seeds): the rescued loss-makers hold workers on the region's capital.
    gain = arms["all"]["output_share"] / arms["no_support"]["output_share"] - 1
    assert abs(gain) < 0.25


def footloose_entrants(seed: int, **overrides: object) -> tuple[int, int]:
    """New firms of 1991-2005: (heavy, light and high-tech; services), as agents."""
    model = small_model(seed=seed, **overrides)
    footloose = services = 0
    while model.year < 2005:
        model.step()
        new = model.firms.founded == model.year
        sector = model.firms.sector[new]
        footloose += int(np.isin(sector, FOOTLOOSE).sum())
        services += int((sector == Sector.SERVICES).sum())
    model.dispose()
    return footloose, services


def test_a_poor_investment_climate_keeps_new_factories_away_and_off_means_ordinary() -> None:
    # §2.2.5: a government that "can not effectively attract foreign investment". At a fifth
    # of an ordinary region's climate, far fewer footloose firms open (paired seeds); services,
    # which follow the region's own demand, are not scaled by it.
    poor = [footloose_entrants(seed, **{"policy.investment_climate": 0.2}) for seed in (1, 2)]
    ordinary = [footloose_entrants(seed, **{"policy.investment_climate": 1.0}) for seed in (1, 2)]
    assert sum(p[0] for p in poor) < 0.5 * sum(o[0] for o in ordinary)
    assert sum(p[1] for p in poor) > 0.5 * sum(o[1] for o in ordinary)
    # With cause 7 off, investors treat the region as an ordinary one: the parameter is inert.
    off = {"policy.enabled": False}
    assert footloose_entrants(1, **off, **{"policy.investment_climate": 0.2}) == (
        footloose_entrants(1, **off, **{"policy.investment_climate": 1.0})
    )
    # Off as 'no_support', only the money goes: the region is the one with no budget.
    no_support = {**off, "policy.off_means": "no_support", "policy.investment_climate": 0.2}
    assert footloose_entrants(1, **no_support) == footloose_entrants(
        1, **{"policy.budget_share": 0.0, "policy.investment_climate": 0.2}
    )
