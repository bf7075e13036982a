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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from declineabm.io.files import csv_line
from declineabm.io.provenance import sha256_text
from declineabm.scenario import NAME_PATTERN, Scenario, ScenarioError, load_scenario, normalise_key
from declineabm.scenario.loading import read_toml_file
from declineabm.scenario.messages import shown
from declineabm.sweep.errors import SweepError
from declineabm.sweep.execute import KEPT_BY_DEFAULT
from declineabm.sweep.samplers import Axis, design
from declineabm.sweep.spec import RunSpec

RANGE_KEYS = frozenset({"low", "high", "levels"})
SpecCount = Annotated[int, Field(ge=1)]


class SweepSettings(BaseModel):
    """The validated content of a sweep file (parameters still raw)."""

    # Strict: samples = true is not 1 sample (the parameters' values are checked by the schema).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    name: str = Field(
        description="Name of the sweep (default: the file name); it names the default folder.",
        pattern=NAME_PATTERN,
        max_length=80,
    )
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
    indicators: list[str] | None = Field(
        None, min_length=1, description="Indicators to keep (default: all)."
    )
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
    def design(self) -> list[tuple[int, int, RunSpec]]:
        """(sample, replicate, run) for every run of the design, sample by sample."""
        years = self.settings.years
        return [
            (i, r, RunSpec(self.base, values, seed=seed, years=years))
            for i, values in enumerate(self.samples)
            for r, seed in enumerate(self.seeds[1])
        ]

    @property
    def runs(self) -> list[RunSpec]:
        """Every run of the design, sample by sample: what :func:`~.execute` takes."""
        return [spec for _, _, spec in self.design]

    def design_csv(self) -> str:
        """``design.csv``: which run each (sample, replicate) is, with its values."""
        names = [axis.name for axis in self.axes]
        lines = [csv_line(["sample", "replicate", "seed", "run_id", *names])]
        for i, r, spec in self.design:
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


Fail = Callable[[str], SweepError]
"""Makes the one-line error of a bad sweep file from its message (the file's name in front)."""


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
        raw = read_toml_file(path, SweepError)
        text = path.read_text(encoding="utf-8")
        where = str(path)
        raw.setdefault("name", path.stem)
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    raw.setdefault("name", "sweep")

    def fail(message: str) -> SweepError:
        return SweepError(f"{where}: {message}")

    if isinstance(raw.get("set"), dict):
        raw["set"] = _flatten(raw["set"], lambda v: not isinstance(v, dict), fail, "set.")
    if isinstance(raw.get("parameters"), dict):
        raw["parameters"] = _flatten(raw["parameters"], _is_parameter, fail, "parameters.")
    try:
        settings = SweepSettings.model_validate(raw)
    except ValidationError as exc:
        raise SweepError(f"{where}: {_describe(exc)}") from None

    # A parameter is either fixed or varied: a value for a varied one would be silently ignored.
    for key in settings.parameters:
        if key in settings.fixed:
            raise fail(f"set.{key}: also varied under [parameters]; keep one of the two")
        if key in {normalise_key(k) for k in fixed or {}}:
            raise fail(f"--set {key}: the sweep varies {key} (under [parameters])")
    indicators = settings.indicators or []
    repeated = [n for n in indicators if indicators.count(n) > 1]
    if repeated:
        raise fail(f"indicators: '{repeated[0]}' is listed twice")
    _check_size(settings, fail)
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


def _flatten(
    table: dict[str, Any], leaf: Callable[[Any], bool], fail: Fail, where: str, prefix: str = ""
) -> dict[str, Any]:
    """``{"policy": {"efficiency": x}}`` (TOML's dotted keys) as ``{"policy.efficiency": x}``.

    Two spellings of one key (``policy__efficiency`` beside ``[parameters.policy]``) are refused.
    """
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{normalise_key(key)}"
        children = (
            {dotted: value} if leaf(value) else _flatten(value, leaf, fail, where, f"{dotted}.")
        )
        for name, child in children.items():
            if name in flat:
                raise fail(f"{where}{name}: given twice (in two spellings); keep one")
            flat[name] = child
    return flat


MAX_PLAN_BYTES_PER_RUN = 20_000
"""Memory one run of a sweep takes while it is planned (its resolved scenario, its spec, its
row of the design and of the tables), measured with tracemalloc: about 12 KB, with margin."""


def design_points(settings: SweepSettings, axes: int) -> int:
    """Points of the design, from the settings alone (grid: an upper bound)."""
    samples = settings.samples or 0
    if settings.sampler == "sobol":
        return samples * (axes + 2)
    if settings.sampler == "morris":
        return samples * (axes + 1)
    if settings.sampler == "lhs":
        return samples
    levels = [
        len(spec)
        if isinstance(spec, list)
        else (spec.get("levels") or samples)
        if isinstance(spec, dict) and "low" in spec
        else len(spec.get("values", []))
        if isinstance(spec, dict)
        else 1
        for spec in settings.parameters.values()
    ]
    return math.prod(max(int(n), 1) for n in levels)


def _check_size(settings: SweepSettings, fail: Fail) -> None:
    """Refuse a sweep whose plan cannot fit in this machine's memory, before it is sampled."""
    from declineabm.io.memory import available_memory, gib

    runs = design_points(settings, len(settings.parameters)) * settings.replicates
    needed = runs * MAX_PLAN_BYTES_PER_RUN
    available = available_memory()
    if needed > available:
        cause = (
            "samples"
            if settings.samples and settings.samples > settings.replicates
            else "replicates"
        )
        value = getattr(settings, cause)
        raise fail(
            f"{cause} = {value}: the sweep has {runs:,} runs; planning them needs about "
            f"{gib(needed)} of memory, more than the {gib(available)} available"
        )


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
    text = shown(value) if not isinstance(value, dict) else "{...}"
    if error["type"] == "too_short" and key == "parameters":
        return "parameters: no parameters to vary"
    if error["type"] == "too_short" and key == "indicators":
        return "indicators: an empty list keeps nothing; leave the key out to keep all"
    return f"{key} = {text}: {error['msg']}"


def _base(
    settings: SweepSettings, path: Path | None, fixed: Mapping[str, Any], fail: Fail
) -> Scenario:
    ref: str | Path = settings.scenario
    if path is not None and (settings.scenario.endswith(".toml") or "/" in settings.scenario):
        ref = path.parent / settings.scenario
    try:
        base = load_scenario(ref)
    except ScenarioError as exc:
        raise fail(f"scenario: {exc}") from None
    _check(base, fixed, "set", fail)
    return load_scenario(base, fixed)


def _check(base: Scenario, overrides: Mapping[str, Any], key: str, fail: Fail) -> None:
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


def _axis(settings: SweepSettings, key: str, spec: Any, base: Scenario, fail: Fail) -> Axis:
    where = f"parameters.{key}"
    current = _current(base, key)
    if current is None:
        _check(base, {key: None}, where, fail)  # raises the scenario's unknown-key message
    if not isinstance(spec, list | dict) or (
        isinstance(spec, dict) and set(spec) - RANGE_KEYS - {"values"}
    ):
        raise fail(
            f"{where} = {shown(spec)}: give a list of values, or a range "
            "{ low = ..., high = ... } (a single value goes under [set])"
        )
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
