"""Cause 3 (abstract; §2.2.2): remote location, weak transport, rising transport costs.

"Especially after China's accession to the WTO, a large number of raw materials and energy need
to be shipped to China through seaports. There are no long-distance waterways in the northern
region. Overland transportation costs are high. Therefore, the economic center began to
migrate to the southeast coast." Firms that ship goods pay, on top of what an ordinary Chinese
firm pays, a cost that grows with how much farther overland they are from a seaport than the
nation's output is on average (``national_distance_km``), their freight intensity and a freight
index: low under the planned freight rates of 1990 (``index_1990``), liberalised to 1 by WTO
accession (2001), rising after it (``index_growth`` a year) as trade moved to the seaports. Good
infrastructure lowers the cost; new tradable firms avoid remote cells. A port city can ship
cheaper than the average (a negative excess). Remoteness also keeps migrants away: the
region's cities draw fewer of the farm workers the rest of China sends to its cities
(``farm_distance``).

What switching the cause off means is a choice (``off_means``), because remoteness is a
fact and only the freight costs of it are the cause: ``no_cost`` (default), the region ships
at the nation's average cost, with no excess and no remoteness penalty on entry, and as near the
nation's farm workers as its average city; ``frozen_1990``,
the region stays as remote, but the freight index stays at its 1990 level under planned
rates (``index_1990``): no liberalisation and no rise after WTO accession.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import Rate, Section

LIBERALISED = 2001  # WTO accession: freight rates and trade at market prices (index = 1)


class TransportSection(Section):
    """Cause 3, §2.2.2: remote location, no long waterways, rising overland transport costs."""

    enabled: bool = Field(description="Switch the cause on or off.")
    off_means: Literal["no_cost", "frozen_1990"] = Field(
        default="no_cost",
        description="What switching the cause off means: 'no_cost', the nation's average "
        "transport cost (no excess, no remoteness penalty); 'frozen_1990', the region's "
        "excess at the freight index of 1990 in every year.",
    )
    cost_per_1000km: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="Transport cost as a share of output per 1000 km overland, for freight "
        f"intensity 1, at the index of {LIBERALISED}."
    )
    national_distance_km: Annotated[float, Field(ge=0.0, le=5000.0)] = Field(
        description="Overland distance to a seaport of the nation's average output (an "
        "ordinary region pays no excess)."
    )
    index_1990: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description=f"Freight index in 1990 under planned rates (1 = {LIBERALISED})."
    )
    index_growth: Annotated[float, Field(ge=-0.1, le=0.2)] = Field(
        description=f"Yearly rise of the freight index after {LIBERALISED}."
    )
    infrastructure_discount: Rate = Field(
        description="Transport cost saved where infrastructure quality is 1."
    )
    entry_sensitivity: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="How strongly new tradable firms avoid remote cells."
    )
    farm_distance: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Moves from the rest of China's farms to the region's cities relative to "
        "its other far cities (1: the region is as far from the nation's surplus farm labour "
        "as the rest of China's cities are on average; switched off 'no_cost': 1)."
    )


class TransportCosts(Mechanism[TransportSection]):
    """Distance-dependent shipping costs (see the module docstring)."""

    section = "transport"
    switched_off = (
        "Switched off ('no_cost', the default), the region ships at the nation's average "
        "cost: no excess transport cost, no remoteness penalty on entry, and it lies as near "
        "the nation's surplus farm labour as its average city. 'frozen_1990' keeps the "
        "remoteness, and its excess cost at the freight index of 1990 in every year."
    )

    def index(self) -> float:
        """This year's freight index (1 at WTO accession)."""
        p, year = self.params, self.model.year
        if not self.enabled and p.off_means == "frozen_1990":
            return p.index_1990
        if year <= LIBERALISED:
            start = self.model.config.simulation.start_year
            span = max(LIBERALISED - start, 1)
            done = min(max(year - start, 0), span) / span
            return p.index_1990 + (1.0 - p.index_1990) * done
        return max(0.0, 1.0 + p.index_growth * (year - LIBERALISED))

    def cost_share(self, cells: np.ndarray, freight: np.ndarray) -> np.ndarray:
        """Excess transport cost as a share of output, goods of ``freight`` from ``cells``."""
        p = self.params
        if not self.enabled and p.off_means == "no_cost":
            return np.zeros(len(cells))
        geo = self.model.geography
        excess = (geo.layer("market_distance")[cells] - p.national_distance_km) / 1000.0
        discount = 1.0 - p.infrastructure_discount * geo.layer("infrastructure")[cells]
        return p.cost_per_1000km * self.index() * freight * excess * discount

    def farm_distance(self) -> float:
        """The rest of China's farm workers' moves to the region's cities, relative to others.

        The Northeast lies at the country's edge, farther from where the nation's surplus farm
        labour lives than the rest of China's cities are on average (§2.2.2): its cities draw
        fewer of the farm workers who leave for a city (:mod:`declineabm.model.migration`).
        """
        if not self.enabled and self.params.off_means == "no_cost":
            return 1.0
        return self.params.farm_distance

    def entry_weight(self, freight: float) -> np.ndarray:
        """Relative attraction of every cell to a new firm of the given freight intensity."""
        geo = self.model.geography
        cells = np.arange(geo.size)
        share = self.cost_share(cells, np.full(geo.size, freight))
        return np.exp(-self.params.entry_sensitivity * np.clip(share, -1.0, 1.0))
