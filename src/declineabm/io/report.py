"""Human-readable summaries of a run: a PNG of the four aspects of decline and a short table.

Both read a run's yearly indicators column by column: a :class:`pandas.DataFrame` of
``model.csv`` or the model's ``datacollector.model_vars`` (a list of values per indicator),
which is what ``declineabm run`` hands them, so that a run never imports pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from declineabm.analysis.patterns import PAPER_OUTPUT_SHARE
from declineabm.io.figures import PERCENT, new_figure, save_png, unit_axis

PANELS = (
    # title, y axis label, unit, [(column, legend label)], show the paper's points
    (
        "Economic: output share",
        "share of national output",
        PERCENT,
        [("output_share", "model")],
        True,
    ),
    (
        "Economic: jobs by sector",
        "share of jobs",
        PERCENT,
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
        "rate",
        PERCENT,
        [
            ("unemployment_rate", "unemployment (of working age)"),
            ("job_vacancy_rate", "job vacancies (of positions)"),
        ],
        False,
    ),
    ("Social: population", "population", "million persons", [("population", "residents")], False),
    (
        "Social: ageing and housing",
        "share",
        PERCENT,
        [
            ("share_65plus", "residents aged 65+"),
            ("housing_vacancy_rate", "vacant housing"),
            ("derelict_share", "derelict housing"),
        ],
        False,
    ),
    (
        "Environmental",
        "share or quality",
        PERCENT,
        [
            ("mean_infrastructure", "infrastructure quality (0-100 %)"),
            ("remaining_resources", "mineral reserves left"),
            ("cells_over_standard", "inhabited cells over the pollution limit"),
        ],
        False,
    ),
    (
        "Cultural: young and skilled residents",
        "vitality index",
        "start year = 100",
        [("vitality_index", "young and skilled residents")],
        False,
    ),
    (
        "Fiscal: pension burden",
        "pensions / tax revenue",
        "ratio",
        [("pension_burden", "pension burden")],
        False,
    ),
)
"""The panels of ``summary.png``: the paper's four aspects of decline (§2.3) and the budget.

A panel of one line has no legend (its title and axis say what the line is); the others do.
"""

SCALE = {"population": 1e-6}  # persons -> million persons

Columns = Mapping[str, Iterable[Any]]
"""A run's yearly indicators by name: a DataFrame of ``model.csv`` or a DataCollector's
``model_vars``."""


@cache
def _in_view_locators() -> tuple[type, type]:
    """Tick locators as matplotlib's, giving only the ticks inside the view: (x, y).

    Matplotlib makes a tick (three lines, two texts) for every location its locator gives,
    draws only those inside the axes, and locators give one more on each side: a third of
    the summary figure's ticks were made, laid out and never drawn (6 % of the draw's
    instructions). These give the same drawn ticks, and so the same pixels, without them. The
    x axis keeps matplotlib's own choice (``AutoLocator``), the y axis at most six round
    values (``MaxNLocator``: the draw's cost is mostly its ticks, labels and legends).
    """
    from matplotlib.ticker import AutoLocator, MaxNLocator

    def in_view(locator: type) -> type:
        class InView(locator):
            def __call__(self) -> Any:
                locations = super().__call__()
                low, high = sorted(self.axis.get_view_interval())
                slack = (high - low) * 1e-6  # wider than matplotlib's own (1e-10)
                inside = [x for x in locations if low - slack <= x <= high + slack]
                # with one tick inside, the formatter picks its decimals from the rest
                return inside if len(inside) >= 2 else locations

        InView.__name__ = InView.__qualname__ = f"InView{locator.__name__}"
        return InView

    return in_view(AutoLocator), in_view(MaxNLocator)


def summary_figure(df: Columns, path: Path | BinaryIO, title: str) -> None:
    """Draw the yearly indicators of a run as a grid of panels and save it as PNG.

    Args:
        df: The run's yearly indicators (``model.csv``), by column.
        path: The PNG file to write (any name: written as PNG), or a binary file to write it to.
        title: The figure's title (scenario and seed).
    """
    x_locator, y_locator = _in_view_locators()
    fig = new_figure(16, 7.6)
    axes = fig.subplots(2, 4)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.32, hspace=0.38)
    years = np.asarray(df["year"])
    for ax, (panel, label, unit, series, paper) in zip(axes.ravel(), PANELS, strict=True):
        for column, name in series:
            values = np.asarray(df[column], dtype=float) * SCALE.get(column, 1.0)
            ax.plot(years, values, label=name, lw=1.6)
        if paper:
            ax.scatter(
                list(PAPER_OUTPUT_SHARE),
                list(PAPER_OUTPUT_SHARE.values()),
                color="black",
                s=18,
                zorder=3,
                label="paper: Northeast's share of China's GDP",
            )
        ax.set_title(panel, fontsize=10, y=1.0)
        unit_axis(ax, "y", label, unit)
        ax.yaxis.set_major_locator(y_locator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_locator(x_locator())
        unit_axis(ax, "x", "year", "year")
        ax.grid(alpha=0.3)
        if len(series) + paper > 1:
            # where the lines leave room: a fixed corner hides the start of falling series
            ax.legend(fontsize=7, loc="best", framealpha=0.8)
    fig.suptitle(title, fontsize=12)
    save_png(fig, path)


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


def summary_table(df: Columns) -> str:
    """A short text table of key indicators at the start, 2002, 2012, 2022 and the end."""
    row_of = {int(year): row for row, year in enumerate(df["year"])}
    first, last = next(iter(row_of)), next(reversed(row_of))
    years = sorted({y for y in (first, 2002, 2012, 2022, last) if y in row_of})
    values = {col: np.asarray(df[col], dtype=float) for col, _, _ in TABLE_COLUMNS}
    scale = {"population": 1e-6, "output": 1e-3}
    header = f"{'year':>6} " + " ".join(f"{label:>16}" for _, label, _ in TABLE_COLUMNS)
    lines = [header, "-" * len(header)]
    for year in years:
        cells = [
            f"{fmt.format(values[col][row_of[year]] * scale.get(col, 1.0)):>16}"
            for col, _, fmt in TABLE_COLUMNS
        ]
        lines.append(f"{year:>6} " + " ".join(cells))
    return "\n".join(lines)
