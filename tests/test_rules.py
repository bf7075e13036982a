"""Each core rule alone, on a hand-built city whose answer can be worked out by hand.

The region (its map, prices, technology and start-year baselines) is a small baseline with
every cause switched off; its residents and firms are replaced by a handful of rows written
out here, so each rule is checked against arithmetic on those rows, not against a whole run.
No Mesa agents stand behind the rows: these rules read and write columns only.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_model

from declineabm.model import economy, firm_dynamics, labour
from declineabm.model.agents import FirmTable, Resident, ResidentTable
from declineabm.model.capital import RegionalCapital
from declineabm.model.indicators import median_age
from declineabm.model.mechanisms.policy import RevitalizationPolicy
from declineabm.model.parameters import path_value
from declineabm.model.public_finance import settle_budget
from declineabm.model.sectors import Sector
from declineabm.scenario import MECHANISMS

ALL_OFF = {f"{cause}.enabled": False for cause in MECHANISMS}


def city_cell(model, city: int) -> int:
    """A cell of ``city`` (-1: the countryside), flat index."""
    return int(np.flatnonzero(model.geography.layer("city") == city)[0])


def hand_built(residents: list[dict], firms: list[dict], **overrides: object):
    """The small baseline region with exactly these residents and firms.

    Each dict is one row; columns not given take the defaults below (a 40-year-old of middle
    skill without a job living in city 0; a private light-industry firm in city 0 with
    productivity 1). ``home``/``cell`` are given as a city id and placed on one of its cells.
    """
    model = small_model("baseline", **{**ALL_OFF, "simulation.residents": 400, **overrides})
    resident_defaults = {
        "age": 40,
        "skill": 0.5,
        "employer": -1,
        "home": 0,
        "laid_off": 0,
        "retired": False,
    }
    firm_defaults = {
        "sector": int(Sector.LIGHT),
        "soe": False,
        "cell": 0,
        "positions": 0,
        "founded": model.year - 20,
        "productivity": 1.0,
        "pollution": 1.0,
        "represents": 1.0,
    }
    model.residents = _table(ResidentTable, resident_defaults, residents, model, "home")
    model.firms = _table(FirmTable, firm_defaults, firms, model, "cell")
    # These rows are the region's start: its capital stock is set from their first output
    # (model/capital.py), not from the workers of the region they replace.
    model.capital = RegionalCapital(model.config.capital, model.national.early_growth())
    return model


def _table(cls, defaults: dict, rows: list[dict], model, place: str):
    table = cls(capacity=len(rows))
    rows = [{**defaults, **row, place: city_cell(model, row.get(place, 0))} for row in rows]
    table.append(len(rows), **{name: np.array([row[name] for row in rows]) for name in defaults})
    return table


# --------------------------------------------------------------------------------------
# economy.produce


def test_produce_values_each_firm_from_its_workers_and_taxes_only_profits() -> None:
    model = hand_built(
        residents=[{"employer": 0}, {"employer": 0}, {"employer": 1}, {"home": -1}],
        firms=[{"productivity": 1.0}, {"productivity": 1e-6}],  # firm 1 cannot cover its wage
    )
    city = model.geography.layer("infrastructure")
    city[model.firms.cell] = model.config.geography.infrastructure_city  # the start's quality
    model.labour_market.average_wage = 0.0  # no floor from last year's wages
    economy.produce(model)
    firms, frontier = model.firms, model.frontier
    params = model.config.economy

    assert firms.workforce.tolist() == [2, 1]
    per_worker = model.sector_technology()[Sector.LIGHT] * model.prices()[Sector.LIGHT]
    np.testing.assert_allclose(
        firms.output, [2 * per_worker * frontier, 1e-6 * per_worker * frontier]
    )
    # the market wage, both firms
    wage = params.labour_share * model.technology()[Sector.LIGHT] * model.labour_market.wage_level
    np.testing.assert_allclose(firms.wage, [wage, wage])
    np.testing.assert_allclose(firms.wage_bill, [2 * wage, wage])
    assert model.resources.material_cost_index().tolist() == [1.0, 1.0]  # resources off
    np.testing.assert_allclose(firms.costs, firms.output * model.sectors.material[Sector.LIGHT])
    gross = firms.output - firms.wage_bill - firms.costs
    assert gross[0] > 0 > gross[1]
    np.testing.assert_allclose(firms.profit_tax, [params.profit_tax * gross[0], 0.0])
    np.testing.assert_allclose(firms.profit, gross - firms.profit_tax)
    assert firms.subsidy.tolist() == [0.0, 0.0]
    assert model.labour_market.average_wage == pytest.approx(wage)  # 3 workers, one wage
    # the rural resident of working age without a job farms or works in rural industry, at the
    # region's share (model/rural_industry.py)
    share = model.rural_industry_share
    rural_industry = params.rural_industry_productivity * per_worker
    expected = (1 - share) * params.farm_productivity + share * rural_industry
    assert 0 < share < 1
    assert model.rural_output == pytest.approx(expected * frontier)


def test_produce_pays_at_least_the_floor_of_last_years_average_wage() -> None:
    model = hand_built(residents=[{"employer": 0}], firms=[{}])
    market_wage = model.config.economy.labour_share * model.sector_technology()[Sector.LIGHT]
    # last year's average wage so high that its floor binds: 10x the market wage at frontier 1
    model.labour_market.average_wage = 10 * market_wage / model.config.economy.wage_floor
    floor = model.config.economy.wage_floor * model.labour_market.average_wage
    economy.produce(model)
    assert economy.market_wages(model)[Sector.LIGHT] < floor
    assert model.firms.wage[0] == pytest.approx(floor)
    assert model.labour_market.average_wage == pytest.approx(floor)


# --------------------------------------------------------------------------------------
# public_finance.settle_budget (and the policy's loss cover)


def test_settle_budget_pays_each_status_its_income_and_books_the_accounts() -> None:
    retirement = 60
    model = hand_built(
        residents=[
            {"employer": 0},  # a worker
            {"age": 70, "retired": True},  # a townsman on a pension
            {},  # unemployed in the city
            {"laid_off": 2},  # a laid-off state worker, tied to the unit
            {"home": -1},  # a farmer
        ],
        firms=[{}],
        **{"economy.retirement_age": retirement},
    )
    firms, gov, params = model.firms, model.government, model.config.economy
    firms.workforce[:] = 1
    firms.wage[:] = 20.0
    firms.wage_bill[:] = 20.0
    firms.profit_tax[:] = 3.0
    firms.profit[:] = 7.0
    model.labour_market.average_wage = 20.0
    settle_budget(model)

    pension = params.pension_rate * 20.0
    benefit = params.unemployment_benefit * 20.0
    allowance = model.industry.living_allowance()  # industry off: 0
    farm = model.farm_income()
    assert model.residents.income.tolist() == pytest.approx(
        [20.0, pension, benefit, allowance, farm]
    )
    assert model.labour_market.household_income == pytest.approx(
        20.0 + pension + benefit + allowance + farm
    )
    accounts = gov.accounts
    assert accounts["wage_taxes"] == pytest.approx(params.wage_tax * 20.0)
    assert accounts["profit_taxes"] == pytest.approx(3.0)
    assert accounts["pensions"] == pytest.approx(pension)
    assert accounts["benefits"] == pytest.approx(benefit)
    insured = pension + benefit + allowance
    contributions = params.social_contribution * 20.0
    assert accounts["central_transfers"] == pytest.approx(max(insured - contributions, 0.0))
    local = 3.0 + (params.wage_tax - params.social_contribution) * 20.0
    local += max(contributions - insured, 0.0)
    assert accounts["infrastructure"] == pytest.approx(params.infrastructure_budget * local)
    assert accounts["public_services"] == pytest.approx((1 - params.infrastructure_budget) * local)
    # policy off: no support, no subsidies
    assert firms.subsidy.tolist() == [0.0]
    assert accounts["subsidies"] == 0.0
    assert model.events["zombie_firms"] == 0.0


def test_cover_losses_rescues_whole_firms_largest_employers_first_within_funds() -> None:
    losses = np.array([5.0, 3.0, 4.0, -2.0, 1.0])
    eligible = np.array([True, True, True, True, False])
    workforce = np.array([10, 30, 20, 40, 50])
    # by workforce: firm 1 (3), firm 2 (4), firm 0 (5); firm 3 makes a profit, firm 4 is not
    # eligible. 8 covers firms 1 and 2 (3 + 4 = 7); firm 0 would need 12 in all: not rescued.
    subsidy = RevitalizationPolicy.cover_losses(losses, eligible, workforce, funds=8.0)
    assert subsidy.tolist() == [0.0, 3.0, 4.0, 0.0, 0.0]
    everything = RevitalizationPolicy.cover_losses(losses, eligible, workforce, funds=100.0)
    assert everything.tolist() == [5.0, 3.0, 4.0, 0.0, 0.0]
    assert RevitalizationPolicy.cover_losses(losses, eligible, workforce, 2.0).sum() == 0.0


def test_settle_budget_covers_a_failing_state_firm_and_counts_it_a_zombie() -> None:
    model = hand_built(
        residents=[{"employer": 0}, {"employer": 1}],
        firms=[{"soe": True, "represents": 3.0}, {"soe": False}],
        **{
            "policy.enabled": True,
            "policy.start_year": 1990,
            "policy.target_soe": 1.0,
            "policy.target_new_industries": 0.0,
            "policy.target_infrastructure": 0.0,
            "policy.target_young": 0.0,
            "policy.efficiency": 1.0,
        },
    )
    model.year = max(model.year, 1990)
    firms = model.firms
    firms.workforce[:] = 1
    firms.profit[:] = [-2.0, -2.0]  # both lose; only the state firm is eligible
    model.last_output = 1e9  # funds enough for any loss here
    assert model.policy.budget(model.last_output).soe > 2.0
    settle_budget(model)
    assert firms.subsidy.tolist() == [2.0, 0.0]
    assert firms.profit.tolist() == [0.0, -2.0]
    assert model.events["zombie_firms"] == 3.0  # the real firms the agent stands for


# --------------------------------------------------------------------------------------
# labour.match: one matching function per city


def set_columns(table, **columns) -> None:
    for name, values in columns.items():
        getattr(table, name)[:] = values


def test_a_profitable_firm_replaces_the_workers_it_lost() -> None:
    # Four workers when last year's hiring ended, three now (one retired), no margin to grow:
    # it posts four jobs, as a one-agent firm that lost its one worker posts one. (Grown from
    # the three left, a firm of several agents never replaced its leavers while a one-agent
    # firm did, so coarse cities had twice the openings.)
    model = hand_built([{"employer": 0} for _ in range(3)], [{}])
    set_columns(model.firms, workforce=3, filled=4, desired=4.0, profit=0.0, output=1.0)
    labour.adjust_workforce(model)
    assert model.firms.positions.tolist() == [4]


def test_a_losing_firm_posts_no_job_and_an_emptied_one_keeps_losing() -> None:
    # Firm 0 shed its last worker last year while losing; firm 1 loses with its one worker.
    model = hand_built([{"employer": 1}], [{}, {}])
    set_columns(
        model.firms,
        workforce=[0, 1],
        filled=[0, 1],
        desired=[0.9, 1.0],
        loss_years=[1, 1],
        profit=[0.0, -1.0],
        output=[0.0, 1.0],
    )
    labour.adjust_workforce(model)
    assert model.firms.positions[0] == 0  # drawn finer it would still be shedding
    assert model.firms.positions[1] <= 1  # never more jobs than workers while losing
    firm_dynamics.update_losses(model)
    assert model.firms.loss_years.tolist() == [2, 2]  # the emptied one's streak runs on


def seekers(count: int, city: int = 0, skill: float = 0.5) -> list[dict]:
    return [{"home": city, "skill": skill, "age": 30} for _ in range(count)]


def openings(count: int, city: int = 0, sector: Sector = Sector.LIGHT) -> list[dict]:
    return [{"cell": city, "sector": int(sector), "positions": count}]


# hand_built switches every cause off; the region's own labour market belongs to cause 1
REGIONS_OWN_MARKET = {"industry.enabled": True}
SQRT = {"economy.matching_efficiency": 0.5, "economy.matching_elasticity": 0.5}


def test_match_hires_the_matching_function_of_seekers_and_openings_per_city() -> None:
    # A S^0.5 V^0.5 with S = V = 4 agents and A = 0.5: 2 hires, exactly (no rounding)
    model = hand_built(seekers(4), openings(4), **REGIONS_OWN_MARKET, **SQRT)
    assert labour.match(model) == 2
    hired = model.residents.employer >= 0
    assert hired.sum() == 2
    assert model.firms.workforce.tolist() == [2]


def test_without_cause_1_the_labour_market_matches_at_an_ordinary_pace() -> None:
    # The region's own efficiency 0.5 gives 2 hires of S = V = 4; switched off, the ordinary
    # market's 0.75 gives 3 (A sqrt(4 * 4) = 3, exactly)
    ordinary = {"industry.ordinary_matching_efficiency": 0.75}
    own = hand_built(seekers(4), openings(4), **REGIONS_OWN_MARKET, **SQRT, **ordinary)
    assert labour.match(own) == 2
    assert labour.match(hand_built(seekers(4), openings(4), **SQRT, **ordinary)) == 3


def test_match_hires_at_most_the_seekers_and_nobody_twice() -> None:
    # A S^0.5 V^0.5 = 2 sqrt(1 * 16) = 8 > min(S, V) = 1
    model = hand_built(
        seekers(1),
        openings(16),
        **REGIONS_OWN_MARKET,
        **{"economy.matching_efficiency": 2.0, "economy.matching_elasticity": 0.5},
    )
    assert labour.match(model) == 1
    assert model.firms.workforce.tolist() == [1]
    assert labour.match(model) == 0  # the one seeker has a job now


def test_match_keeps_each_city_a_labour_market_of_its_own() -> None:
    model = hand_built(seekers(3, city=0), openings(3, city=1))
    assert labour.match(model, everyone=True) == 0
    model = hand_built(seekers(3, city=0) + seekers(2, city=1), openings(3, city=1))
    assert labour.match(model, everyone=True) == 2  # min(S, V) in city 1: its 2 seekers
    residents = model.residents
    assert (residents.employer >= 0).tolist() == [False, False, False, True, True]


def registered(seekers_in: dict[int, int], openings_in: dict[int, int], **overrides: object):
    """The small baseline region with only these seekers and light-industry openings by city.

    Made through the model's own register (unlike :func:`hand_built`), so that its residents
    are Mesa agents on cells that can move.
    """
    model = small_model("baseline", **{**ALL_OFF, "simulation.residents": 400, **overrides})
    model.close_firms(np.arange(len(model.firms)))
    model.remove_residents(np.arange(len(model.residents)))
    for city, count in seekers_in.items():
        model.add_residents(
            age=np.full(count, 30),
            skill=np.full(count, 0.5),
            home=np.full(count, city_cell(model, city)),
        )
    for city, count in openings_in.items():
        rows = model.open_firms(
            Sector.LIGHT,
            np.array([city_cell(model, city)]),
            np.array([False]),
            sizes=np.array([count * model.persons_per_agent]),
        )
        model.firms.positions[rows] = count
        model.firms.workforce[rows] = 0
    return model


def test_what_the_cities_leave_matches_across_the_region_and_the_hired_move_to_the_job() -> None:
    # 4 seekers in city 0, 4 openings in city 1: neither city's market can hire; across the
    # region, at regional_search x A = 1 x 0.5, A sqrt(S V) gives 2, who move to city 1
    alone = registered({0: 4}, {1: 4}, **REGIONS_OWN_MARKET, **SQRT)
    assert alone.config.economy.regional_search == 0.0  # the baseline: each city alone
    assert labour.match(alone) == 0
    model = registered(
        {0: 4}, {1: 4}, **REGIONS_OWN_MARKET, **SQRT, **{"economy.regional_search": 1.0}
    )
    assert labour.match(model) == 2
    hired = model.residents.employer >= 0
    assert model.resident_city()[hired].tolist() == [1, 1]
    assert model.resident_city()[~hired].tolist() == [0, 0]
    assert model.events["moves_between_cities"] == 2
    assert model.firms.workforce.tolist() == [2]
    # the Mesa agents moved with their rows: a hired resident's cell is a cell of city 1
    city = model.geography.layer("city")
    height = model.geography.height
    movers = [a for a in model.agents_by_type[Resident] if a.employer is not None]
    assert [city[a.cell.coordinate[0] * height + a.cell.coordinate[1]] for a in movers] == [1, 1]


def test_match_fills_high_tech_openings_from_skilled_seekers_only() -> None:
    high = 0.9
    model = hand_built(seekers(3, skill=0.1), openings(3, sector=Sector.HIGHTECH))
    assert 0.1 < model.config.economy.high_skill < high
    assert labour.match(model, everyone=True) == 0
    model = hand_built(
        seekers(2, skill=0.1) + seekers(1, skill=high),
        openings(3, sector=Sector.HIGHTECH) + openings(3),
    )
    assert labour.match(model, everyone=True) == 3
    employer = model.residents.employer
    assert employer[2] == 0  # the skilled seeker took the high-tech job
    assert employer[:2].tolist() == [1, 1]  # the others the light-industry jobs
    assert model.firms.workforce.tolist() == [1, 2]


# --------------------------------------------------------------------------------------
# parameters.path_value: piecewise-linear time paths


def test_path_value_interpolates_between_years_and_holds_beyond_the_ends() -> None:
    path = [(1990, 1.0), (2000, 3.0), (2010, 0.0)]
    assert path_value(path, 1980) == 1.0  # before the first year: the first value
    assert path_value(path, 1990) == 1.0
    assert path_value(path, 1995) == 2.0
    assert path_value(path, 1992.5) == 1.5
    assert path_value(path, 2000) == 3.0
    assert path_value(path, 2005) == 1.5
    assert path_value(path, 2030) == 0.0  # after the last year: the last value
    assert path_value([(2000, 4.0)], 1950) == path_value([(2000, 4.0)], 2050) == 4.0


def test_median_age_is_interpolated_within_its_year_as_census_tables_are() -> None:
    # Everyone aged 48 in completed years: the median person is half-way through the year.
    assert median_age(np.full(10, 48)) == 48.5
    # 3 of 10 under 40, 4 aged 40: the median is (5 - 3) / 4 of the way into the year 40.
    ages = np.array([20, 30, 35, 40, 40, 40, 40, 60, 70, 80])
    assert median_age(ages) == 40.5
    # One more young person moves it by a fraction of a year (1.5 / 4 into it), not a step.
    assert median_age(np.append(ages, 25)) == 40.375
    assert median_age(np.array([], dtype=np.int16)) == 0.0
