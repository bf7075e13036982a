"""Charts of the four aspects of decline and of the share of national output, run beside run.

The paper (§2.3) names four aspects of urban decline: economic, social, environmental and
cultural. Each chart follows one indicator of an aspect (the user picks which) through the
years, with the counterfactual as a dashed line in the same chart. The charts are ECharts
options (drawn in the browser from a few numbers a year, with JavaScript served by the app
itself), so updating them every step costs almost nothing on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import solara

from declineabm.analysis.patterns import PAPER_OUTPUT_SHARE
from declineabm.model.indicators import INDICATORS, Indicator

from .live import Frame

INDICATOR_BY_NAME = {ind.name: ind for ind in INDICATORS}
RUN_COLOUR = "#1f5fa8"
COUNTERFACTUAL_COLOUR = "#c0392b"
PAPER_COLOUR = "#333333"


@dataclass(frozen=True)
class Aspect:
    """An aspect of decline as §2.3 of the paper describes it."""

    key: str
    title: str
    paper: str
    default: str

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """The model's indicators of this aspect."""
        return tuple(ind for ind in INDICATORS if ind.aspect == self.key)


ASPECTS = (
    Aspect(
        "economic",
        "Economic decline",
        "The main economic systems and traditional industries have migrated or declined. "
        "Job loss or low employment rates.",
        "unemployment_rate",
    ),
    Aspect(
        "social",
        "Social decline",
        "Population decline, spatial transfer of population; inner city decline.",
        "population",
    ),
    Aspect(
        "environmental",
        "Environmental decline",
        "Degradation of built environment and site function; infrastructure degradation; "
        "environmental pollution.",
        "mean_infrastructure",
    ),
    Aspect(
        "cultural",
        "Cultural decline",
        "Urban vitality, innovation and other positive spiritual forces are degraded.",
        "vitality_index",
    ),
)


def scale_of(indicator: Indicator) -> tuple[float, str]:
    """Factor and unit to show an indicator in (shares as %, people in millions, ...)."""
    return {
        "fraction": (100.0, "%"),
        "persons": (1e-6, "million people"),
        "million yuan": (1e-3, "billion yuan"),
        "0..1": (1.0, "0 to 1"),
    }.get(indicator.unit, (1.0, indicator.unit))


def label_of(name: str) -> str:
    """A readable name of an indicator (``unemployment_rate`` → ``Unemployment rate``)."""
    return name.replace("_", " ").replace("65plus", "65+").capitalize()


def counterfactual_label(switched_off: tuple[str, ...]) -> str:
    """Legend entry of the counterfactual."""
    return "without " + ", ".join(switched_off)


def _values(rows: tuple[dict[str, float], ...], name: str, factor: float) -> list[float]:
    return [round(row[name] * factor, 6) for row in rows]


def trajectory_option(frame: Frame, name: str, reference: dict[int, float] | None = None) -> dict:
    """The ECharts option of one indicator: this run, its counterfactual, a paper reference.

    The x axis spans the whole run from the start, so the lines grow as the years pass.

    Args:
        frame: The frame to draw.
        name: Indicator name.
        reference: Values the paper reports, by year, in the indicator's own unit.
    """
    indicator = INDICATOR_BY_NAME[name]
    factor, unit = scale_of(indicator)
    years = [str(year) for year in range(frame.start_year, frame.end_year + 1)]
    series: list[dict[str, Any]] = [
        {
            "name": "this run",
            "type": "line",
            "showSymbol": False,
            "data": _values(frame.rows, name, factor),
            "lineStyle": {"width": 2.5, "color": RUN_COLOUR},
            "itemStyle": {"color": RUN_COLOUR},
        }
    ]
    if frame.counterfactual_rows:
        series.append(
            {
                "name": counterfactual_label(frame.switched_off),
                "type": "line",
                "showSymbol": False,
                "data": _values(frame.counterfactual_rows, name, factor),
                "lineStyle": {"width": 2, "type": "dashed", "color": COUNTERFACTUAL_COLOUR},
                "itemStyle": {"color": COUNTERFACTUAL_COLOUR},
            }
        )
    if reference:
        points = [
            [str(year), value * factor]
            for year, value in reference.items()
            if frame.start_year <= year <= frame.end_year
        ]
        series.append(
            {
                "name": "paper",
                "type": "scatter",
                "symbolSize": 9,
                "data": points,
                "itemStyle": {"color": PAPER_COLOUR},
            }
        )
    return {
        "animation": False,
        "grid": {"left": 52, "right": 14, "top": 30, "bottom": 50},
        "legend": {"bottom": 0, "itemGap": 8, "itemWidth": 16, "textStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": years, "boundaryGap": False},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": series,
    }


@solara.component
def TrajectoryChart(frame: Frame, name: str, reference: dict[int, float] | None = None):
    """One indicator over the years, drawn by ECharts in the browser."""
    option = solara.use_memo(
        lambda: trajectory_option(frame, name, reference), [frame.version, name]
    )
    solara.FigureEcharts(option=option, attributes={"style": "height: 260px; width: 100%"})


@solara.component
def OutputShareChart(frame: Frame):
    """The city's share of national output, with the Northeast's figures from the paper."""
    with solara.Card("Share of national output", classes=["chart-card"]):
        solara.Text(
            "Dots: the paper (§2.2.5), the Northeast's share of national GDP \"dropped from 11.4 "
            'percent in 2002 to 4.8 percent in 2022".',
            classes=["caption-text"],
        )
        TrajectoryChart(frame, "output_share", PAPER_OUTPUT_SHARE)


@solara.component
def AspectChart(frame: Frame, aspect: Aspect):
    """An aspect of decline: a picker of its indicators and the chosen one's trajectory."""
    chosen = solara.use_reactive(aspect.default)
    indicator = INDICATOR_BY_NAME[chosen.value]
    with solara.Card(aspect.title, classes=["chart-card"]):
        solara.Text(aspect.paper, classes=["caption-text"])
        solara.v.Select(
            label="Indicator",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": label_of(ind.name), "value": ind.name} for ind in aspect.indicators],
            dense=True,
            hide_details=True,
            class_=f"indicator-{aspect.key} mt-3",
        )
        TrajectoryChart(frame, chosen.value)
        solara.Text(f"{indicator.definition} ({indicator.unit})", classes=["caption-text"])


@solara.component
def Charts(frame: Frame):
    """The output share and the four aspects of decline."""
    with solara.ColumnsResponsive(default=12, large=6):
        OutputShareChart(frame)
        for aspect in ASPECTS:
            AspectChart(frame, aspect)
