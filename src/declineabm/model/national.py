"""The national context: China's growth and the price of heavy-industry goods.

National output is the sum of the two regions' output: the Northeast's firms and farms, and the
rest of China (:mod:`declineabm.model.rest_of_china`). What is exogenous is its growth, the
National Bureau of Statistics' real GDP growth (data), and the world's commodity cycle:

* **The frontier.** Every worker's output is a *potential* (the sector's output per worker, the
  firm's efficiency, what the causes take away) times one national frontier of technology and
  capital deepening. Each year the frontier is set so that the two regions together grow as
  China did (:meth:`NationalEconomy.set_frontier`). The Northeast's share of national output is
  then its potential over the nation's: a result of who works where, in what, and how well, not
  of the growth path, which only scales both.
* **The price of heavy goods.** Mining and heavy-industry output sold at a relative price that
  rose in China's investment boom (2003-2011), fell with the overcapacity and the commodity
  slump after it (to 2016) and recovered with the capacity cuts of 2016-2018: the market demand
  a single heavy-industry structure could not adapt to (§2.2.1). The timing is the record of the
  cycle; the heights are parameters the calibration estimates.

These two paths, and the easing of the household registration that lets farm workers settle in
cities (:func:`declineabm.model.migration.settlement_openness`), are the context that remains
exogenous. The attribution
(:mod:`declineabm.analysis.attribution`) weighs it as a player beside the seven causes; switched
off (:func:`neutral_context`), China grows at its average rate of the simulated years in every
year (the same national output at the end, no boom and no slowdown) and heavy goods keep their
price of before the boom (no commodity cycle).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from declineabm.model.parameters import GrowthPath, Section, path_value

BOOM_START, BOOM_PEAK, SLUMP_TROUGH, RECOVERED = 2002, 2011, 2016, 2018
"""The commodity cycle's turning points (China's investment boom, the slump, the capacity cuts)."""

EARLY_YEARS = 10
"""Years after the start whose mean growth sets the start's capital-output ratio."""

PriceLevel = Annotated[float, Field(ge=0.2, le=5.0)]


class NationalSection(Section):
    """National growth (data) and the heavy-goods price cycle."""

    growth_path: GrowthPath = Field(description="Real growth of national output (NBS).")
    price_boom: PriceLevel = Field(
        description="Relative price of heavy-industry and mining output at the boom's peak "
        f"({BOOM_PEAK}; 1 = before {BOOM_START})."
    )
    price_slump: PriceLevel = Field(description=f"The same at the slump's trough ({SLUMP_TROUGH}).")
    price_after: PriceLevel = Field(description=f"The same once capacity was cut ({RECOVERED} on).")

    def heavy_price_path(self) -> list[tuple[int, float]]:
        """The price cycle as a time path."""
        return [
            (BOOM_START, 1.0),
            (BOOM_PEAK, self.price_boom),
            (SLUMP_TROUGH, self.price_slump),
            (RECOVERED, self.price_after),
        ]


CONTEXT_OFF = (
    "Switched off (the neutral context), China grows at its average rate of the simulated "
    "years in every year, heavy goods keep their price of before the boom and farm workers "
    "settle in cities from the start as freely as after the hukou reforms: no growth cycle, "
    "no commodity cycle, no easing of the household registration."
)


def mean_growth(params: NationalSection, years: range) -> float:
    """Yearly growth of the growth path over ``years``, compounded (0 for no years)."""
    log_growth = math.fsum(math.log1p(path_value(params.growth_path, y)) for y in years)
    return math.expm1(log_growth / max(len(years), 1))


def neutral_context(params: NationalSection, start_year: int, end_year: int) -> dict[str, Any]:
    """Overrides that switch the context off (see :data:`CONTEXT_OFF`).

    The constant growth rate compounds to the same national output in ``end_year`` as the
    growth path does, so only the path's timing and the price cycle are taken away; the
    household registration's easing (:func:`declineabm.model.migration.settlement_openness`),
    the third exogenous path, keeps its end state from the start.
    """
    average = mean_growth(params, range(start_year + 1, end_year + 1))
    return {
        "national.growth_path": [[start_year, average]],
        "national.price_boom": 1.0,
        "national.price_slump": 1.0,
        "national.price_after": 1.0,
        "migration.hukou_openness": 1.0,
    }


class NationalEconomy:
    """National output year by year, and the frontier that makes the regions add up to it.

    Args:
        params: The scenario's national section.
        start_year: First simulated year.
        end_year: Last simulated year.
    """

    def __init__(self, params: NationalSection, start_year: int, end_year: int) -> None:
        self.params = params
        self.start_year = start_year
        years = np.arange(start_year, end_year + 1)
        growth = np.array([path_value(params.growth_path, y) for y in years[1:]])
        # index[i] = national output in year start_year + i relative to the start year
        self._output_index = np.r_[1.0, np.cumprod(1.0 + growth)]
        self._heavy_price = params.heavy_price_path()
        self._base_output = 0.0

    def _index(self, year: int) -> float:
        i = min(max(year - self.start_year, 0), len(self._output_index) - 1)
        return float(self._output_index[i])

    def early_growth(self) -> float:
        """Mean yearly growth of national output in the decade after the start (compounded).

        The growth the economy of the start year was on: it sets the start's capital-output
        ratio (:mod:`declineabm.model.capital`). Read from the growth path, not from the
        simulated years, so that a run to an earlier end year starts from the same region.
        """
        return mean_growth(
            self.params, range(self.start_year + 1, self.start_year + EARLY_YEARS + 1)
        )

    def output(self, year: int) -> float:
        """National output in ``year`` (million yuan at start-year prices)."""
        return self._base_output * self._index(year)

    def set_frontier(self, year: int, potential: float) -> float:
        """The frontier that turns the nation's ``potential`` output into its real output.

        The start year anchors national output: the frontier is 1 then.

        Args:
            year: The year.
            potential: Both regions' output at a frontier of 1 (million yuan).
        """
        if year == self.start_year or self._base_output == 0.0:
            self._base_output = potential / self._index(year)
        return self.output(year) / potential if potential > 0 else 1.0

    def heavy_price(self, year: int) -> float:
        """Price of heavy-industry and mining output relative to other goods in ``year``."""
        return path_value(self._heavy_price, year)
