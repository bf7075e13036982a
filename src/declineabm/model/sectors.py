"""The sectors of the economy: their names, their parameters, and the same as arrays.

The paper contrasts the old economy (mining and heavy industry, §1, §2.2.1) with the new one
(high technology and services, §2: "the transformation of the economic structure from heavy
industry economy to high technology industry and service industry"); light manufacturing sits
between. Every per-sector rule indexes arrays by :class:`Sector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import Field, model_validator

from declineabm.model.parameters import Rate, Section

if TYPE_CHECKING:
    from declineabm.scenario import Scenario


class Sector(IntEnum):
    """Industrial sectors of the model (index into per-sector arrays)."""

    RESOURCE = 0
    HEAVY = 1
    LIGHT = 2
    SERVICES = 3
    HIGHTECH = 4

    @property
    def key(self) -> str:
        """The sector's name in scenario files and indicator names."""
        return self.name.lower()


class SectorParams(Section):
    """Technology and structure of one sector."""

    productivity: Annotated[float, Field(gt=0.0, le=10_000.0)] = Field(
        description="Output per worker at the start year (thousand yuan, constant prices)."
    )
    tfp_gap: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        description="Growth of the sector's output per worker relative to the nation's "
        "(negative for sunset industries)."
    )
    firm_size: Annotated[float, Field(ge=1.0, le=1_000_000)] = Field(
        description="Mean firm size at creation, in persons."
    )
    soe_share: Rate = Field(description="Share of initial firms that are state-owned.")
    material_dependence: Rate = Field(
        description="Raw-material cost as a share of output at base prices."
    )
    freight_intensity: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Freight weight of output (scales transport costs)."
    )
    pollution_intensity: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Emissions per unit of output."
    )
    entry_rate: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        description="New firms a year, as a share of the firms the sector's labour pool could "
        "staff, when entrants expect the target margin."
    )


class SectorMix(Section):
    """Shares of urban jobs by sector (they sum to 1)."""

    resource: Rate
    heavy: Rate
    light: Rate
    services: Rate
    hightech: Rate

    @model_validator(mode="after")
    def _sums_to_one(self) -> SectorMix:
        total = self.resource + self.heavy + self.light + self.services + self.hightech
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the sector shares sum to {total:g}, not 1")
        return self

    def array(self) -> np.ndarray:
        """The shares indexed by :class:`Sector`."""
        return np.array([getattr(self, s.key) for s in Sector])


class SectorsSection(Section):
    """The five sectors (§2: heavy industry vs high technology and services)."""

    resource: SectorParams
    heavy: SectorParams
    light: SectorParams
    services: SectorParams
    hightech: SectorParams

    def __getitem__(self, sector: Sector) -> SectorParams:
        return getattr(self, sector.key)


@dataclass(frozen=True)
class SectorArrays:
    """Per-sector parameters as arrays indexed by :class:`Sector`."""

    productivity: np.ndarray
    tfp_gap: np.ndarray
    firm_size: np.ndarray  # persons
    soe_share: np.ndarray
    material: np.ndarray
    freight: np.ndarray
    pollution: np.ndarray
    entry_rate: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> SectorArrays:
        """Collect the five sector sections into arrays."""
        params = [scenario.sectors[s] for s in Sector]
        return cls(
            productivity=np.array([p.productivity for p in params]),
            tfp_gap=np.array([p.tfp_gap for p in params]),
            firm_size=np.array([p.firm_size for p in params]),
            soe_share=np.array([p.soe_share for p in params]),
            material=np.array([p.material_dependence for p in params]),
            freight=np.array([p.freight_intensity for p in params]),
            pollution=np.array([p.pollution_intensity for p in params]),
            entry_rate=np.array([p.entry_rate for p in params]),
        )

    def technology(self, years_since_start: int) -> np.ndarray:
        """Output per worker of an average private firm in each sector, before the frontier.

        The nation's technical progress (:mod:`declineabm.model.national`) multiplies it.

        Args:
            years_since_start: Years since the start year (the sector gaps compound).
        """
        return self.productivity * (1.0 + self.tfp_gap) ** years_since_start
