"""How fast the live app plays, measured in a real browser; writes app_speed.csv.

Starts ``declineabm app`` on a free port, drives Debian's Chromium with Playwright, and for each
city size presses Play at full speed and records when the year shown in the page changes (a
MutationObserver in the page, so the figure is what a user sees, network and drawing
included). It also clicks Pause mid-run and times how long the page takes to show it stopped.

    .venv/bin/python -m benchmarks.app_speed [--out app_speed.csv]

Timings on a shared machine are noisy: run it twice and read the better figure.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CASES = (
    # label, (width, height, residents), redraw every
    ("default 60x60, 20,000 residents", None, 1),
    ("200x200, 20,000 residents", (200, 200, 20_000), 1),
    ("200x200, 100,000 residents", (200, 200, 100_000), 1),
    ("200x200, 100,000 residents, redraw every 5", (200, 200, 100_000), 5),
)
WATCH_YEAR = """() => {
    window.__years = [];
    const bar = document.querySelector('.v-app-bar');
    const read = () => {
        const el = bar.querySelector('.run-year');
        const text = el ? el.textContent : '';
        const last = window.__years[window.__years.length - 1];
        if (!last || last[1] !== text) window.__years.push([performance.now(), text]);
    };
    new MutationObserver(read).observe(bar, {subtree: true, childList: true, characterData: true});
    read();
}"""


def start_server() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "declineabm.cli", "app", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in process.stdout:
        found = re.search(r"serving on (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise RuntimeError("declineabm app did not start")


def year_of(text: str) -> int:
    return int(text.split()[1])


def measure(page, size, redraw: int) -> dict:
    from playwright.sync_api import expect

    if size is not None:
        width, height, residents = size
        page.locator(".number-simulation-width input").fill(str(width))
        page.locator(".number-simulation-height input").fill(str(height))
        page.locator(".number-simulation-residents input").fill(str(residents))
    build = ""
    if size is not None:
        build = time.perf_counter()
        page.locator(".run-reset").click()
        # the new city is on screen when the map is as wide in pixels as the grid in cells
        page.wait_for_function(
            f"document.querySelector('.city-map').naturalWidth === {size[0]}", timeout=300_000
        )
        build = round(time.perf_counter() - build, 2)
    page.locator(".redraw-every [role=slider]").focus()
    for _ in range(redraw - 1):
        page.keyboard.press("ArrowRight")
    page.locator(".run-speed").get_by_role("button", name="max").click()
    page.evaluate(WATCH_YEAR)
    page.locator(".run-play").click()
    expect(page.locator(".v-app-bar .run-year")).to_have_text(
        re.compile("Year 20(0[5-9]|1|2)"), timeout=600_000
    )
    # Pause mid-run: how long until the page shows the run stopped?
    clicked = time.perf_counter()
    page.locator(".run-play").click()
    expect(page.locator(".run-play")).to_have_text(re.compile("Play"), timeout=60_000)
    pause_ms = (time.perf_counter() - clicked) * 1000
    years = page.evaluate("window.__years")
    shown = [(t, year_of(text)) for t, text in years if text.startswith("Year")]
    (t0, y0), (t1, y1) = shown[1], shown[-1]  # from the first drawn step on
    return {
        "build_s": build,
        "years": y1 - y0,
        "years_per_s": round((y1 - y0) / ((t1 - t0) / 1000), 1),
        "frames_shown": len(shown) - 1,
        "pause_ms": round(pause_ms),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("app_speed.csv"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    server, url = start_server()
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for label, size, redraw in CASES:
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.goto(url)
                page.locator(".run-title").wait_for(timeout=120_000)
                row = {"case": label, "redraw_every": redraw, **measure(page, size, redraw)}
                print(row, flush=True)
                rows.append(row)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
