"""How fast the live app plays and how much memory its sessions keep, in a real browser.

Starts ``declineabm app`` on a free port and drives Debian's Chromium with Playwright.

*Playback*: for each region (the default one, and the same people as 100,000 agents) and each
speed (1, 2, 5, 10 years a second and *max*), a fresh tab presses Play and records when the
year shown in the page changes (a MutationObserver in the page: what a user sees, network and
drawing included) and when the map's year changes (the map and the charts are redrawn
together, at most eight times a second while the run plays fast), then clicks Pause and reads
how many years the run went on after the click. The reference, measured in the same run right
before and right after: the model alone (``UrbanDeclineModel.step`` in this process, no page),
as years a second over the same years.

*Sessions*: opens and closes a tab ``--cycles`` times and reads the server's resident memory
after each close (once the server says the tab's city was freed).

    .venv/bin/python -m benchmarks.app_speed [--out app_speed.csv] [--cycles 20] [--repeat 3]

With ``--repeat N`` each case is played N times in turn (the speeds of a region one after the
other, N rounds) and the median and range of each are printed at the end.

Timings on a shared machine are noisy: compare the app with the model measured beside it.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CITIES = (
    # label, link (page state), agents
    ("default: 20,000 agents (4,965 persons each), 12 km cells", "", 20_000),
    ("100,000 agents (993 persons each)", "?set=simulation.residents=100000", 100_000),
)
SPEEDS = {"1": 6, "2": 8, "5": 15, "10": 25, "max": 25}
"""Speed button, and the years of play measured at that speed (the pause lands before 2025)."""
WATCH_YEAR = """() => {
    window.__years = [];
    window.__maps = [];  // [time, year of the map]
    const bar = document.querySelector('.v-app-bar');
    const yearOf = text => parseInt(text.split(' ').pop());
    const read = () => {
        const el = bar.querySelector('.run-year');
        const text = el ? el.textContent : '';
        const map = document.querySelector('.map-year');
        const mapYear = map ? yearOf(map.textContent) : 0;
        const last = window.__years[window.__years.length - 1];
        if (!last || last[1] !== text) window.__years.push([performance.now(), text, mapYear]);
        const lastMap = window.__maps[window.__maps.length - 1];
        if (!lastMap || lastMap[1] !== mapYear) window.__maps.push([performance.now(), mapYear]);
    };
    new MutationObserver(read).observe(document.body,
        {subtree: true, childList: true, characterData: true});
    read();
    document.querySelector('.run-play').addEventListener('pointerdown', () => {
        window.__clicked = bar.querySelector('.run-year').textContent;
    }, {capture: true});
}"""


class Server:
    """``declineabm app`` in a subprocess, with every line it prints."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "declineabm.cli", "app", "--port", "0", "--max-cities", "50"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        for line in self.process.stdout:
            found = re.search(r"serving on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        else:
            raise RuntimeError("declineabm app did not start")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: str, after: int, timeout: float = 120) -> None:
        """Wait until the server prints a line matching ``pattern`` after line ``after``."""
        deadline = time.monotonic() + timeout
        while not any(re.search(pattern, line) for line in self.lines[after:]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server never printed {pattern!r}")
            time.sleep(0.1)

    def rss_mb(self) -> float:
        """The server's resident memory."""
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        """Stop the server."""
        self.process.terminate()
        self.process.wait(30)


def year_of(text: str) -> int:
    return int(text.split()[1])


def model_speed(link: str, years: int) -> float:
    """Years a second of the model alone over the first ``years`` years (the reference)."""
    from declineabm import UrbanDeclineModel
    from declineabm.app.links import from_query

    settings = from_query(link.lstrip("?")).settings
    model = UrbanDeclineModel(settings.resolve(), seed=settings.seed)
    started = time.perf_counter()
    for _ in range(years):
        model.step()
    speed = years / (time.perf_counter() - started)
    model.dispose()
    return speed


def play(browser, url: str, speed: str, years: int) -> dict:
    """Play at ``speed`` for about ``years`` years, then pause; what the page showed."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(600_000)
    try:
        page.goto(url)
        expect(page.locator(".v-app-bar .run-year")).to_have_text(re.compile("Year 1990"))
        page.locator(".run-speed").get_by_role("button", name=speed, exact=True).click()
        page.evaluate(WATCH_YEAR)
        page.locator(".run-play").click()
        # the year shown reaches the target (a poll of the text itself may miss the exact year)
        page.wait_for_function(
            "parseInt(document.querySelector('.v-app-bar .run-year').textContent.split(' ')[1])"
            f" >= {1990 + years}"
        )
        page.locator(".run-play").click()  # Pause
        expect(page.locator(".run-play")).to_have_text(re.compile("Play"))
        time.sleep(1.0)
        stopped = year_of(page.locator(".v-app-bar .run-year").inner_text())
        watched = page.evaluate("window.__years")[1:]
        shown = [(t, year_of(text)) for t, text, _ in watched]
        (t0, y0), (t1, y1) = shown[0], max(shown, key=lambda s: s[1] if s[1] <= 1990 + years else 0)
        drawn = [t for t, _ in page.evaluate("window.__maps") if t0 <= t <= t1]
        return {
            "years_per_s": round((y1 - y0) / ((t1 - t0) / 1000), 1),
            "years": y1 - y0,
            "map_redraws_per_s": round(len(drawn) / ((t1 - t0) / 1000), 1),
            # the most years the map (and the charts) was behind the year in the top bar
            "map_behind_years": max(
                year_of(text) - map_year for t, text, map_year in watched if t0 <= t <= t1
            ),
            "pause_overshoot_years": stopped - year_of(page.evaluate("window.__clicked")),
        }
    finally:
        page.close()


def sessions(browser, server: Server, cycles: int) -> list[dict]:
    """Open and close a tab ``cycles`` times; the server's memory after each close."""
    from playwright.sync_api import expect

    rows = [{"cycle": 0, "rss_mb": round(server.rss_mb(), 1)}]
    for cycle in range(1, cycles + 1):
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        page.goto(server.url)
        expect(page.locator(".v-app-bar .run-year")).to_have_text(
            re.compile("Year 1990"), timeout=120_000
        )
        page.locator(".run-step").click()
        expect(page.locator(".v-app-bar .run-year")).to_have_text(re.compile("Year 1991"))
        after = len(server.lines)
        context.close()
        server.wait_for(r"a city was freed \(0 open\)", after)
        time.sleep(2.0)  # Solara collects the closed session a second after it closes
        rows.append({"cycle": cycle, "rss_mb": round(server.rss_mb(), 1)})
        print(rows[-1], flush=True)
    return rows


def summarize(rows: list[dict]) -> None:
    """The median and range of the years a second of each case over its rounds."""
    cases: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        cases.setdefault((row["case"], row["speed"]), []).append(row)
    for (case, speed), found in cases.items():
        parts = []
        for key in ("years_per_s", "model_years_per_s", "app_over_model", "pause_overshoot_years"):
            values = [row[key] for row in found]
            parts.append(
                f"{key} {statistics.median(values):g} ({min(values):g} to {max(values):g})"
            )
        print(f"{case[:24]}, {speed}: {len(found)} runs: " + "; ".join(parts), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("app_speed.csv"))
    parser.add_argument("--cycles", type=int, default=20, help="tab open/close cycles")
    parser.add_argument("--speeds", default=",".join(SPEEDS), help="speed buttons to measure")
    parser.add_argument(
        "--cities", default="default,100000", help="regions to measure (default, 100000)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every case")
    args = parser.parse_args(argv)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=600_000)  # a large city at one year a second takes its time
    server = Server()
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            rows += [{"case": "sessions", **m} for m in sessions(browser, server, args.cycles)]
            chosen = [c for c in CITIES if ("default" if not c[1] else str(c[2])) in args.cities]
            rounds = [(c, r) for c in chosen for r in range(args.repeat)]
            for (label, link, agents), _ in rounds:
                for speed in args.speeds.split(","):
                    years = SPEEDS[speed]
                    before = model_speed(link, years)
                    measured = play(browser, server.url + link, speed, years)
                    reference = (before + model_speed(link, years)) / 2  # right before and after
                    row = {
                        "case": label,
                        "agents": agents,
                        "speed": speed,
                        **measured,
                        "model_years_per_s": round(reference, 1),
                        "app_over_model": round(measured["years_per_s"] / reference, 2),
                    }
                    print(row, flush=True)
                    rows.append(row)
            browser.close()
    finally:
        server.stop()
    summarize([row for row in rows if row["case"] != "sessions"])
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
