"""A pyabc sampler that evaluates proposals in fixed batches through the project's executor.

pyabc's own parallel samplers accept particles in the order simulations finish, so their
posterior depends on the number of workers and on timing. This sampler, pyabc's extension point
for parallel evaluation (:class:`pyabc.sampler.Sampler`), makes a generation depend on nothing
but the seed:

1. **Propose** a batch in the parent process: proposal ``i`` of generation ``t`` is drawn by
   pyabc's own ``simulate_one`` with numpy's global random state seeded from
   ``(seed, t, i)``; the model it calls records the parameters and stops
   (:class:`ReplayModel` raises :class:`Proposed`).
2. **Evaluate** the batch: the callback runs every proposal's simulation (through
   :func:`declineabm.sweep.execute`, on local processes or Dask, into a folder per batch that
   survives a crash) with a model seed also derived from ``(seed, t, i)``.
3. **Accept in index order**: ``simulate_one`` is replayed for each proposal with the same
   random state, so it proposes the same parameters, and the model now returns the stored
   summary statistics; pyabc computes the distance, acceptance and importance weight itself.
   The generation takes the first ``n`` accepted proposals by index, exactly what a single
   process evaluating them one by one would take.

The batch size is fixed by the calibration file, not by the number of workers, and a proposal
beyond the ``n``-th acceptance is evaluated (it was in the batch) but not used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyabc
from pyabc.sampler import Sampler

Evaluate = Callable[[int, int, Sequence[int], Sequence[Mapping[str, float]]], list[dict]]
"""``evaluate(t, batch, indices, parameters) -> summary statistics``, one dict a proposal."""

PROPOSAL_STREAM = 0
MODEL_STREAM = 1


def stream_seed(seed: int, t: int, index: int, stream: int) -> np.ndarray:
    """32-bit words seeding proposal ``index`` of generation ``t`` (numpy SeedSequence).

    ``t = -1`` is pyabc's calibration sample from the prior.
    """
    return np.random.SeedSequence(seed, spawn_key=(t + 1, index, stream)).generate_state(4)


def model_seed(seed: int, t: int, index: int) -> int:
    """The model seed of proposal ``index`` of generation ``t``."""
    return int(stream_seed(seed, t, index, MODEL_STREAM)[0])


def plain_parameters(parameters: Mapping[str, Any]) -> dict[str, float]:
    """A particle's parameters as floats (pyabc may hand over numpy arrays of one value)."""
    return {name: float(np.asarray(value).reshape(-1)[0]) for name, value in parameters.items()}


class Proposed(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :class:`ReplayModel` in the proposal pass to hand back the parameters."""

    def __init__(self, parameters: Mapping[str, float]) -> None:
        super().__init__("proposal recorded")
        self.parameters = plain_parameters(parameters)


class ReplayModel(pyabc.Model):
    """The model pyabc sees: records proposals, then returns simulated statistics in order."""

    def __init__(self, name: str = "declineabm") -> None:
        super().__init__(name)
        self.replaying: dict[str, float] | None = None

    def sample(self, pars: Any) -> dict[str, float]:  # noqa: D102 - pyabc's interface
        if self.replaying is None:
            raise Proposed(pars)
        return self.replaying


class BatchSampler(Sampler):
    """Deterministic batched sampling (see the module docstring).

    Args:
        model: The :class:`ReplayModel` given to pyabc's ``ABCSMC``.
        evaluate: Runs a batch of proposals and returns their summary statistics.
        seed: Seed every proposal's random state derives from.
        batch: Proposals evaluated together.
        report: Called after every batch with ``(t, accepted, n, evaluated)``.
    """

    def __init__(
        self,
        model: ReplayModel,
        evaluate: Evaluate,
        seed: int,
        batch: int,
        report: Callable[[int, int, int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.evaluate = evaluate
        self.seed = int(seed)
        self.batch = int(batch)
        self.report = report
        self.simulations_run = 0
        """Simulations evaluated, including those past a generation's last acceptance."""

    def _seeded(self, t: int, index: int) -> None:
        # pyabc draws from numpy's global state
        np.random.seed(stream_seed(self.seed, t, index, PROPOSAL_STREAM))  # noqa: NPY002

    def _propose(self, simulate_one: Callable, t: int, index: int) -> dict[str, float]:
        self._seeded(t, index)
        self.model.replaying = None
        try:
            simulate_one()
        except Proposed as proposal:
            return proposal.parameters
        raise RuntimeError("pyabc proposed no parameters (the model was not called)")

    def _replay(
        self,
        simulate_one: Callable,
        t: int,
        index: int,
        proposed: Mapping[str, float],
        statistics: dict[str, float],
    ) -> Any:
        self._seeded(t, index)
        self.model.replaying = statistics
        try:
            particle = simulate_one()
        finally:
            self.model.replaying = None
        if plain_parameters(particle.parameter) != dict(proposed):
            raise RuntimeError(
                f"generation {t}, proposal {index}: replay proposed other parameters "
                "(pyabc drew random numbers outside numpy's global state)"
            )
        return particle

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """Evaluate batches of proposals until ``n`` are accepted (in index order)."""
        sample = self._create_empty_sample()
        accepted = evaluated = 0
        start = 0
        batch_number = 0
        limit = math.inf if not np.isfinite(max_eval) else int(max_eval)
        state = np.random.get_state()  # noqa: NPY002
        try:
            while accepted < n and start < limit:
                indices = list(range(start, int(min(start + self.batch, limit))))
                proposals = [self._propose(simulate_one, t, i) for i in indices]
                statistics = self.evaluate(t, batch_number, indices, proposals)
                self.simulations_run += len(indices)
                for i, proposed, stats in zip(indices, proposals, statistics, strict=True):
                    particle = self._replay(simulate_one, t, i, proposed, stats)
                    sample.append(particle)
                    evaluated += 1
                    if particle.accepted:
                        accepted += 1
                        if accepted == n:
                            break
                if self.report is not None:
                    self.report(t, accepted, n, evaluated)
                start += self.batch
                batch_number += 1
        finally:
            np.random.set_state(state)  # noqa: NPY002 - leave the caller's global random state alone
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample
