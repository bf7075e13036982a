"""§2.2.3: serious environmental pollution, and standards that close or transform firms.

"With the improvement of environmental protection requirements, many enterprises are difficult
to meet environmental protection standards and are forced to close or transform." Firms emit in
proportion to output and their pollution intensity; pollution spreads to neighbouring cells and
decays. The government tightens standards along a path: compliance costs a share of output that
grows with stringency and intensity, and a firm above the permitted intensity must clean up
(transform) or close. Pollution lowers residents' amenity.

Switched off, standards never tighten: no compliance cost, no forced closure. (Pollution itself,
a physical process, still happens.)
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import NonNegative, Positive, Rate, Section, SharePath, path_value

EMISSION_UNIT = 1e-3  # pollution index per thousand yuan of output times intensity, per cell


class EnvironmentSection(Section):
    """§2.2.3: pollution and environmental standards that close or transform firms."""

    enabled: bool = Field(description="Switch the cause on or off.")
    pollution_decay: Rate = Field(description="Share of the pollution stock that decays yearly.")
    diffusion: Rate = Field(description="Share of a cell's pollution spreading to neighbours.")
    standard_path: SharePath = Field(
        description="Stringency of environmental standards (0 = none, 1 = strict)."
    )
    compliance_cost: NonNegative = Field(
        description="Compliance cost (share of output) at full stringency for intensity 1."
    )
    intensity_limit: Positive = Field(
        description="Highest permitted pollution intensity at full stringency."
    )
    concentration_limit: Positive = Field(
        description="Pollution concentration counted as over the standard."
    )
    amenity_weight: NonNegative = Field(description="Weight of pollution in residents' amenity.")


class EnvironmentalStandards(Mechanism):
    """Pollution physics and tightening standards (see the module docstring)."""

    section = "environment"
    switched_off = (
        "Switched off, standards never tighten: no compliance cost, no forced closure. "
        "(Pollution itself, a physical process, still happens.)"
    )

    def stringency(self) -> float:
        """This year's stringency of standards, 0 (none) to 1 (strict)."""
        return path_value(self.params.standard_path, self.model.year) if self.enabled else 0.0

    def compliance_share(self, intensity: np.ndarray) -> np.ndarray:
        """Compliance cost as a share of output for firms of the given emission intensity."""
        return self.params.compliance_cost * self.stringency() * intensity

    def permitted_intensity(self) -> float:
        """Highest emission intensity allowed this year (infinite without standards)."""
        stringency = self.stringency()
        return self.params.intensity_limit / stringency if stringency > 0 else np.inf

    def disperse(self, emissions_by_cell: np.ndarray) -> None:
        """Decay last year's pollution, spread it to neighbours, add this year's emissions."""
        geo = self.model.geography
        field = geo.layers["pollution"].data
        d = self.params.diffusion
        padded = np.pad(field, 1, mode="edge")
        neighbours = (
            padded[:-2, :-2]
            + padded[:-2, 1:-1]
            + padded[:-2, 2:]
            + padded[1:-1, :-2]
            + padded[1:-1, 2:]
            + padded[2:, :-2]
            + padded[2:, 1:-1]
            + padded[2:, 2:]
        ) / 8.0
        spread = (1.0 - d) * field + d * neighbours
        field[:] = (1.0 - self.params.pollution_decay) * spread + EMISSION_UNIT * (
            emissions_by_cell.reshape(field.shape)
        )

    def amenity_loss(self, cells: np.ndarray) -> np.ndarray:
        """Amenity lost to pollution in ``cells`` (0 clean, up to 2x the weight)."""
        pollution = self.model.geography.layer("pollution")[cells]
        return self.params.amenity_weight * np.minimum(
            pollution / self.params.concentration_limit, 2.0
        )
