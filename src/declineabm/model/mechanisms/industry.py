"""Cause 1 (abstract; §2.2.1): an old, single, state-owned heavy-industry structure.

"The single industrial structure is difficult to adapt to the market demand, resulting in the
decline of enterprise competitiveness." State-owned enterprises (SOEs) pay the city's wage norm
whatever their productivity and, until the reform reaches them, are protected by a soft budget
constraint (their losses are covered) and sell at plan prices. The reform reaches them one by
one over the reform years (China's SOE reform ran from the mid-1990s to the early 2000s, with
the mass layoffs of 1998-2003); from then on market prices value their output at their lower
efficiency, and they shed labour slowly, hold on longer before closing, and rarely adapt to
another sector.

Switched off, state-owned firms behave exactly like private ones.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import Rate, Section, Year


class IndustrySection(Section):
    """Cause 1, §2.2.1: a single, state-owned heavy-industry structure meets the market."""

    enabled: bool = Field(description="Switch the cause on or off.")
    reform_year: Year = Field(
        description="Year the market reform of state-owned firms begins: from then on, firms "
        "lose their protection (soft budget, plan prices) one by one."
    )
    reform_span: Annotated[int, Field(ge=0, le=50)] = Field(
        description="Years over which the reform reaches every state-owned firm."
    )
    soe_efficiency: Annotated[float, Field(gt=0.0, le=1.5)] = Field(
        description="Productivity of state-owned firms relative to private ones."
    )
    soe_wage_norm: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="State-owned firms pay at least this share of the city average wage."
    )
    soe_layoff_rate: Rate = Field(
        description="Share of workers a loss-making state-owned firm sheds per year after reform."
    )
    soe_closure_patience: Annotated[int, Field(ge=1, le=50)] = Field(
        description="Consecutive loss years after which a state-owned firm closes (after reform)."
    )
    adaptation_private: Rate = Field(
        description="Yearly chance that a failing private firm adapts to another sector."
    )
    adaptation_soe: Rate = Field(
        description="Yearly chance that a failing state-owned firm adapts to another sector."
    )


class IndustrialRigidity(Mechanism):
    """Rules that make state-owned heavy industry rigid (see the module docstring)."""

    section = "industry"
    switched_off = "Switched off, state-owned firms behave exactly like private ones."

    def _soe(self) -> np.ndarray:
        return self.model.firms.soe & self.enabled

    def _reformed(self) -> np.ndarray:
        # Each firm's place in the reform's order is drawn once (its rank); the dates follow
        # from this year's reform_year and reform_span, so changing them mid-run takes effect.
        span = self.params.reform_span
        reached = self.params.reform_year + np.floor(self.model.firms.reform_rank * (span + 1))
        return self.model.year >= reached

    def efficiency(self) -> np.ndarray:
        """Output factor of each firm: reformed SOEs lose ``1 - soe_efficiency``.

        Before the reform, plan prices value their output as if they were as productive as
        anyone, so the start year is the same whether this cause is on or off.
        """
        exposed = self._soe() & self._reformed()
        return np.where(exposed, self.params.soe_efficiency, 1.0)

    def wage_norm(self, average_wage: float) -> np.ndarray:
        """Minimum wage each firm pays: SOEs keep the city's wage norm."""
        return np.where(self._soe(), self.params.soe_wage_norm * average_wage, 0.0)

    def protected(self) -> np.ndarray:
        """Firms whose losses are covered this year (SOEs before the market reform)."""
        return self._soe() & ~self._reformed()

    def layoff_rate(self) -> np.ndarray:
        """Share of workers each loss-making firm sheds this year."""
        private = self.model.config.economy.layoff_rate
        soe_rate = np.where(self._reformed(), self.params.soe_layoff_rate, 0.0)
        return np.where(self._soe(), soe_rate, private)

    def closure_patience(self) -> np.ndarray:
        """Consecutive loss years after which each firm closes."""
        private = self.model.config.economy.closure_patience
        return np.where(self._soe(), self.params.soe_closure_patience, private)

    def adaptation_rate(self) -> np.ndarray:
        """Yearly chance that each failing firm turns to another sector."""
        return np.where(self._soe(), self.params.adaptation_soe, self.params.adaptation_private)
