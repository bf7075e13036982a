"""Reading scenario files: names and paths, ``extends``, dotted overrides, validation."""

from __future__ import annotations

import copy
import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from declineabm.scenario.errors import ScenarioError
from declineabm.scenario.messages import describe, unknown_key_message

if TYPE_CHECKING:
    from declineabm.scenario import Scenario


def config_dir() -> Path:
    """The folder holding the shipped scenarios (``configs/``)."""
    env = os.environ.get("DECLINEABM_CONFIG_DIR")
    candidates = [Path(env)] if env else []
    package = Path(__file__).resolve().parents[1]  # src/declineabm, or the installed package
    candidates += [package.parents[1] / "configs", package / "_configs"]
    for path in candidates:
        if path.is_dir():
            return path
    raise ScenarioError("cannot find the configs/ folder (set DECLINEABM_CONFIG_DIR)")


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``configs/``."""
    return sorted(p.stem for p in config_dir().glob("*.toml"))


def resolve_scenario_path(scenario: str | os.PathLike[str]) -> Path:
    """A scenario name (``northeast``) or a path to a TOML file, as a path."""
    path = Path(scenario)
    if path.suffix != ".toml" and os.sep not in str(scenario):
        path = config_dir() / f"{scenario}.toml"
    if not path.is_file():
        names = ", ".join(available_scenarios())
        raise ScenarioError(f"scenario '{scenario}' not found (shipped scenarios: {names})")
    return path


def read_toml_file(path: Path, error: type[Exception] = ScenarioError) -> dict[str, Any]:
    """Parse a TOML file; anything unreadable raises ``error`` with one line naming the file.

    Dates and times (TOML has them) are refused: no parameter is one.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: not valid TOML: nested too deeply") from None
    where = _find_date(raw)
    if where:
        raise error(f"{path}: {where}: a date or time; parameters are numbers, switches or text")
    return raw


def _find_date(value: Any, key: str = "") -> str:
    """The dotted key of the first TOML date or time in ``value``, or ''."""
    if isinstance(value, dt.date | dt.time):
        return key or "value"
    if isinstance(value, Mapping):
        children = [(f"{key}.{name}" if key else name, item) for name, item in value.items()]
    elif isinstance(value, list):
        children = [(key, item) for item in value]  # a path's pairs: the key names the path
    else:
        children = []
    for child, item in children:
        found = _find_date(item, child)
        if found:
            return found
    return ""


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise ScenarioError(f"{path}: 'extends' forms a cycle")
    raw = read_toml_file(path)
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: 'extends' must be a scenario name or path")
    base_path = (
        path.parent / base_name if base_name.endswith(".toml") else resolve_scenario_path(base_name)
    )
    return deep_merge(_read_toml(base_path, (*seen, path)), raw)


REPLACED_WHOLE = frozenset({("geography", "cities")})
"""Tables a scenario that ``extends`` another gives whole: its cities replace the base's."""


def deep_merge(
    base: Mapping[str, Any], override: Mapping[str, Any], path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; tables merge, other values replace.

    A table in :data:`REPLACED_WHOLE` replaces the base's instead of merging with it.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        where = (*path, key)
        mergeable = isinstance(value, Mapping) and isinstance(merged.get(key), Mapping)
        if mergeable and where not in REPLACED_WHOLE:
            merged[key] = deep_merge(merged[key], value, where)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


MAX_VALUE_LENGTH = 100_000
"""Longest ``--set`` value (a long time path is a few hundred characters)."""


def parse_value(text: str, key: str = "value") -> Any:
    """Parse a ``--set`` value as TOML (numbers, booleans, arrays); bare words are strings.

    Raises:
        ScenarioError: The value is a date or time, nested too deeply or too long.
    """
    if len(text) > MAX_VALUE_LENGTH:
        raise ScenarioError(f"{key}: a value of {len(text):,} characters is too long")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise ScenarioError(f"{key}: the value is nested too deeply") from None
    if _find_date(value):
        raise ScenarioError(
            f"{key} = {text}: a date or time; parameters are numbers, switches or text"
        )
    return value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``key=value`` from the command line."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(f"--set '{text}': expected key=value, e.g. policy.enabled=false")
    return key.strip(), parse_value(value.strip(), key.strip())


def normalise_key(key: str) -> str:
    """Accept ``section__name`` (keyword-argument form) as ``section.name``."""
    return key.replace("__", ".")


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys in a raw scenario dict (validation happens afterwards)."""
    result = copy.deepcopy(raw)
    for dotted, value in overrides.items():
        key = normalise_key(dotted)
        parts = key.split(".")
        node = result
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                if part in node:
                    here = ".".join(parts[: i + 1])
                    raise ScenarioError(f"{key}: '{here}' is a value, not a section")
                raise ScenarioError(f"{key}: {unknown_key_message(result, parts[: i + 1])}")
            node = child
        if parts[-1] not in node:
            raise ScenarioError(unknown_key_message(result, parts))
        node[parts[-1]] = value
    return result


def validate(raw: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate a raw scenario dict; raise :class:`ScenarioError` with one line on failure."""
    from declineabm.scenario import Scenario

    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe(exc, raw)}") from None


def load_scenario(
    scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any] = "baseline",
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load a scenario by name, path, raw mapping or object, then apply dotted overrides."""
    from declineabm.scenario import Scenario

    overrides = dict(overrides or {})
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        raw, source = scenario.to_dict(), scenario.name
    elif isinstance(scenario, Mapping):
        raw, source = dict(scenario), "scenario"
    else:
        path = resolve_scenario_path(scenario)
        raw, source = _read_toml(path), str(path)
    return validate(apply_overrides(raw, overrides), source)
