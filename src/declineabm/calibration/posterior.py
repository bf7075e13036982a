"""A posterior file: weighted parameter sets that runs draw from, as well as a seed.

``declineabm calibrate`` writes ``posterior.json``: the last ABC-SMC generation's particles,
each with its weight, its calibrated numbers and the scenario overrides they stand for (time
paths written out in full, so the file does not depend on the scenario's own values). ``run``,
``validate``, ``attribute``, ``policy`` and ``sweep`` take it with ``--posterior FILE``: each
replicate then draws a particle by weight, from a stream derived from its model seed, so that
intervals over replicates cover parameter uncertainty as well as chance, and every arm of a
paired experiment (same seed) gets the same particle.

:func:`replicate` is the one definition of "the i-th replicate of an experiment": its overrides
and its model seed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from declineabm.calibration.spec import CalibrationError

KIND = "declineabm posterior"
DRAW_STREAM = 0xCA11B
"""Mixed into a model seed to pick the replicate's particle (independent of the model's own
streams, which the seed alone seeds)."""


@dataclass(frozen=True)
class Draw:
    """One particle of the posterior."""

    weight: float
    values: Mapping[str, float]
    overrides: Mapping[str, Any]


@dataclass(frozen=True)
class Posterior:
    """A posterior file, read and checked.

    Attributes:
        path: Where it was read from.
        scenario: The scenario it was calibrated for.
        draws: The weighted particles (weights sum to 1).
        document: The whole file (calibration, observation model, diagnostics).
    """

    path: Path
    scenario: str
    draws: tuple[Draw, ...]
    document: Mapping[str, Any]

    def draw_for(self, seed: int) -> Draw:
        """The particle a run with model seed ``seed`` uses."""
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), DRAW_STREAM]))
        weights = np.array([d.weight for d in self.draws])
        return self.draws[int(rng.choice(len(self.draws), p=weights / weights.sum()))]

    def overrides_for(self, seed: int) -> dict[str, Any]:
        """Scenario overrides of the particle a run with model seed ``seed`` uses."""
        return dict(self.draw_for(seed).overrides)


def replicate_seed(seed: int, index: int) -> int:
    """Model seed of the ``index``-th replicate derived from ``seed`` (numpy SeedSequence).

    The same as :func:`declineabm.analysis.arms.replicate_seeds` ``(seed, n)[index]`` for any
    ``n > index``.
    """
    child = np.random.SeedSequence(int(seed), spawn_key=(int(index),))
    return int(child.generate_state(1)[0])


def replicate(posterior: Posterior | None, seed: int, index: int) -> tuple[dict[str, Any], int]:
    """The ``index``-th replicate of an experiment seeded with ``seed``: overrides and seed.

    Without a posterior the overrides are empty (the scenario's own parameters).
    """
    model_seed = replicate_seed(seed, index)
    overrides = posterior.overrides_for(model_seed) if posterior is not None else {}
    return overrides, model_seed


def load_posterior(path: str | os.PathLike[str]) -> Posterior:
    """Read a posterior file; one-line errors name what is wrong."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationError(f"--posterior {path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CalibrationError(f"--posterior {path}: not a JSON posterior file") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise CalibrationError(
            f"--posterior {path}: not a posterior file (declineabm calibrate writes posterior.json)"
        )
    raw_draws = document.get("draws")
    if not isinstance(raw_draws, list) or not raw_draws:
        raise CalibrationError(f"--posterior {path}: holds no draws")
    draws = []
    for number, raw in enumerate(raw_draws, 1):
        try:
            weight = float(raw["weight"])
            values = {str(k): float(v) for k, v in raw["values"].items()}
            overrides = dict(raw["overrides"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise CalibrationError(
                f"--posterior {path}: draw {number} needs weight, values and overrides"
            ) from None
        if not (math.isfinite(weight) and weight >= 0):
            raise CalibrationError(f"--posterior {path}: draw {number} has weight {weight}")
        draws.append(Draw(weight, values, overrides))
    total = sum(d.weight for d in draws)
    if total <= 0:
        raise CalibrationError(f"--posterior {path}: the draws' weights sum to 0")
    draws = [Draw(d.weight / total, d.values, d.overrides) for d in draws]
    return Posterior(path, str(document.get("scenario", "")), tuple(draws), document)


def posterior_document(
    scenario: str,
    names: Sequence[str],
    weights: Sequence[float],
    values: Sequence[Mapping[str, float]],
    overrides: Sequence[Mapping[str, Any]],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The content of ``posterior.json``."""
    return {
        "kind": KIND,
        "scenario": scenario,
        "names": list(names),
        **dict(extra),
        "draws": [
            {"weight": float(w), "values": dict(v), "overrides": dict(o)}
            for w, v, o in zip(weights, values, overrides, strict=True)
        ],
    }
