"""§2.2.5: revitalization policy, its targeting and its waste.

From October 2003 ("Several Opinions on the Implementation of the Revitalization Strategy of
Old Industrial Bases in Northeast China"), with later waves in 2014 and 2016, the centre sends
support worth a share of the city's output. A share is lost: "the waste of resources and
unreasonable allocation of resources ... low efficiency and serious corruption". What arrives is
split by a configurable targeting:

* failing state-owned firms: their losses are covered, the largest employers first, as far as
  the funds go (a soft budget constraint that keeps zombie firms alive);
* new industries: young light-manufacturing and high-tech firms get support per worker and
  more such firms enter;
* infrastructure: added to the government's infrastructure investment;
* young people: a wage supplement for residents aged 18-34, which lowers their out-migration
  (and draws young migrants in).

The funds are central transfers: a flow from the rest of China, not local debt.

The same section names the government that spends them: it "has low efficiency and serious
corruption problems, so it can not effectively attract foreign investment". Firms that could
locate in any region (heavy, light and high-tech manufacturing: investment, not local demand
or a deposit, decides where they open) enter the region at ``investment_climate`` times the
rate an ordinary region's opportunities would bring them, in every year. Services follow the
region's own demand and mines its deposits, so their entry is left alone. The same climate
scales the investment in the region's capital stock: it receives ``investment_climate`` times
the investment an ordinary region's output would bring, and its output and wages per worker
follow its capital per worker (:mod:`declineabm.model.capital`).

What switching the cause off means is a choice (``off_means``): ``ordinary`` (default), no
revitalization support, and investors treat the region as an ordinary one
(``investment_climate`` counts as 1); ``no_support``, only the support is withdrawn and the
region keeps its government, so the waste and the climate can be weighed apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import MultiplierPath, Rate, Section, Year, path_value
from declineabm.model.sectors import Sector

NEW_FIRM_YEARS = 5  # firms this young count as new industries
FOOTLOOSE = (Sector.HEAVY, Sector.LIGHT, Sector.HIGHTECH)  # where investors choose the region


@dataclass
class Support:
    """This year's revitalization support, by use (thousand yuan)."""

    budget: float = 0.0  # thousand yuan, in agent units like every firm account
    waste: float = 0.0
    soe: float = 0.0
    new_industries: float = 0.0
    infrastructure: float = 0.0
    young: float = 0.0


class PolicySection(Section):
    """§2.2.5: revitalization support, its targeting and its waste."""

    enabled: bool = Field(description="Switch the cause on or off.")
    off_means: Literal["ordinary", "no_support"] = Field(
        default="ordinary",
        description="What switching the cause off means: 'ordinary', no support and an "
        "ordinary region's investment climate; 'no_support', no support, the region's own "
        "climate kept.",
    )
    start_year: Year = Field(description="First year of revitalization support.")
    budget_share: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="Yearly support from the centre as a share of the city's output."
    )
    waves: MultiplierPath = Field(
        description="Budget multiplier by year (later policy waves: 2014, 2016)."
    )
    efficiency: Rate = Field(
        description="Share of support that reaches its target (the rest "
        "is lost to waste and misallocation)."
    )
    target_soe: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Weight of subsidies to failing state firms."
    )
    target_new_industries: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Weight of support for new light and high-tech firms."
    )
    target_infrastructure: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Weight of infrastructure spending."
    )
    target_young: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="Weight of wage and amenity support for young residents."
    )
    entry_boost: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        description="Extra new-firm entry per unit of support (share of output) for new industries."
    )
    investment_climate: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Investment relative to an ordinary region's, in every year: the entry "
        "of new heavy, light and high-tech firms and the investment in the region's capital "
        "stock; a government of low efficiency and corruption keeps investors away (1 = an "
        "ordinary region; switched off: 1).",
    )


class RevitalizationPolicy(Mechanism[PolicySection]):
    """Budget, targeting and efficiency of revitalization support (module docstring)."""

    section = "policy"
    switched_off = (
        "Switched off, there is no revitalization support, and investors treat the region as "
        "an ordinary one (or, with off_means = 'no_support', only the support goes)."
    )

    def budget(self, last_output: float) -> Support:
        """This year's support, split by target after waste."""
        p = self.params
        year = self.model.year
        if not self.enabled or year < p.start_year:
            return Support()
        budget = p.budget_share * path_value(p.waves, year) * last_output
        delivered = budget * p.efficiency
        weights = np.array(
            [p.target_soe, p.target_new_industries, p.target_infrastructure, p.target_young]
        )
        shares = weights / weights.sum() if weights.sum() > 0 else np.zeros(4)
        return Support(budget, budget - delivered, *(delivered * shares))

    @staticmethod
    def cover_losses(
        losses: np.ndarray, eligible: np.ndarray, workforce: np.ndarray, funds: float
    ) -> np.ndarray:
        """Subsidy per firm: whole losses of eligible firms, largest employers first.

        Jobs are what the support is meant to save, so the biggest employers are rescued
        first; a firm is rescued in full or not at all, and what cannot rescue a whole firm
        is not spent.
        """
        need = np.where(eligible, np.maximum(losses, 0.0), 0.0)
        candidates = np.flatnonzero(need > 0)
        order = candidates[np.argsort(-workforce[candidates], kind="stable")]
        rescued = order[np.cumsum(need[order]) <= funds]
        subsidy = np.zeros(len(losses))
        subsidy[rescued] = need[rescued]
        return subsidy

    def new_industry_firms(self) -> np.ndarray:
        """Firms that count as new industries: young light-manufacturing and high-tech firms."""
        firms = self.model.firms
        new_sector = (firms.sector == Sector.LIGHT) | (firms.sector == Sector.HIGHTECH)
        return new_sector & (self.model.year - firms.founded < NEW_FIRM_YEARS)

    def investment_share(self) -> float:
        """The region's investment relative to what an ordinary region's output would bring.

        The investment climate, in firm entry (:meth:`entry_multipliers`) and in the capital
        its firms work with (:mod:`declineabm.model.capital`); 1 when the cause is off,
        unless ``off_means = "no_support"`` keeps the region's own government.
        """
        if self.enabled or self.params.off_means == "no_support":
            return self.params.investment_climate
        return 1.0

    def entry_multipliers(self, support: Support, last_output: float) -> np.ndarray:
        """Each sector's entry relative to an ordinary region's, indexed by :class:`Sector`.

        The investment climate scales the footloose sectors; new-industry support raises
        light and high-tech entry on top of it.
        """
        multipliers = np.ones(len(Sector))
        multipliers[list(FOOTLOOSE)] = self.investment_share()
        if self.enabled and last_output > 0:
            boost = 1.0 + self.params.entry_boost * support.new_industries / last_output
            multipliers[[Sector.LIGHT, Sector.HIGHTECH]] *= boost
        return multipliers
