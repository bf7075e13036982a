"""``declineabm attribute``: which cause of decline mattered most, and how robustly?

The game: the players are the seven causes (:data:`~declineabm.scenario.MECHANISMS`) and the
context (national growth, the commodity cycle and the hukou's easing,
:func:`~declineabm.model.national.neutral_context`); a coalition's value is an
outcome in 2022 with exactly those players on.
The Shapley values split the whole change from the no-cause, neutral-context world to the
modelled one, ``v(all) - v(none)``, over the players, and add up to it.

* **Replicates.** Every coalition of a replicate runs with the replicate's seed (and, with a
  posterior, its parameter draw): the game is played per replicate and the Shapley values,
  switch-off effects and interactions are averaged over replicates, with t intervals.
* **Exact or sampled.** Exact over all ``2^8`` coalitions when the run budget allows
  (``auto``); otherwise each replicate draws its own antithetic pairs of orders, so the
  replicates' estimates are independent and their spread, hence the interval, holds the
  variance of permutation sampling as well as of chance.
* **Definitions.** What "switched off" means is a choice for some causes (``off_means``). A
  definition set fixes one meaning per cause; ``--definitions`` plays the game under each of
  :data:`DEFINITIONS` on the same replicates. A coalition in which a cause is on does not depend
  on what its "off" means, so such runs are shared between sets.
* **Signs.** Effects are signed, in the outcome's unit (:mod:`~declineabm.analysis.outcomes`);
  a share of the total is given only where every player's contribution has the same sign.
* **Interactions** (exact only): pairwise Shapley interaction indices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from declineabm.analysis import shapley
from declineabm.analysis.arms import Arm, at_year, paired_interval, replicate_seeds, run_cells
from declineabm.analysis.definitions import DEFINITIONS
from declineabm.analysis.outcomes import ASPECT_OUTCOMES, KIND_OUTCOMES
from declineabm.io.files import write_atomic
from declineabm.model.national import neutral_context
from declineabm.scenario import MECHANISMS
from declineabm.sweep.spec import RunSpec

CONTEXT = "context"
PLAYERS = (*MECHANISMS, CONTEXT)
END_YEAR = 2022
MAX_EXACT_RUNS = 3000  # `auto` plays the exact game only up to this many runs
ORDER_STREAM = 0x5A4D1E
"""Mixed into the experiment's seed and a replicate's index to draw that replicate's orders."""


OUTCOMES = (*ASPECT_OUTCOMES, *KIND_OUTCOMES)
HEADLINE = ("output_share", "population", "share_65plus", "vitality_index")
"""Outcomes of the robustness tables and the figure."""


def coalition_arm(
    on: frozenset[str], definition: Mapping[str, str], neutral: Mapping[str, Any]
) -> Arm:
    """The arm in which exactly the players ``on`` are on, "off" meaning ``definition``.

    Only the meanings of causes that are off enter the overrides (and the name), so a run that
    does not depend on a definition is the same run under every set.
    """
    overrides: dict[str, Any] = {f"{m}.enabled": m in on for m in MECHANISMS}
    if CONTEXT not in on:
        overrides.update(neutral)
    variant = {k: v for k, v in definition.items() if k.partition(".")[0] not in on}
    overrides.update(variant)
    name = "+".join(p for p in PLAYERS if p in on) or "none"
    if variant:
        name += "|" + ",".join(f"{k.partition('.')[0]}={v}" for k, v in sorted(variant.items()))
    return Arm(name, overrides)


def exact_runs(replicates: int, definitions: int) -> int:
    """Runs of the exact game: every coalition once, then those with a varied cause off."""
    n = len(PLAYERS)
    return replicates * (2**n + (definitions - 1) * 2 ** (n - 1))


def choose_method(method: str, replicates: int, definitions: int) -> str:
    """Resolve ``auto``: exact when every coalition of every set fits in the run budget."""
    if method != "auto":
        return method
    return "exact" if exact_runs(replicates, definitions) <= MAX_EXACT_RUNS else "sampled"


