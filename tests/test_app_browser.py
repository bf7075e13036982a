"""The live app in a real browser: `declineabm app` served, Chromium driven by Playwright.

The server runs as ``declineabm app --port 0`` in a subprocess with an audit hook that logs
every network connection and name lookup it makes, so the tests can check that serving the
page fetched nothing from outside this machine; the browser's requests are recorded too.
A screenshot of the page goes to ``test-output/app.png`` for a reviewer.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from declineabm.io.files import csv_line
from declineabm.model.indicators import INDICATOR_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 60_000  # generous: the CI machine is shared
LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|::1|localhost|0\.0\.0\.0)$")

# Runs `declineabm app` with every socket connection and address lookup written to a log.
SERVE = """
import json, sys
log = open(sys.argv[1], "a", buffering=1)
def audit(event, args):
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else "unix"
        log.write(json.dumps({"event": event, "host": str(host)}) + "\\n")
    elif event == "socket.getaddrinfo":
        log.write(json.dumps({"event": event, "host": str(args[0])}) + "\\n")
sys.addaudithook(audit)
from declineabm.cli import main
sys.exit(main(["app", "--port", "0"]))
"""


@dataclass
class Server:
    """A running ``declineabm app`` and what it printed and connected to."""

    url: str
    log: Path
    output: list[str]

    def outside(self) -> list[dict]:
        """Connections and lookups the server made to anything but this machine."""
        events = [json.loads(line) for line in self.log.read_text().splitlines()]
        return [
            e for e in events if e["host"] not in ("unix", "None") and not LOOPBACK.match(e["host"])
        ]


@dataclass
class Session:
    """A browser tab on the app, with every URL it requested."""

    page: object
    requests: list[str] = field(default_factory=list)

    def foreign(self, server: Server) -> list[str]:
        origin = urlsplit(server.url).netloc
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != origin
        ]


def require_chromium(path: Path) -> None:
    """Skip without the browser, unless DECLINEABM_REQUIRE_BROWSER says it must be there (CI)."""
    if path.exists():
        return
    reason = f"Debian's Chromium is not installed at {path} (apt-get install chromium)"
    if os.environ.get("DECLINEABM_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and DECLINEABM_REQUIRE_BROWSER is set")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require_chromium(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("app") / "connections.jsonl"
    log.touch()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        url = None
        while url is None:
            line = lines.get(timeout=TIMEOUT_MS / 1000)
            found = re.search(r"serving on (http://\S+)", line)
            url = found.group(1) if found else None
        yield Server(url, log, output)
    except queue.Empty:
        pytest.fail("declineabm app did not start:\n" + "".join(output))
    finally:
        process.terminate()
        process.wait(timeout=30)


def open_session(chromium, server: Server) -> Session:
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = Session(page)
    page.on("request", lambda request: session.requests.append(request.url))
    page.goto(server.url)
    year_is(page, 1990)
    return session


@pytest.fixture
def session(chromium, server) -> Iterator[Session]:
    opened = open_session(chromium, server)
    yield opened
    opened.page.context.close()


def year_is(page, year: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".v-app-bar .run-year")).to_have_text(
        f"Year {year} · step {year - 1990} of 35", timeout=TIMEOUT_MS
    )


def step(page, times: int = 1) -> None:
    for _ in range(times):
        before = page.locator(".v-app-bar .run-year").inner_text()
        year = int(before.split()[1])
        page.locator(".run-step").click()
        year_is(page, year + 1)


def pick(page, select_class: str, item: str) -> None:
    """Choose an item of a Vuetify select (its menu opens outside the select)."""
    page.locator(f".{select_class}").click()
    page.locator(".menuable__content__active .v-list-item", has_text=item).first.click()


def download(page, label: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    done = info.value
    return done.suggested_filename, Path(done.path()).read_text()


def test_page_loads_offline_and_steps(session: Session, server: Server) -> None:
    from playwright.sync_api import expect

    step(session.page, 3)
    # expect() waits for the map's redraw; is_visible() would race it on a busy machine
    expect(session.page.locator(".map-card").get_by_text("The city in 1993")).to_be_visible()
    assert session.foreign(server) == []
    assert server.outside() == []


def test_switch_a_cause_off_and_reset(session: Session) -> None:
    page = session.page
    step(page, 2)
    page.get_by_text("Old, single, state-owned heavy industry").click()
    pending = page.locator(".pending-text")
    pending.get_by_text("1 change not in the running city yet: industry.enabled").wait_for()
    page.locator(".run-reset").click()
    year_is(page, 1990)
    pending.wait_for(state="detached")
    _, text = download(page, "run.json")
    config = json.loads(text)["config"]
    assert config["industry"]["enabled"] is False and config["policy"]["enabled"] is True


def test_bad_seed_shows_a_message(session: Session) -> None:
    page = session.page
    page.locator(".seed-input input").fill("forty-two")
    page.get_by_text("must be a whole number").wait_for()
    page.locator(".run-reset").click()
    year_is(page, 1990)
    assert page.locator(".run-title").inner_text().startswith("northeast, seed 7:")


def test_change_the_map_layer(session: Session) -> None:
    page = session.page
    image = page.locator(".city-map")
    before = image.get_attribute("src")
    pick(page, "layer-picker", "Unemployment")
    page.locator(".map-legend .legend-title", has_text="Unemployment").wait_for()
    assert image.get_attribute("src") != before
    pick(page, "layer-picker", "Firms by sector")
    page.locator(".map-legend", has_text="heavy industry").wait_for()


def test_download_the_csv(session: Session) -> None:
    step(session.page, 2)
    name, text = download(session.page, "model.csv")
    lines = text.splitlines(keepends=True)
    assert name == "northeast-seed7-model.csv"
    assert lines[0] == csv_line(INDICATOR_NAMES)
    assert [line.split(",", 1)[0] for line in lines[1:]] == ["1990", "1991", "1992"]


def test_two_sessions_run_independent_cities(chromium, server: Server) -> None:
    first, second = open_session(chromium, server), open_session(chromium, server)
    try:
        step(first.page, 3)
        year_is(second.page, 1990)
        step(second.page, 1)
        second.page.locator(".run-reset").click()
        year_is(second.page, 1990)
        year_is(first.page, 1993)
        step(first.page, 1)
        year_is(second.page, 1990)
    finally:
        first.page.context.close()
        second.page.context.close()


def test_a_fine_map(session: Session) -> None:
    # 6 km cells over the Northeast's 1,171 x 1,106 km frame: a 196 x 185 map
    page = session.page
    page.locator(".number-geography-km_per_cell input").fill("6")
    page.locator(".run-reset").click()
    page.wait_for_function("document.querySelector('.city-map').naturalWidth === 196")
    step(page, 1)
    assert page.locator(".city-map").evaluate("img => img.naturalHeight") == 185


def test_play_with_a_counterfactual_to_the_end(session: Session, server: Server) -> None:
    page = session.page
    pick(page, "compare-select", "Revitalization policy")
    page.keyboard.press("Escape")
    page.locator(".compare-run").click()
    page.get_by_text("Dashed lines: the city without policy.").wait_for()
    page.locator(".run-speed").get_by_role("button", name="max").click()
    page.locator(".run-play").click()
    year_is(page, 2025)
    pick(page, "layer-picker", "Vacant housing")
    page.locator(".map-legend .legend-title", has_text="Vacant housing").wait_for()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "app.png")
    assert session.foreign(server) == []
    assert server.outside() == []


@pytest.mark.parametrize("required", ["", "1"])
def test_missing_browser_skips_unless_required(monkeypatch, tmp_path, required: str) -> None:
    monkeypatch.setenv("DECLINEABM_REQUIRE_BROWSER", required)
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome, match="Chromium is not installed"):
        require_chromium(tmp_path / "chromium")
