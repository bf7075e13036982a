"""Counterfactuals and seed bands: what the city would have been, and how much is chance.

A counterfactual is the same city and seed with something changed: causes switched off, or
the settings edited in the panels below (any parameter). Each runs beside the city, in step
with it, makes the same live changes (except for the keys it sets itself), and is drawn dashed
in its own colour, so the gap between the lines is what the change did. With more than one
seed, every arm also runs that many seeds in the background (:mod:`.bands`): the charts show
each arm's median and the band where 90 % of the seeds fall.
"""

from __future__ import annotations

import solara

from declineabm.scenario import ScenarioError

from .catalogue import CAUSES
from .charts import RUN_COLOUR, arm_colour
from .experiment import MAX_COUNTERFACTUALS, Counterfactual
from .frames import RunInfo
from .session import CITY, LiveRun
from .settings import Settings, differences

SEED_CHOICES = (1, 5, 10, 20, 50)


def describe_changes(arm: Counterfactual) -> str:
    """What an arm changes, in words."""
    titles = {cause.switch_key: cause.title for cause in CAUSES}
    parts = []
    for key, value in arm.changes:
        if key in titles and value is False:
            parts.append(f"{titles[key]} switched off")
        else:
            parts.append(f"{key} = {value}")
    return "; ".join(parts)


@solara.component
def ArmRow(live: LiveRun, arms: tuple[Counterfactual, ...], index: int) -> None:
    """One counterfactual: its colour, name, changes, and a button that removes it."""
    arm = arms[index]
    with solara.Row(gap="6px", style={"align-items": "center"}, classes=["arm-row"]):
        solara.HTML(
            tag="span",
            unsafe_innerHTML="",
            style=f"border-top: 3px dashed {arm_colour(index)}; width: 22px; flex: none",
        )
        solara.Text(arm.name, classes=["arm-name"], style={"font-weight": "600"})
        solara.Button(
            icon_name="mdi-close",
            icon=True,
            small=True,
            on_click=lambda: live.set_counterfactuals(arms[:index] + arms[index + 1 :]),
            classes=["arm-remove"],
            attributes={"aria-label": f"Remove the counterfactual {arm.name}"},
        )
    solara.Text(describe_changes(arm), classes=["caption-text"])


@solara.component
def SeedsControl(live: LiveRun, info: RunInfo) -> None:
    """How many seeds the bands use, and how far the batch has got."""
    seeds = info.experiment.seeds
    solara.v.Select(
        label="Seeds per arm (bands of 90 %)",
        v_model=seeds,
        on_v_model=lambda value: live.set_seeds(int(value)),
        items=[{"text": "1 (no bands)" if n == 1 else str(n), "value": n} for n in SEED_CHOICES],
        dense=True,
        hide_details=True,
        class_="seeds-select mt-5",
    )
    progress = info.band_progress
    if progress is None:
        return
    count, done, total, error = progress
    if error:
        solara.Error(f"Seeds: {error}", dense=True)
    elif info.bands is None:
        solara.ProgressLinear(value=100 * done / total if total else 0, classes=["seeds-progress"])
        solara.Text(
            f"Seeds in the background: {done} of {total} runs done",
            classes=["caption-text", "seeds-status"],
        )
    else:
        solara.Text(
            f"Bands: median (dotted) and 90 % of {count} seeds of each arm, as built (live "
            "changes are not in them).",
            classes=["caption-text", "seeds-status"],
        )


@solara.component
def ComparePanel(live: LiveRun, info: RunInfo, pending: solara.Reactive[Settings]) -> None:
    """Add counterfactuals (causes off, or the edited settings), remove them, choose seeds."""
    chosen: solara.Reactive[list[str]] = solara.use_reactive([])  # the causes to switch off
    name = solara.use_reactive("")
    message = solara.use_reactive("")
    arms = info.experiment.counterfactuals
    titles = {cause.section: cause.title for cause in CAUSES}
    edited = {
        k: v
        for k, v in differences(pending.value, info.settings).items()
        if k not in ("scenario", "seed")
    }
    full = len(arms) >= MAX_COUNTERFACTUALS

    def add(arm: Counterfactual) -> None:
        try:
            live.set_counterfactuals([*arms, arm])
            chosen.set([])
            name.set("")
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))

    def add_causes() -> None:
        try:
            add(Counterfactual.without(chosen.value, name.value.strip() or None))
        except ScenarioError as exc:
            message.set(str(exc))

    def add_edited() -> None:
        label = name.value.strip() or "with " + ", ".join(edited)
        add(Counterfactual(label[:40], tuple(sorted(edited.items()))))

    with solara.Card(
        "Compare",
        subtitle="The same city and seed with something changed",
        classes=["compare-card"],
    ):
        with solara.Row(gap="6px", style={"align-items": "center"}):
            solara.HTML(
                tag="span",
                unsafe_innerHTML="",
                style=f"border-top: 3px solid {RUN_COLOUR}; width: 22px; flex: none",
            )
            solara.Text(CITY, style={"font-weight": "600"})
        for index in range(len(arms)):
            ArmRow(live, arms, index).key(arms[index].name)
        solara.v.Select(
            label="Causes to switch off",
            v_model=chosen.value,
            on_v_model=chosen.set,
            items=[{"text": titles[c.section], "value": c.section} for c in CAUSES],
            multiple=True,
            chips=True,
            small_chips=True,
            dense=True,
            hide_details=True,
            class_="compare-select",
        )
        solara.v.TextField(
            label="Name (optional)",
            v_model=name.value,
            on_v_model=lambda value: name.set(value or ""),
            dense=True,
            hide_details=True,
            class_="compare-name",
        )
        with solara.Row(gap="8px", style={"flex-wrap": "wrap", "margin-top": "6px"}):
            solara.Button(
                "Add: causes switched off",
                color="primary",
                outlined=True,
                small=True,
                on_click=add_causes,
                disabled=full or not chosen.value,
                classes=["compare-run"],
            )
            if edited:
                solara.Button(
                    f"Add: the {len(edited)} edited setting{'s' if len(edited) > 1 else ''}",
                    color="primary",
                    outlined=True,
                    small=True,
                    on_click=add_edited,
                    disabled=full,
                    classes=["compare-edited"],
                )
        if full:
            solara.Text(
                f"At most {MAX_COUNTERFACTUALS} counterfactuals: remove one to add another.",
                classes=["caption-text"],
            )
        if message.value:
            solara.Error(message.value, dense=True)
        if arms:
            solara.Text(
                "Dashed lines: the counterfactuals; the gap to the solid line is what the "
                "change did.",
                classes=["caption-text"],
            )
        SeedsControl(live, info)
