"""The model as Mesa users drive it: the Python API of the README, agents, batch_run."""

from __future__ import annotations

import gc
import inspect
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SMALL, small_model

from declineabm import UrbanDeclineModel
from declineabm.model import mesa_adapter
from declineabm.model.agents import Firm, Resident
from declineabm.model.government import Government
from declineabm.model.indicators import INDICATOR_NAMES
from declineabm.model.sectors import Sector
from declineabm.scenario import ScenarioError, load_scenario


def test_readme_tour_runs_and_collects_one_row_per_year() -> None:
    model = UrbanDeclineModel(scenario="northeast", seed=7, **SMALL)
    for _ in range(10):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == list(INDICATOR_NAMES)
    assert list(df["year"]) == list(range(1990, 2001))
    model.run()
    assert model.year == 2025 and not model.running
    assert len(model.datacollector.get_model_vars_dataframe()) == 36


def test_agents_are_real_mesa_agents_and_handles_read_the_columns() -> None:
    model = small_model(seed=2)
    model.run(2000)
    residents = model.agents_by_type[Resident]
    firms = model.agents_by_type[Firm]
    assert len(residents) == len(model.residents) and len(firms) == len(model.firms)
    assert len(model.agents_by_type[Government]) == 1
    worker = next(r for r in residents if r.employer is not None)
    assert worker.employer in firms and worker.employer.workforce > 0
    assert worker.cell.coordinate == tuple(model.geography.xy(model.residents.home[worker.row]))
    assert worker in worker.cell.agents
    ages = np.array(residents.get("age"))
    assert sorted(ages) == sorted(model.residents.age.tolist())
    assert all(isinstance(f.sector, Sector) for f in firms)
    heavy = next(f for f in firms if f.sector == Sector.HEAVY)
    assert heavy.material_dependence == model.config.sectors.heavy.material_dependence


def test_scenario_object_and_path_are_accepted(tmp_path) -> None:
    scenario = load_scenario("northeast", SMALL)
    a = UrbanDeclineModel(scenario, seed=5)
    b = UrbanDeclineModel("northeast", seed=5, **SMALL)
    a.run(1995)
    b.run(1995)
    assert a.indicators == b.indicators


BATCH_RUN_TAKES_RNG = "rng" in inspect.signature(mesa.batch_run).parameters
"""Mesa 3.5's batch_run sweeps seeds through its ``rng`` argument (README, Sweeps)."""


def batch_run(parameters: dict, seeds: list[int], **options):
    """``mesa.batch_run`` over ``seeds`` the way the installed Mesa supports (README)."""
    if BATCH_RUN_TAKES_RNG:  # Mesa 3.5 passes each rng value as the model's seed=
        return mesa.batch_run(UrbanDeclineModel, parameters, rng=seeds, **options)
    return mesa.batch_run(UrbanDeclineModel, {**parameters, "seed": seeds}, **options)


def test_mesa_batch_run_sweeps_seeds_and_dotted_parameters() -> None:
    results = batch_run(
        {"scenario": "northeast", "policy.enabled": [True, False], **SMALL},
        seeds=[1, 2],
        max_steps=15,
        number_processes=1,
        display_progress=False,
    )
    assert len(results) == 4
    assert {(r["seed"], r["policy.enabled"]) for r in results} == {
        (1, True),
        (1, False),
        (2, True),
        (2, False),
    }
    assert all(r["year"] == 2005 for r in results)
    by_arm = {(r["seed"], r["policy.enabled"]): r for r in results}
    assert by_arm[(1, False)]["subsidy_spending"] == 0 < by_arm[(1, True)]["subsidy_spending"]


def test_mesa_batch_run_rows_are_the_models_own_years() -> None:
    """Every row of batch_run is the model's own row for that year (README, Sweeps)."""
    overrides = {**SMALL, "simulation.end_year": 1994}
    parameters = {
        "scenario": "northeast",
        "migration__base_rate": [0.01, 0.02],  # the keyword form of the dot
        **overrides,
    }
    results = batch_run(parameters, seeds=[1, 2], data_collection_period=1, display_progress=False)
    table = pd.DataFrame(results)
    assert (table["year"] == 1990 + table["Step"]).all()
    # Mesa 3.3's batch_run leaves out the last step (mesa issue #2514); Mesa 3.5 keeps it.
    years = list(range(1990, 1994 if mesa_adapter.MESA_VERSION < (3, 5) else 1995))
    columns = ["year", "population", "output_share"]
    for (seed, rate), rows in table.groupby(["seed", "migration__base_rate"]):
        model = UrbanDeclineModel(
            "northeast", seed=int(seed), migration__base_rate=rate, **overrides
        )
        model.run()
        expected = model.datacollector.get_model_vars_dataframe()[columns]
        assert list(rows["year"]) == years
        pd.testing.assert_frame_equal(
            rows[columns].reset_index(drop=True), expected.iloc[: len(years)]
        )


