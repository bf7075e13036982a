"""``declineabm validate``: does one parameter set reproduce the paper's patterns together?

Each seed runs twice, with and without revitalization policy (the policy pattern compares the
two); every pattern of :mod:`declineabm.analysis.patterns` is measured per seed, and the
report gives its median, its 5-95 % band over seeds and whether the median meets the target.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from declineabm.analysis.arms import Arm, replicate_seeds, run_arms
from declineabm.analysis.patterns import PAPER_OUTPUT_SHARE, PATTERNS, measure_all, summarize
from declineabm.io.files import write_atomic

ARMS = (Arm("policy"), Arm("no_policy", {"policy.enabled": False}))
END_YEAR = 2022  # the paper's last figure

FIGURES = (
    ("output_share", "Share of national output", PAPER_OUTPUT_SHARE),
    ("output", "Output (million yuan, start-year prices)", None),
    ("population", "Population", None),
    ("share_65plus", "Share aged 65+", None),
    ("old_industry_job_share", "Heavy industry + mining share of jobs", None),
    ("empty_housing", "Vacant + derelict housing share", None),
    ("remaining_resources", "Reserves left", None),
    ("zombie_firms", "Zombie firms kept alive by subsidies", None),
)


def validate(
    scenario: str,
    out: Path,
    replicates: int = 20,
    seed: int = 2003,
    **batch: object,
) -> pd.DataFrame:
    """Run the validation and write ``patterns.csv``, ``patterns.md`` and the figures.

    Args:
        scenario: Scenario name or path.
        out: Output folder (the runs go to ``out/runs``).
        replicates: Seeds.
        seed: Seed the replicate seeds derive from.
        **batch: Passed to :func:`declineabm.analysis.arms.run_arms` (overrides, workers,
            scheduler, resume, progress).

    Returns:
        The pattern summary (one row per pattern).
    """
    seeds = replicate_seeds(seed, replicates)
    series = run_arms(scenario, ARMS, seeds, out / "runs", end_year=END_YEAR, **batch)
    by_arm = {
        (arm, s): frame.reset_index(drop=True)
        for (arm, s), frame in series.groupby(["arm", "seed"], sort=False)
    }
    values = pd.DataFrame(
        [measure_all(by_arm[("policy", s)], by_arm[("no_policy", s)]) for s in seeds],
        index=pd.Index(seeds, name="seed"),
    )
    summary = summarize(values)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "patterns.csv", summary.to_csv(index=False, float_format="%.6g"))
    write_atomic(out / "pattern_values.csv", values.to_csv(float_format="%.6g"))
    write_atomic(out / "patterns.md", report(summary, scenario, replicates))
    figures(series, out / "figures")
    return summary


def report(summary: pd.DataFrame, scenario: str, replicates: int) -> str:
    """The pattern table as Markdown."""
    passed = int(summary["pass"].sum())
    lines = [
        f"# Validation of `{scenario}` against the paper's patterns",
        "",
        f"{passed} of {len(summary)} patterns pass over {replicates} seeds "
        "(median over seeds against the target; band: 5-95 % of seeds).",
        "",
        "| pattern | measure | target | median | 5-95 % band | pass |",
        "|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {row['pattern']} | {row['description']} | {row['target']} | {row['median']:.3g} "
        f"| {row['p05']:.3g} – {row['p95']:.3g} | {'yes' if row['pass'] else 'NO'} |"
        for row in summary.to_dict("records")
    )
    return "\n".join(lines) + "\n"


def _derived(series: pd.DataFrame) -> pd.DataFrame:
    return series.assign(
        old_industry_job_share=series["heavy_job_share"] + series["resource_job_share"],
        empty_housing=series["housing_vacancy_rate"] + series["derelict_share"],
    )


def figures(series: pd.DataFrame, folder: Path) -> None:
    """One PNG per trajectory: median and 5-95 % band over seeds, with and without policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    data = _derived(series)
    for column, title, targets in FIGURES:
        fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
        for arm, colour in (("policy", "tab:blue"), ("no_policy", "tab:orange")):
            per_year = data[data["arm"] == arm].groupby("year")[column]
            median = per_year.median()
            ax.plot(median.index, median, color=colour, label=arm.replace("_", " "))
            ax.fill_between(
                median.index,
                per_year.quantile(0.05),
                per_year.quantile(0.95),
                color=colour,
                alpha=0.2,
                lw=0,
            )
        if targets:
            ax.scatter(
                list(targets),
                list(targets.values()),
                color="black",
                zorder=3,
                label="paper (Northeast)",
            )
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.savefig(folder / f"{column}.png", dpi=90)
        plt.close(fig)


__all__ = ["PATTERNS", "validate"]
