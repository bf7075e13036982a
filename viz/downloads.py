"""Downloads of the current run: its yearly indicators and its record.

``model.csv`` has exactly the columns and number format of the file ``declineabm run`` writes,
so a run explored on the page can be analysed with the same tools; ``run.json`` is the same
record too, with the run's live changes added.
"""

from __future__ import annotations

import solara

from .live import LiveRun, Settings


def file_stem(settings: Settings) -> str:
    """Download names start with the scenario and seed, e.g. ``northeast-seed7``."""
    return f"{settings.scenario}-seed{settings.seed}"


@solara.component
def Downloads(live: LiveRun, settings: Settings, counterfactual: bool):
    """Buttons that download model.csv and run.json of the run so far.

    Args:
        live: The session's city.
        settings: What the run was built from (names the files).
        counterfactual: A counterfactual runs: offer its indicators too.
    """
    stem = file_stem(settings)
    # The files are made when a button is pressed, so they hold every finished year. Bound
    # methods compare equal from one frame to the next, so a redraw while the run plays does
    # not cancel a download under way.
    files = [
        (live.csv_text, "model.csv", "text/csv"),
        (live.run_json, "run.json", "application/json"),
    ]
    if counterfactual:
        files.append((live.counterfactual_csv_text, "counterfactual.csv", "text/csv"))
    with (
        solara.Card("Download", subtitle="The run so far, one row a year"),
        solara.Row(gap="8px", style={"flex-wrap": "wrap"}),
    ):
        for make, name, mime in files:
            solara.FileDownload(
                make,
                filename=f"{stem}-{name}",
                mime_type=mime,
                children=[solara.Button(name, icon_name="mdi-download", small=True)],
            ).key(name)
