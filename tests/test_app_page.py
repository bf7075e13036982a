"""The app's page, rendered in-process with Solara: every control does what it says."""

from __future__ import annotations

import json
import threading
import time

import ipyvuetify as v
import pytest
import solara
from conftest import SMALL
from solara.widgets import HTML

from declineabm.app.page import Page
from declineabm.app.settings import Settings
from declineabm.app.widgets import ChartWidget, DownloadWidget, LiveText, MapWidget
from declineabm.io.files import csv_line
from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.scenario import available_scenarios, load_scenario

WAIT = 30  # seconds; building and stepping a small city takes a fraction of that
SMALL_SETTINGS = Settings(overrides=tuple(sorted(SMALL.items())))


@pytest.fixture
def app():
    _, rc = solara.render(Page(SMALL_SETTINGS), handle_error=False)
    wait_year(rc, 1990, 0)
    yield rc
    rc.close()  # unmounts the page: its worker stops and frees the city


def shown(rc, kind, **match):
    """The one widget of a kind with these attributes, once the page has drawn it.

    Another thread (the run's worker) may be drawing when the test edits the page; the page
    then draws the edit right after, so tests wait for what they expect rather than expect it
    at once.
    """
    return rc.find(kind, **match).wait_for(timeout=WAIT).widget


def text_of(rc, class_: str) -> str:
    """The text of the one element with these CSS classes."""
    return shown(rc, v.Html, class_=class_).children[0]


def wait_year(rc, year: int, step: int) -> None:
    rc.find(LiveText, text=f"Year {year} · step {step} of 35").wait_for(timeout=WAIT)


def wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def click(rc, class_: str) -> None:
    """Click a button once it is shown and enabled (the page may still be drawing an edit)."""
    button = rc.find(v.Btn, class_=class_, disabled=False).wait_for(timeout=WAIT)
    button.widget.click()


def download(rc, filename_end: str) -> str:
    widget = next(w for w in rc.find(DownloadWidget).widgets if w.filename.endswith(filename_end))
    widget.vue_prepare()  # what the button does in the browser
    return widget.payload.decode()


def test_step_three_times(app) -> None:
    for step in (1, 2, 3):
        click(app, "run-step")
        wait_year(app, 1990 + step, step)


def test_download_csv_and_run_json(app) -> None:
    click(app, "run-step")
    wait_year(app, 1991, 1)
    csv = download(app, "model.csv")
    lines = csv.splitlines(keepends=True)
    assert lines[0] == csv_line(INDICATOR_NAMES)
    assert [line.split(",")[0] for line in lines[1:]] == ["1990", "1991"]
    record = json.loads(download(app, "run.json"))
    assert record["seed"] == 7 and record["years"] == [1990, 1991]
    assert record["status"] == "partial"


def test_bad_seed_shows_a_message_and_keeps_the_last_good_one(app) -> None:
    field = shown(app, v.TextField, class_="seed-input")
    field.v_model = "twelve"
    wait_until(lambda: "must be a whole number" in "".join(field.error_messages))
    assert "keeping 7" in field.error_messages[0]
    click(app, "run-step")  # a bad seed does not stop the run
    wait_year(app, 1991, 1)
    click(app, "run-reset")  # and Reset builds with the last good one
    wait_year(app, 1990, 0)
    assert text_of(app, "run-title").startswith("northeast, seed 7:")
    field.v_model = "42"
    wait_until(lambda: field.error_messages == [])
    click(app, "run-reset")
    app.find(v.Html, class_="run-title").wait_for(timeout=WAIT)
    wait_until(lambda: text_of(app, "run-title").startswith("northeast, seed 42:"))


def test_out_of_range_size_shows_the_allowed_range(app) -> None:
    field = shown(app, v.TextField, class_="number-simulation-residents")
    field.v_model = "10"
    wait_until(lambda: "allows 1,000 to 200,000" in "".join(field.error_messages))
    field.v_model = "4000"
    wait_until(lambda: field.error_messages == [])
    # the scenario's people as fewer agents: each stands for more people
    app.find(
        v.Html,
        children=["1 change not in the running city yet: simulation.residents"],
    ).wait_for(timeout=WAIT)
    wait_until(lambda: field.hint.startswith("24,825 persons per agent: 99.30 million people"))


