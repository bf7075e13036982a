"""Cause 5 (abstract; §2.2.4): an ageing population and the out-migration of the young.

"China's earliest place of aging is the northeast"; "Northeast China is the earliest region of
industrialization, urbanization and modernization in China, so it is also the region with the
most serious aging in China"; "in order to have a better life, many young people in the
Northeast choose to leave their hometown after graduation and go to the south to find job
opportunities." Two parts, each with its own switch-off meaning:

* **Fertility.** The region's fertility fell earlier and lower than the nation's
  (``fertility_path``; the 2010 and 2020 censuses record 0.75 and 0.85 children per woman,
  under-reported), which left it, by 1990, with fewer children than the nation
  (``population.age_profile``).
* **Leaving after graduation.** The region's young adults (18-34) leave for the rest of China
  ``young_leaving`` times as readily as the nation's migration behaviour would have them, at
  the same gaps in income and services.

Switching the cause off takes away what ``off_means`` names, so the two parts can be weighed
apart while the paper's cause stays one switch: ``both`` (default), ``fertility`` (only the low
fertility and the age structure it left by 1990: the nation's instead) or ``migration`` (only
the readier leaving of the young: ``young_leaving`` counts as 1).

Everything else about migration is the nation's behaviour (:mod:`declineabm.model.migration`):
who leaves follows the gaps in wages, jobs and services that the other causes open, so ageing
also emerges from who leaves.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import AT_START, FertilityPath, Section, path_value
from declineabm.model.population import young


class DemographySection(Section):
    """Cause 5, §2.2.4: the region's low fertility and the young who leave."""

    enabled: bool = Field(description="Switch the cause on or off.")
    off_means: Literal["both", "fertility", "migration"] = Field(
        default="both",
        description="What switching the cause off takes away: 'both' parts, only the low "
        "'fertility' (and the age structure it left), or only the young's readier leaving "
        "('migration').",
        json_schema_extra=AT_START,
    )
    fertility_path: FertilityPath = Field(description="The region's total fertility rate by year.")
    young_leaving: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        description="How much more readily the region's young adults (18-34) leave for the rest "
        "of China than the nation's migration behaviour gives (1: no more)."
    )


class AgeingAndMigration(Mechanism[DemographySection]):
    """Low fertility and the young who leave after graduation (see the module docstring)."""

    section = "demography"
    switched_off = (
        "Switched off ('both', the default), the region has the nation's demography: the rest "
        "of China's age structure at the start and its fertility, and young adults who leave "
        "no more readily than anyone; migration still answers the gaps in income and services. "
        "'fertility' takes away only the low fertility and the age structure; 'migration' only "
        "the young's readier leaving."
    )

    def _own_fertility(self) -> bool:
        return self.enabled or self.params.off_means == "migration"

    def _own_leaving(self) -> bool:
        return self.enabled or self.params.off_means == "fertility"

    def fertility(self) -> float:
        """The region's total fertility rate this year (the nation's when switched off)."""
        if self._own_fertility():
            return path_value(self.params.fertility_path, self.model.year)
        return self.model.rest_of_china.fertility()

    def initial_age_profile(self) -> list[tuple[int, float]]:
        """The region's age structure in the start year (the nation's when switched off)."""
        if self._own_fertility():
            return self.model.config.population.age_profile
        return self.model.config.rest_of_china.age_profile

    def leaving_propensity(self, age: np.ndarray) -> np.ndarray:
        """Factor on each resident's chance of leaving the region (1 when switched off)."""
        if not self._own_leaving():
            return np.ones(len(age))
        return np.where(young(age), self.params.young_leaving, 1.0)
