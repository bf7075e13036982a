"""Experimental designs: which parameter values each sample of a sweep runs.

Four samplers, none hand-made: a full grid (``itertools.product``), a Latin hypercube
(``scipy.stats.qmc``), Saltelli's scheme for Sobol' indices and Morris trajectories (SALib).
The same sampler seed gives the same design on every machine.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLERS = ("grid", "lhs", "sobol", "morris")


@dataclass(frozen=True)
class Axis:
    """One varied parameter: a list of values, or a range [low, high].

    Attributes:
        name: Dotted key of the parameter.
        values: The values (a grid over listed values), or None for a range.
        low: Lower bound of a range.
        high: Upper bound of a range.
        levels: Points of a range on a grid (evenly spaced, bounds included).
        integer: The parameter takes whole numbers (sampled values are rounded).
    """

    name: str
    values: tuple[Any, ...] | None = None
    low: float = 0.0
    high: float = 0.0
    levels: int | None = None
    integer: bool = False

    def grid(self, default_levels: int) -> list[Any]:
        """The values this axis takes on a grid."""
        if self.values is not None:
            return list(self.values)
        points = np.linspace(self.low, self.high, self.levels or default_levels)
        return list(dict.fromkeys(_typed(points, self.integer)))  # rounding may repeat ints


def _typed(column: np.ndarray, integer: bool) -> list[Any]:
    return [int(v) for v in np.rint(column)] if integer else [float(v) for v in column]


def problem(axes: Sequence[Axis]) -> dict[str, Any]:
    """The SALib problem definition of ranged axes."""
    return {
        "num_vars": len(axes),
        "names": [axis.name for axis in axes],
        "bounds": [[axis.low, axis.high] for axis in axes],
    }


def design(
    sampler: str,
    axes: Sequence[Axis],
    samples: int,
    seed: int,
    morris_levels: int = 4,
) -> list[dict[str, Any]]:
    """The parameter values of every sample, in the sampler's order.

    Args:
        sampler: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        axes: The varied parameters (all ranges, except for ``grid``).
        samples: For ``grid``, the levels of ranges that give none; for ``lhs`` the number of
            points; for ``sobol`` the base sample N (N x (parameters + 2) points, first- and
            total-order indices); for ``morris`` the number of trajectories
            (N x (parameters + 1) points).
        seed: Sampler seed.
        morris_levels: Grid levels of the Morris method.

    Returns:
        One mapping (parameter -> value) per sample.
    """
    names = [axis.name for axis in axes]
    if sampler == "grid":
        points = itertools.product(*(axis.grid(samples) for axis in axes))
        return [dict(zip(names, point, strict=True)) for point in points]
    if sampler == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(axes), rng=np.random.default_rng(seed)).random(samples)
        matrix = qmc.scale(unit, [a.low for a in axes], [a.high for a in axes])
    elif sampler == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            # SALib warns when N is not a power of two; the sweep command says so in one line.
            warnings.simplefilter("ignore", UserWarning)
            matrix = sobol.sample(problem(axes), samples, calc_second_order=False, seed=seed)
    elif sampler == "morris":
        from SALib.sample import morris

        matrix = morris.sample(problem(axes), samples, num_levels=morris_levels, seed=seed)
    else:
        raise ValueError(f"unknown sampler '{sampler}'")
    columns = [_typed(matrix[:, j], axis.integer) for j, axis in enumerate(axes)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