def test_switch_a_cause_off_and_reset(app) -> None:
    switch = shown(app, v.Switch, class_="switch-industry")
    switch.v_model = False
    app.find(v.Html, children=["1 change not in the running city yet: industry.enabled"]).wait_for(
        timeout=WAIT
    )
    click(app, "run-reset")
    app.find(v.Html, children=["1 change not in the running city yet: industry.enabled"]).wait_for(
        "detached", timeout=WAIT
    )
    assert switch.v_model is False
    config = json.loads(download(app, "run.json"))["config"]
    assert config["industry"]["enabled"] is False and config["policy"]["enabled"] is True


def test_apply_a_cause_parameter_live(app) -> None:
    click(app, "open-policy")
    slider = shown(app, v.Slider, class_="slider-policy-efficiency")
    slider.v_model = 0.9000000000000001  # as a browser sends it
    app.find(v.Html, children=["Efficiency (reaches its target): 90% •"]).wait_for(timeout=WAIT)
    click(app, "run-step")
    wait_year(app, 1991, 1)
    click(app, "apply-now")
    app.find(v.Btn, class_="apply-now").wait_for("detached", timeout=WAIT)
    record = json.loads(download(app, "run.json"))
    assert record["interventions"] == [{"year": 1991, "set": {"policy.efficiency": 0.9}}]


def test_map_layers(app) -> None:
    image = shown(app, MapWidget)
    picker = shown(app, v.Select, class_="layer-picker")
    labels = {item["value"]: item["text"] for item in picker.items}
    assert set(labels) == {
        "population", "vacant", "derelict", "firms", "unemployment", "pollution",
        "infrastructure", "resources",
    }  # fmt: skip
    pictures = set()
    for key, label in labels.items():
        picker.v_model = key
        legend = shown(app, HTML, attributes={"class": "map-legend"})
        wait_until(lambda legend=legend, label=label: label in legend.unsafe_innerHTML)
        wait_until(lambda image=image, key=key: f"-map-{key}-" in image.filename)
        pictures.add(image.src)
    assert len(pictures) == len(labels)  # every layer draws a different picture


def test_scenario_picker_offers_only_configs(app) -> None:
    picker = shown(app, v.Select, class_="scenario-select")
    assert picker.items == available_scenarios()
    picker.v_model = "../../etc/passwd"  # not offered, so ignored: nothing pending
    app.find(v.Card, class_="ma-2 pending-card").assert_empty()
    picker.v_model = "baseline"
    app.find(v.Card, class_="ma-2 pending-card").wait_for(timeout=WAIT)
    assert "scenario" in text_of(app, "caption-text pending-text")
    app.find(v.Btn, class_="apply-now").assert_empty()  # another scenario needs a new city


def test_counterfactual_on_the_charts(app) -> None:
    shown(app, v.Select, class_="compare-select").v_model = ["policy", "industry"]
    click(app, "compare-run")
    click(app, "run-step")
    wait_year(app, 1991, 1)

    def series() -> set[str]:
        charts = app.find(ChartWidget).widgets
        return {s["name"] for chart in charts for s in chart.option["series"]}

    wait_until(lambda: "without industry, policy" in series())
    assert "this run" in series()


def test_the_cities_of_the_region_side_by_side(app) -> None:
    click(app, "run-step")
    wait_year(app, 1991, 1)
    cities = load_scenario("northeast").geography.cities
    chart = next(w for w in app.find(ChartWidget).widgets if w.title == "Population by city")
    names = [s["name"] for s in chart.option["series"]]
    assert names == [f"{n.title()} ({c.kind})" for n, c in cities.items()] + ["Countryside"]
    wait_until(
        lambda: len(chart.numbers) == len(cities) + 1 and len(chart.numbers[0]["values"]) == 2
    )
    shown(app, v.Select, class_="indicator-cities mt-3 mb-2").v_model = "jobless_rate"
    wait_until(
        lambda: any(w.title == "Jobless rate by city" for w in app.find(ChartWidget).widgets)
    )
    chart = next(w for w in app.find(ChartWidget).widgets if w.title == "Jobless rate by city")
    assert chart.unit == "%" and all(0 <= v <= 100 for d in chart.numbers for _, v in d["values"])


def test_closing_the_page_stops_its_city() -> None:
    before = set(threading.enumerate())
    _, rc = solara.render(Page(SMALL_SETTINGS), handle_error=False)
    wait_year(rc, 1990, 0)
    (worker,) = [t for t in set(threading.enumerate()) - before if t.name == "declineabm-live"]
    rc.close()  # what Solara does when a browser tab closes
    worker.join(WAIT)
    assert not worker.is_alive()
