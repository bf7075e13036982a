"""Downloads of the current run: its yearly indicators and its record.

``model.csv`` has exactly the columns and number format of the file ``declineabm run`` writes,
so a run explored on the page can be analysed with the same tools; ``run.json`` is the same
record too, with the run's live changes added.
"""

from __future__ import annotations

import json

import solara

from .live import Frame, LiveRun


def file_stem(frame: Frame) -> str:
    """Download names: scenario, seed and year reached, e.g. ``northeast-seed7-2003``."""
    return f"{frame.settings.scenario}-seed{frame.settings.seed}-{frame.year}"


@solara.component
def Downloads(live: LiveRun, frame: Frame):
    """Buttons that download model.csv and run.json of the run so far."""
    stem = file_stem(frame)
    with (
        solara.Card("Download", subtitle=f"The run from {frame.start_year} to {frame.year}"),
        solara.Row(gap="8px", style={"flex-wrap": "wrap"}),
    ):
        # The data are made when a button is pressed, so they include every finished year.
        solara.FileDownload(
            live.csv_text,
            filename=f"{stem}-model.csv",
            mime_type="text/csv",
            children=[solara.Button("model.csv", icon_name="mdi-download", small=True)],
        )
        solara.FileDownload(
            lambda: json.dumps(live.run_record(), indent=2) + "\n",
            filename=f"{stem}-run.json",
            mime_type="application/json",
            children=[solara.Button("run.json", icon_name="mdi-download", small=True)],
        )
        if frame.counterfactual_rows:
            solara.FileDownload(
                lambda: live.csv_text(counterfactual=True),
                filename=f"{stem}-counterfactual-model.csv",
                mime_type="text/csv",
                children=[
                    solara.Button("counterfactual.csv", icon_name="mdi-download", small=True)
                ],
            )
