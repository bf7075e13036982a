"""The counterfactual: the same city and seed with chosen causes switched off, run beside it.

The charts draw it as a dashed line, so the gap between the lines is what the chosen causes did
to the city. It runs in step with the current run and makes the same live changes on the way.
"""

from __future__ import annotations

import solara

from .catalogue import CAUSES
from .live import LiveRun


@solara.component
def ComparePanel(live: LiveRun, switched_off: tuple[str, ...]):
    """Choose causes to switch off in a counterfactual run (``switched_off``: the current one)."""
    chosen = solara.use_reactive(list(switched_off))
    titles = {cause.section: cause.title for cause in CAUSES}

    def run() -> None:
        live.compare(chosen.value)

    def clear() -> None:
        chosen.set([])
        live.compare(())

    with solara.Card("Compare", subtitle="The same city and seed, with these causes switched off"):
        solara.v.Select(
            label="Causes to switch off",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": titles[c.section], "value": c.section} for c in CAUSES],
            multiple=True,
            chips=True,
            small_chips=True,
            dense=True,
            class_="compare-select",
        )
        with solara.Row(gap="8px"):
            solara.Button(
                "Run counterfactual",
                color="primary",
                outlined=True,
                small=True,
                on_click=run,
                disabled=not chosen.value or tuple(chosen.value) == switched_off,
                classes=["compare-run"],
            )
            if switched_off:
                solara.Button("Remove", small=True, text=True, on_click=clear)
        if switched_off:
            solara.Text(
                "Dashed lines: the city without " + ", ".join(switched_off) + ".",
                classes=["caption-text"],
            )
