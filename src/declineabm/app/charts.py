"""Charts of the four aspects of decline and of the share of national output, arm beside arm.

The paper (§2.3) names four aspects of urban decline: economic, social, environmental and
cultural. Each chart follows one indicator (the user picks which, from every indicator the
model declares) through the years: the city, each counterfactual dashed in its own colour,
with seeds the median and 90 % band of every arm, and the observed record of the scenario
(the official figures in ``data/``, with their range and source) wherever the record has the
indicator. The numbers are shown in the indicator's unit with a precision that suits their
size.

A chart is built from two parts (:class:`~.widgets.ChartWidget`): the structure, made when the
run, its arms or the indicator change, and the yearly numbers, sent every year. A chart of
another kind of series (per city, when the model has cities) needs only its own
:func:`series_of`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import solara

from declineabm.analysis.patterns import PAPER_OUTPUT_SHARE
from declineabm.io.observed import Observation, load_observed
from declineabm.model.indicators import INDICATORS, Indicator

from .feed import FrameFeed, use_frames
from .frames import Frame, Row, RunInfo
from .session import CITY
from .widgets import ChartWidget

INDICATOR_BY_NAME = {ind.name: ind for ind in INDICATORS if ind.aspect != "time"}
RUN_COLOUR = "#1f5fa8"
ARM_COLOURS = ("#c0392b", "#1e8449", "#7d3c98", "#b9770e")
OBSERVED_COLOUR = "#222222"
PAPER_COLOUR = "#8a8a8a"
PAPER_FIGURES = {"northeast.csv": {"output_share": (PAPER_OUTPUT_SHARE, "the paper (§2.2.5)")}}
"""Figures the paper gives for the region of a record; drawn where the record does not agree."""


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
        "0..1": (1.0, "(0 to 1)"),
    }.get(indicator.unit, (1.0, indicator.unit))


def decimals_for(values: Sequence[float]) -> int:
    """Decimals that show about three significant digits of the largest value."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0:
        return 1
    return max(0, min(4, 2 - math.floor(math.log10(largest))))


def label_of(name: str) -> str:
    """A readable name of an indicator (``unemployment_rate`` → ``Unemployment rate``)."""
    return name.replace("_", " ").replace("65plus", "65+").capitalize()


def arm_colour(index: int) -> str:
    """The colour of the ``index``-th counterfactual."""
    return ARM_COLOURS[index % len(ARM_COLOURS)]


@functools.lru_cache(maxsize=8)
def observations(record: str | None) -> dict[str, tuple[Observation, ...]]:
    """The observed record of a scenario by indicator (empty for a scenario with none)."""
    if record is None:
        return {}
    by_indicator: dict[str, list[Observation]] = {}
    for observation in load_observed(record):
        by_indicator.setdefault(observation.indicator, []).append(observation)
    return {name: tuple(found) for name, found in by_indicator.items()}


def paper_points(record: str | None, name: str) -> list[tuple[int, float]]:
    """The paper's figures for an indicator that the record does not already hold."""
    figures, _ = PAPER_FIGURES.get(record or "", {}).get(name, ({}, ""))
    observed = observations(record).get(name, ())
    return [
        (year, value)
        for year, value in figures.items()
        if not any(o.year == year and o.low <= value <= o.high for o in observed)
    ]


# --- the series ------------------------------------------------------------------------------


def series_of(frame: Frame, name: str) -> list[tuple[str, tuple[Row, ...]]]:
    """The runs a chart of an indicator draws: ``(series id, rows)``, the city first."""
    return [("city", frame.rows), *((f"arm:{arm.name}", arm.rows) for arm in frame.arms)]


def chart_data(frame: Frame, name: str) -> list[dict[str, Any]]:
    """The yearly numbers of a chart, in the unit it shows (what changes every year)."""
    factor, _ = scale_of(INDICATOR_BY_NAME[name])
    return [
        {"id": series, "values": [[int(row["year"]), row[name] * factor] for row in rows]}
        for series, rows in series_of(frame, name)
    ]


def describe(frame: Frame, name: str, title: str) -> str:
    """A text alternative of a chart: what it shows and its latest values."""
    factor, unit = scale_of(INDICATOR_BY_NAME[name])
    decimals = decimals_for([frame.rows[0][name] * factor])
    parts = [f"Line chart of {title} ({unit}) from {frame.start_year} to {frame.end_year}."]
    for series, rows in series_of(frame, name):
        label = CITY if series == "city" else series.removeprefix("arm:")
        first, last = rows[0], rows[-1]
        parts.append(
            f"{label}: {first[name] * factor:,.{decimals}f} in {int(first['year'])}, "
            f"{last[name] * factor:,.{decimals}f} in {int(last['year'])}."
        )
    record = frame.scenario.observed
    observed = observations(record).get(name, ())
    if observed:
        parts.append(f"{len(observed)} observed figures from {record}.")
    return " ".join(parts)


