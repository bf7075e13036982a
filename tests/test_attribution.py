"""Attribution: the Shapley game (exact, sampled, interactions), its design and its report."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from declineabm import UrbanDeclineModel
from declineabm.analysis import shapley
from declineabm.analysis.arms import Arm, paired_interval, run_cells
from declineabm.analysis.attribution import (
    CONTEXT,
    DEFINITIONS,
    OUTCOMES,
    PLAYERS,
    coalition_arm,
    decompose,
    design,
    replicate_orders,
)
from declineabm.model.indicators import compute_kinds
from declineabm.scenario import MECHANISMS
from declineabm.sweep import SweepError
from declineabm.sweep.execute import make_plan
from declineabm.sweep.spec import RunSpec

TINY = {"simulation.residents": 1500, "geography.km_per_cell": 24}


def random_game(players, seed: int) -> dict[frozenset[str], float]:
    """A game with an interaction on every coalition: no structure to lean on."""
    rng = np.random.default_rng(seed)
    return {c: float(rng.normal()) for c in shapley.all_coalitions(players)}


def test_exact_shapley_adds_up_to_the_total_to_floating_point() -> None:
    game = random_game(PLAYERS, seed=3)
    phi = shapley.exact(game, PLAYERS)
    total = game[frozenset(PLAYERS)] - game[frozenset()]
    assert math.fsum(phi.values()) == pytest.approx(total, rel=1e-12, abs=1e-12)
    for order in replicate_orders(seed=1, index=0, pairs=3):  # every order adds up too
        assert math.fsum(shapley.sampled(game, [order]).values()) == pytest.approx(
            total, rel=1e-12, abs=1e-12
        )


def test_symmetric_players_share_equally_and_a_null_player_gets_nothing() -> None:
    players = ("a", "b", "c", "d")

    def v(s: frozenset[str]) -> float:  # a and b only act together; d does nothing
        return 3.0 * ({"a", "b"} <= s) + 1.0 * ("c" in s) + 0.5 * ({"b", "c"} <= s)

    game = {c: v(c) for c in shapley.all_coalitions(players)}
    phi = shapley.exact(game, players)
    assert phi["d"] == 0.0
    assert phi["a"] == pytest.approx(1.5)
    assert phi["b"] == pytest.approx(1.5 + 0.25) and phi["c"] == pytest.approx(1.0 + 0.25)
    swapped = {frozenset({"a": "b", "b": "a"}.get(p, p) for p in c): x for c, x in game.items()}
    assert shapley.exact(swapped, players)["a"] == pytest.approx(phi["b"])
    inter = shapley.interactions(game, players)
    assert inter[("a", "b")] == pytest.approx(3.0) and inter[("b", "c")] == pytest.approx(0.5)
    assert inter[("a", "c")] == pytest.approx(0.0) and inter[("a", "d")] == 0.0


def test_sampled_shapley_converges_to_the_exact_values_and_its_interval_covers_them() -> None:
    players = ("a", "b", "c", "d", "e")
    game = random_game(players, seed=5)
    by_player = shapley.exact(game, players)
    exact = np.array([by_player[p] for p in players])
    errors = []
    for pairs in (2, 32, 2048):
        rng = np.random.default_rng(9)
        estimate = shapley.sampled(game, shapley.antithetic_orders(players, pairs, rng))
        errors.append(max(abs(estimate[p] - by_player[p]) for p in players))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.03
    # The game has no chance in it: only orders drawn afresh for each replicate make the
    # interval over replicates cover the sampling error (one fixed set of orders for every
    # replicate gives a zero-width interval around a wrong value). 90 % intervals from 20
    # replicates of 2 antithetic pairs, 60 times over: about 90 % of them hold the exact value.
    covered, intervals = 0, 0
    for trial in range(60):
        estimates = []
        for r in range(20):
            rng = np.random.default_rng(np.random.SeedSequence([11, trial, r]))
            estimate = shapley.sampled(game, shapley.antithetic_orders(players, 2, rng))
            estimates.append([estimate[p] for p in players])
        values = np.array(estimates)
        for k in range(len(players)):
            _, low, high = paired_interval(values[:, k])
            covered += low <= exact[k] <= high
            intervals += 1
    assert 0.8 <= covered / intervals <= 0.97


def test_each_replicate_draws_its_own_antithetic_orders() -> None:
    first, second = replicate_orders(7, 0, 2), replicate_orders(7, 1, 2)
    assert first != second and first == replicate_orders(7, 0, 2)
    assert first[1] == first[0][::-1] and sorted(first[0]) == sorted(PLAYERS)
    plan = design("sampled", seed=7, replicates=2, pairs=2)
    everything = frozenset(PLAYERS)
    for needed in plan.coalitions:  # the switch-off arms are always there
        assert {everything, frozenset()} | {everything - {p} for p in PLAYERS} <= needed


def test_a_cause_that_is_on_does_not_depend_on_what_off_means() -> None:
    neutral = {"national.price_boom": 1.0}
    on = frozenset({"transport", CONTEXT})
    variant = DEFINITIONS["transport=frozen_1990"]
    assert coalition_arm(on, variant, neutral) == coalition_arm(on, {}, neutral)
    off = coalition_arm(frozenset({"industry"}), variant, neutral)
    assert off.name == "industry|transport=frozen_1990"
    assert off.overrides["transport.off_means"] == "frozen_1990"
    assert off.overrides["national.price_boom"] == 1.0 and off.overrides["industry.enabled"]
    assert coalition_arm(frozenset(PLAYERS), variant, neutral).overrides == {
        f"{m}.enabled": True for m in MECHANISMS
    }


def synthetic_final(own: dict[str, float], seeds, pair=None) -> pd.DataFrame:
    """The 2022 indicators of every coalition: each player's own effect, plus an interaction."""
    neutral: dict[str, float] = {}
    rows = []
    for c in shapley.all_coalitions(PLAYERS):
        name = coalition_arm(c, {}, neutral).name
        for s in seeds:
            value = 1.0 + sum(own[p] for p in c) + 1e-3 * s
            if pair and set(pair) <= c:
                value += 0.01
            rows.append({"arm": name, "seed": s, **{o.indicator: value for o in OUTCOMES}})
    return pd.DataFrame(rows).set_index(["arm", "seed"])


