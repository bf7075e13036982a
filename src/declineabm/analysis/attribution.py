"""``declineabm attribute``: which cause of decline mattered most?

Two answers, both with common random numbers (every arm runs the same seeds) and 90 % confidence
intervals over seeds:

* **switch-off effects**: for each cause, the 2022 outcome with that cause off minus with every
  cause on;
* **Shapley decomposition** of the decline: the change all causes make together (every cause on
  minus every cause off) split over the causes by their average marginal contribution over all
  orders in which causes can be added. Contributions add up exactly to the total. Exact over all
  ``2^n`` subsets of causes when affordable, otherwise over sampled permutations (each
  permutation's contributions add up exactly too, so the estimate does).

Revitalization policy is one of the seven mechanisms: its contribution is usually opposite in
sign to the others (it slows decline).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from declineabm.analysis.arms import Arm, at_year, paired_interval, replicate_seeds, run_arms
from declineabm.io.files import write_atomic
from declineabm.scenario import MECHANISMS

OUTCOMES = (
    ("output_share", "share of national output"),
    ("population", "population"),
    ("share_65plus", "share aged 65+"),
    ("housing_vacancy_rate", "vacant housing share"),
)
DECLINE = {"output_share": -1, "population": -1, "share_65plus": 1, "housing_vacancy_rate": 1}
"""Sign of a change that means decline, per outcome (for the chart's colours)."""
END_YEAR = 2022
SHAPLEY_METHODS = ("auto", "exact", "sampled", "off")
MAX_EXACT_RUNS = 1500  # `auto` enumerates every subset only up to this many runs


def coalition(on: Iterable[str]) -> Arm:
    """The arm in which exactly the causes ``on`` are switched on."""
    on = frozenset(on)
    name = "+".join(m for m in MECHANISMS if m in on) or "none"
    return Arm(name, {f"{m}.enabled": m in on for m in MECHANISMS})


def permutations(count: int, seed: int) -> list[tuple[str, ...]]:
    """``count`` random orders of the causes (reproducible from ``seed``)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return [tuple(MECHANISMS[i] for i in rng.permutation(len(MECHANISMS))) for _ in range(count)]


def shapley_coalitions(method: str, orders: Sequence[tuple[str, ...]]) -> list[frozenset[str]]:
    """The subsets of causes whose outcomes the Shapley values need."""
    if method == "exact":
        return [
            frozenset(c)
            for size in range(len(MECHANISMS) + 1)
            for c in itertools.combinations(MECHANISMS, size)
        ]
    needed = {frozenset(order[:k]) for order in orders for k in range(len(order) + 1)}
    return sorted(needed, key=lambda c: (len(c), sorted(c)))


def shapley_exact(value: dict[frozenset[str], float]) -> dict[str, float]:
    """Shapley values from the outcomes of every subset of causes."""
    n = len(MECHANISMS)
    result = {}
    for cause in MECHANISMS:
        total = 0.0
        for subset, v in value.items():
            if cause in subset:
                continue
            weight = math.factorial(len(subset)) * math.factorial(n - len(subset) - 1)
            total += weight / math.factorial(n) * (value[subset | {cause}] - v)
        result[cause] = total
    return result


def shapley_sampled(
    value: dict[frozenset[str], float], orders: Sequence[tuple[str, ...]]
) -> dict[str, float]:
    """Shapley values estimated over the given orders of the causes."""
    result = dict.fromkeys(MECHANISMS, 0.0)
    for order in orders:
        for k, cause in enumerate(order):
            before = frozenset(order[:k])
            result[cause] += (value[before | {cause}] - value[before]) / len(orders)
    return result


def choose_method(method: str, seeds: int) -> str:
    """Resolve ``auto``: exact when every subset fits in the run budget."""
    if method != "auto":
        return method
    return "exact" if 2 ** len(MECHANISMS) * seeds <= MAX_EXACT_RUNS else "sampled"


def attribute(
    scenario: str,
    out: Path,
    replicates: int = 20,
    seed: int = 2003,
    shapley: str = "auto",
    permutation_count: int = 10,
    **batch: object,
) -> pd.DataFrame:
    """Run the attribution and write ``attribution.csv``, ``attribution.md`` and the chart.

    Args:
        scenario: Scenario name or path.
        out: Output folder (the runs go to ``out/runs``).
        replicates: Seeds.
        seed: Seed the replicate seeds (and sampled permutations) derive from.
        shapley: ``auto``, ``exact``, ``sampled`` or ``off``.
        permutation_count: Orders of the causes to sample for ``sampled``.
        **batch: Passed to :func:`declineabm.analysis.arms.run_arms`.

    Returns:
        The attribution table.
    """
    seeds = replicate_seeds(seed, replicates)
    method = choose_method(shapley, len(seeds))
    orders = permutations(permutation_count, seed) if method == "sampled" else []
    everything = frozenset(MECHANISMS)
    needed = {everything, *(everything - {m} for m in MECHANISMS)}
    if method != "off":
        needed |= set(shapley_coalitions(method, orders))
    arms = [coalition(c) for c in sorted(needed, key=lambda c: (-len(c), sorted(c)))]
    series = run_arms(scenario, arms, seeds, out / "runs", end_year=END_YEAR, **batch)
    final = at_year(series, END_YEAR)

    rows = []
    for outcome, label in OUTCOMES:
        values = final[outcome]
        all_on = values.loc[coalition(everything).name]
        shapley_per_seed: dict[str, list[float]] = {m: [] for m in MECHANISMS}
        totals = []
        if method != "off":
            for s in seeds:
                v = {c: float(values.loc[(coalition(c).name, s)]) for c in needed}
                phi = shapley_exact(v) if method == "exact" else shapley_sampled(v, orders)
                for m in MECHANISMS:
                    shapley_per_seed[m].append(phi[m])
                totals.append(v[everything] - v[frozenset()])
        total = paired_interval(totals) if totals else (np.nan,) * 3
        for m in MECHANISMS:
            off = values.loc[coalition(everything - {m}).name]
            effect = paired_interval((off - all_on).loc[seeds].to_numpy())
            phi = paired_interval(shapley_per_seed[m]) if totals else (np.nan,) * 3
            rows.append(
                {
                    "outcome": outcome,
                    "label": label,
                    "cause": m,
                    "all_on": float(all_on.mean()),
                    "off_effect": effect[0],
                    "off_low": effect[1],
                    "off_high": effect[2],
                    "shapley": phi[0],
                    "shapley_low": phi[1],
                    "shapley_high": phi[2],
                    "total_decline": total[0],
                    "share_of_total": phi[0] / total[0] if totals and total[0] else np.nan,
                }
            )
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "attribution.csv", table.to_csv(index=False, float_format="%.6g"))
    write_atomic(out / "attribution.md", report(table, scenario, len(seeds), method, orders))
    chart(table, out / "attribution.png", method)
    return table


def report(
    table: pd.DataFrame, scenario: str, seeds: int, method: str, orders: Sequence[tuple]
) -> str:
    """The attribution as Markdown, causes ranked by their Shapley share of the decline."""
    how = {
        "exact": f"exact over all {2 ** len(MECHANISMS)} subsets of causes",
        "sampled": f"estimated over {len(orders)} sampled orders of the causes",
        "off": "not computed",
    }[method]
    lines = [
        f"# Which cause mattered most? `{scenario}`, 2022, {seeds} seeds",
        "",
        "Switch-off effect: the 2022 value with the cause off minus with every cause on. "
        f"Shapley contribution ({how}): the cause's share of the change all causes make "
        "together (every cause on minus every cause off); contributions add up to that total. "
        "Intervals: 90 %, paired over seeds.",
    ]
    for outcome, label in OUTCOMES:
        part = table[table["outcome"] == outcome]
        ranked = part.sort_values("shapley", key=lambda s: -s.abs()) if method != "off" else part
        lines += [
            "",
            f"## {label} (`{outcome}`): {part['all_on'].iloc[0]:.4g} with every cause on",
        ]
        if method != "off":
            lines.append(f"All causes together change it by {part['total_decline'].iloc[0]:+.4g}.")
        lines += [
            "",
            "| cause | switch-off effect (90 % CI) | Shapley contribution (90 % CI) | share |",
            "|---|---|---|---|",
        ]
        for row in ranked.to_dict("records"):
            lines.append(
                f"| {row['cause']} | {row['off_effect']:+.4g} ({row['off_low']:+.3g} to "
                f"{row['off_high']:+.3g}) | {row['shapley']:+.4g} ({row['shapley_low']:+.3g} to "
                f"{row['shapley_high']:+.3g}) | {row['share_of_total']:.0%} |"
            )
    return "\n".join(lines) + "\n"


def chart(table: pd.DataFrame, path: Path, method: str) -> None:
    """Bars of each cause's contribution per outcome, with 90 % error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    column, low, high = (
        ("off_effect", "off_low", "off_high")
        if method == "off"
        else ("shapley", "shapley_low", "shapley_high")
    )
    fig, axes = plt.subplots(
        1, len(OUTCOMES), figsize=(4.2 * len(OUTCOMES), 4.2), constrained_layout=True
    )
    for ax, (outcome, label) in zip(axes, OUTCOMES, strict=True):
        part = table[table["outcome"] == outcome].set_index("cause").loc[list(MECHANISMS)]
        err = np.vstack([part[column] - part[low], part[high] - part[column]])
        worse = part[column] * DECLINE[outcome] > 0
        colours = ["tab:red" if w else "tab:green" for w in worse]
        ax.barh(part.index, part[column], xerr=err, color=colours, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(label, fontsize=10)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    what = "switch-off effect" if method == "off" else "Shapley contribution to the change"
    fig.suptitle(
        f"What each cause did to the city by 2022 ({what}; 90 % CI): "
        "red deepens the decline, green slows it"
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)