def _line(series_id: str, label: str, colour: str, dashed: bool = False) -> dict[str, Any]:
    return {
        "id": series_id,
        "name": label,
        "type": "line",
        "showSymbol": False,
        "data": [],
        "lineStyle": {"width": 2 if dashed else 2.5, "color": colour}
        | ({"type": "dashed"} if dashed else {}),
        "itemStyle": {"color": colour},
    }


def _band(info: RunInfo, arm: str, colour: str, name: str, factor: float) -> list[dict]:
    bands = info.bands
    assert bands is not None
    band = bands.arms[arm]
    low = [[y, float(v) * factor] for y, v in zip(band.years, band.low[name], strict=True)]
    span = [
        [y, float(h - lo) * factor]
        for y, lo, h in zip(band.years, band.low[name], band.high[name], strict=True)
    ]
    median = [[y, float(v) * factor] for y, v in zip(band.years, band.median[name], strict=True)]
    label = f"{arm}: 90 % of {bands.seeds} seeds"
    stack = f"band:{arm}"
    common = {"type": "line", "stack": stack, "showSymbol": False, "silent": True}
    return [
        {**common, "id": f"low:{arm}", "name": label, "data": low, "lineStyle": {"opacity": 0}},
        {
            **common,
            "id": f"span:{arm}",
            "name": label,
            "data": span,
            "lineStyle": {"opacity": 0},
            "areaStyle": {"color": colour, "opacity": 0.16},
            "itemStyle": {"color": colour},
        },
        {
            "id": f"median:{arm}",
            "name": f"{arm}: median of {bands.seeds} seeds",
            "type": "line",
            "showSymbol": False,
            "data": median,
            "lineStyle": {"width": 1.2, "type": "dotted", "color": colour},
            "itemStyle": {"color": colour},
        },
    ]


def _points(series_id: str, label: str, colour: str, data: list[dict]) -> dict[str, Any]:
    return {
        "id": series_id,
        "name": label,
        "type": "custom",
        "dimensions": ["year", "value", "low", "high", "paper"],
        "encode": {"x": 0, "y": [1, 2, 3], "tooltip": [1]},
        "data": data,
        "itemStyle": {"color": colour},
        "z": 5,
    }


def chart_option(info: RunInfo, name: str) -> dict[str, Any]:
    """The structure of a chart: axes, legend and series, and the numbers that stay put."""
    factor, unit = scale_of(INDICATOR_BY_NAME[name])
    series: list[dict[str, Any]] = [_line("city", CITY, RUN_COLOUR)]
    for index, arm in enumerate(info.arm_names):
        series.append(_line(f"arm:{arm}", arm, arm_colour(index), dashed=True))
    if info.bands is not None and info.bands.ready:
        colours = [RUN_COLOUR, *(arm_colour(i) for i in range(len(info.arm_names)))]
        for arm, colour in zip((CITY, *info.arm_names), colours, strict=True):
            if arm in info.bands.arms:
                series += _band(info, arm, colour, name, factor)
    record = info.scenario.observed
    inside = range(info.start_year, info.end_year + 1)
    observed = [o for o in observations(record).get(name, ()) if o.year in inside]
    if observed:
        data = [
            {
                "value": [o.year, o.value * factor, o.low * factor, o.high * factor, 0],
                "source": o.source,
            }
            for o in observed
        ]
        series.append(_points("observed", "observed", OBSERVED_COLOUR, data))
    paper = [(y, v) for y, v in paper_points(record, name) if y in inside]
    if paper:
        _, where = PAPER_FIGURES[record or ""][name]
        data = [
            {"value": [y, v * factor, v * factor, v * factor, 1], "source": ""} for y, v in paper
        ]
        series.append(_points("paper", where, PAPER_COLOUR, data))
    return year_chart(
        info,
        unit,
        series,
        legend={"data": [s["name"] for s in series if not s["id"].startswith("low:")]},
    )


