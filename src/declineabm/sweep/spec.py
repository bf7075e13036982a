"""One run of a batch: a scenario, parameter overrides, a seed and a length, and its run id.

The run id derives only from what determines the result: every parameter of the resolved
scenario (base scenario plus overrides plus length) and the seed. Whoever computes a run, on
whichever machine or in whichever sweep, gets the same id and the same result, so finished runs
can be recognised when a sweep resumes and identical runs are computed once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from declineabm.scenario import Scenario, load_scenario, normalise_key

RUN_ID_LENGTH = 16
"""Hex digits of a run id (64 bits: no collision to fear below billions of runs)."""


def plain(value: Any) -> Any:
    """A parameter value as plain Python data (numpy scalars and arrays become builtins)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@functools.lru_cache(maxsize=64)
def _load_base(reference: str) -> Scenario:
    # Resolving a scenario by name or path reads TOML files; a batch refers to a handful of
    # scenarios thousands of times.
    return load_scenario(reference)


@dataclass(frozen=True)
class RunSpec:
    """What one run is: scenario, overrides, seed and number of years.

    Args:
        scenario: Scenario name in ``configs/``, path to a TOML file, or a resolved
            :class:`~declineabm.scenario.Scenario` (what workers receive, so they need no
            scenario files of their own).
        overrides: Parameter values by dotted key, applied on top of the scenario.
        seed: Seed of the run's random streams.
        years: Years to simulate from the start year; ``None`` keeps the scenario's end year.
    """

    scenario: str | os.PathLike[str] | Scenario = "baseline"
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    years: int | None = None

    def __post_init__(self) -> None:
        # Canonical form: dotted keys in sorted order, builtin values, an int seed, so that
        # equal runs compare (and hash to run ids) equal however they were written.
        overrides = {normalise_key(k): plain(v) for k, v in self.overrides.items()}
        object.__setattr__(self, "overrides", dict(sorted(overrides.items())))
        object.__setattr__(self, "seed", int(self.seed))
        if self.years is not None:
            object.__setattr__(self, "years", int(self.years))

    def base(self) -> Scenario:
        """The scenario before overrides."""
        if isinstance(self.scenario, Scenario):
            return self.scenario
        return _load_base(os.fspath(self.scenario))

    def resolve(self) -> Scenario:
        """The complete scenario of this run; raises ScenarioError if an override is invalid."""
        scenario = load_scenario(self.base(), self.overrides)
        if self.years is not None:
            scenario = load_scenario(
                scenario, {"simulation.end_year": scenario.simulation.start_year + self.years}
            )
        return scenario

    @cached_property
    def run_id(self) -> str:
        """The run's id: a hash of every resolved parameter and the seed."""
        return run_id(self.resolve(), self.seed)


def run_id(scenario: Scenario, seed: int) -> str:
    """Run id of a resolved scenario and a seed.

    The scenario's name and description do not count: the same parameters under another name
    are the same run.
    """
    parameters = scenario.to_dict()
    del parameters["name"], parameters["description"]
    # json writes floats as their shortest round-trip repr: the same text on every machine.
    canonical = json.dumps(
        {"parameters": parameters, "seed": int(seed)}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:RUN_ID_LENGTH]
