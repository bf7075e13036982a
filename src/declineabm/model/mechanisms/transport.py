"""Cause 3 (abstract; §2.2.2): remote location, weak transport, rising transport costs.

"There are no long-distance waterways in the northern region. Overland transportation costs
are high. Therefore, the economic center began to migrate to the southeast coast." Firms that
ship goods pay a cost that grows with their distance to the port, their freight intensity and a
national transport-cost index that rises as trade moves through seaports (WTO accession, 2001).
Good infrastructure lowers the cost; new tradable firms avoid remote cells.

Switched off, location is free: no transport cost, no remoteness penalty on entry.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import IndexPath, NonNegative, Rate, Section, path_value


class TransportSection(Section):
    """Cause 3, §2.2.2: remote location, no long waterways, rising overland transport costs."""

    enabled: bool = Field(description="Switch the cause on or off.")
    cost_per_1000km: NonNegative = Field(
        description="Transport cost as a share of output per 1000 km for freight intensity 1."
    )
    cost_index_path: IndexPath = Field(
        description="Transport cost index (1 = start); rises as trade moves to seaports."
    )
    infrastructure_discount: Rate = Field(
        description="Transport cost saved where infrastructure quality is 1."
    )
    entry_sensitivity: NonNegative = Field(
        description="How strongly new tradable firms avoid remote cells."
    )


class TransportCosts(Mechanism):
    """Distance-dependent shipping costs (see the module docstring)."""

    section = "transport"
    switched_off = (
        "Switched off, location is free: no transport cost, no remoteness penalty on entry."
    )

    def index(self) -> float:
        """This year's national transport-cost index."""
        return path_value(self.params.cost_index_path, self.model.year)

    def cost_share(self, cells: np.ndarray, freight: np.ndarray) -> np.ndarray:
        """Transport cost as a share of output for goods of ``freight`` shipped from ``cells``."""
        if not self.enabled:
            return np.zeros(len(cells))
        geo = self.model.geography
        distance = geo.layer("market_distance")[cells] / 1000.0
        discount = 1.0 - self.params.infrastructure_discount * geo.layer("infrastructure")[cells]
        return self.params.cost_per_1000km * self.index() * freight * distance * discount

    def entry_weight(self, freight: float) -> np.ndarray:
        """Relative attraction of every cell to a new firm of the given freight intensity."""
        geo = self.model.geography
        cells = np.arange(geo.size)
        share = self.cost_share(cells, np.full(geo.size, freight))
        return np.exp(-self.params.entry_sensitivity * share)