def test_mesa_batch_run_reaches_the_end_year_the_readme_way() -> None:
    """One year further, bounded by ``max_steps``: the end year's own row on both Mesas (README)."""
    end = 1994
    results = batch_run(
        {"scenario": "northeast", **SMALL, "simulation.end_year": end + 1},
        seeds=[1],
        max_steps=end - 1990,
        display_progress=False,
    )
    model = UrbanDeclineModel("northeast", seed=1, **SMALL, **{"simulation.end_year": end})
    model.run()
    expected = model.datacollector.get_model_vars_dataframe().iloc[-1]
    [row] = results
    assert row["year"] == end
    pd.testing.assert_series_equal(
        pd.Series({k: row[k] for k in expected.index}), expected, check_names=False
    )


def test_mesa_batch_run_lets_every_model_go() -> None:
    """A long batch_run holds flat memory: nothing of a run (model, grid, layers) outlives it.

    Mesa's grid registers its own cell class in ``copyreg``'s process-wide table, which held the
    class and every property layer's array until the adapter moved it onto the class.
    """
    made = []

    class Tracked(UrbanDeclineModel):
        def __init__(self, scenario="baseline", seed=None, **kwargs):
            super().__init__(scenario, seed, **kwargs)
            grid = self.geography.grid
            made.append(weakref.ref(self))
            made.append(weakref.ref(grid.cell_klass))
            made.extend(
                weakref.ref(layer) for layer in (grid.empty, *self.geography.layers.values())
            )

    parameters = {"scenario": "northeast", "simulation.end_year": 1992, **SMALL}
    if BATCH_RUN_TAKES_RNG:
        mesa.batch_run(Tracked, parameters, rng=[1, 2, 3], display_progress=False)
    else:
        mesa.batch_run(Tracked, {**parameters, "seed": [1, 2, 3]}, display_progress=False)
    gc.collect()
    assert len(made) == 3 * 14 and [ref() for ref in made] == [None] * len(made)


def test_mesa_style_remove_and_move_keep_the_model_consistent() -> None:
    from invariants import check

    from declineabm.model import housing

    model = small_model(seed=3)
    model.run(1995)
    resident = next(r for r in model.agents_by_type[Resident] if r.employer is not None)
    employer = resident.employer
    target = next(c for c in model.geography.cells if c is not resident.cell)
    resident.cell = target  # moves through the model: home column, cell lists, slots
    assert resident.cell is target and resident in target.agents
    x, y = target.coordinate
    assert model.residents.home[resident.row] == x * model.geography.height + y
    resident.remove()
    employer.remove()  # a firm closes: its workers lose their jobs
    assert resident not in model.agents and employer not in model.agents
    # recount the derived layers and indicators, then every invariant must hold
    housing.update_occupancy(model)
    model._record()
    check(model)


def test_causes_can_change_in_a_running_model_but_not_the_city() -> None:
    model = small_model(seed=5)
    twin = small_model(seed=5)
    model.run(2005)
    twin.run(2005)
    model.set_causes(**{"policy.efficiency": 1.0}, environment__enabled=False)
    assert model.policy.params.efficiency == 1.0 and not model.environment.enabled
    model.run(2010)
    twin.run(2010)
    assert model.indicators["environmental_standard"] == 0.0
    assert twin.indicators["environmental_standard"] > 0.0
    with pytest.raises(ScenarioError, match=r"simulation\.residents: only the causes"):
        model.set_causes(**{"simulation.residents": 10})
    with pytest.raises(ScenarioError, match=r"policy\.efficiency = 2"):
        model.set_causes(**{"policy.efficiency": 2})
    assert model.policy.params.efficiency == 1.0


# --- The same bytes on every supported Mesa

REFERENCE_PYTHON = os.environ.get("DECLINEABM_REFERENCE_PYTHON")
"""The interpreter of another environment (another Python and Mesa) to compare with; .ci/run
sets it to Python 3.11's when it runs these tests with the newest Mesa."""

VERSIONS = (
    "import sys, mesa, numpy, pandas; "
    "print(sys.version.split()[0], mesa.__version__, numpy.__version__, pandas.__version__)"
)


