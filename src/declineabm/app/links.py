"""The page's state in its address: a link reproduces the run, byte for byte.

The query string of the page's URL holds its :class:`~.experiment.Experiment`, readably::

    ?scenario=northeast&seed=7
     &set=policy.efficiency=0.9                  a parameter changed before the start
     &vs=without policy:policy.enabled=false     a counterfactual, one entry per changed key
     &at=2010:policy.budget_share=0.05           a live change from 2010 on
     &seeds=10&until=2020                        bands of 10 seeds; play to 2020 on opening

Values are TOML (``0.9``, ``false``, ``[[1990, 0.1], [2010, 0.2]]``); floats are written as
their shortest exact form, so a link rebuilds exactly the same numbers. The page rewrites the
address whenever the experiment changes, and reads it when it opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from declineabm.scenario import ScenarioError, parse_value

from .experiment import Counterfactual, Experiment, Intervention
from .files import toml_value
from .settings import DEFAULT_SCENARIO, DEFAULT_SEED, Settings

KEYS = ("scenario", "seed", "set", "vs", "at", "seeds", "until")


def _assignment(key: str, value: Any) -> str:
    return f"{key}={toml_value(value)}"


def to_query(experiment: Experiment) -> str:
    """The query string (without ``?``) of an experiment."""
    settings = experiment.settings
    pairs: list[tuple[str, str]] = [("scenario", settings.scenario), ("seed", str(settings.seed))]
    pairs += [("set", _assignment(k, v)) for k, v in settings.overrides]
    for arm in experiment.counterfactuals:
        pairs += [("vs", f"{arm.name}:{_assignment(k, v)}") for k, v in arm.changes]
    for change in experiment.interventions:
        pairs += [("at", f"{change.year}:{_assignment(k, v)}") for k, v in change.changes]
    if experiment.seeds > 1:
        pairs.append(("seeds", str(experiment.seeds)))
    if experiment.until is not None:
        pairs.append(("until", str(experiment.until)))
    return urlencode(pairs, safe=":=,[]/", quote_via=quote)


def _split(text: str, what: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ScenarioError(f"link: '{what}={text}' should be key=value")
    return key, parse_value(value)


def _whole(text: str, what: str) -> int:
    if not text.strip().isdecimal():
        raise ScenarioError(f"link: {what} '{text}' is not a whole number")
    return int(text)


def from_query(query: str | None) -> Experiment:
    """The experiment a query string describes (an empty one: the default city).

    Raises:
        ScenarioError: One line naming the part of the link that is wrong.
    """
    pairs = parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    unknown = sorted({key for key, _ in pairs} - set(KEYS))
    if unknown:
        raise ScenarioError(f"link: unknown part '{unknown[0]}' (parts: {', '.join(KEYS)})")
    first = {key: value for key, value in reversed(pairs)}
    seed = _whole(first.get("seed", str(DEFAULT_SEED)), "seed")
    overrides = dict(_split(v, "set") for k, v in pairs if k == "set")
    settings = Settings(first.get("scenario", DEFAULT_SCENARIO), seed, ())
    settings = settings.with_changes(overrides) if overrides else settings
    experiment = Experiment(
        settings,
        tuple(_arms(v for k, v in pairs if k == "vs")),
        tuple(_interventions(v for k, v in pairs if k == "at")),
        _whole(first["seeds"], "seeds") if "seeds" in first else 1,
        _whole(first["until"], "until") if "until" in first else None,
    )
    experiment.check()
    return experiment


def _arms(entries: Iterable[str]) -> list[Counterfactual]:
    changes: dict[str, dict[str, Any]] = {}
    for entry in entries:
        name, sep, assignment = entry.partition(":")
        if not sep:
            raise ScenarioError(f"link: 'vs={entry}' should be name:key=value")
        key, value = _split(assignment, "vs")
        changes.setdefault(name, {})[key] = value
    return [Counterfactual(name, tuple(sorted(c.items()))) for name, c in changes.items()]


def _interventions(entries: Iterable[str]) -> list[Intervention]:
    grouped: list[tuple[int, dict[str, Any]]] = []
    for entry in entries:
        year, sep, assignment = entry.partition(":")
        if not sep:
            raise ScenarioError(f"link: 'at={entry}' should be year:key=value")
        when = _whole(year, "year")
        key, value = _split(assignment, "at")
        if grouped and grouped[-1][0] == when:
            grouped[-1][1][key] = value
        else:
            grouped.append((when, {key: value}))
    return [Intervention.of(year, changes) for year, changes in grouped]
