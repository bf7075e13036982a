"""The exogenous national economy: what the city's share of output is measured against.

The nation grows along a configured path (fast after reform and opening, slower later). National
output per worker, less the gains of structural change (farm workers moving into industry, which
the early-industrialized Northeast had long finished, §1), is the technology every sector of the
city can use (each sector with its own gap: sunset industries fall behind) and drives the outside
wage, what a migrant earns in the cities of the growing south and east. The paper's headline
figure, the Northeast's share of national GDP (11.4 % in 2002, 4.8 % in 2022, §2.2.5), becomes
``output_share = city output / national output``. The nation also sets the price of heavy-industry
and mining output relative to other goods: it rose in China's investment boom of 2003-2011 and
fell with the overcapacity after it, the market demand a single heavy-industry structure could
not adapt to (§2.2.1).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.parameters import (
    GrowthPath,
    NonNegative,
    Positive,
    PricePath,
    Section,
    path_value,
)


class NationalSection(Section):
    """The exogenous national economy (the growing south) the city is compared with."""

    initial_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="The city's share of national output in the start year."
    )
    growth_path: GrowthPath = Field(description="Real growth of national output.")
    labour_force_growth: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        description="Growth of the national labour force: national output per worker (which "
        "sets outside wages and every sector's technology) grows this much slower than output."
    )
    heavy_price_path: PricePath = Field(
        description="Price of heavy-industry and mining output relative to other goods "
        "(1 = start year): China's investment boom, then overcapacity."
    )
    structural_change_gain: Annotated[float, Field(ge=0.0, le=0.2)] = Field(
        description="Part of national growth in output per worker that comes from farm workers "
        "moving into industry and services; a city that industrialized early (§1) misses it."
    )
    outside_wage: Positive = Field(
        description="Wage outside the region relative to the city's average wage, at the start."
    )
    outside_skill_premium: NonNegative = Field(
        description="Extra outside wage per unit of skill (the south pays for skills)."
    )


class NationalEconomy:
    """National output and the outside wage, year by year.

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
        self._productivity_index = np.r_[1.0, np.cumprod(1.0 + growth - params.labour_force_growth)]
        # The city's firms share the nation's technical progress, but not the gains of moving
        # farm workers into industry: the Northeast had done that decades earlier.
        self._technology_index = (
            self._productivity_index
            / np.r_[1.0, np.cumprod(np.full(len(growth), 1.0 + params.structural_change_gain))]
        )
        self._base_output = 1.0
        self._base_wage = 1.0

    def calibrate(self, city_output: float, city_wage: float) -> None:
        """Anchor the nation to the city's start-year output and wage.

        National output at the start is ``city_output / initial_share``; the outside wage is
        ``outside_wage`` times the city's average wage.
        """
        self._base_output = city_output / self.params.initial_share
        self._base_wage = city_wage * self.params.outside_wage

    def _index(self, series: np.ndarray, year: int) -> float:
        return float(series[min(max(year - self.start_year, 0), len(series) - 1)])

    def output(self, year: int) -> float:
        """National output in ``year`` (same units as the city's output)."""
        return self._base_output * self._index(self._output_index, year)

    def heavy_price(self, year: int) -> float:
        """Price of heavy-industry and mining output relative to other goods in ``year``."""
        return path_value(self.params.heavy_price_path, year)

    def technology(self, year: int) -> float:
        """Technology available to the city's firms in ``year`` relative to the start year."""
        return self._index(self._technology_index, year)

    def outside_wage(self, year: int) -> float:
        """Wage of an unskilled migrant outside the region in ``year``.

        Migrants compete in other cities' labour markets, whose wages rise with the same
        technical progress as the city's own (not with the gains of structural change).
        """
        return self._base_wage * self.technology(year)
