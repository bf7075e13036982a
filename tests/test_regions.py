"""The two regions: an ordinary region keeps pace, people are accounted for, cities add up."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import small_model

from declineabm.model import rural_industry
from declineabm.model.firm_dynamics import expansion
from declineabm.model.migration import settlement_openness
from declineabm.model.population import young
from declineabm.model.sectors import Sector
from declineabm.scenario import MECHANISMS

ALL_OFF = {f"{cause}.enabled": False for cause in MECHANISMS}
NULL_SEEDS = range(1, 11)


def share_change(**overrides: object) -> float:
    """Output share 2022 over 1990, for one run."""
    model = small_model(**overrides)
    model.run(2022)
    df = model.datacollector.get_model_vars_dataframe().set_index("year")
    model.dispose()
    return float(df.loc[2022, "output_share"] / df.loc[1990, "output_share"])


@pytest.mark.slow
def test_without_its_causes_the_northeast_is_an_ordinary_region_and_keeps_pace() -> None:
    # The nation's structure, demography and costs: the share moves by less than a tenth.
    changes = [share_change(seed=seed, **ALL_OFF) for seed in NULL_SEEDS]
    assert abs(np.median(changes) - 1.0) < 0.10, changes


@pytest.mark.slow
def test_without_its_causes_the_northeast_grows_the_same_industries_as_the_nation() -> None:
    # Both regions follow the same firm rules (docs/ODD.md 7.16): an ordinary region ends with
    # the nation's mix of jobs. (With the rest of China as one average firm a sector, it ended
    # with 3.5 times the nation's share of high-tech and under half its heavy industry.)
    # Ten seeds: with capital per worker by region (model/capital.py) the heavy-industry ratio
    # of three seeds' median was 0.66 where ten seeds' is 0.81.
    ratios = []
    for seed in NULL_SEEDS:
        model = small_model(seed=seed, **ALL_OFF)
        model.run(2022)
        firms = model.firms
        northeast = np.bincount(firms.sector, firms.workforce, minlength=len(Sector))
        nation = model.rest_of_china.jobs
        ratios.append((northeast / northeast.sum()) / (nation / nation.sum()))
        model.dispose()
    ratio = np.median(ratios, axis=0)
    named = {sector.key: r for sector, r in zip(Sector, ratio, strict=True)}
    assert np.all((ratio > 1 / 1.5) & (ratio < 1.5)), named


def test_the_nations_least_productive_firms_close_in_a_slump_and_its_best_survive() -> None:
    # The rest of China's jobs are held by the productivity of their firms, so a deep slump of
    # heavy goods' price closes its weakest heavy firms, as it closes the Northeast's.
    def closed_heavy_classes(slump: float) -> list[int]:
        model = small_model(seed=1, **{"national.price_boom": 1.0, "national.price_slump": slump})
        counts = []
        while model.year < 2018:
            model.step()
            heavy = model.rest_of_china.jobs_by_class[Sector.HEAVY]
            counts.append(int((heavy == 0).sum()))
            assert heavy[-1] > 0  # the most productive survive
        model.dispose()
        return counts[-8:]  # 2011-2018

    # 0.4 is below the calibration's prior (0.6-1): the mechanism, not the fitted depth, is
    # tested (at the medians of 4 December 2026 a slump to 0.6 closed none, to 0.5 five classes)
    assert max(closed_heavy_classes(0.4)) > 0
    assert max(closed_heavy_classes(1.0)) == 0


@pytest.mark.slow
def test_with_its_causes_the_northeast_falls_behind() -> None:
    changes = [share_change(seed=seed) for seed in range(1, 4)]
    assert np.median(changes) < 0.75, changes


def test_migrants_are_neither_lost_nor_counted_twice_and_come_at_every_age() -> None:
    model = small_model(seed=3)
    arrivals_ages = []
    original = model.add_residents

    def recording(age, skill, home):  # record who arrives, at what age
        arrivals_ages.append(np.asarray(age))
        return original(age=age, skill=skill, home=home)

    for _ in range(6):
        persons = len(model.residents) * model.persons_per_agent + model.rest_of_china.population
        arrivals_ages.clear()
        model.add_residents = recording
        model.step()
        model.add_residents = original
        events = model.events
        natural = (events["births"] - events["deaths"]) * model.persons_per_agent + (
            events["national_births"] - events["national_deaths"]
        )
        after = len(model.residents) * model.persons_per_agent + model.rest_of_china.population
        assert math.isclose(after, persons + natural, rel_tol=1e-10)
    ages = np.concatenate(arrivals_ages)
    arrived = model.events["in_migrants"]
    assert arrived > 0
    # births are added with age 0 too; in-migrants come at every working and family age
    assert (ages > 40).any() and (ages < 18).any() and young(ages).any()
    assert model.indicators["in_migrants_young"] < model.indicators["in_migrants"]


def test_a_region_far_from_the_nations_farms_draws_fewer_of_its_migrants() -> None:
    def arrivals(distance: float) -> int:
        model = small_model(seed=4, **{"transport.farm_distance": distance})
        total = 0
        for _ in range(5):
            model.step()
            total += model.events["in_migrants"]
        model.dispose()
        return total

    near, far = arrivals(1.0), arrivals(0.2)
    assert far < 0.8 * near, (near, far)


def test_the_household_registration_holds_farm_workers_back_until_its_reform() -> None:
    """Fewer farm workers settle in cities under the hukou, in both regions; none after 2014."""

    def farm_to_city(openness: float, years: int) -> tuple[float, float, float]:
        model = small_model(seed=5, **{"migration.hukou_openness": openness})
        nation = northeast = 0.0
        for _ in range(years):
            model.step()
            nation += model.events["national_rural_to_urban"]
            northeast += model.events["rural_to_urban"]
        openness_now = settlement_openness(model)
        model.dispose()
        return nation, northeast, openness_now

    free_nation, free_northeast, _ = farm_to_city(1.0, 3)
    held_nation, held_northeast, held_now = farm_to_city(0.25, 3)
    assert held_nation < 0.5 * free_nation, (free_nation, held_nation)
    assert held_northeast < 0.6 * free_northeast, (free_northeast, held_northeast)
    # the start year's restriction eases linearly: a quarter of the way in 1993 (1990-2014)
    assert math.isclose(held_now, 0.25 + 0.75 * 3 / 24)
    model = small_model(seed=5, **{"migration.hukou_openness": 0.25})
    model.year = 2014
    assert settlement_openness(model) == 1.0
    model.dispose()


def test_firms_grow_with_their_margin_up_to_the_fastest_expansion() -> None:
    """Profits reinvested: growth proportional to the margin, capped, none at a loss."""
    model = small_model(seed=1, **{"economy.max_expansion": 0.2})
    economy = model.config.economy
    margins = np.array([-0.1, 0.0, 0.5, 1.0, 2.0, 10.0]) * economy.target_margin
    growth = expansion(model, margins)
    model.dispose()
    rate = economy.expansion_rate
    assert np.allclose(growth, [0.0, 0.0, 0.5 * rate, rate, 2 * rate, 0.2])


def test_the_cities_and_the_countryside_add_up_to_the_region() -> None:
    model = small_model(seed=2)
    model.run(2000)
    rows = model.city_indicators()
    names = [row["city"] for row in rows]
    assert names[-1] == "countryside" and len(names) == model.geography.cities + 1
    for name in ("population", "employment", "output", "firms"):
        assert math.isclose(sum(r[name] for r in rows), model.indicators[name], rel_tol=1e-9)
    jobs = sum(r[f"jobs_{s}"] for r in rows for s in ("heavy", "services"))
    assert jobs > 0
    resource_towns = [r for r in rows if r["kind"] == "resource"]
    assert all(r["jobs_resource"] > 0 for r in resource_towns)


def test_the_nations_wages_and_incomes_are_both_regions_together() -> None:
    # The records they meet (data/china.csv, data/northeast.csv) are the whole nation's.
    model = small_model(seed=5)
    model.run(1995)
    values, roc = model.indicators, model.rest_of_china
    scale = model.persons_per_agent
    employed = (model.residents.employer >= 0).sum() * scale
    urban_workers, _ = roc.workers()
    wage_bill = model.labour_market.average_wage * employed + urban_workers * roc.urban_wage()
    national_wage = wage_bill / (employed + urban_workers)
    assert math.isclose(values["relative_wage"] * national_wage, values["average_wage"])
    per_person = values["national_output"] * 1000.0 / values["national_population"]
    assert math.isclose(values["national_wage_to_output"], national_wage / per_person)
    urban = model.resident_city() >= 0
    income = model.residents.income
    roc_urban, roc_rural = roc.household_incomes()
    urban_persons = urban.sum() * scale + roc.urban_population
    rural_persons = values["national_population"] - urban_persons
    urban_income = (income[urban].sum() * scale + roc_urban) / urban_persons
    rural_income = (income[~urban].sum() * scale + roc_rural) / rural_persons
    assert math.isclose(values["national_income_ratio"], urban_income / rural_income)
    assert math.isclose(roc_urban + roc_rural, roc.household_income())
    assert 0.5 < values["national_income_ratio"] < 5.0


def test_rural_industry_adds_output_in_the_countryside_but_pays_farm_incomes() -> None:
    """TVE workers make more than farmers, earn what farming pays, and count in no farm figure."""

    def countryside(share: float) -> dict[str, float]:
        # a quarter of an urban worker's output on the farm, half in rural industry; the start
        # year's production (later in a year people move, after producing)
        rates = {"economy.farm_productivity": 2.5, "economy.rural_industry_productivity": 0.5}
        model = small_model(seed=4, **{"industry.rural_industry_share": share, **rates})
        farming = model.farm_workers()
        per_worker = (
            share * rural_industry.technology(model) + (1 - share) * model.farm_technology()
        )
        seen = {
            **model.indicators,
            "rural_output": model.rural_output,
            "expected_output": float(farming.sum()) * per_worker * model.frontier,
            "workers": float(farming.sum()) * model.persons_per_agent,
            "gap": rural_industry.technology(model) - model.farm_technology(),
            # what a farming resident earns over a farm worker's output
            "earned": float(np.median(model.residents.income[farming])) / model.farm_income(),
        }
        model.dispose()
        return seen

    none, some = countryside(0.0), countryside(0.25)
    assert some["gap"] > 0  # a TVE worker makes more than a farm worker
    for run in (none, some):
        assert math.isclose(run["rural_output"], run["expected_output"], rel_tol=1e-9)
        assert run["earned"] == 1.0  # the dual economy's wage: farm incomes
    assert none["rural_industry_workers"] == 0.0
    assert math.isclose(some["rural_industry_workers"], 0.25 * some["workers"])
    assert some["farm_job_share"] < none["farm_job_share"]
    assert some["output_share"] > none["output_share"]


def test_the_nations_farm_share_is_its_farms_output_over_its_output() -> None:
    model = small_model(seed=6)
    model.run(1992)
    roc = model.rest_of_china
    scale = model.persons_per_agent
    northeast = model.farm_workers().sum() * scale * (1 - model.rural_industry_share)
    rest = roc.rural_labour() * (1 - roc.params.rural_industry_share)
    farms = (northeast + rest) * model.farm_income() / 1000.0  # million yuan
    values = model.indicators
    model.dispose()
    assert math.isclose(values["national_farm_share"], farms / values["national_output"])
    assert 0.05 < values["national_farm_share"] < 0.6


def test_without_cause_one_the_northeast_has_the_nations_rural_industry() -> None:
    on = small_model(seed=1, **{"industry.rural_industry_share": 0.05})
    off = small_model(seed=1, **{"industry.rural_industry_share": 0.05, "industry.enabled": False})
    assert on.rural_industry_share == 0.05
    assert off.rural_industry_share == off.config.rest_of_china.rural_industry_share
    on.dispose()
    off.dispose()
