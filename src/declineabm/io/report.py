"""Human-readable summaries of a run: a PNG of the four aspects of decline and a short table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from declineabm.analysis.patterns import PAPER_OUTPUT_SHARE

PANELS = (
    ("Economic: output share", [("output_share", "share of national output")], True),
    (
        "Economic: jobs by sector",
        [
            ("heavy_job_share", "heavy industry"),
            ("resource_job_share", "resources"),
            ("light_job_share", "light manufacturing"),
            ("service_job_share", "services"),
            ("hightech_job_share", "high-tech"),
        ],
        False,
    ),
    (
        "Economic: labour market",
        [
            ("unemployment_rate", "unemployment"),
            ("job_vacancy_rate", "job vacancies"),
        ],
        False,
    ),
    ("Social: population (millions)", [("population", "population")], False),
    (
        "Social: ageing and housing",
        [
            ("share_65plus", "aged 65+"),
            ("housing_vacancy_rate", "vacant housing"),
            ("derelict_share", "derelict housing"),
        ],
        False,
    ),
    (
        "Environmental",
        [
            ("mean_infrastructure", "infrastructure quality"),
            ("remaining_resources", "resources left"),
            ("cells_over_standard", "cells over pollution limit"),
        ],
        False,
    ),
    ("Cultural: vitality (start = 100)", [("vitality_index", "vitality index")], False),
    ("Fiscal", [("pension_burden", "pensions / tax revenue")], False),
)


def summary_figure(df: pd.DataFrame, path: Path, title: str) -> None:
    """Draw the yearly indicators of a run as a grid of panels and save it as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(18, 8), constrained_layout=True)
    years = df["year"]
    for ax, (panel, series, paper) in zip(axes.ravel(), PANELS, strict=True):
        for column, label in series:
            values = df[column] / 1e6 if column == "population" else df[column]
            ax.plot(years, values, label=label, lw=1.8)
        if paper:
            ax.scatter(
                list(PAPER_OUTPUT_SHARE),
                list(PAPER_OUTPUT_SHARE.values()),
                color="black",
                zorder=3,
                label="paper (Northeast)",
            )
        ax.set_title(panel, fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(title, fontsize=13)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90, format="png")
    plt.close(fig)


TABLE_COLUMNS = (
    ("output_share", "output share", "{:.3f}"),
    ("output", "output (bn yuan)", "{:,.0f}"),
    ("population", "population (m)", "{:.2f}"),
    ("unemployment_rate", "unemployed", "{:.1%}"),
    ("share_65plus", "aged 65+", "{:.1%}"),
    ("heavy_job_share", "heavy jobs", "{:.1%}"),
    ("housing_vacancy_rate", "vacant homes", "{:.1%}"),
    ("vitality_index", "vitality", "{:.0f}"),
)


def summary_table(df: pd.DataFrame) -> str:
    """A short text table of key indicators at the start, 2002, 2012, 2022 and the end."""
    wanted = [df["year"].iloc[0], 2002, 2012, 2022, df["year"].iloc[-1]]
    years = sorted({y for y in wanted if y in set(df["year"])})
    rows = df.set_index("year").loc[years]
    scale = {"population": 1e-6, "output": 1e-3}
    header = f"{'year':>6} " + " ".join(f"{label:>16}" for _, label, _ in TABLE_COLUMNS)
    lines = [header, "-" * len(header)]
    for year, row in rows.iterrows():
        cells = [
            f"{fmt.format(row[col] * scale.get(col, 1.0)):>16}" for col, _, fmt in TABLE_COLUMNS
        ]
        lines.append(f"{year:>6} " + " ".join(cells))
    return "\n".join(lines)
