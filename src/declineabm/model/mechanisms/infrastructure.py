"""Cause 4 (abstract): lack of infrastructure.

Infrastructure (roads, utilities, public buildings) decays every year unless the government
maintains it; built for the city at its peak, it becomes a burden as the tax base shrinks and
pensions absorb the budget. Poor infrastructure lowers firms' output per worker and residents'
amenity (§2.3: "infrastructure degradation").

What switching the cause off means is a choice (``off_means``): ``frozen`` (default),
infrastructure keeps its initial quality, neither decay nor the budget moves it; ``no_decay``,
it does not decay, but the budget still invests in it (quality can rise to 1), so only the
lack of upkeep is taken away.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import Rate, Section


class InfrastructureSection(Section):
    """Cause 4: lack of infrastructure."""

    enabled: bool = Field(description="Switch the cause on or off.")
    off_means: Literal["frozen", "no_decay"] = Field(
        default="frozen",
        description="What switching the cause off means: 'frozen', quality keeps its initial "
        "value; 'no_decay', quality does not decay but the budget still invests in it.",
    )
    decay_rate: Rate = Field(description="Yearly decay of infrastructure quality.")
    unit_cost: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="Cost of one unit of quality for one housing unit, in years of the "
        "average wage."
    )
    productivity_weight: Rate = Field(
        description="Output per worker lost where infrastructure quality is 0."
    )
    amenity_weight: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Weight of infrastructure in residents' amenity."
    )


class InfrastructureDecay(Mechanism[InfrastructureSection]):
    """Decay and renewal of infrastructure quality (see the module docstring)."""

    section = "infrastructure"
    switched_off = (
        "Switched off ('frozen', the default), infrastructure keeps its initial quality: "
        "neither decay nor the budget moves it. 'no_decay': it does not decay, but the budget "
        "still invests in it."
    )

    def productivity_factor(self, cells: np.ndarray) -> np.ndarray:
        """Output-per-worker factor of firms in ``cells``, relative to a city's at the start.

        Infrastructure of the quality a city had in the start year (the nation's standard,
        which the rest of China keeps) gives 1; worse quality loses ``productivity_weight``
        per unit, better gains as much.
        """
        quality = self.model.geography.layer("infrastructure")[cells]
        standard = self.model.config.geography.infrastructure_city
        return 1.0 - self.params.productivity_weight * (standard - quality)

    def unit_price(self) -> float:
        """Cost of one unit of quality for one housing unit this year (builders earn wages)."""
        return self.params.unit_cost * self.model.labour_market.average_wage

    def renew(self, spending: float) -> None:
        """Decay, then invest ``spending`` where people live (see ``off_means`` when off)."""
        if not self.enabled and self.params.off_means == "frozen":
            return
        geo = self.model.geography
        quality = geo.layer("infrastructure")
        if self.enabled:
            quality *= 1.0 - self.params.decay_rate
        occupancy = geo.layer("occupancy").astype(np.float64)
        housing = geo.layer("housing").astype(np.float64)
        if spending > 0 and occupancy.sum() > 0:
            per_cell = spending * occupancy / occupancy.sum()
            gain = np.divide(
                per_cell,
                self.unit_price() * housing,
                out=np.zeros_like(per_cell),
                where=housing > 0,
            )
            np.minimum(quality + gain, 1.0, out=quality)