def year_chart(
    info: RunInfo,
    unit: str,
    series: list[dict[str, Any]],
    legend: dict[str, Any] | None = None,
    tooltip: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ECharts option of a chart over the run's years: axes, legend, tooltip, series.

    Args:
        info: The run (its first and last year bound the x axis).
        unit: The y axis's name.
        series: The lines and bands.
        legend: Legend settings beyond the shared ones (e.g. which entries it lists).
        tooltip: Tooltip settings beyond an axis-triggered tooltip.
    """
    return {
        "animation": False,
        "grid": {"left": 6, "right": 18, "top": 54, "bottom": 4, "containLabel": True},
        "legend": {
            "type": "scroll",
            "top": 0,
            "left": 0,
            "right": 40,
            "itemWidth": 16,
            "textStyle": {"fontSize": 11},
        }
        | (legend or {}),
        "tooltip": {"trigger": "axis"} | (tooltip or {}),
        "xAxis": {
            "type": "value",
            "min": info.start_year,
            "max": info.end_year,
            "minInterval": 1,
        },
        "yAxis": {
            "type": "value",
            "scale": True,
            "name": unit,
            "nameGap": 12,
            "nameTextStyle": {"align": "left", "fontSize": 11},
        },
        "series": series,
    }


# --- the components --------------------------------------------------------------------------


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _frame_props(frame: Frame, name: str, title: str) -> dict[str, Any]:
    """The chart's traits that follow every frame (its text alternative once play stops)."""
    factor, _ = scale_of(INDICATOR_BY_NAME[name])
    settings = frame.experiment.settings
    props = {
        "numbers": chart_data(frame, name),
        "decimals": decimals_for([frame.rows[0][name] * factor]),
        "filename": f"{settings.scenario}-seed{settings.seed}-{_slug(title)}-{frame.year}.png",
    }
    if not frame.playing:
        props["description"] = describe(frame, name, title)
    return props


@solara.component
def TrajectoryChart(feed: FrameFeed, info: RunInfo, name: str, title: str) -> None:
    """One indicator over the years: the structure with the run, the numbers every frame."""
    # the structure changes with the run, its arms and finished bands, not with play or pause
    option = solara.use_memo(
        lambda: chart_option(info, name),
        [info.experiment.counterfactuals, info.scenario, info.bands, name],
    )
    _, unit = scale_of(INDICATOR_BY_NAME[name])
    element = ChartWidget.element(option=option, unit=unit, title=title)

    def draw(widget: ChartWidget, frame: Frame) -> None:
        with widget.hold_sync():
            for trait, value in _frame_props(frame, name, title).items():
                setattr(widget, trait, value)

    use_frames(feed, element, draw, [name, title])


def _caption(info: RunInfo, name: str) -> str:
    record = info.scenario.observed
    parts = []
    if observations(record).get(name):
        parts.append(
            f"Dots: the observed record ({record}: {observations(record)[name][0].source}…); "
            "bars: its plausible range. Hover a dot for its source."
        )
    if paper_points(record, name):
        _, where = PAPER_FIGURES[record or ""][name]
        parts.append(f"Squares: figures of {where} that the record does not confirm.")
    return " ".join(parts)


@solara.component
def IndicatorCard(
    feed: FrameFeed,
    info: RunInfo,
    title: str,
    paper: str,
    choices: tuple[Indicator, ...],
    default: str,
    slug: str,
) -> None:
    """A card with a chart of one indicator, a picker of others and what the chart means."""
    chosen = solara.use_reactive(default)
    indicator = INDICATOR_BY_NAME[chosen.value]
    with solara.Card(title, classes=["chart-card", f"chart-{slug}"]):
        solara.Text(paper, classes=["caption-text"])
        if len(choices) > 1:
            solara.v.Select(
                label="Indicator",
                v_model=chosen.value,
                on_v_model=chosen.set,
                items=[{"text": label_of(ind.name), "value": ind.name} for ind in choices],
                dense=True,
                hide_details=True,
                class_=f"indicator-{slug} mt-3 mb-2",
            )
        TrajectoryChart(feed, info, chosen.value, label_of(chosen.value))
        unit = scale_of(indicator)[1]
        solara.Text(f"{indicator.definition} ({unit})", classes=["caption-text"])
        caption = _caption(info, chosen.value)
        if caption:
            solara.Text(caption, classes=["caption-text", "observed-caption"])


@solara.component
def Charts(feed: FrameFeed, info: RunInfo) -> None:
    """The output share and the four aspects of decline, reflowing with the screen."""
    output = (
        "output",
        "Share of national output",
        "The paper (§2.2.5): the Northeast's share of China's GDP fell for two decades.",
        (INDICATOR_BY_NAME["output_share"],),
        "output_share",
    )
    aspects = [(a.key, a.title, a.paper, a.indicators, a.default) for a in ASPECTS]
    with solara.v.Row(dense=True):
        for slug, title, paper, choices, default in (output, *aspects):
            # one chart a row beside the map, two on a wide screen (the panel takes 380 px)
            with solara.v.Col(cols=12, xl=6, class_="chart-col").key(f"chart-{slug}"):
                IndicatorCard(feed, info, title, paper, choices, default, slug)
