"""The controls of what Reset builds: scenario, seed, city size, and every cause of decline.

Edits change the session's *pending* settings; the run changes only on Reset, or, for cause
parameters, on "Apply now" (from the city's next year). Typed values are checked as they are
entered: a bad one shows its message beside the field and the last good value stays.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import solara

from declineabm.scenario import Scenario, ScenarioError, available_scenarios, load_scenario

from .catalogue import CAUSES, CITY, Cause, Control, is_live
from .session import LiveRun
from .settings import AGENTS, Settings, differences, parse_seed, population


def _format(control: Control, value: float) -> str:
    if control.percent:
        return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
    if control.integer:
        return f"{int(value)}"
    return f"{value:g}"


def _set(pending: solara.Reactive[Settings], key: str, value: Any) -> None:
    pending.set(pending.value.with_changes({key: value}))


@solara.component
def PendingChanges(
    live: LiveRun, applied: Settings, finished: bool, pending: solara.Reactive[Settings]
) -> None:
    """What the controls would change, with buttons to apply it.

    Args:
        live: The session's city.
        applied: What the running city was built from.
        finished: The run has reached its last year (nothing left to change live).
        pending: The settings the controls edit.
    """
    message = solara.use_reactive("")
    diff = solara.use_memo(lambda: differences(pending.value, applied), [pending.value, applied])
    if not diff:
        return
    # a different scenario's values belong to a new city, not to this one
    live_now = {} if "scenario" in diff else {k: v for k, v in diff.items() if is_live(k)}

    def reset() -> None:
        try:
            live.reset(pending.value)
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))

    def apply_now() -> None:
        try:
            live.apply_live(live_now)
            message.set("")
        except ScenarioError as exc:
            message.set(str(exc))

    with solara.Card(classes=["pending-card"]):
        count = len(diff)
        solara.Text(
            f"{count} change{'s' if count > 1 else ''} not in the running city yet: "
            + ", ".join(diff),
            classes=["caption-text", "pending-text"],
        )
        with solara.Row(gap="8px"):
            solara.Button("Reset with changes", color="primary", on_click=reset, small=True)
            if live_now:
                solara.Button(
                    f"Apply {len(live_now)} now",
                    color="primary",
                    outlined=True,
                    on_click=apply_now,
                    small=True,
                    disabled=finished,
                    classes=["apply-now"],
                )
        if live_now:
            solara.Text(
                "Apply now changes cause parameters from the next year on; the change is "
                "recorded in run.json. Everything else applies on Reset.",
                classes=["caption-text"],
            )
        if message.value:
            solara.Error(message.value, dense=True)


@solara.component
def SeedField(pending: solara.Reactive[Settings]) -> None:
    """The seed as text: a bad entry shows why and keeps the last good seed."""
    text = solara.use_reactive(str(pending.value.seed))
    error = solara.use_reactive("")

    def on_text(value: str | None) -> None:
        text.set(value or "")
        try:
            seed = parse_seed(value or "")
        except ScenarioError as exc:
            error.set(f"{exc}; keeping {pending.value.seed}")
            return
        error.set("")
        pending.set(replace(pending.value, seed=seed))

    solara.v.TextField(
        label="Seed",
        v_model=text.value,
        on_v_model=on_text,
        error_messages=[error.value] if error.value else [],
        hint="Same scenario and seed: the same city, year by year.",
        dense=True,
        class_="seed-input",
    )


@solara.component
def NumberField(control: Control, pending: solara.Reactive[Settings]) -> None:
    """A whole-number setting typed as text, checked against the page's and the model's range.

    The number of agents keeps the scenario's population (persons per agent follow), and the
    field says how many people an agent stands for.
    """
    scenario = pending.value.resolve()
    current = control.value_in(scenario)
    text = solara.use_reactive(str(current))
    error = solara.use_reactive("")

    def on_text(value: str | None) -> None:
        text.set(value or "")
        cleaned = (value or "").strip().replace(",", "").replace("_", "")
        try:
            if not cleaned.lstrip("-").isdecimal():
                raise ScenarioError(f"{control.key}: '{(value or '').strip()}' is not a number")
            number = int(cleaned)
            if not control.low <= number <= control.high:
                raise ScenarioError(
                    f"{control.key} = {number}: the page allows {control.low:,} to "
                    f"{control.high:,} (larger cities: declineabm run)"
                )
            if control.key == AGENTS:
                candidate = pending.value.with_agents(number)
            else:
                candidate = pending.value.with_changes({control.key: number})
            candidate.resolve()
        except ScenarioError as exc:
            error.set(f"{exc}; keeping {current:,}")
            return
        error.set("")
        pending.set(candidate)

    hint = ""
    if control.key == AGENTS:
        per_agent = scenario.simulation.persons_per_agent
        people = population(scenario) / 1e6
        hint = f"{per_agent:,.0f} persons per agent: {people:,.2f} million people"
    solara.v.TextField(
        label=control.label,
        v_model=text.value,
        on_v_model=on_text,
        error_messages=[error.value] if error.value else [],
        hint=hint,
        persistent_hint=bool(hint),
        dense=True,
        class_=f"number-{control.key.replace('.', '-')}",
    )


@solara.component
def ScenarioPanel(pending: solara.Reactive[Settings], built: Settings) -> None:
    """Scenario, seed and the city's size (apply on Reset).

    Args:
        pending: The settings the controls edit.
        built: What the running city was built from: the typed fields start afresh from it
            when a new city is built.
    """
    names = available_scenarios()
    description = solara.use_memo(
        lambda: load_scenario(pending.value.scenario).description, [pending.value.scenario]
    )

    def choose(name: str) -> None:
        if name in names:  # the picker offers only these; anything else is ignored
            pending.set(Settings(scenario=name, seed=pending.value.seed))

    with solara.Card("City", subtitle="Applies on Reset", classes=["city-card"]):
        solara.v.Select(
            label="Scenario (configs/)",
            v_model=pending.value.scenario,
            on_v_model=choose,
            items=names,
            dense=True,
            class_="scenario-select",
        )
        solara.Text(description, classes=["caption-text"])
        # the key makes the fields start afresh from a new city's or a newly chosen scenario's
        with solara.Column(gap="0px").key(f"{pending.value.scenario}:{built!r}"):
            SeedField(pending)
            for control in CITY:
                NumberField(control, pending).key(control.key)


@solara.component
def ParameterSlider(
    control: Control, pending: solara.Reactive[Settings], scenario: Scenario, changed: bool
) -> None:
    """A slider for one parameter, labelled with its value, its meaning and when it applies.

    Args:
        control: The parameter.
        pending: The settings the slider edits.
        scenario: The pending settings, resolved.
        changed: The value differs from the running city's.
    """
    value = control.value_in(scenario)
    low, high = control.bounds(scenario)
    when = "applies live or on Reset" if control.live else "applies on Reset"

    def on_value(new: float) -> None:
        # snap to the slider's grid: the browser sends floats like 0.30000000000000004
        snapped = round(round(new / control.step) * control.step, 10)
        _set(pending, control.key, int(snapped) if control.integer else snapped)

    with (
        solara.Tooltip(f"{control.help} ({control.key}; {when})"),
        solara.Column(gap="0px", classes=["param"]),
    ):
        solara.Text(
            f"{control.label}: {_format(control, value)}" + (" •" if changed else ""),
            classes=["param-label", "param-changed" if changed else "param-same"],
        )
        solara.v.Slider(
            v_model=value,
            on_v_model=on_value,
            min=low,
            max=high,
            step=control.step,
            dense=True,
            hide_details=True,
            # Vuetify gives the thumb (role=slider) the root's aria-label: the label above
            attributes={"aria-label": control.label},
            class_=f"slider-{control.key.replace('.', '-')}",
        )


def _targeting(scenario: Scenario) -> str:
    policy = scenario.policy
    weights = {
        "failing state firms": policy.target_soe,
        "new industries": policy.target_new_industries,
        "infrastructure": policy.target_infrastructure,
        "young people": policy.target_young,
    }
    total = sum(weights.values())
    if total <= 0:
        return "No target has weight: support that arrives is not spent."
    return "What arrives goes to: " + ", ".join(
        f"{name} {weight / total:.0%}" for name, weight in weights.items()
    )


@solara.component
def CausePanel(
    cause: Cause, pending: solara.Reactive[Settings], scenario: Scenario, changed: frozenset[str]
) -> None:
    """A cause of decline: its switch, the paper's words for it, and its strengths."""
    opened = solara.use_reactive(False)
    enabled = bool(getattr(scenario, cause.section).enabled)
    with solara.Column(gap="0px", classes=["cause", f"cause-{cause.section}"]):
        with solara.Row(gap="0px", justify="space-between", style={"align-items": "center"}):
            solara.v.Switch(
                label=cause.title,
                v_model=enabled,
                on_v_model=lambda on: _set(pending, cause.switch_key, bool(on)),
                dense=True,
                hide_details=True,
                class_=f"switch-{cause.section}",
            )
            solara.Button(
                icon_name="mdi-chevron-up" if opened.value else "mdi-tune",
                icon=True,
                small=True,
                on_click=lambda: opened.set(not opened.value),
                classes=[f"open-{cause.section}"],
                attributes={
                    "aria-label": f"{'Close' if opened.value else 'Tune'}: {cause.title}",
                    "aria-expanded": "true" if opened.value else "false",
                    "title": f"What the paper says and the strengths of: {cause.title}",
                },
            )
        if opened.value:
            solara.Text(f"“{cause.quote}” ({cause.where})", classes=["paper-quote"])
            if cause.switched_off:
                solara.Text(cause.switched_off, classes=["caption-text"])
            for control in cause.controls:
                ParameterSlider(control, pending, scenario, control.key in changed).key(control.key)
            if cause.section == "policy":
                solara.Text(_targeting(scenario), classes=["caption-text"])


@solara.component
def CausesPanel(pending: solara.Reactive[Settings], applied: Settings) -> None:
    """The seven causes of decline the paper names, each switchable."""
    scenario = solara.use_memo(pending.value.resolve, [pending.value])
    changed = solara.use_memo(
        lambda: frozenset(differences(pending.value, applied)), [pending.value, applied]
    )
    with solara.Card("Causes of decline", subtitle="Switch a cause off, or tune its strengths"):
        for cause in CAUSES:
            CausePanel(cause, pending, scenario, changed).key(cause.section)