def test_decomposition_adds_up_and_gives_a_share_only_when_all_signs_agree() -> None:
    seeds = (1, 2, 3)
    plan = design("exact", seed=1, replicates=3, pairs=1)
    plan = type(plan)(plan.method, seeds, plan.orders, plan.coalitions)
    mixed = {p: (0.01 if i % 2 else -0.02) for i, p in enumerate(PLAYERS)}
    table, pairs = decompose(
        synthetic_final(mixed, seeds, ("industry", "resources")), plan, ["scenario"], {}
    )
    share = table[table["outcome"] == "output_share"].set_index("player")
    assert share["shapley"].sum() == pytest.approx(share["total"].iloc[0], rel=1e-12)
    assert share["share_of_total"].isna().all()
    assert share.loc["industry", "shapley"] == pytest.approx(100 * (-0.02 + 0.005))
    inter = pairs[pairs["outcome"] == "output_share"].set_index("pair")["interaction"]
    assert inter["industry x resources"] == pytest.approx(1.0)  # 0.01 in pp
    assert inter.drop("industry x resources").abs().max() < 1e-9
    same = {p: -0.01 for p in PLAYERS}
    table, _ = decompose(synthetic_final(same, seeds), plan, ["scenario"], {})
    share = table[table["outcome"] == "output_share"]
    assert share["share_of_total"].to_numpy() == pytest.approx(np.full(len(PLAYERS), 1 / 8))


class SeedDraws:
    """Parameter draws that depend on the seed only, like a posterior's."""

    def overrides_for(self, seed: int) -> dict[str, float]:
        return {"migration.base_rate": 0.01 + (seed % 7) / 1000}


def test_every_arm_of_a_replicate_runs_its_seed_and_its_parameter_draw(tmp_path) -> None:
    arms = [Arm("on", {}), Arm("off", {"transport.enabled": False})]
    seeds = [11, 12]
    cells = [(arm, s) for arm in arms for s in seeds]
    series = run_cells(
        "northeast",
        cells,
        tmp_path,
        end_year=1992,
        overrides=TINY,
        progress=False,
        indicators=["population"],
        posterior=SeedDraws(),
    )
    assert sorted(series.groupby("arm")["seed"].unique().map(tuple)) == [(11, 12), (11, 12)]
    # The run ids hash every override and the seed: the batch ran exactly these runs.
    expected = {
        RunSpec(
            "northeast",
            {**SeedDraws().overrides_for(s), **TINY, **arm.overrides},
            seed=s,
            years=2,
        ).run_id
        for arm, s in cells
    }
    assert set(pd.read_csv(tmp_path / "runs.csv")["run_id"]) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--definitions", "transport=free"], "--definitions transport=free"),
        (["--pairs", "0"], "--pairs 0"),
    ],
)
def test_bad_attribution_options_one_line_exit_2(tmp_path, args, message) -> None:
    out = tmp_path / "never"
    result = subprocess.run(
        [sys.executable, "-m", "declineabm", "attribute", "northeast", "--out", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not out.exists()


def test_batches_keep_indicators_of_a_kind_of_city_and_refuse_unknown_kinds() -> None:
    spec = RunSpec("northeast", TINY, seed=1, years=1)
    assert make_plan([spec], ["population@resource"]).layout.indicators == ("population@resource",)
    with pytest.raises(SweepError, match="population@nowhere"):
        make_plan([spec], ["population@nowhere"])
    model = UrbanDeclineModel(spec.resolve(), seed=1)
    kinds = compute_kinds(model)
    cities = model.city_indicators()
    assert sum(kinds[f"population@{k}"] for k in ("capital", "port", "industrial", "resource")) == (
        pytest.approx(sum(r["population"] for r in cities if r["kind"] != "countryside"))
    )
    model.dispose()
