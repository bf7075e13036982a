"""The cities of the region side by side: one indicator of ``cities.csv``, a line a city.

The model draws the region as a system of cities (capitals, heavy-industry cities, resource
towns, ports; each stands for the towns of its kind around it) and the countryside, and keeps
their indicators apart (:data:`~declineabm.model.indicators.CITY_INDICATORS`, the rows of
``cities.csv``). This chart follows one of them through the years for every place of the
city's run, in the unit :func:`~.charts.scale_of` gives it; the counterfactuals and the
observed record (which is the region's, not a city's) are on the other charts.
"""

from __future__ import annotations

from typing import Any

import solara

from declineabm.model.indicators import CITY_INDICATORS, COUNTRYSIDE_NAME, Indicator

from .charts import _slug, decimals_for, label_of, scale_of, year_chart
from .feed import FrameFeed, use_frames
from .frames import Frame, RunInfo
from .widgets import ChartWidget

CITY_CHART_INDICATORS = tuple(ind for ind in CITY_INDICATORS if ind.aspect not in ("time", "place"))
CITY_INDICATOR_BY_NAME = {ind.name: ind for ind in CITY_CHART_INDICATORS}
PLACE_COLOURS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#ff7f0e", "#393b79", "#637939", "#843c39",
)  # fmt: skip
COUNTRYSIDE_COLOUR = "#7f7f7f"


def place_colour(index: int, place: str) -> str:
    """The colour of the ``index``-th place (the countryside grey)."""
    return COUNTRYSIDE_COLOUR if place == COUNTRYSIDE_NAME else PLACE_COLOURS[index % 12]


def places(frame: Frame) -> dict[str, list[dict[str, Any]]]:
    """Every place's rows so far, by name, in the model's order (the countryside last)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for year in frame.cities:
        for row in year:
            found.setdefault(str(row["city"]), []).append(row)
    return found


def city_chart_data(frame: Frame, name: str) -> list[dict[str, Any]]:
    """The yearly numbers of every place, in the unit the chart shows."""
    factor, _ = scale_of(CITY_INDICATOR_BY_NAME[name])
    return [
        {
            "id": f"place:{place}",
            "values": [[int(row["year"]), float(row[name]) * factor] for row in rows],
        }
        for place, rows in places(frame).items()
    ]


def describe(frame: Frame, name: str, title: str) -> str:
    """A text alternative: what the chart shows and every place's latest value."""
    factor, unit = scale_of(CITY_INDICATOR_BY_NAME[name])
    latest = frame.cities[-1] if frame.cities else ()
    decimals = decimals_for([float(row[name]) * factor for row in latest])
    parts = [f"Line chart of {title} ({unit}) by city from {frame.start_year} to {frame.end_year}."]
    parts += [
        f"{str(row['city']).title()}: {float(row[name]) * factor:,.{decimals}f} in {frame.year}."
        for row in latest
    ]
    return " ".join(parts)


def city_chart_option(info: RunInfo, name: str) -> dict[str, Any]:
    """The structure of the chart: axes, legend and a line for every place."""
    _, unit = scale_of(CITY_INDICATOR_BY_NAME[name])
    city = info.start_city
    kinds = dict(zip(city.city_names, info.scenario.geography.cities.values(), strict=True))
    names = (*city.city_names, COUNTRYSIDE_NAME)
    series = []
    for index, place in enumerate(names):
        colour = place_colour(index, place)
        label = place.title() + (f" ({kinds[place].kind})" if place in kinds else "")
        series.append(
            {
                "id": f"place:{place}",
                "name": label,
                "type": "line",
                "showSymbol": False,
                "data": [],
                "lineStyle": {"width": 1.8, "color": colour}
                | ({"type": "dotted"} if place == COUNTRYSIDE_NAME else {}),
                "itemStyle": {"color": colour},
            }
        )
    return year_chart(info, unit, series, tooltip={"order": "valueDesc"})


def _frame_props(frame: Frame, name: str, title: str) -> dict[str, Any]:
    factor, _ = scale_of(CITY_INDICATOR_BY_NAME[name])
    settings = frame.experiment.settings
    first = frame.cities[0] if frame.cities else ()
    props = {
        "numbers": city_chart_data(frame, name),
        "decimals": decimals_for([float(row[name]) * factor for row in first]),
        "filename": f"{settings.scenario}-seed{settings.seed}-cities-{_slug(title)}-"
        f"{frame.year}.png",
    }
    if not frame.playing:
        props["description"] = describe(frame, name, title)
    return props


@solara.component
def CityChart(feed: FrameFeed, info: RunInfo, name: str, title: str) -> None:
    """One per-city indicator over the years, a line a place."""
    option = solara.use_memo(lambda: city_chart_option(info, name), [info.scenario, name])
    _, unit = scale_of(CITY_INDICATOR_BY_NAME[name])
    element = ChartWidget.element(option=option, unit=unit, title=f"{title} by city", height=300)

    def draw(widget: ChartWidget, frame: Frame) -> None:
        with widget.hold_sync():
            for trait, value in _frame_props(frame, name, title).items():
                setattr(widget, trait, value)

    use_frames(feed, element, draw, [name, title])


@solara.component
def CitiesCard(feed: FrameFeed, info: RunInfo) -> None:
    """The cities of the region, with a picker of the per-city indicators."""
    chosen = solara.use_reactive("population")
    indicator: Indicator = CITY_INDICATOR_BY_NAME[chosen.value]
    with solara.Card("The cities of the region", classes=["chart-card", "chart-cities"]):
        solara.Text(
            "Each city stands for the towns of its kind around it; the countryside is the "
            "rest of the region (cities.csv).",
            classes=["caption-text"],
        )
        solara.v.Select(
            label="Indicator",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": label_of(i.name), "value": i.name} for i in CITY_CHART_INDICATORS],
            dense=True,
            hide_details=True,
            class_="indicator-cities mt-3 mb-2",
        )
        CityChart(feed, info, chosen.value, label_of(chosen.value))
        solara.Text(f"{indicator.definition} ({scale_of(indicator)[1]})", classes=["caption-text"])
