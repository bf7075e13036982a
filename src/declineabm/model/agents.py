"""The model's agents: residents, firms and the local government.

Residents and firms are real Mesa agents placed on the grid, but their state lives in the
model's numpy columns (see :mod:`declineabm.model.tables`); each agent is a handle onto its row,
so the rules run as vectorised passes while Mesa tools (AgentSets, cells, SolaraViz) still see
ordinary agents. Properties read the columns, so an agent always shows the current state.

Births, arrivals, deaths, departures and moves come by the thousand each year, so agents are
created, removed and moved in batches (:func:`create_agents`, :func:`remove_agents`,
:func:`move_agents`). Each batch leaves Mesa's bookkeeping exactly as the one-agent-at-a-time
calls would (``Agent.__init__``, ``Agent.remove``, the ``cell`` setter): the same unique ids,
the same registration order in ``model.agents`` and ``model.agents_by_type``, the same agent
lists in the cells and the same ``empty`` property layer; ``tests/test_fast_paths.py`` checks it
against those calls. The batches write Mesa's containers directly (Mesa is pinned to 3.3.1),
which skips the per-agent method calls and debug-log formatting and, above all, Mesa's
``Cell.remove_agent``: a list search costing as much as the agents in the cell, which made
removals and moves grow with the square of the people per cell in a dense city centre. Instead
each resident and firm records its index in its cell's list (column ``slot``), so agents are
created, moved and removed through the model (``add_residents``, ``relocate_residents``,
``remove_residents``, ``open_firms``, ``close_firms``); ``agent.remove()`` and assigning
``resident.cell`` are routed there too, so Mesa-style code keeps the model consistent.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.agent import AgentSet
from mesa.discrete_space import CellAgent, FixedAgent
from mesa.discrete_space.cell_agent import HasCell

from declineabm.model.sectors import Sector
from declineabm.model.tables import ColumnTable, gc_paused

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from declineabm.model.geography import Geography
    from declineabm.model.urban_decline import UrbanDeclineModel


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


# ----------------------------------------------------------------------------------------
# Creating, removing and moving many agents at once


def create_agents(
    cls: type[CellAgent | FixedAgent],
    model: UrbanDeclineModel,
    table: ColumnTable,
    rows: np.ndarray,
    cells: np.ndarray,
) -> None:
    """Create one agent of ``cls`` for each new row of ``table``, in the flat ``cells``.

    The agent of row ``rows[i]`` is ``cls(model, rows[i], geo.cells[cells[i]])``, in turn.
    """
    places = model.geography.cells[cells].tolist()
    new = cls.__new__
    agents = []
    with gc_paused():
        # Mesa's id counter is endless: zip stops at the last row without drawing one more.
        # Attributes are set in the order Agent.__init__ and the subclass set them.
        ids = Agent._ids[model]
        for row, unique_id, cell in zip(rows.tolist(), ids, places, strict=False):
            agent = new(cls)
            agent.model = model
            agent.unique_id = unique_id
            agent.pos = None
            agent.row = row
            agent._mesa_cell = cell
            agents.append(agent)
        _register(model, cls, agents)
        table.attach(rows, agents)
        table.slot[rows] = _enter_cells(model.geography, agents, cells)


def remove_agents(
    cls: type[CellAgent | FixedAgent],
    model: UrbanDeclineModel,
    table: ColumnTable,
    rows: np.ndarray,
    cells: np.ndarray,
) -> None:
    """Deregister the agents of ``rows`` and take them off their flat ``cells``.

    What ``agent.remove()`` does for each in turn; the rows stay in the table.
    """
    agents = table.handles[rows].tolist()
    registry = model._agents
    for agent in agents:
        del registry[agent]
    for agent_set in (model.agents_by_type[cls], model._all_agents):
        entries = agent_set._agents.data  # the WeakKeyDictionary's {weakref: None}
        for ref in map(weakref.ref, agents):
            del entries[ref]
    _leave_cells(model, cells, table.slot[rows])
    if issubclass(cls, CellAgent):  # a removed FixedAgent keeps pointing at its old cell
        for agent in agents:
            agent._mesa_cell = None


def move_agents(
    model: UrbanDeclineModel, table: ColumnTable, rows: np.ndarray, old: np.ndarray, new: np.ndarray
) -> None:
    """Move the agents of ``rows`` from the flat cells ``old`` to ``new``.

    What ``agent.cell = geo.cells[new[i]]`` does for each in turn.
    """
    _leave_cells(model, old, table.slot[rows])
    agents = table.handles[rows].tolist()
    places = model.geography.cells[new].tolist()
    for agent, cell in zip(agents, places, strict=True):
        agent._mesa_cell = cell
    table.slot[rows] = _enter_cells(model.geography, agents, new)


def _register(model: UrbanDeclineModel, cls: type[Agent], agents: list[Agent]) -> None:
    """``model.register_agent`` for each agent in turn."""
    model._agents.update(zip(agents, itertools.repeat(None)))
    by_type = model._agents_by_type.get(cls)
    if by_type is None:
        by_type = model._agents_by_type[cls] = AgentSet([], random=model.random)
    for agent_set in (by_type, model._all_agents):
        # What WeakKeyDictionary.update does, without its Python loop.
        entries = agent_set._agents
        keys = map(weakref.ref, agents, itertools.repeat(entries._remove))
        entries.data.update(zip(keys, itertools.repeat(None)))


def _enter_cells(geo: Geography, agents: Sequence[Agent], cells: np.ndarray) -> np.ndarray:
    """Append agents to their flat ``cells``' lists, in turn; returns their slots there.

    Appends are grouped by cell (one ``extend`` each) in the agents' order, so every list
    ends as the agent-by-agent appends would leave it.
    """
    count = len(agents)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(cells, kind="stable")
    grouped = cells[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    sizes = np.diff(np.r_[starts, count])
    touched = grouped[starts]
    arriving = np.fromiter(agents, dtype=object, count=count)[order]
    before = []
    for cell, start, size in zip(
        geo.cells[touched].tolist(), starts.tolist(), sizes.tolist(), strict=True
    ):
        members = cell._agents
        before.append(len(members))
        members.extend(arriving[start : start + size].tolist())
    slots = np.empty(count, dtype=np.int64)
    slots[order] = np.repeat(np.asarray(before) - starts, sizes) + np.arange(count)
    _empty_layer(geo)[touched] = False
    return slots


def _leave_cells(model: UrbanDeclineModel, cells: np.ndarray, slots: np.ndarray) -> None:
    """Delete the entries ``slots[i]`` of the lists of the flat ``cells[i]``, order kept.

    Each deletion is one ``del`` (a memory move inside the list), highest slot first within a
    cell; the agents behind a deleted entry then move up, so every resident's and firm's
    recorded slot is lowered by the deletions before it in its cell, in one numpy pass.
    """
    if len(cells) == 0:
        return
    geo = model.geography
    order = np.lexsort((-slots, cells))
    for cell, slot in zip(geo.cells[cells[order]].tolist(), slots[order].tolist(), strict=True):
        del cell._agents[slot]
    # Number every list entry across the grid (cell by cell, as before the deletions), mark
    # the deleted ones and count, for every entry, the deleted ones before it in its cell.
    # All in int32, the slots' type: mixing in int64 made this pass three times slower.
    placed = _placed(model)
    lengths = sum(np.bincount(where, minlength=geo.size) for _, where in placed)
    first = np.zeros(geo.size + 1, dtype=np.int32)
    np.cumsum(lengths, dtype=np.int32, out=first[1:])
    deleted_before = np.zeros(first[-1] + 1, dtype=np.int32)
    deleted_before[first[cells] + slots + 1] = 1
    np.cumsum(deleted_before, out=deleted_before)
    for table, where in placed:
        own = first[where]
        slot = table.slot
        np.subtract(slot, deleted_before[own + slot] - deleted_before[own], out=slot)
    touched = np.unique(cells)
    _empty_layer(geo)[touched] = [not cell._agents for cell in geo.cells[touched].tolist()]


def _placed(model: UrbanDeclineModel) -> tuple[tuple[ColumnTable, np.ndarray], ...]:
    """The tables of agents placed in cells, each with its column of flat cells."""
    return (model.residents, model.residents.home), (model.firms, model.firms.cell)


def _empty_layer(geo: Geography) -> np.ndarray:
    """Flat view of Mesa's ``empty`` property layer (True where a cell holds no agent)."""
    return geo.grid._mesa_property_layers["empty"].data.reshape(-1)
