"""Files of the run: downloads in the command line's formats, and uploads to start from.

``model.csv`` has exactly the columns and number format of the file ``declineabm run`` writes,
so a run explored on the page can be analysed with the same tools; ``run.json`` is the same
record too, with the page's counterfactuals, live changes, seeds and link; the scenario file
runs with ``declineabm run``; the zip holds every arm's ``model.csv`` with all of them. An
uploaded scenario or ``run.json`` becomes the page's new city (:func:`.files.read_upload`).
"""

from __future__ import annotations

import solara

from declineabm.scenario import ScenarioError

from .files import MAX_UPLOAD_BYTES, read_upload
from .session import LiveRun
from .settings import Settings
from .widgets import DownloadWidget, UploadWidget


def file_stem(settings: Settings) -> str:
    """Download names start with the scenario and seed, e.g. ``northeast-seed7``."""
    return f"{settings.scenario}-seed{settings.seed}"


@solara.component
def Downloads(live: LiveRun, settings: Settings) -> None:
    """Download buttons, and the upload of a scenario or ``run.json``.

    Args:
        live: The session's city.
        settings: What the run was built from (names the files).
    """
    message = solara.use_reactive(("", False))  # (text, is an error)
    stem = file_stem(settings)
    # The files are made when a button is pressed, so they hold every finished year. Bound
    # methods compare equal from one frame to the next, so a redraw while the run plays does
    # not cancel a download under way.
    files = [
        (live.csv_text, "model.csv", "text/csv"),
        (live.cities_csv, "cities.csv", "text/csv"),
        (live.run_json, "run.json", "application/json"),
        (live.scenario_toml, "scenario.toml", "application/toml"),
        (live.archive, "all.zip", "application/zip"),
    ]

    def uploaded(name: str, text: str | None) -> None:
        try:
            if text is None:
                raise ScenarioError(f"{name}: larger than {MAX_UPLOAD_BYTES:,} bytes")
            experiment = read_upload(name, text.encode("utf-8"))
            live.load(experiment)
            message.set((f"Building the city of {name}…", False))
        except ScenarioError as exc:
            message.set((str(exc), True))

    with solara.Card(
        "Files",
        subtitle="The run so far, one row a year; or start from a file",
        classes=["files-card"],
    ):
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for make, name, mime in files:
                DownloadWidget.element(
                    make=make, label=name, filename=f"{stem}-{name}", mime_type=mime
                ).key(name)
        solara.Text(
            "cities.csv: every city of the region, one row a city a year. all.zip: every arm's "
            "model.csv, cities.csv, run.json (all arms, live changes, seeds), the scenario and "
            "the seeds behind the bands. scenario.toml: declineabm run FILE --seed "
            f"{settings.seed} gives the same model.csv and cities.csv (live changes aside).",
            classes=["caption-text", "mt-2"],
        )
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            UploadWidget.element(label="Start from a scenario or run.json", on_file=uploaded)
        text, failed = message.value
        if failed:
            solara.Error(text, dense=True, classes=["upload-message"])
        elif text:
            solara.Text(text, classes=["caption-text", "upload-message"])