def replicate_orders(seed: int, index: int, pairs: int) -> list[tuple[str, ...]]:
    """The antithetic orders of the players for replicate ``index`` (its own stream)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(index), ORDER_STREAM]))
    return shapley.antithetic_orders(PLAYERS, pairs, rng)


@dataclass(frozen=True)
class Design:
    """What the attribution runs: per replicate, its seed and the coalitions its game needs."""

    method: str
    seeds: tuple[int, ...]
    orders: tuple[tuple[tuple[str, ...], ...], ...]  # per replicate (empty when exact)
    coalitions: tuple[frozenset[frozenset[str]], ...]  # per replicate


def design(method: str, seed: int, replicates: int, pairs: int) -> Design:
    """The replicates' seeds, orders and needed coalitions."""
    seeds = tuple(replicate_seeds(seed, replicates))
    everything = frozenset(PLAYERS)
    always = {everything, frozenset(), *(everything - {p} for p in PLAYERS)}
    if method == "exact":
        needed = frozenset(shapley.all_coalitions(PLAYERS))
        return Design(method, seeds, ((),) * replicates, (needed,) * replicates)
    orders = tuple(tuple(replicate_orders(seed, i, pairs)) for i in range(replicates))
    coalitions = tuple(frozenset(shapley.coalitions_of(o) | always) for o in orders)
    return Design(method, seeds, orders, coalitions)


def attribute(
    scenario: str,
    out: Path,
    replicates: int = 20,
    seed: int = 2003,
    shapley_method: str = "auto",
    pairs: int = 4,
    definitions: Sequence[str] = ("scenario",),
    **batch: Any,
) -> pd.DataFrame:
    """Run the attribution; write ``attribution.csv``, ``interactions.csv``, the report, the figure.

    Args:
        scenario: Scenario name or path.
        out: Output folder (the runs go to ``out/runs``).
        replicates: Replicates (seeds, and parameter draws with ``posterior``).
        seed: Seed the replicates' seeds and orders derive from.
        shapley_method: ``auto``, ``exact`` or ``sampled``.
        pairs: Antithetic pairs of orders per replicate for ``sampled``.
        definitions: Names of :data:`DEFINITIONS` to play the game under.
        **batch: Passed to :func:`declineabm.analysis.arms.run_cells` (``overrides``,
            ``workers``, ``posterior``, ...).

    Returns:
        The attribution table: one row per definition set, outcome and player.
    """
    method = choose_method(shapley_method, replicates, len(definitions))
    plan = design(method, seed, replicates, pairs)
    base = RunSpec(scenario, batch.get("overrides") or {}).resolve()
    start = base.simulation.start_year
    neutral = neutral_context(base.national, start, END_YEAR)
    cells: dict[tuple[str, int], tuple[Arm, int]] = {}
    for name in definitions:
        for s, needed in zip(plan.seeds, plan.coalitions, strict=True):
            for c in needed:
                arm = coalition_arm(c, DEFINITIONS[name], neutral)
                cells.setdefault((arm.name, s), (arm, s))
    indicators = sorted({o.indicator for o in OUTCOMES})
    series = run_cells(
        scenario,
        list(cells.values()),
        out / "runs",
        end_year=END_YEAR,
        indicators=indicators,
        every=END_YEAR - start,
        **batch,
    )
    final = at_year(series, END_YEAR)
    table, pairs_table = decompose(final, plan, definitions, neutral)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "attribution.csv", table.to_csv(index=False, float_format="%.6g"))
    write_atomic(out / "interactions.csv", pairs_table.to_csv(index=False, float_format="%.6g"))
    runs = len(cells)
    write_atomic(
        out / "attribution.md",
        report(table, pairs_table, scenario, plan, definitions, runs, pairs),
    )
    chart(table, out / "attribution.png", definitions)
    return table


