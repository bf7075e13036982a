"""§2.2.3: serious environmental pollution, and standards that close or transform firms.

"With the improvement of environmental protection requirements, many enterprises are difficult
to meet environmental protection standards and are forced to close or transform." Firms emit in
proportion to their physical output and pollution intensity; a city's air holds what its firms
emit over its built-up area (in km², so the air does not depend on how many agents draw the
city) and clears at a yearly rate. The government tightens standards along a path: compliance
costs a share of output that grows with stringency and intensity, and a firm above the
permitted intensity must clean up (transform) or close. Pollution lowers residents' amenity.

Switched off, standards never tighten: no compliance cost, no forced closure. (Pollution itself,
a physical process, still happens.)
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import Rate, Section, SharePath, path_value

EMISSION_UNIT = 1e-5
"""Pollution index added per thousand yuan of output (at start-year technology and prices, for
emission intensity 1) per km² of a city: the unit in which ``concentration_limit`` is set."""


class EnvironmentSection(Section):
    """§2.2.3: pollution and environmental standards that close or transform firms."""

    enabled: bool = Field(description="Switch the cause on or off.")
    pollution_decay: Rate = Field(description="Share of the pollution stock that decays yearly.")
    standard_path: SharePath = Field(
        description="Stringency of environmental standards (0 = none, 1 = strict)."
    )
    compliance_cost: Rate = Field(
        description="Compliance cost (share of output) at full stringency for intensity 1."
    )
    intensity_limit: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        description="Highest permitted pollution intensity at full stringency."
    )
    concentration_limit: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="Pollution concentration counted as over the standard."
    )
    amenity_weight: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="Weight of pollution in residents' amenity."
    )


class EnvironmentalStandards(Mechanism[EnvironmentSection]):
    """Pollution physics and tightening standards (see the module docstring)."""

    section = "environment"
    switched_off = (
        "Switched off, standards never tighten: no compliance cost, no forced closure; and "
        "the region's air weighs on its residents no more than the nation's does. (Pollution "
        "itself, a physical process, still happens and is still measured.)"
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

    def update_air(self, emissions: np.ndarray) -> None:
        """Clear part of each city's pollution, then add what its firms emitted this year.

        The ``pollution`` layer holds each city's air in every one of its cells (the
        countryside's is 0). Reads and writes ``pollution``.

        Args:
            emissions: Each firm's emissions (physical output times intensity, real persons).
        """
        geo = self.model.geography
        site = self.model.firm_city()
        in_city = site >= 0
        emitted = np.bincount(site[in_city], emissions[in_city], minlength=geo.cities)
        city = geo.layer("city")
        urban = city >= 0
        cells = np.bincount(city[urban], minlength=geo.cities)
        pollution = geo.layer("pollution")
        before = np.bincount(city[urban], pollution[urban], minlength=geo.cities) / cells
        area = cells * geo.km_per_cell**2
        air = before * (1.0 - self.params.pollution_decay) + EMISSION_UNIT * emitted / area
        pollution[urban] = air[city[urban]]

    def amenity_loss(self, cells: np.ndarray) -> np.ndarray:
        """Amenity lost to pollution in ``cells`` (0 clean, up to 2x the weight; 0 when off)."""
        if not self.enabled:
            return np.zeros(len(cells))
        pollution = self.model.geography.layer("pollution")[cells]
        return self.params.amenity_weight * np.minimum(
            pollution / self.params.concentration_limit, 2.0
        )
