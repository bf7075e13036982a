"""What Reset builds: a shipped scenario, a seed and the parameters changed from it, checked.

:class:`Settings` is the page's description of a city: the name of a scenario in ``configs/``,
a seed, and ``(dotted key, value)`` overrides of that scenario's parameters. The controls
change a few keys (:mod:`.catalogue`); a link, an uploaded scenario or an uploaded ``run.json``
may change any key the schema has. Whatever the source, :meth:`Settings.resolve` validates
the result with the scenario schema (one line naming the key) and the page's own limits on
size (:data:`PAGE_LIMITS`), and a value never becomes a path: scenarios are names from
``configs/`` and observed records names from ``data/``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from declineabm.io.observed import data_dir
from declineabm.scenario import (
    Scenario,
    ScenarioError,
    available_scenarios,
    load_scenario,
    resolve_scenario_path,
)

DEFAULT_SCENARIO = "northeast"
DEFAULT_SEED = 7
MAX_SEED = 2**63 - 1
MAX_AGENTS = 200_000
MAX_CELLS_A_SIDE = 600
"""The largest region the page builds: agents, and map cells a side (the Northeast at 2 km
cells is 586 x 553); larger: ``declineabm run``."""

AGENTS = "simulation.residents"


@dataclass(frozen=True)
class Settings:
    """What Reset builds: a shipped scenario, a seed and overrides of its parameters.

    Attributes:
        scenario: Name of a scenario in ``configs/``.
        seed: Random seed.
        overrides: ``(dotted key, value)`` pairs, sorted, for keys whose value differs from the
            scenario file's.
    """

    scenario: str = DEFAULT_SCENARIO
    seed: int = DEFAULT_SEED
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def changes(self) -> dict[str, Any]:
        """The overrides as a mapping."""
        return dict(self.overrides)

    def base(self) -> Scenario:
        """The scenario file's own values (no overrides)."""
        return shipped(self.scenario)

    def with_changes(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with some keys set; keys set back to the file's value are dropped."""
        base = self.base().to_dict()
        merged = {**self.changes, **changes}
        kept = {k: v for k, v in merged.items() if not _same(lookup(base, k), v)}
        return replace(self, overrides=tuple(sorted(kept.items())))

    def with_agents(self, agents: int) -> Settings:
        """The same people drawn as ``agents`` agents: persons per agent follow.

        The scenario's population (``simulation.population``) stays, so fewer agents are a
        coarser picture of the same region, not a smaller region.
        """
        return self.with_changes({AGENTS: agents})

    def resolve(self) -> Scenario:
        """Check the settings and return the scenario they describe.

        Raises:
            ScenarioError: A one-line message naming the bad value (scenario, seed or key).
        """
        check_seed(self.seed)
        for key, value in self.overrides:
            check_key(key, value)
        scenario = load_scenario(self.base(), self.changes)
        check_size(scenario)
        return scenario


def shipped(name: str) -> Scenario:
    """A scenario of ``configs/`` by name; nothing else, so a page never names a path."""
    names = available_scenarios()
    if name not in names:
        raise ScenarioError(f"scenario '{name}' is not one of {', '.join(names)}")
    return _shipped(name, resolve_scenario_path(name).stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _shipped(name: str, modified: int) -> Scenario:
    # every edit on the page compares with the file's values: read each file once (again
    # when it changes on disk)
    return load_scenario(name)


def value_of(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario, as plain data (lists, not tuples)."""
    return lookup(scenario.to_dict(), key)


def lookup(tree: Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key in a scenario's plain data."""
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ScenarioError(f"unknown key '{key}'")
        node = node[part]
    return node


def population(scenario: Scenario) -> float:
    """The people a scenario's region starts with."""
    return scenario.simulation.population


def grid_size(scenario: Scenario) -> tuple[int, int]:
    """The map's cells east-west and north-south (as the model's geography draws them)."""
    geo = scenario.geography
    return (
        max(1, math.ceil(geo.width_km / geo.km_per_cell)),
        max(1, math.ceil(geo.height_km / geo.km_per_cell)),
    )


def _same(a: Any, b: Any) -> bool:
    # tuples from a frozen scenario and lists from a page compare as the same value
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return (type(a) is type(b) and a == b) or (_number(a) and _number(b) and a == b)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_seed(seed: Any) -> int:
    """A seed, checked.

    Raises:
        ScenarioError: Not a whole number from 0 to :data:`MAX_SEED`.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ScenarioError(f"seed {seed!r}: must be a whole number from 0 to {MAX_SEED}")
    return seed


def check_key(key: str, value: Any) -> None:
    """Refuse what a page may not set: a path to a record, a number that is not finite.

    Raises:
        ScenarioError: One line naming the key.
    """
    if key == "observed" and value is not None:
        names = sorted(p.name for p in data_dir().glob("*.csv"))
        if value not in names:
            raise ScenarioError(
                f"observed = {value!r}: the page reads only the records in data/ "
                f"({', '.join(names)})"
            )
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{key} = {value}: must be a finite number")


def check_size(scenario: Scenario) -> None:
    """Refuse a region larger than the page builds.

    Raises:
        ScenarioError: Names the key, the value and the page's limit.
    """
    agents = scenario.simulation.residents
    if agents > MAX_AGENTS:
        raise ScenarioError(
            f"simulation.residents = {agents:,}: the page builds regions of up to "
            f"{MAX_AGENTS:,} agents (larger: declineabm run)"
        )
    cells = max(grid_size(scenario))
    if cells > MAX_CELLS_A_SIDE:
        km = scenario.geography.km_per_cell
        raise ScenarioError(
            f"geography.km_per_cell = {km:g}: a map of {cells} cells a side; the page draws up "
            f"to {MAX_CELLS_A_SIDE} (larger: declineabm run)"
        )


def differences(pending: Settings, applied: Settings) -> dict[str, Any]:
    """What Reset would change: ``scenario``, ``seed`` and dotted keys, with their new values."""
    diff: dict[str, Any] = {}
    if pending.scenario != applied.scenario:
        diff["scenario"] = pending.scenario
    if pending.seed != applied.seed:
        diff["seed"] = pending.seed
    if "scenario" in diff:
        return {**diff, **pending.changes}
    base = pending.base().to_dict()
    for key in sorted(set(pending.changes) | set(applied.changes)):
        new = pending.changes.get(key, lookup(base, key))
        if not _same(new, applied.changes.get(key, lookup(base, key))):
            diff[key] = new
    return diff


def parse_seed(text: str) -> int:
    """A seed typed on the page, as an integer.

    Raises:
        ScenarioError: The text is not a whole number in range.
    """
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not cleaned.isdecimal():
        raise ScenarioError(f"seed '{text.strip()}': must be a whole number from 0 to {MAX_SEED}")
    seed = int(cleaned)
    if seed > MAX_SEED:
        raise ScenarioError(f"seed {seed}: must be at most {MAX_SEED}")
    return seed


def settings_of(scenario: Scenario, seed: int, base: str | None = None) -> Settings:
    """The settings that resolve to ``scenario``: a shipped base and the keys that differ.

    Args:
        scenario: A complete scenario (from an uploaded file or ``run.json``).
        seed: Its seed.
        base: The shipped scenario it extends; by default the one of the same name, else
            ``baseline``.

    Raises:
        ScenarioError: The scenario cannot be described on the page (too large, a record that
            is not shipped).
    """
    names = available_scenarios()
    base = base or (scenario.name if scenario.name in names else "baseline")
    overrides = dict(_leaf_differences(shipped(base).to_dict(), scenario.to_dict()))
    settings = Settings(base, seed, tuple(sorted(overrides.items())))
    if settings.resolve() != scenario:  # pragma: no cover - a key the flattening missed
        raise ScenarioError("the scenario cannot be expressed as changes of a shipped one")
    return settings


def _leaf_differences(
    base: Mapping[str, Any], other: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    for key, value in other.items():
        dotted = f"{prefix}{key}"
        old = base.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            yield from _leaf_differences(old, value, f"{dotted}.")
        elif not _same(old, value):
            yield dotted, value
