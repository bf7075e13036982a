"""The model's agents: residents, firms and the local government.

Residents and firms are real Mesa agents placed on the grid, but their state lives in the
model's numpy columns (see :mod:`declineabm.model.tables`); each agent is a handle onto its row,
so the rules run as vectorised passes while Mesa tools (AgentSets, cells, SolaraViz) still see
ordinary agents. Properties read the columns, so an agent always shows the current state.

Births, arrivals, deaths, departures and moves come by the thousand each year, so agents are
created, moved and removed in batches through the model's register
(:mod:`declineabm.model.register`: ``model.add_residents``, ``relocate_residents``,
``remove_residents``, ``open_firms``, ``close_firms``), whose Mesa bookkeeping
:mod:`declineabm.model.mesa_adapter` does; ``agent.remove()`` and assigning ``resident.cell``
are routed there too, so Mesa-style code keeps the model consistent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import numpy as np
from mesa.discrete_space import CellAgent, FixedAgent
from mesa.discrete_space.cell_agent import HasCell

from declineabm.model.sectors import Sector
from declineabm.model.tables import ColumnTable

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from declineabm.model.urban_decline import UrbanDeclineModel


class ResidentTable(ColumnTable):
    """The residents' columns (``model.residents``): one row per resident agent."""

    age: Annotated[np.ndarray, np.int16]
    skill: Annotated[np.ndarray, np.float32]
    employer: Annotated[np.ndarray, np.int32]  # firm row, -1 for none
    income: Annotated[np.ndarray, np.float64]
    home: Annotated[np.ndarray, np.int32]  # flat cell index
    years_unemployed: Annotated[np.ndarray, np.int16]
    laid_off: Annotated[np.ndarray, np.int8]  # years left of a laid-off state worker's tie
    retired: Annotated[np.ndarray, np.bool_]


class FirmTable(ColumnTable):
    """The firms' columns (``model.firms``): one row per firm agent."""

    sector: Annotated[np.ndarray, np.int8]
    soe: Annotated[np.ndarray, np.bool_]
    cell: Annotated[np.ndarray, np.int32]
    founded: Annotated[np.ndarray, np.int16]
    reform_rank: Annotated[np.ndarray, np.float64]  # when the reform reaches it, 0 .. 1 (SOEs)
    productivity: Annotated[np.ndarray, np.float64]  # firm-specific factor, mean 1
    pollution: Annotated[np.ndarray, np.float64]  # emission intensity / the sector's norm
    represents: Annotated[np.ndarray, np.float64]  # real firms it stands for (>= 1)
    desired: Annotated[np.ndarray, np.float64]  # the workforce it wants, in agents (labour.py)
    positions: Annotated[np.ndarray, np.int64]  # this year's posted jobs: desired, rounded
    workforce: Annotated[np.ndarray, np.int64]
    filled: Annotated[np.ndarray, np.int64]  # its workforce when last year's hiring ended
    loss_years: Annotated[np.ndarray, np.int16]
    empty_years: Annotated[np.ndarray, np.int16]  # years a firm never staffed has looked
    staffed: Annotated[np.ndarray, np.bool_]  # has had a worker
    output: Annotated[np.ndarray, np.float64]
    wage: Annotated[np.ndarray, np.float64]
    wage_bill: Annotated[np.ndarray, np.float64]
    costs: Annotated[np.ndarray, np.float64]
    profit_tax: Annotated[np.ndarray, np.float64]
    subsidy: Annotated[np.ndarray, np.float64]
    profit: Annotated[np.ndarray, np.float64]


class Resident(CellAgent):
    """Persons living in a cell: they age, work, move, and may leave the region.

    One resident agent stands for ``model.persons_per_agent`` real people. Summary of rule:
    a handle onto a row of ``model.residents``; the columns are moved by
    :mod:`~declineabm.model.population` (ageing, death, birth), :mod:`~declineabm.model.labour`
    (jobs, layoffs, retirement), :mod:`~declineabm.model.public_finance` (income),
    :mod:`~declineabm.model.migration` (moves between cities and regions) and
    :mod:`~declineabm.model.housing` (moves within a city).

    Args:
        model: The model the resident belongs to.
        row: The resident's row in ``model.residents``.
        cell: The cell of the resident's home.
    """

    pos = None  # Mesa's position in the older spaces; residents live in cells (self.cell)

    def __init__(self, model: UrbanDeclineModel, row: int, cell: Cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    def remove(self) -> None:
        """Remove the resident from the model, as a death or a departure does."""
        self.model.remove_residents(np.array([self.row]))

    @property
    def cell(self) -> Cell | None:
        """The cell of the resident's home; assigning a cell moves the resident there."""
        return self._mesa_cell

    @cell.setter
    def cell(self, cell: Cell | None) -> None:
        if self._mesa_cell is None or cell is None:  # placing a new agent, or Mesa removing it
            HasCell.cell.fset(self, cell)
            return
        # A move goes through the model, which keeps the columns and Mesa's cells in step.
        x, y = cell.coordinate
        flat = x * self.model.geography.height + y
        self.model.relocate_residents(np.array([self.row]), np.array([flat]))

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

    @property
    def laid_off(self) -> int:
        """Years left of a laid-off state worker's tie to the unit (0: none)."""
        return int(self.model.residents.laid_off[self.row])

    @property
    def retired(self) -> bool:
        """Retired (at retirement age, or early after a layoff)."""
        return bool(self.model.residents.retired[self.row])

    @property
    def city(self) -> str | None:
        """The city the resident lives in (None in the countryside)."""
        city = int(self.model.geography.layer("city")[self.model.residents.home[self.row]])
        return self.model.geography.city_names[city] if city >= 0 else None


class Firm(FixedAgent):
    """A firm at a fixed site: produces, hires and fires, may adapt, close or be subsidised.

    Summary of rule: a handle onto a row of ``model.firms``; the columns are moved by
    :mod:`~declineabm.model.economy` (output, wages, profit), :mod:`~declineabm.model.labour`
    (positions, workforce), :mod:`~declineabm.model.firm_dynamics` (losses, adaptation,
    closure, entry) and :mod:`~declineabm.model.public_finance` (subsidies). A firm smaller
    than one agent's persons stands for several real ones (``represents``).

    Args:
        model: The model the firm belongs to.
        row: The firm's row in ``model.firms``.
        cell: The cell of the firm's site.
    """

    pos = None  # Mesa's position in the older spaces; firms sit in cells (self.cell)

    def __init__(self, model: UrbanDeclineModel, row: int, cell: Cell) -> None:
        super().__init__(model)
        self.row = row
        self.cell = cell

    def remove(self) -> None:
        """Close the firm: its workers lose their jobs, its site becomes wasteland."""
        self.model.close_firms(np.array([self.row]))

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
    def material_dependence(self) -> float:
        """Raw-material cost as a share of output at start-year prices (its sector's)."""
        return float(self.model.sectors.material[self.model.firms.sector[self.row]])

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

    @property
    def represents(self) -> float:
        """Real firms this firm stands for (1, or more where firms are smaller than an agent)."""
        return float(self.model.firms.represents[self.row])
