"""Cause 1 (abstract; §1, §2.2.1): an old, single, state-owned heavy-industry structure.

"The old industrial system could not adapt to the new economic system"; "the single industrial
structure is difficult to adapt to the market demand, resulting in the decline of enterprise
competitiveness" (§2.2.1). The structure came from the region's "precocious and leap-forward
development" (§1): urbanized decades before the rest of China (so it had few farm workers left
to move into more productive urban jobs, the rest of China's main source of growth), built on
heavy industry and mining in cities of one kind each, and state-owned. Three parts:

* **The inherited structure** (start year): the region's urban share (``urban_share``), each
  kind of city's mix of sectors (``structure``), and its countryside's small rural industry
  (``rural_industry_share``: a state-owned heavy-industry base left little room for the
  collective and private township and village enterprises that grew on the coast,
  :mod:`declineabm.model.rural_industry`).
* **Rigidity.** State-owned enterprises (SOEs) pay the wage norm whatever their productivity
  and, until the market reform reaches them, are protected by a soft budget constraint (their
  losses are covered) and sell at plan prices. The reform reaches them one by one over the
  reform years; from then on market prices value their output at their lower efficiency, and
  they shed labour slowly, hold on longer before closing, and rarely adapt to another sector.
* **The layoff shock of the reform** (*xiagang*, 1998-2003). Workers a reformed SOE lays off
  while the re-employment centres run keep a tie to their unit: a living allowance
  (``living_allowance`` of the average wage) for up to ``centre_years``, housing and a claim
  to be recalled, so they neither count as registered unemployed nor leave like the
  unemployed; those within ``early_retirement_years`` of retirement retire early. After the
  centre years they are unemployed like anyone. Older job seekers (``older_worker_age``),
  whose skills belonged to the old plants, search only in some years (``older_search_rate``).
* **A labour market that was an allocation.** Until the 1990s the state assigned jobs (the
  start year's planned allocation, :func:`~declineabm.model.labour.match`); the market that
  replaced it matched the region's job seekers with openings at its own efficiency
  (``economy.matching_efficiency``, estimated against the record), which may be below an
  ordinary market's (``ordinary_matching_efficiency``): the skills of the old plants and the
  ties to units that §2.2.1's "could not adapt to the new economic system" names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import AT_START, Rate, Section, Year
from declineabm.model.sectors import SectorMix

if TYPE_CHECKING:
    from declineabm.model.structure import CityKind


class IndustrySection(Section):
    """Cause 1, §1, §2.2.1: an early, single, state-owned heavy-industry structure."""

    enabled: bool = Field(description="Switch the cause on or off.")
    off_means: Literal["ordinary", "adaptive"] = Field(
        default="ordinary",
        description="What switching the cause off means: 'ordinary', the rest of China's "
        "structure and flexible firms (the region as an ordinary one); 'adaptive', the region's "
        "own early structure, but firms as flexible as private ones.",
        json_schema_extra=AT_START,
    )
    urban_share: Rate = Field(
        description="Share of the region's people living in cities in the start year (the "
        "early urbanization; switched off: the rest of China's).",
        json_schema_extra=AT_START,
    )
    structure: dict[str, SectorMix] = Field(
        description="Each kind of city's shares of jobs by sector in the start year "
        "(switched off: the rest of China's mix in every city).",
        json_schema_extra=AT_START,
    )
    rural_industry_share: Rate = Field(
        description="Share of the region's rural working-age persons employed in township and "
        "village enterprises in the start year (switched off: the rest of China's).",
        json_schema_extra=AT_START,
    )
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
        description="State-owned firms pay at least this share of the average wage."
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
    centres_until: Year = Field(
        description="Last year the re-employment centres take laid-off state workers (they "
        "merged into unemployment insurance by 2005)."
    )
    centre_years: Annotated[int, Field(ge=0, le=10)] = Field(
        description="Years a laid-off state worker keeps the tie to the unit."
    )
    living_allowance: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="Living allowance of a laid-off state worker, as a share of the average wage."
    )
    early_retirement_years: Annotated[int, Field(ge=0, le=20)] = Field(
        description="Laid-off state workers this close to retirement age retire early."
    )
    older_worker_age: Annotated[int, Field(ge=18, le=80)] = Field(
        description="Age from which a job seeker's old-industry skills fit few new jobs."
    )
    older_search_rate: Rate = Field(
        description="Yearly chance that a job seeker of that age or older finds openings "
        "to apply to (switched off: every year, as anyone)."
    )
    ordinary_matching_efficiency: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        description="Scale of the cities' matching function when the cause is off: an "
        "ordinary market economy's labour market (on: economy.matching_efficiency, the "
        "region's own)."
    )


class IndustrialRigidity(Mechanism[IndustrySection]):
    """The inherited structure, rigid state firms and the layoff shock (module docstring)."""

    section = "industry"
    switched_off = (
        "Switched off ('ordinary', the default), the region starts as an ordinary region: the "
        "rest of China's urban share, its share of rural workers in rural industry and, in "
        "every city, its mix of sectors; state-owned firms "
        "behave exactly like private ones, workers they lay off are unemployed like anyone, "
        "and job seekers of every age find openings at an ordinary labour market's pace "
        "(ordinary_matching_efficiency). 'adaptive' keeps the region's own early structure and "
        "only makes its firms and labour market flexible."
    )

    # ------------------------------------------------------------------------------------
    # The inherited structure (read when the region is built)

    def _own_structure(self) -> bool:
        return self.enabled or self.params.off_means == "adaptive"

    def urban_share(self) -> float:
        """Share of the region's people in cities in the start year."""
        if self._own_structure():
            return self.params.urban_share
        return self.model.config.rest_of_china.urban_share

    def rural_industry_share(self) -> float:
        """Share of the region's rural working-age persons in rural industry at the start."""
        if self._own_structure():
            return self.params.rural_industry_share
        return self.model.config.rest_of_china.rural_industry_share

    def sector_mix(self, kind: CityKind) -> np.ndarray:
        """A city's shares of jobs by sector in the start year."""
        if self._own_structure() and kind in self.params.structure:
            return self.params.structure[kind].array()
        return self.model.config.rest_of_china.sector_mix.array()

    # ------------------------------------------------------------------------------------
    # Rigidity

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
        """Minimum wage each firm pays: SOEs keep the wage norm."""
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

    # ------------------------------------------------------------------------------------
    # The layoff shock

    def tie_years(self) -> np.ndarray:
        """Years a worker laid off by each firm this year keeps a tie to it (0: none)."""
        centres_open = self.model.year <= self.params.centres_until
        tied = self._soe() & self._reformed() & centres_open
        return np.where(tied, self.params.centre_years, 0)

    def retires_early(self, age: np.ndarray, tied: np.ndarray) -> np.ndarray:
        """Which of the workers just laid off with a tie retire early instead."""
        threshold = self.model.config.economy.retirement_age - self.params.early_retirement_years
        return tied & (age >= threshold)

    def searching(self, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which job seekers of these ages look for openings this year.

        Those of ``older_worker_age`` or more, whose skills belonged to the old plants, only
        in some years (the Northeast's "4050" workers, laid off in their forties and fifties,
        rarely found new work); switched off, everyone searches every year.
        """
        if not self.enabled:
            return np.ones(len(age), dtype=bool)
        older = age >= self.params.older_worker_age
        return ~older | (rng.random(len(age)) < self.params.older_search_rate)

    def matching_efficiency(self) -> float:
        """Scale of the cities' matching function: the region's own, or an ordinary one."""
        if self.enabled:
            return self.model.config.economy.matching_efficiency
        return self.params.ordinary_matching_efficiency

    def living_allowance(self) -> float:
        """This year's living allowance of a laid-off state worker (0 when switched off)."""
        if not self.enabled:
            return 0.0
        return self.params.living_allowance * self.model.labour_market.average_wage
