"""Capital per worker in the two regions: investment goes where the climate lets it (§2.2.5).

The national frontier (:mod:`declineabm.model.national`) is one technology for the whole
country; what a worker has to work with is not. Each region's urban firms hold a capital
stock that wears out at ``capital.depreciation`` a year and grows by investment: the nation
invests ``capital.investment_rate`` of its urban output, and a region receives its output's
share of that times its *investment share*, 1 for the rest of China and cause 7's investment
climate for the Northeast ("low efficiency and serious corruption problems, so it can not
effectively attract foreign investment", §2.2.5; :meth:`.RevitalizationPolicy.investment_share`).
Output and wages per urban worker in a region scale with its capital deepening over the
nation's::

    factor = (capital per worker / its start value  /  the same for the nation) ** elasticity

so a region that invests as the nation does and keeps its workers keeps a factor of 1, and the
frontier, set after it, still makes the two regions the nation. A region that invests less
falls behind in output per worker, and a region that loses workers faster than capital (the
Northeast after the reform's layoffs) gains some back: the convergence of the Solow model.
Farms hold no industrial capital: farm output and rural incomes do not scale.

A firm that closes strands its capital (the "increased derelict buildings" of §2.1, the
brownfield sites of the closed state enterprises): its share of its region's capital, taken
as its share of the region's urban workers, is written off but for ``capital.salvage`` of it,
what is sold on or reused. This holds in both regions, for the Northeast's firms
(:func:`.firm_dynamics.adapt_or_close`) and the rest of China's closing classes
(:meth:`.RestOfChina.update_sectors`), so a region closes capital as it closes firms, by the
same rule; what sets them apart is how many firms their causes close (depletion's mines, the
standards' polluters, the reform's loss-makers). A firm that turns to another sector keeps
its capital (a simplification: retooling is not counted), and the capital of a firm that
sheds workers before it closes stays in the stock until it closes.

Each region starts at the steady state of its own output, capital = ``investment_rate /
(growth + depreciation)`` times output, with ``growth`` the national growth path's mean over the
decade after the start (the growth the economy was on; not the simulated years', so that a run
to an earlier end year starts from the same region); only the deepening since then matters.
Everything is in persons' units (the Northeast's firm workers times ``persons_per_agent``), so
the factor does not depend on how finely the region is drawn.

The four numbers are named facts, not fitted: ``elasticity`` 0.5, the capital share of
China's national income from the provincial income accounts (Bai, Hsieh & Qian 2006, "The
return to capital in China", Brookings Papers on Economic Activity); ``depreciation`` 0.096,
the rate of China's provincial capital-stock series (Zhang, Wu & Zhang 2004, "The estimation of
China's provincial capital stock: 1952-2000", Economic Research Journal); ``investment_rate``
0.40, China's gross capital formation as a share of GDP, about its 1990-2022 average in the
expenditure accounts (National Bureau of Statistics; 34-47 % in single years). ``salvage`` 1/3:
equipment of closed plants that left its sector "sold for only one-third of its estimated
replacement cost" (Ramey & Shapiro 2001, "Displaced capital: a study of aerospace plant
closings", Journal of Political Economy 109(5)); the closed mines and mills of a resource town
had few buyers in their own sector. The geometric depreciation rate wears assets out over
their service lives and does not count write-offs on closure, so the two do not overlap.

This is context, not a cause: what the Northeast's investment share is belongs to cause 7, and
switched off it is 1 (``policy.off_means = "no_support"`` keeps the region's own climate).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.parameters import Section

NORTHEAST, REST_OF_CHINA = 0, 1
"""Index of each region in :class:`RegionalCapital`'s arrays."""


class CapitalSection(Section):
    """Capital per worker in the two regions (context, no cause; named facts)."""

    elasticity: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        description="Elasticity of urban output per worker with respect to capital per worker "
        "(capital's share of national income; 0: capital does not matter)."
    )
    investment_rate: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Gross investment as a share of the nation's urban output."
    )
    depreciation: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="Share of the capital stock that wears out in a year."
    )
    salvage: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="Share of a closed firm's capital that keeps its value (sold on or "
        "reused); the rest is written off (1: closures strand no capital)."
    )


class RegionalCapital:
    """Both regions' capital stocks and the output factors their deepening gives.

    Args:
        params: The scenario's capital section.
        growth: Mean yearly growth of national output in the decade after the start (sets
            the start's capital-output ratio, :func:`steady_capital_output`).
    """

    def __init__(self, params: CapitalSection, growth: float) -> None:
        self.params = params
        self.capital_output = steady_capital_output(params, growth)
        self.stock = np.zeros(2)  # thousand yuan, persons' units: [Northeast, rest of China]
        self.start_intensity = np.zeros(2)  # capital per urban worker in the start year
        self.start_national = 0.0
        self.deepening = np.ones(2)  # capital per worker relative to the start over the nation's
        self.factor = np.ones(2)  # what that does to output and wages per urban worker

    @property
    def started(self) -> bool:
        """Whether the start year's stocks are set (after the first year's output)."""
        return self.start_national > 0.0

    def update_factors(self, workers: np.ndarray) -> np.ndarray:
        """This year's deepening and output factors, for this year's urban ``workers``.

        Args:
            workers: Urban workers with a job in each region (persons).

        Returns:
            The factors (1, 1 before the start year's stocks exist).
        """
        if self.started and workers.min() > 0:
            intensity = self.stock / workers / self.start_intensity
            national = self.stock.sum() / workers.sum() / self.start_national
            self.deepening = intensity / national
            self.factor = self.deepening**self.params.elasticity
        return self.factor

    def invest(self, output: np.ndarray, workers: np.ndarray, shares: np.ndarray) -> None:
        """Wear the stocks out and add this year's investment.

        In the start year the stocks are set to the steady state of its output instead.

        Args:
            output: Urban firms' output in each region this year (thousand yuan).
            workers: Their urban workers (persons).
            shares: Each region's investment share (the rest of China's is 1).
        """
        p = self.params
        if not self.started:
            if workers.min() <= 0 or output.min() <= 0:
                return
            self.stock = self.capital_output * output
            self.start_intensity = self.stock / workers
            self.start_national = self.stock.sum() / workers.sum()
            return
        investment = p.investment_rate * shares * output
        self.stock = (1.0 - p.depreciation) * self.stock + investment

    def strand(self, region: int, share: float) -> None:
        """Write off the capital of the firms that closed in ``region`` (but their salvage).

        Args:
            region: :data:`NORTHEAST` or :data:`REST_OF_CHINA`.
            share: The closed firms' share of the region's urban workers this year.
        """
        if self.started:
            self.stock[region] *= 1.0 - (1.0 - self.params.salvage) * min(share, 1.0)


def steady_capital_output(params: CapitalSection, growth: float) -> float:
    """Capital over output of an economy investing ``investment_rate`` and growing at ``growth``."""
    return params.investment_rate / (max(growth, 0.0) + params.depreciation)