def decompose(
    final: pd.DataFrame,
    plan: Design,
    definitions: Sequence[str],
    neutral: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapley values, switch-off effects and interactions of every set, outcome and player."""
    everything = frozenset(PLAYERS)
    rows, pair_rows = [], []
    for name in definitions:

        def arm_name(c: frozenset[str], name: str = name) -> str:
            return coalition_arm(c, DEFINITIONS[name], neutral).name

        for outcome in OUTCOMES:
            values = final[outcome.indicator]
            phis: dict[str, Any] = {p: [] for p in PLAYERS}
            offs: dict[str, Any] = {p: [] for p in PLAYERS}
            inter: dict[tuple[str, str], Any] = {}
            totals: Any = []
            on, off = [], []
            for r, s in enumerate(plan.seeds):
                game = {c: float(values.loc[(arm_name(c), s)]) for c in plan.coalitions[r]}
                if plan.method == "exact":
                    phi = shapley.exact(game, PLAYERS)
                    for pair, value in shapley.interactions(game, PLAYERS).items():
                        inter.setdefault(pair, []).append(value)
                else:
                    phi = shapley.sampled(game, plan.orders[r])
                for p in PLAYERS:
                    phis[p].append(phi[p])
                    offs[p].append(game[everything - {p}] - game[everything])
                totals.append(game[everything] - game[frozenset()])
                on.append(game[everything])
                off.append(game[frozenset()])
            # Into the outcome's unit, replicate by replicate (relative to its no-player world).
            reference = np.array(off)
            phis = {p: outcome.effect(v, reference) for p, v in phis.items()}
            offs = {p: outcome.effect(v, reference) for p, v in offs.items()}
            inter = {pair: outcome.effect(v, reference) for pair, v in inter.items()}
            totals = outcome.effect(totals, reference)
            total = paired_interval(totals)
            means = {p: float(np.mean(phis[p])) for p in PLAYERS}
            same_sign = len({np.sign(v) for v in means.values()}) == 1 and total[0] != 0
            for p in PLAYERS:
                phi_ci = paired_interval(phis[p])
                off_ci = paired_interval(offs[p])
                rows.append(
                    {
                        "definition": name,
                        "outcome": outcome.indicator,
                        "kind": outcome.kind,
                        "aspect": outcome.aspect,
                        "label": outcome.label,
                        "unit": outcome.unit,
                        "player": p,
                        "all_on": float(np.mean(on)),
                        "none": float(np.mean(off)),
                        "total": total[0],
                        "total_low": total[1],
                        "total_high": total[2],
                        "shapley": phi_ci[0],
                        "shapley_low": phi_ci[1],
                        "shapley_high": phi_ci[2],
                        "off_effect": off_ci[0],
                        "off_low": off_ci[1],
                        "off_high": off_ci[2],
                        "share_of_total": phi_ci[0] / total[0] if same_sign else math.nan,
                    }
                )
            for (i, j), values_ij in inter.items():
                ci = paired_interval(values_ij)
                pair_rows.append(
                    {
                        "definition": name,
                        "outcome": outcome.indicator,
                        "unit": outcome.unit,
                        "pair": f"{i} x {j}",
                        "interaction": ci[0],
                        "low": ci[1],
                        "high": ci[2],
                    }
                )
    columns = ["definition", "outcome", "unit", "pair", "interaction", "low", "high"]
    return pd.DataFrame(rows), pd.DataFrame(pair_rows, columns=columns)


# ----------------------------------------------------------------------------------------
# The report


def ranking(part: pd.DataFrame) -> list[str]:
    """Players by the size of their Shapley value, largest first."""
    return list(part.sort_values("shapley", key=lambda s: -s.abs())["player"])


def robustness(table: pd.DataFrame, outcome: str, definitions: Sequence[str]) -> list[str]:
    """Plain statements of what survives every definition set, for one outcome."""
    part = table[table["outcome"] == outcome]
    by_set = {d: part[part["definition"] == d].set_index("player") for d in definitions}
    ranks = {d: ranking(p.reset_index()) for d, p in by_set.items()}
    lines = []
    leaders: dict[str, list[str]] = {}
    for d, r in ranks.items():
        leaders.setdefault(r[0], []).append(d)
    if len(leaders) == 1:
        lines.append(f"the largest contribution is **{next(iter(leaders))}**'s under every set")
    else:
        leads = "; ".join(
            f"{p} under {len(sets)} of {len(ranks)} sets"
            + (f" ({', '.join(sets)})" if len(sets) < len(ranks) / 2 else "")
            for p, sets in sorted(leaders.items(), key=lambda item: -len(item[1]))
        )
        lines.append(f"the largest contribution depends on the definition: {leads}")
    firm, flipping = [], []
    for p in PLAYERS:
        signs = set()
        for frame in by_set.values():
            low, high = frame.loc[p, "shapley_low"], frame.loc[p, "shapley_high"]
            signs.add(1 if low > 0 else -1 if high < 0 else 0)
        if len(signs) == 1 and 0 not in signs:
            firm.append(f"{p} ({'+' if signs.pop() > 0 else '-'})")
        elif len(signs) > 1:
            flipping.append(p)
    if firm:
        lines.append("sign certain (interval off zero) under every set: " + ", ".join(firm))
    if flipping:
        lines.append("sign depends on the definition or is uncertain: " + ", ".join(flipping))
    moved = [p for p in PLAYERS if len({r.index(p) for r in ranks.values()}) > 1]
    if moved:
        spans = ", ".join(
            f"{p} {min(r.index(p) for r in ranks.values()) + 1}-"
            f"{max(r.index(p) for r in ranks.values()) + 1}"
            for p in moved
        )
        lines.append(f"rank moves with the definition: {spans}")
    else:
        lines.append("the whole ranking is the same under every set")
    return lines


def _definition_text(name: str) -> str:
    return ", ".join(f"{k} = {v}" for k, v in DEFINITIONS[name].items()) or "as configured"


def _ci(value: float, low: float, high: float) -> str:
    return f"{value:+.3g} ({low:+.2g} to {high:+.2g})"


def report(
    table: pd.DataFrame,
    pairs_table: pd.DataFrame,
    scenario: str,
    plan: Design,
    definitions: Sequence[str],
    runs: int,
    pairs: int,
) -> str:
    """The attribution as Markdown."""
    how = (
        f"exact over all {2 ** len(PLAYERS)} coalitions of the {len(PLAYERS)} players"
        if plan.method == "exact"
        else f"sampled: {pairs} antithetic pairs of orders per replicate, drawn per replicate, "
        "so the intervals include the variance of permutation sampling"
    )
    lines = [
        f"# Which cause mattered most? `{scenario}`, {END_YEAR}, {len(plan.seeds)} replicates",
        "",
        f"Players: the seven causes and the context ({CONTEXT}: national growth path, "
        "commodity cycle and the hukou's easing; off = average growth, no price cycle, farm "
        "workers as free to settle from 1990 as after 2014). Shapley values "
        f"({how}) split the change from the no-cause, neutral-context world to the modelled "
        "one and add up to it. Switch-off effect: the value with the player off minus with "
        "every player on. Effects are signed, in the outcome's unit (pp: percentage points; "
        "%: per cent of the no-cause world's value; pts: index points); 90 % intervals over "
        "replicates. A share of the total is shown only where all contributions share a sign. "
        f"Cost: {runs} runs.",
        "",
        "Definition sets: "
        + "; ".join(f"`{d}` ({_definition_text(d)})" for d in definitions)
        + ".",
    ]
    if len(definitions) > 1:
        lines += ["", "## Robustness across definition sets"]
        for indicator in HEADLINE:
            part = table[table["outcome"] == indicator]
            first = part.iloc[0]
            lines += [
                "",
                f"### {first['label']} (`{indicator}`, {first['unit']})",
                "",
                "| player | " + " | ".join(f"`{d}`" for d in definitions) + " |",
                "|---|" + "---|" * len(definitions),
            ]
            ranks = {d: ranking(part[part["definition"] == d]) for d in definitions}
            for p in PLAYERS:
                cells = []
                for d in definitions:
                    row = part[(part["definition"] == d) & (part["player"] == p)].iloc[0]
                    cells.append(
                        f"{_ci(row['shapley'], row['shapley_low'], row['shapley_high'])} "
                        f"#{ranks[d].index(p) + 1}"
                    )
                lines.append(f"| {p} | " + " | ".join(cells) + " |")
            totals = [
                _ci(*part[part["definition"] == d].iloc[0][["total", "total_low", "total_high"]])
                for d in definitions
            ]
            lines.append("| **total** | " + " | ".join(totals) + " |")
            lines += [""] + [f"- {s}" for s in robustness(table, indicator, definitions)]
    for d in definitions:
        lines += ["", f"## Definition set `{d}`"]
        for kind in dict.fromkeys(table["kind"]):
            lines += ["", f"### {'the whole region' if kind == 'region' else kind + ' cities'}"]
            for outcome in [o for o in OUTCOMES if o.kind == kind]:
                part = table[(table["definition"] == d) & (table["outcome"] == outcome.indicator)]
                first = part.iloc[0]
                lines += [
                    "",
                    f"**{outcome.aspect}: {outcome.label}** (`{outcome.indicator}`): "
                    f"{first['all_on']:.4g} with every player on, {first['none']:.4g} with none; "
                    f"total {_ci(first['total'], first['total_low'], first['total_high'])} "
                    f"{outcome.unit}",
                    "",
                    "| player | Shapley | share | switch-off effect |",
                    "|---|---|---|---|",
                ]
                for row in (
                    part.set_index("player").loc[ranking(part)].reset_index().to_dict("records")
                ):
                    share = row["share_of_total"]
                    share = "" if math.isnan(share) else f"{share:.0%}"
                    lines.append(
                        f"| {row['player']} | "
                        f"{_ci(row['shapley'], row['shapley_low'], row['shapley_high'])} | "
                        f"{share} | {_ci(row['off_effect'], row['off_low'], row['off_high'])} |"
                    )
                inter = pairs_table[
                    (pairs_table["definition"] == d) & (pairs_table["outcome"] == outcome.indicator)
                ]
                if not inter.empty:
                    strongest = inter.sort_values("interaction", key=lambda s: -s.abs()).head(3)
                    lines += [
                        "",
                        "Strongest interactions: "
                        + "; ".join(
                            f"{r['pair']} {_ci(r['interaction'], r['low'], r['high'])}"
                            for r in strongest.to_dict("records")
                        )
                        + f" {outcome.unit}.",
                    ]
    return "\n".join(lines) + "\n"


UNIT_WORDS = {
    "pp": "percentage points",
    "%": "% of the value with every player off",
    "pts": "index points",
}
"""How the x axis of :func:`chart` spells each outcome's unit (:class:`Outcome.unit`)."""


def chart(table: pd.DataFrame, path: Path, definitions: Sequence[str]) -> None:
    """Signed Shapley values with 90 % intervals per player, one bar per definition set."""
    from matplotlib import colormaps

    from declineabm.io.figures import new_figure, save_png, unit_axis

    fig = new_figure(4.0 * len(HEADLINE), 6.0)
    fig.set_layout_engine("constrained")
    axes = fig.subplots(1, len(HEADLINE), sharey=True)
    height = 0.8 / len(definitions)
    colours = colormaps["tab10"]
    for index, (ax, outcome) in enumerate(zip(axes, HEADLINE, strict=True)):
        part = table[table["outcome"] == outcome]
        for k, d in enumerate(definitions):
            rows = part[part["definition"] == d].set_index("player").loc[list(PLAYERS)]
            y = np.arange(len(PLAYERS)) + (k - (len(definitions) - 1) / 2) * height
            err = np.vstack(
                [rows["shapley"] - rows["shapley_low"], rows["shapley_high"] - rows["shapley"]]
            )
            ax.barh(
                y,
                rows["shapley"],
                height=height,
                xerr=err,
                color=colours(k),
                label=d,
                capsize=2,
                error_kw={"lw": 0.8},
            )
        if index == 0:  # the panels share the players' axis: named once, at the left
            ax.set_yticks(np.arange(len(PLAYERS)), PLAYERS)
            ax.set_ylabel("cause of decline, or the national context")
            ax.invert_yaxis()
        else:
            ax.tick_params(axis="y", labelleft=False)
        ax.axvline(0, color="black", lw=0.8)
        first = part.iloc[0]
        unit = str(first["unit"])
        ax.set_title(f"{first['label']}: change by {END_YEAR}", fontsize=10)
        unit_axis(ax, "x", "contribution", UNIT_WORDS.get(unit, unit))
        ax.grid(axis="x", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=min(len(definitions), 6),
        fontsize=8,
        frameon=False,
        title="bars: definition set of 'off'; whiskers: 90 % interval over replicates",
        title_fontsize=8,
    )
    fig.suptitle(
        f"Shapley contribution of each cause and of the context to the change by {END_YEAR} "
        "(signed: < 0 pushed the outcome down)"
    )
    save_png(fig, path, dpi=90)
