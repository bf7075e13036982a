"""``declineabm policy``: what could revitalization policy have done?

Counterfactual policy portfolios on the same seeds (common random numbers), each with the same
budget as the scenario's policy unless the portfolio is about the budget or the waste itself:

* ``none`` — no revitalization support (the region's government and its investment climate
  kept: the portfolios differ in how the money is spent, not in who spends it);
* ``as_in_paper`` — the scenario's own policy (mostly subsidies to failing state firms, §2.2.5);
* ``soe_subsidies`` — the whole budget to failing state-owned firms;
* ``infrastructure`` — the whole budget to infrastructure and transport;
* ``new_industries`` — the whole budget to new light-manufacturing and high-tech firms;
* ``young_people`` — the whole budget to keeping young people (an income supplement);
* ``efficient`` — the scenario's targeting with far less waste (efficiency 0.9);
* ``open_to_investors`` — the scenario's support, and a government that draws investors as an
  ordinary region's does (``investment_climate`` 1, §2.2.5).

The design is the attribution's: every portfolio runs the same replicates (seeds, and with a
posterior the same parameter draw per seed), the effects against no policy are paired per
replicate, in the outcome's unit, with the same t intervals
(:mod:`declineabm.analysis.outcomes`, :func:`~declineabm.analysis.arms.paired_interval`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from declineabm.analysis.arms import Arm, at_year, paired_interval, replicate_seeds, run_arms
from declineabm.analysis.outcomes import ASPECT_OUTCOMES, Outcome
from declineabm.io.files import write_atomic

TARGETS = ("target_soe", "target_new_industries", "target_infrastructure", "target_young")


def _only(target: str) -> dict[str, object]:
    return {"policy.enabled": True, **{f"policy.{t}": float(t == target) for t in TARGETS}}


PORTFOLIOS = (
    Arm("none", {"policy.enabled": False, "policy.off_means": "no_support"}),
    Arm("as_in_paper", {"policy.enabled": True}),
    Arm("soe_subsidies", _only("target_soe")),
    Arm("infrastructure", _only("target_infrastructure")),
    Arm("new_industries", _only("target_new_industries")),
    Arm("young_people", _only("target_young")),
    Arm("efficient", {"policy.enabled": True, "policy.efficiency": 0.9}),
    Arm("open_to_investors", {"policy.enabled": True, "policy.investment_climate": 1.0}),
)
OUTCOMES = (*ASPECT_OUTCOMES, Outcome("zombie_firms", "economic", "zombie firms", "pts", 1))
ASPECT_CHARTS = (
    ("output_share", "Economic: share of national output"),
    ("population", "Social: population"),
    ("mean_infrastructure", "Environmental: infrastructure quality"),
    ("vitality_index", "Cultural: vitality index"),
)
END_YEAR = 2022


def compare_policies(
    scenario: str,
    out: Path,
    replicates: int = 20,
    seed: int = 2003,
    **batch: object,
) -> pd.DataFrame:
    """Run every portfolio and write ``policies.csv``, ``policies.md`` and ``policies.png``.

    Args:
        scenario: Scenario name or path.
        out: Output folder (the runs go to ``out/runs``).
        replicates: Seeds.
        seed: Seed the replicate seeds derive from.
        **batch: Passed to :func:`declineabm.analysis.arms.run_arms`.

    Returns:
        One row per portfolio and outcome: its 2022 value and the difference to no policy.
    """
    seeds = replicate_seeds(seed, replicates)
    series = run_arms(scenario, PORTFOLIOS, seeds, out / "runs", end_year=END_YEAR, **batch)
    final = at_year(series, END_YEAR)
    rows = []
    for arm in PORTFOLIOS:
        for outcome in OUTCOMES:
            values = final.loc[arm.name, outcome.indicator].loc[seeds].to_numpy()
            baseline = final.loc["none", outcome.indicator].loc[seeds].to_numpy()
            diff = paired_interval(outcome.effect(values - baseline, baseline))
            rows.append(
                {
                    "portfolio": arm.name,
                    "outcome": outcome.indicator,
                    "aspect": outcome.aspect,
                    "label": outcome.label,
                    "unit": outcome.unit,
                    "value": float(values.mean()),
                    "vs_none": diff[0],
                    "vs_none_low": diff[1],
                    "vs_none_high": diff[2],
                }
            )
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "policies.csv", table.to_csv(index=False, float_format="%.6g"))
    write_atomic(out / "policies.md", report(table, scenario, len(seeds)))
    chart(series, out / "policies.png")
    return table


def report(table: pd.DataFrame, scenario: str, seeds: int) -> str:
    """The comparison as Markdown: one table per outcome."""
    lines = [
        f"# Policy portfolios for `{scenario}`, 2022, {seeds} seeds",
        "",
        "Each portfolio runs on the same replicates; the difference to no revitalization is "
        "paired over replicates, signed, in the outcome's unit (pp: percentage points; %: per "
        "cent of the value without policy; pts: the indicator's own units), with its 90 % "
        "confidence interval.",
    ]
    for outcome in OUTCOMES:
        part = table[table["outcome"] == outcome.indicator]
        lines += [
            "",
            f"## {outcome.aspect}: {outcome.label} (`{outcome.indicator}`, {outcome.unit})",
            "",
            "| portfolio | 2022 value | difference to none (90 % CI) |",
            "|---|---|---|",
        ]
        for row in part.to_dict("records"):
            lines.append(
                f"| {row['portfolio']} | {row['value']:.4g} | {row['vs_none']:+.4g} "
                f"({row['vs_none_low']:+.3g} to {row['vs_none_high']:+.3g}) |"
            )
    return "\n".join(lines) + "\n"


def chart(series: pd.DataFrame, path: Path) -> None:
    """The four aspects of decline per portfolio (median over seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from declineabm.io.figures import BAND, indicator_axis, unit_axis

    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    for ax, (column, title) in zip(axes.ravel(), ASPECT_CHARTS, strict=True):
        scale = indicator_axis(ax, "y", column, title.split(": ")[-1])
        unit_axis(ax, "x", "year", "year")
        for arm in PORTFOLIOS:
            per_year = series[series["arm"] == arm.name].groupby("year")[column]
            median = per_year.median() * scale
            style = "--" if arm.name == "none" else "-"
            (line,) = ax.plot(median.index, median, style, label=arm.name.replace("_", " "))
            ax.fill_between(
                median.index,
                per_year.quantile(0.05) * scale,
                per_year.quantile(0.95) * scale,
                color=line.get_color(),
                alpha=0.12,
                lw=0,
            )
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Policy portfolios ({BAND})")
    fig.savefig(path, dpi=90)
    plt.close(fig)
