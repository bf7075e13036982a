"""What a page holds and a link reproduces: the city, its counterfactuals, live changes, seeds.

An :class:`Experiment` is everything that determines what the page shows: the
:class:`~.settings.Settings` the city is built from, the :class:`Counterfactual` arms run
beside it, the :class:`Intervention` s made while it runs (each from a given year on), how
many seeds the background bands use, and the year the run goes to. The same experiment gives
the same numbers, byte for byte: that is what a link (:mod:`.links`), an uploaded ``run.json``
(:mod:`.files`) and the session (:mod:`.session`) rely on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from declineabm.scenario import MECHANISMS, Scenario, ScenarioError, takes_effect_mid_run

from .settings import Settings, check_key

MAX_COUNTERFACTUALS = 4
MAX_SEEDS = 50
NAME = re.compile(r"^[\w .,+&()/-]{1,40}$")
"""What a counterfactual may be called (a link holds the name; ``:`` separates it there)."""


def _pairs(changes: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(changes.items()))


@dataclass(frozen=True)
class Counterfactual:
    """A named arm run beside the city: the same scenario and seed with some values changed.

    Attributes:
        name: What the charts call it.
        changes: ``(dotted key, value)`` pairs: causes switched off (``industry.enabled =
            false``) or any parameter changed.
    """

    name: str
    changes: tuple[tuple[str, Any], ...]

    @classmethod
    def without(cls, causes: Iterable[str], name: str | None = None) -> Counterfactual:
        """The arm with these causes switched off."""
        chosen = set(causes)
        unknown = sorted(chosen - set(MECHANISMS))
        if unknown:
            raise ScenarioError(f"unknown cause '{unknown[0]}' (causes: {', '.join(MECHANISMS)})")
        ordered = [cause for cause in MECHANISMS if cause in chosen]
        label = name or "without " + ", ".join(ordered)
        return cls(label, _pairs({f"{cause}.enabled": False for cause in ordered}))

    @property
    def switched_off(self) -> tuple[str, ...]:
        """The causes this arm switches off."""
        changes = dict(self.changes)
        return tuple(c for c in MECHANISMS if changes.get(f"{c}.enabled") is False)

    def settings(self, base: Settings) -> Settings:
        """The arm's settings: the city's with the arm's changes on top."""
        return base.with_changes(dict(self.changes))

    def check(self, base: Settings) -> Scenario:
        """Validate the arm against the city it is compared with.

        Raises:
            ScenarioError: A bad name, no change, or a value the schema refuses.
        """
        if not NAME.match(self.name):
            raise ScenarioError(
                f"counterfactual name {self.name!r}: 1 to 40 letters, digits, spaces or .,+&()/-"
            )
        if not self.changes:
            raise ScenarioError(f"counterfactual '{self.name}' changes nothing")
        for key, value in self.changes:
            check_key(key, value)
        return self.settings(base).resolve()


@dataclass(frozen=True)
class Intervention:
    """Values a running city takes from a year on (the page's "Apply now").

    Attributes:
        year: The year the city has reached when the values change; they shape the years
            after it.
        changes: ``(dotted key, value)`` pairs, each a parameter that takes effect mid-run.
    """

    year: int
    changes: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, year: int, changes: Mapping[str, Any]) -> Intervention:
        """An intervention from a mapping."""
        return cls(int(year), _pairs(changes))

    def check(self, scenario: Scenario) -> None:
        """Refuse a key that cannot change mid-run, or a year outside the run.

        Raises:
            ScenarioError: One line naming the key or the year.
        """
        start, end = scenario.simulation.start_year, scenario.simulation.end_year
        if not start <= self.year < end:
            raise ScenarioError(f"live change in {self.year}: the run goes from {start} to {end}")
        for key, value in self.changes:
            if not takes_effect_mid_run(key):
                raise ScenarioError(f"'{key}' only applies on Reset")
            check_key(key, value)


@dataclass(frozen=True)
class Experiment:
    """Everything that determines what the page shows; equal experiments, equal numbers.

    Attributes:
        settings: What the city is built from.
        counterfactuals: Arms run beside it, in the order the charts list them.
        interventions: Live changes, in the order they take effect.
        seeds: Seeds of the background bands of every arm (1: no bands).
        until: The year the run plays to when the page opens (None: it waits at the start).
    """

    settings: Settings = field(default_factory=Settings)
    counterfactuals: tuple[Counterfactual, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    seeds: int = 1
    until: int | None = None

    def check(self) -> Scenario:
        """Validate every part; returns the city's scenario.

        Raises:
            ScenarioError: One line naming what is wrong.
        """
        scenario = self.settings.resolve()
        names = [arm.name for arm in self.counterfactuals]
        if len(names) > MAX_COUNTERFACTUALS:
            raise ScenarioError(f"at most {MAX_COUNTERFACTUALS} counterfactuals at once")
        duplicated = {name for name in names if names.count(name) > 1}
        if duplicated:
            raise ScenarioError(f"two counterfactuals are called '{sorted(duplicated)[0]}'")
        for arm in self.counterfactuals:
            arm.check(self.settings)
        years = [change.year for change in self.interventions]
        if years != sorted(years):
            raise ScenarioError("live changes must be listed in the order of their years")
        for change in self.interventions:
            change.check(scenario)
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise ScenarioError(f"seeds = {self.seeds}: must be from 1 to {MAX_SEEDS}")
        if self.until is not None:
            start, end = scenario.simulation.start_year, scenario.simulation.end_year
            if not start <= self.until <= end:
                raise ScenarioError(f"until = {self.until}: the run goes from {start} to {end}")
        return scenario
