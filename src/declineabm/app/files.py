"""Files in and out of the page: downloads in the CLI's formats, uploads to start from.

Downloads are made in memory. ``model.csv`` and ``cities.csv`` have exactly the columns and
number format of the files ``declineabm run`` writes; ``run.json`` is its record plus the page's
experiment (counterfactuals, live changes, seeds, the link); the scenario file holds every
parameter of the city, so ``declineabm run`` on it with the same seed writes the same
``model.csv`` and ``cities.csv``; the zip
holds all of them, with every counterfactual's ``model.csv`` and the seeds behind the bands.

Uploads are a scenario TOML file or a ``run.json``. Neither is read as a path or can make the
server read one: ``extends`` may name a shipped scenario only, and ``observed`` a record in
``data/`` (:func:`~.settings.check_key`); the result is checked like anything the page builds.
"""

from __future__ import annotations

import io
import json
import math
import re
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from declineabm.io.files import csv_line
from declineabm.model.indicators import CITY_INDICATOR_NAMES, INDICATOR_NAMES
from declineabm.scenario import (
    Scenario,
    ScenarioError,
    available_scenarios,
    deep_merge,
    validate,
)

from .experiment import Counterfactual, Experiment, Intervention
from .frames import CityRow, Row
from .settings import DEFAULT_SEED, check_key, check_seed, settings_of, shipped

MAX_UPLOAD_BYTES = 1_000_000
"""The largest file the page reads (a scenario is a few kilobytes)."""


def model_csv(rows: Iterable[Row]) -> str:
    """Yearly indicator rows as the text of ``declineabm run``'s ``model.csv``."""
    lines = [csv_line(INDICATOR_NAMES)]
    lines += [csv_line(row[name] for name in INDICATOR_NAMES) for row in rows]
    return "".join(lines)


def cities_csv(rows: Iterable[CityRow]) -> str:
    """Per-city rows (every place of every year) as the text of the CLI's ``cities.csv``."""
    lines = [csv_line(CITY_INDICATOR_NAMES)]
    lines += [csv_line(row[name] for name in CITY_INDICATOR_NAMES) for row in rows]
    return "".join(lines)


def json_text(data: Any) -> str:
    """Indented JSON, as ``declineabm run`` writes ``run.json``."""
    return json.dumps(data, indent=2) + "\n"


def experiment_record(experiment: Experiment) -> dict[str, Any]:
    """What ``run.json`` adds for the page: counterfactuals, live changes and seeds."""
    return {
        "interventions": [
            {"year": change.year, "set": dict(change.changes)}
            for change in experiment.interventions
        ],
        "counterfactuals": [
            {"name": arm.name, "set": dict(arm.changes)} for arm in experiment.counterfactuals
        ],
        "seeds": experiment.seeds,
    }


# --- TOML -----------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A value as TOML text (what :func:`declineabm.scenario.parse_value` reads back).

    Raises:
        ScenarioError: The value has no TOML form (a table, None, a float that is not finite).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScenarioError(f"{value}: not a finite number")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise ScenarioError(f"{value!r}: cannot be written as a TOML value")


def _table(lines: list[str], name: str, table: Mapping[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    if name:
        lines.append(f"\n[{name}]")
    lines += [f"{key} = {toml_value(value)}" for key, value in scalars.items() if value is not None]
    for key, value in table.items():
        if isinstance(value, Mapping):
            _table(lines, f"{name}.{key}" if name else key, value)


def scenario_toml(scenario: Scenario, experiment: Experiment) -> str:
    """The complete scenario as a TOML file, with a header saying how to run it."""
    settings = experiment.settings
    changed = ", ".join(key for key, _ in settings.overrides) or "none"
    lines = [
        f"# {scenario.name}: every parameter of the city built on the page (declineabm app).",
        f"# Based on configs/{settings.scenario}.toml; changed there: {changed}.",
        f"# Run it with the page's seed for the same model.csv: declineabm run FILE --seed "
        f"{settings.seed}",
    ]
    if experiment.interventions or experiment.counterfactuals:
        lines.append(
            "# The live changes and counterfactuals of the page are not scenario parameters: "
            "run.json records them."
        )
    _table(lines, "", scenario.to_dict())
    return "\n".join(lines) + "\n"


# --- the zip --------------------------------------------------------------------------------


def slug(name: str) -> str:
    """A file-name-safe form of an arm's name (``without policy`` → ``without-policy``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "arm"


def archive(
    arms: Sequence[tuple[str, str]],
    run_json: str,
    scenario: str,
    seeds_csv: str = "",
    cities: str = "",
) -> bytes:
    """Every arm's model.csv (the city's first), its cities.csv, run.json, scenario, seeds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for index, (name, text) in enumerate(arms):
            path = "model.csv" if index == 0 else f"counterfactuals/{slug(name)}/model.csv"
            zipped.writestr(path, text)
        if cities:
            zipped.writestr("cities.csv", cities)
        zipped.writestr("run.json", run_json)
        zipped.writestr("scenario.toml", scenario)
        if seeds_csv:
            zipped.writestr("seeds.csv", seeds_csv)
    return buffer.getvalue()


# --- uploads --------------------------------------------------------------------------------


def read_upload(name: str, data: bytes) -> Experiment:
    """An uploaded scenario (``.toml``) or ``run.json`` as the experiment to start.

    A scenario starts with the page's default seed; a ``run.json`` with its own seed, live
    changes, counterfactuals and seeds.

    Raises:
        ScenarioError: One line naming the file and what is wrong.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(f"{name}: larger than {MAX_UPLOAD_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: not UTF-8 text") from None
    try:
        if name.lower().endswith(".json"):
            return _from_run_json(text)
        scenario, base = _uploaded_scenario(text)
        return Experiment(settings_of(scenario, DEFAULT_SEED, base))
    except ScenarioError as exc:
        raise ScenarioError(f"{name}: {exc}") from None


def _uploaded_scenario(text: str) -> tuple[Scenario, str | None]:
    """The scenario of an uploaded TOML file, and the shipped one it extends (if any)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}") from None
    base = raw.pop("extends", None)
    if base is not None:
        names = available_scenarios()
        if base not in names:
            raise ScenarioError(
                f"extends = {base!r}: an uploaded scenario may extend {', '.join(names)}"
            )
        raw = deep_merge(shipped(base).to_dict(), raw)
    return _checked(raw), base


def _checked(raw: Mapping[str, Any]) -> Scenario:
    if not isinstance(raw, Mapping):
        raise ScenarioError("not a scenario")
    check_key("observed", raw.get("observed"))  # before validation looks for the file
    return validate(raw, "scenario")


def _from_run_json(text: str) -> Experiment:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise ScenarioError("not a run.json of declineabm (no 'config')")
    scenario = _checked(record["config"])
    settings = settings_of(scenario, check_seed(record.get("seed")))
    try:
        interventions = tuple(
            Intervention.of(entry["year"], entry["set"])
            for entry in record.get("interventions", [])
        )
        arms = tuple(
            Counterfactual(str(entry["name"]), tuple(sorted(entry["set"].items())))
            for entry in record.get("counterfactuals", [])
        )
        seeds = record.get("seeds", 1)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise ScenarioError(
            "'interventions' or 'counterfactuals' are not as the page writes them"
        ) from None
    if not isinstance(seeds, int) or isinstance(seeds, bool):
        raise ScenarioError(f"seeds = {seeds!r}: must be a whole number")
    experiment = Experiment(settings, arms, interventions, seeds)
    experiment.check()
    return experiment
