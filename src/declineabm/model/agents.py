"""The model's agents: residents, firms and the local government.

Residents and firms are real Mesa agents placed on the grid, but their state lives in the
model's numpy columns (see :mod:`declineabm.model.tables`); each agent is a handle onto its row,
so the rules run as vectorised passes while Mesa tools (AgentSets, cells, SolaraViz) still see
ordinary agents. Properties read the columns, so an agent always shows the current state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import CellAgent, FixedAgent

from declineabm.scenario import Sector

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from declineabm.model.urban_decline import UrbanDeclineModel


class Resident(CellAgent):
    """A person living in a cell: ages, works, moves within the city, may leave the region.

    One resident agent stands for ``model.persons_per_agent`` real people.

    Args:
        model: The model the resident belongs to.
        row: The resident's row in ``model.residents``.
        cell: The cell of the resident's home.
    """

    def __init__(self, model: UrbanDeclineModel, row: int, cell: Cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def age(self) -> int:
        """Age in years."""
        return int(self.model.residents.age[self.row])

    @property
    def skill(self) -> float:
        """Skill level, 0 (none) to 1 (highly skilled)."""
        return float(self.model.residents.skill[self.row])

    @property
    def employer(self) -> Firm | None:
        """The firm the resident works for, if any."""
        row = int(self.model.residents.employer[self.row])
        return None if row < 0 else self.model.firms.handles[row]

    @property
    def income(self) -> float:
        """Last year's income: wage, pension or benefit (thousand yuan)."""
        return float(self.model.residents.income[self.row])

    @property
    def years_unemployed(self) -> int:
        """Consecutive years of working age without a job."""
        return int(self.model.residents.years_unemployed[self.row])


class Firm(FixedAgent):
    """A firm at a fixed site: produces, hires and fires, may adapt, close or be subsidised.

    Args:
        model: The model the firm belongs to.
        row: The firm's row in ``model.firms``.
        cell: The cell of the firm's site.
    """

    def __init__(self, model: UrbanDeclineModel, row: int, cell: Cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    @property
    def sector(self) -> Sector:
        """The firm's sector."""
        return Sector(int(self.model.firms.sector[self.row]))

    @property
    def state_owned(self) -> bool:
        """True for a state-owned enterprise."""
        return bool(self.model.firms.soe[self.row])

    @property
    def workforce(self) -> int:
        """Workers employed (agents)."""
        return int(self.model.firms.workforce[self.row])

    @property
    def positions(self) -> int:
        """Jobs the firm wants filled (agents)."""
        return int(self.model.firms.positions[self.row])

    @property
    def productivity(self) -> float:
        """Firm-specific productivity factor (1 = sector average)."""
        return float(self.model.firms.productivity[self.row])

    @property
    def pollution_intensity(self) -> float:
        """Emissions per unit of output relative to the sector's norm."""
        return float(self.model.firms.pollution[self.row])

    @property
    def profit(self) -> float:
        """Last year's profit after tax and subsidy (thousand yuan)."""
        return float(self.model.firms.profit[self.row])

    @property
    def loss_years(self) -> int:
        """Consecutive years of losses."""
        return int(self.model.firms.loss_years[self.row])


class Government(Agent):
    """The local government: collects taxes, pays pensions, builds, and hands out support.

    Its budget identity holds every year: ``balance = revenue - spending`` and
    ``debt = previous debt - balance``.

    Args:
        model: The model the government belongs to.
    """

    REVENUE = ("wage_taxes", "profit_taxes", "revitalization_funds")
    SPENDING = ("pensions", "benefits", "infrastructure", "public_services", "subsidies", "waste")

    def __init__(self, model: UrbanDeclineModel) -> None:
        super().__init__(model)
        self.debt = 0.0
        self.accounts: dict[str, float] = dict.fromkeys(self.REVENUE + self.SPENDING, 0.0)
        self.environmental_standard = 0.0

    @property
    def revenue(self) -> float:
        """This year's revenue (thousand yuan per agent-scale unit)."""
        return sum(self.accounts[k] for k in self.REVENUE)

    @property
    def spending(self) -> float:
        """This year's spending."""
        return sum(self.accounts[k] for k in self.SPENDING)

    @property
    def balance(self) -> float:
        """This year's fiscal balance (revenue minus spending)."""
        return self.revenue - self.spending

    def open_year(self) -> None:
        """Start a fiscal year with empty accounts."""
        self.accounts = dict.fromkeys(self.REVENUE + self.SPENDING, 0.0)

    def book(self, item: str, amount: float) -> None:
        """Record revenue or spending under one of the budget lines."""
        if item not in self.accounts:
            raise KeyError(f"unknown budget line {item!r}")
        self.accounts[item] += float(amount)

    def close_year(self) -> None:
        """Carry the year's balance into the debt."""
        self.debt -= self.balance
