"""Shared fixtures: small, fast versions of the shipped scenarios."""

from __future__ import annotations

import pytest

from declineabm import UrbanDeclineModel
from declineabm.commands.app import import_viz

import_viz()  # the app's page code (viz/), importable as declineabm_viz like `declineabm app` does

SMALL = {"model.residents": 3000, "model.width": 30, "model.height": 30}
"""Overrides that shrink a scenario to a city of 3,000 agents for fast tests."""


@pytest.fixture
def small() -> dict[str, object]:
    """Overrides for a small city (copy, so tests may add to it)."""
    return dict(SMALL)


def small_model(
    scenario: str = "northeast", seed: int = 1, **overrides: object
) -> UrbanDeclineModel:
    """A small model of a shipped scenario."""
    return UrbanDeclineModel(scenario, seed=seed, **{**SMALL, **overrides})
