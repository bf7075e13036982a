"""Sweep files: which parameters vary and how, over which scenario, with how many seeds.

A sweep file is TOML (the format is in ``docs/SWEEPS.md``; examples in ``configs/sweeps/``)::

    scenario = "northeast"
    sampler = "sobol"          # grid | lhs | sobol | morris
    samples = 64
    replicates = 2
    years = 35
    seed = 2003
    indicators = ["output_share", "population"]

    [parameters]
    "industry.soe_efficiency" = { low = 0.6, high = 1.0 }
    "policy.target_soe" = [0.0, 0.5, 1.0]             # a list of values (grid only)

Everything is checked before anything runs, against the scenario's own schema: an unknown
parameter, a bound outside the parameter's allowed range, an empty range, lower above upper,
zero samples all end in one line naming the key.

Seeds: the sweep's ``seed`` feeds a :class:`numpy.random.SeedSequence` that gives the sampler
its seed and each replicate its model seed. Replicate ``r`` uses the same model seed at every
sample (common random numbers), so differences between samples are the parameters' doing, not
the noise's; and adding replicates or samples keeps the runs already made.
"""

from __future__ import annotations

import difflib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from declineabm.io.files import csv_line
from declineabm.io.provenance import sha256_text
from declineabm.scenario import Scenario, ScenarioError, load_scenario, normalise_key
from declineabm.sweep.errors import SweepError
from declineabm.sweep.execute import KEPT_BY_DEFAULT
from declineabm.sweep.samplers import Axis, design
from declineabm.sweep.spec import RunSpec

RANGE_KEYS = frozenset({"low", "high", "levels"})
SpecCount = Annotated[int, Field(ge=1)]


class SweepSettings(BaseModel):
    """The validated content of a sweep file (parameters still raw)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(description="Name of the sweep (default: the file name).")
    description: str = Field("", description="What the sweep asks.")
    scenario: str = Field(
        description="Base scenario: a name in configs/ or a TOML path (relative to this file)."
    )
    sampler: Literal["grid", "lhs", "sobol", "morris"] = Field(
        description="Design: full grid, Latin hypercube, Sobol'/Saltelli or Morris."
    )
    samples: SpecCount | None = Field(
        None,
        description="lhs: points; sobol: base sample N (N x (k + 2) points for k parameters); "
        "morris: trajectories (N x (k + 1) points); grid: levels of ranges without their own.",
    )
    replicates: SpecCount = Field(1, description="Seeds per sample.")
    years: SpecCount | None = Field(None, description="Years to simulate (default: scenario's).")
    seed: Annotated[int, Field(ge=0)] = Field(description="Seed of the sampler and the seeds.")
    morris_levels: Annotated[int, Field(ge=2)] = Field(4, description="Levels of Morris's grid.")
    indicators: list[str] | None = Field(None, description="Indicators to keep (default: all).")
    every: SpecCount = Field(1, description="Time series every this many years.")
    fixed: dict[str, Any] = Field(
        default_factory=dict, alias="set", description="Parameters fixed for every run."
    )
    parameters: dict[str, Any] = Field(min_length=1, description="The varied parameters.")


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: base scenario, axes, design and seeds.

    Attributes:
        path: The sweep file (None if built from a mapping).
        text: The sweep file's text (what the manifest records and hashes).
        settings: The validated settings, after command-line overrides.
        base: The base scenario with the fixed parameters applied.
        axes: The varied parameters.
    """

    path: Path | None
    text: str
    settings: SweepSettings
    base: Scenario
    axes: tuple[Axis, ...]

    @cached_property
    def seeds(self) -> tuple[int, tuple[int, ...]]:
        """The sampler's seed and one model seed per replicate."""
        sampler, models = np.random.SeedSequence(self.settings.seed).spawn(2)
        replicates = models.spawn(self.settings.replicates)
        return (
            int(sampler.generate_state(1)[0]),
            tuple(int(child.generate_state(1)[0]) for child in replicates),
        )

    @cached_property
    def samples(self) -> list[dict[str, Any]]:
        """Parameter values of each sample, in the sampler's order."""
        s = self.settings
        return design(s.sampler, self.axes, s.samples or 0, self.seeds[0], s.morris_levels)

    @cached_property
    def runs(self) -> list[tuple[int, int, RunSpec]]:
        """(sample, replicate, run) for every run of the design, sample by sample."""
        years = self.settings.years
        return [
            (i, r, RunSpec(self.base, values, seed=seed, years=years))
            for i, values in enumerate(self.samples)
            for r, seed in enumerate(self.seeds[1])
        ]

    def design_csv(self) -> str:
        """``design.csv``: which run each (sample, replicate) is, with its values."""
        names = [axis.name for axis in self.axes]
        lines = [csv_line(["sample", "replicate", "seed", "run_id", *names])]
        for i, r, spec in self.runs:
            values = [json.dumps(v) if isinstance(v, list) else v for v in self.samples[i].values()]
            lines.append(csv_line([i, r, spec.seed, spec.run_id, *values]))
        return "".join(lines)

    def manifest(self) -> dict[str, Any]:
        """What the manifest records about the sweep."""
        sampler_seed, seeds = self.seeds
        return {
            "sweep": {
                "file": str(self.path) if self.path else None,
                "sha256": sha256_text(self.text),
                "text": self.text,
                "settings": self.settings.model_dump(mode="json", by_alias=True),
                "base_scenario_sha256": self.base.digest(),
                "sampler_seed": sampler_seed,
                "seeds": list(seeds),
                "samples": len(self.samples),
                "parameters": [axis.name for axis in self.axes],
            }
        }


def load_sweep(
    source: str | Path | Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> Sweep:
    """Read and check a sweep file.

    Args:
        source: Path of a TOML sweep file, or its content as a mapping.
        overrides: Top-level settings replaced before checking (``samples``, ``replicates``,
            ``years`` from the command line).
        fixed: More fixed parameters by dotted key (``--set`` on the command line).

    Raises:
        SweepError: One line naming the offending key.
    """
    if isinstance(source, Mapping):
        path, raw, text, where = None, dict(source), "", "sweep"
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except OSError as exc:
            raise SweepError(f"{path}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"{path}: not valid TOML: {exc}") from None
        where = str(path)
        raw.setdefault("name", path.stem)
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    raw.setdefault("name", "sweep")
    if "set" in raw:
        raw["set"] = _flatten(raw["set"], leaf=lambda v: not isinstance(v, dict))
    if isinstance(raw.get("parameters"), dict):
        raw["parameters"] = _flatten(raw["parameters"], leaf=_is_parameter)
    try:
        settings = SweepSettings.model_validate(raw)
    except ValidationError as exc:
        raise SweepError(f"{where}: {_describe(exc)}") from None

    def fail(message: str) -> SweepError:
        return SweepError(f"{where}: {message}")

    # Command-line --set joins the file's [set]: the manifest records what the runs used.
    settings = settings.model_copy(update={"fixed": {**settings.fixed, **dict(fixed or {})}})
    base = _base(settings, path, settings.fixed, fail)
    axes = tuple(
        _axis(settings, key, spec, base, fail) for key, spec in settings.parameters.items()
    )
    if settings.sampler != "grid" and settings.samples is None:
        raise fail(f"samples: the {settings.sampler} sampler needs a number of samples")
    if settings.years is not None:
        _check(
            base,
            {"simulation.end_year": base.simulation.start_year + settings.years},
            "years",
            fail,
        )
    for name in settings.indicators or ():
        if name not in KEPT_BY_DEFAULT:
            hint = difflib.get_close_matches(name, KEPT_BY_DEFAULT, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise fail(f"indicators: unknown indicator '{name}'{suggestion}")
    return Sweep(path, text, settings, base, axes)


def _is_parameter(value: Any) -> bool:
    return not isinstance(value, dict) or bool(set(value) & (RANGE_KEYS | {"values"}))


def _flatten(table: Any, leaf: Any, prefix: str = "") -> Any:
    """``{"policy": {"efficiency": x}}`` (TOML's dotted keys) as ``{"policy.efficiency": x}``."""
    if not isinstance(table, dict):
        return table
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{normalise_key(key)}"
        if leaf(value):
            flat[dotted] = value
        else:
            flat.update(_flatten(value, leaf, f"{dotted}."))
    return flat


def _describe(exc: ValidationError) -> str:
    """A pydantic error about a sweep file as one line naming the key."""
    error = exc.errors(include_url=False)[0]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        known = [f.alias or name for name, f in SweepSettings.model_fields.items()]
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{key}' (known: {', '.join(known)}){suggestion}"
    if error["type"] == "missing":
        return f"missing key '{key}'"
    value = error.get("input")
    shown = json.dumps(value) if not isinstance(value, dict) else "{...}"
    if error["type"] == "too_short" and key == "parameters":
        return "parameters: no parameters to vary"
    return f"{key} = {shown}: {error['msg']}"


def _base(settings: SweepSettings, path: Path | None, fixed: Mapping[str, Any], fail) -> Scenario:
    ref: str | Path = settings.scenario
    if path is not None and (settings.scenario.endswith(".toml") or "/" in settings.scenario):
        ref = path.parent / settings.scenario
    try:
        base = load_scenario(ref)
    except ScenarioError as exc:
        raise fail(f"scenario: {exc}") from None
    _check(base, fixed, "set", fail)
    return load_scenario(base, fixed)


def _check(base: Scenario, overrides: Mapping[str, Any], key: str, fail) -> None:
    try:
        load_scenario(base, overrides)
    except ScenarioError as exc:
        raise fail(f"{key}: {str(exc).removeprefix(f'{base.name}: ')}") from None


def _current(base: Scenario, key: str) -> Any:
    node: Any = base.to_dict()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _axis(settings: SweepSettings, key: str, spec: Any, base: Scenario, fail) -> Axis:
    where = f"parameters.{key}"
    current = _current(base, key)
    if current is None:
        _check(base, {key: None}, where, fail)  # raises the scenario's unknown-key message
    if not _is_parameter(spec) or (isinstance(spec, dict) and set(spec) - RANGE_KEYS - {"values"}):
        raise fail(f"{where}: give a list of values, or a range {{ low = ..., high = ... }}")
    if isinstance(spec, list) or (isinstance(spec, dict) and "values" in spec):
        values = spec if isinstance(spec, list) else spec["values"]
        if isinstance(spec, dict) and set(spec) != {"values"}:
            raise fail(f"{where}: give either values or a range, not both")
        if not isinstance(values, list) or not values:
            raise fail(f"{where}: no values (an empty list)")
        if settings.sampler != "grid":
            raise fail(
                f"{where}: the {settings.sampler} sampler needs a range "
                "{ low = ..., high = ... }, not a list of values"
            )
        for value in values:
            _check(base, {key: value}, where, fail)
        return Axis(key, values=tuple(values))
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise fail(f"{where}: a range needs a numeric parameter; list the values instead")
    if "low" not in spec or "high" not in spec:
        raise fail(f"{where}: a range needs both low and high")
    low, high, levels = spec["low"], spec["high"], spec.get("levels")
    for name, bound in (("low", low), ("high", high)):
        if (
            isinstance(bound, bool)
            or not isinstance(bound, int | float)
            or not math.isfinite(bound)
        ):
            raise fail(f"{where}.{name} = {json.dumps(bound)}: must be a number")
    if low == high:
        raise fail(f"{where}: empty range (low = high = {low}); fix the value under [set] instead")
    if low > high:
        raise fail(f"{where}: low = {low} is above high = {high}")
    integer = isinstance(current, int)
    if integer and not (float(low).is_integer() and float(high).is_integer()):
        raise fail(f"{where}: {key} is a whole number; low and high must be whole numbers")
    for bound in (low, high):
        _check(base, {key: int(bound) if integer else float(bound)}, where, fail)
    if levels is not None:
        if settings.sampler != "grid":
            raise fail(f"{where}.levels: only the grid sampler takes levels")
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
            raise fail(f"{where}.levels = {json.dumps(levels)}: must be a whole number >= 2")
    elif settings.sampler == "grid" and settings.samples is None:
        raise fail(f"{where}: give levels = n (or samples) to put a range on a grid")
    return Axis(key, low=float(low), high=float(high), levels=levels, integer=integer)