@pytest.mark.skipif(not REFERENCE_PYTHON, reason="DECLINEABM_REFERENCE_PYTHON is not set")
def test_model_csv_is_the_same_bytes_as_in_the_reference_environment(tmp_path) -> None:
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for python in (sys.executable, REFERENCE_PYTHON):
        out = tmp_path / str(len(outputs))
        command = [python, "-m", "declineabm.cli", "run", root / "configs/northeast.toml"]
        done = subprocess.run(
            [*command, "--seed", "7", "--out", out], capture_output=True, text=True, cwd=root
        )
        assert done.returncode == 0, done.stderr
        versions = subprocess.run([python, "-c", VERSIONS], capture_output=True, text=True)
        outputs.append((versions.stdout.strip(), (out / "model.csv").read_bytes()))
    (ours, csv), (theirs, reference) = outputs
    assert csv == reference, f"model.csv differs: Python, Mesa, numpy, pandas {ours} vs {theirs}"


# --- Mesa's SolaraViz, as the README shows it, in a real browser

README = Path(__file__).resolve().parents[1] / "README.md"
OUTPUT = README.parent / "test-output"  # screenshots for a reviewer


def readme_app() -> str:
    """The README's SolaraViz snippet: the python block that starts with ``# app.py``."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    return next(block for block in blocks if block.startswith("# app.py"))


@pytest.fixture
def solara_viz_page(tmp_path):
    """The README's app.py served by ``solara run``; yields its URL."""
    from test_app_browser import CHROMIUM, TIMEOUT_MS, require_chromium

    require_chromium(CHROMIUM)
    app = tmp_path / "app.py"
    app.write_text(readme_app())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    solara = Path(sys.executable).with_name("solara")
    # Its log goes to a file: an undrained pipe can fill and stall the server, and reading a
    # live server's pipe waits until it exits (a start slower than the timeout hung the suite).
    log = tmp_path / "solara.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [solara, "run", app, "--host", "127.0.0.1", "--port", str(port), "--production"],
            env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"solara run did not serve the README app:\n{log.read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


# The picture an image shows, read from its pixels: the blob URL behind it can be revoked while
# it still shows the picture (seen under load: fetching an unchanged URL failed for 10 s).
PNG_DIGEST = """async (img) => {
    await img.decode().catch(() => {});
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = pixels.length;
    for (let i = 0; i < pixels.length; i++) hash = (hash * 31 + pixels[i]) >>> 0;
    return hash;
}"""


def clock(page, steps: int):
    """SolaraViz's count of the steps taken: "Step: 2" on Mesa 3.3, "Time: 2.0" on Mesa 3.5."""
    return page.get_by_text(re.compile(rf"^(Step: {steps}|Time: {steps}\.0)$"))


def png_digest(image) -> int:
    """A digest of the picture an ``<img>`` shows (its blob URL changes on every redraw)."""
    return image.evaluate(PNG_DIGEST)


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_readme_solara_viz_shows_the_layers_and_plots_and_steps(solara_viz_page):
    from playwright.sync_api import expect, sync_playwright
    from test_app_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(solara_viz_page)
        expect.set_options(timeout=TIMEOUT_MS)
        expect(clock(page, 0)).to_be_visible()
        figures = page.locator("img.widget-image")  # Mesa's matplotlib components
        expect(figures).to_have_count(3)
        first = [png_digest(figures.nth(i)) for i in range(3)]
        for step in (1, 2):
            page.get_by_role("button", name="Step").click()
            expect(clock(page, step)).to_be_visible()
        # the plots drew the new years, and the layer drawn by Mesa's space component changed
        expect(figures).to_have_count(3)
        after = [png_digest(figures.nth(i)) for i in range(3)]
        assert all(a != b for a, b in zip(first, after, strict=True))
        assert "Traceback" not in page.inner_text("body")
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=OUTPUT / f"solara-viz-mesa-{mesa.__version__}.png")
        # Reset builds a new model from model_params (Mesa 3.3 checks them against __init__)
        page.get_by_role("button", name="Reset").click()
        expect(clock(page, 0)).to_be_visible()
        expect(figures).to_have_count(3)
        assert [png_digest(figures.nth(i)) for i in range(3)] == first
        browser.close()


@pytest.mark.skipif(mesa_adapter.MESA_SCENARIO is None, reason="Mesa 3.5's Scenario")
def test_mesa_scenario_carries_the_models_scenario_back() -> None:
    """Mesa 3.5's tools re-create a model from ``type(model.scenario)()`` (SolaraViz's Reset)."""
    model = small_model(seed=3)
    assert model.scenario.config == model.config and model.scenario.rng == 3
    again = UrbanDeclineModel(scenario=type(model.scenario)(), seed=3)
    assert again.config == model.config and again.indicators == model.indicators
    with pytest.raises(TypeError, match="carries no declineabm scenario"):
        UrbanDeclineModel(scenario=mesa_adapter.MESA_SCENARIO(rng=3), seed=3)
