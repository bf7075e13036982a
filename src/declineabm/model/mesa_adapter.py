"""Mesa's bookkeeping for thousands of agents at once: the one module that knows Mesa's internals.

Births, arrivals, deaths, departures, moves, firm entries and closures come by the thousand
each year. Done one agent at a time through Mesa's own calls (``Agent.__init__``,
``agent.remove()``, ``agent.cell = cell``) they cost more than all the model's rules: a method
call, a debug-log string and, per registration, a weak reference in each of two AgentSets, and
above all Mesa's ``Cell.remove_agent``, a search of the cell's list that made removals and moves
grow with the square of the people per cell. :func:`create_agents`, :func:`remove_agents` and
:func:`move_agents` do a whole batch at once and leave what Mesa's own calls leave: the same
unique ids, the same registration order in ``model.agents`` and ``model.agents_by_type``, the
same agents in every cell and the same ``empty`` property layer.

Two things differ from Mesa's calls, by design:

* **Order inside a cell's list.** Leaving a cell swaps the cell's last agent into the leaver's
  place (each agent records its place, ``_cell_slot``), so a removal costs the same whatever
  the cell holds; Mesa's ``list.remove`` keeps the order but searches the list. ``cell.agents``
  holds the same agents, in another order. No rule reads a cell's list: the model's state is in
  its columns (:mod:`declineabm.model.tables`).
* **Debug logging and signals.** The batches skip Mesa's per-agent debug log. On Mesa 3.5 they
  fall back to Mesa's ``register_agent``/``deregister_agent`` whenever something observes the
  model's ``agents`` (Mesa's signals) or a data set tracks the agent class, so observers see
  every agent.

**Versions.** The layout of Mesa's registries changed between releases: Mesa 3.3 keeps the
agent ids in ``Agent._ids`` and the AgentSets as weak-key dictionaries beside a hard-reference
``model._agents``; Mesa 3.5 counts ids in ``model.agent_id_counter`` and keeps hard-key
AgentSets (``_HardKeyAgentSet``). :data:`LAYOUT` names the layout of the installed Mesa, chosen
by its version; a Mesa whose layout this module does not know runs every batch through Mesa's
own calls (:class:`MesaCalls`: correct, and slower). ``tests/test_fast_paths.py`` compares the
batches with Mesa's own calls on every supported version.

**Mesa 3.5's Scenario.** Mesa 3.5 gives every model a ``model.scenario`` (its own
``Scenario``, a mutable bag of parameters that refuses changes while the model runs), and its
tools hand it back: SolaraViz's Reset calls ``type(model)(scenario=type(model.scenario)(), ...)``.
The model's scenario is its own validated, frozen :class:`declineabm.scenario.Scenario`
(``model.config``), which ``set_causes`` replaces mid-run. :func:`expose_scenario` makes
``model.scenario`` a Mesa Scenario whose class carries that config, and :func:`scenario_source`
turns one passed back into the config it carries, so Mesa's tools re-create the same city.

**Mesa 3.3's id counter.** ``Agent._ids`` maps each model to its id counter and holds the
model strongly, so every model made in a process stays in memory (about 16 MB a run for
``mesa.batch_run``). On Mesa 3.3 this module replaces it, once, with a mapping that holds its
models weakly and otherwise behaves the same; Mesa 3.5 keeps the counter in the model itself.

**Mesa's grid and copyreg.** Mesa 3.3 and 3.5 register each grid's own cell class in
``copyreg``'s table of the whole process, which then keeps every grid's property layers;
:class:`CityGrid` moves that pickling onto the class (:func:`_reduce_by_class`).
"""

from __future__ import annotations

import copyreg
import itertools
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa import Agent
from mesa.agent import AgentSet
from mesa.discrete_space import Cell, OrthogonalMooreGrid

from declineabm.model.tables import ColumnTable, gc_paused

if TYPE_CHECKING:
    from declineabm.model.geography import Geography

_MAJOR, _MINOR = mesa.__version__.split(".")[:2]
MESA_VERSION: tuple[int, int] = (int(_MAJOR), int(_MINOR))


def _layout(version: tuple[int, int]) -> str:
    """Which registry layout a Mesa version has: ``"3.3"``, ``"3.5"`` or ``"unknown"``."""
    if version == (3, 3):
        return "3.3"
    if version == (3, 5):
        return "3.5"
    return "unknown"


LAYOUT = _layout(MESA_VERSION)
"""The registry layout of the installed Mesa (``"unknown"``: every batch through Mesa's calls)."""


# ----------------------------------------------------------------------------------------
# The batches (what the model calls)


def create_agents(
    cls: type[Agent], model: Any, table: ColumnTable, rows: np.ndarray, cells: np.ndarray
) -> None:
    """Create one agent of ``cls`` for each new row of ``table``, in the flat ``cells``.

    The agent of row ``rows[i]`` is ``cls(model, rows[i], geography.cells[cells[i]])``, in turn.
    """
    BOOKKEEPING.create(cls, model, table, rows, cells)


def remove_agents(
    cls: type[Agent], model: Any, table: ColumnTable, rows: np.ndarray, cells: np.ndarray
) -> None:
    """What ``agent.remove()`` does for each agent of ``rows`` in turn; the rows stay."""
    BOOKKEEPING.remove(cls, model, table, rows, cells)


def move_agents(
    model: Any, table: ColumnTable, rows: np.ndarray, old: np.ndarray, new: np.ndarray
) -> None:
    """What ``agent.cell = geography.cells[new[i]]`` does for each agent of ``rows`` in turn."""
    BOOKKEEPING.move(model, table, rows, old, new)


def release(model: Any) -> None:
    """Empty the model's cells and forget Mesa's per-process record of it (Mesa 3.3's ids)."""
    ids = getattr(Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
    for cell in model.geography.cells:
        cell._agents.clear()


# ----------------------------------------------------------------------------------------
# Mesa 3.5's Scenario


def _mesa_scenario_class() -> type | None:
    try:
        from mesa.experimental.scenarios import Scenario
    except ImportError:  # Mesa 3.3
        return None
    return Scenario


MESA_SCENARIO = _mesa_scenario_class()
"""Mesa's ``Scenario`` class (Mesa 3.5), or None."""


_CARRIERS: dict[str, type] = {}


def _carrier(config: Any) -> type:
    """A Mesa Scenario class whose default ``config`` is ``config``.

    One class per distinct config, the last 64 kept: Mesa's ``Scenario._ids`` holds every
    Scenario class for the life of the process.
    """
    assert MESA_SCENARIO is not None, "Mesa 3.5's Scenario only"
    key = config.model_dump_json()
    carrier = _CARRIERS.pop(key, None)
    if carrier is None:
        namespace = {"__annotations__": {"config": object}, "config": config}
        carrier = type("DeclineScenario", (MESA_SCENARIO,), {**namespace, "__module__": __name__})
    _CARRIERS[key] = carrier  # the most recent last
    while len(_CARRIERS) > 64:
        del _CARRIERS[next(iter(_CARRIERS))]
    return carrier


def expose_scenario(model: Any) -> None:
    """Mesa 3.5: make ``model.scenario`` a Mesa Scenario carrying ``model.config``."""
    if MESA_SCENARIO is not None:
        model.scenario = _carrier(model.config)(rng=model.seed)


def scenario_source(scenario: Any) -> Any:
    """The scenario a Mesa Scenario passed back by Mesa's tools carries; others unchanged."""
    if MESA_SCENARIO is not None and isinstance(scenario, MESA_SCENARIO):
        config = getattr(scenario, "config", None)
        if config is None:
            raise TypeError(
                "scenario: a Mesa Scenario carries no declineabm scenario; pass a name in "
                "configs/, a TOML path or a declineabm.scenario.Scenario"
            )
        return config
    return scenario


# ----------------------------------------------------------------------------------------
# Mesa's own calls: the reference, and the path for a Mesa whose layout is unknown


class MesaCalls:
    """Every batch as Mesa's own one-agent-at-a-time calls."""

    def create(
        self,
        cls: type[Agent],
        model: Any,
        table: ColumnTable,
        rows: np.ndarray,
        cells: np.ndarray,
    ) -> None:
        """``cls(model, row, cell)`` for each new row."""
        places = model.geography.cells
        pairs = zip(rows.tolist(), cells.tolist(), strict=True)
        table.attach(rows, [cls(model, row, places[cell]) for row, cell in pairs])

    def remove(
        self,
        cls: type[Agent],
        model: Any,
        table: ColumnTable,
        rows: np.ndarray,
        cells: np.ndarray,
    ) -> None:
        """Mesa's own ``remove`` for each agent (the model's ``remove`` routes to the model)."""
        for agent in table.handles_of(rows):
            mesa_remove(agent)

    def move(
        self, model: Any, table: ColumnTable, rows: np.ndarray, old: np.ndarray, new: np.ndarray
    ) -> None:
        """Mesa's own cell setter for each agent."""
        places = model.geography.cells
        for agent, cell in zip(table.handles_of(rows), new.tolist(), strict=True):
            mesa_cell_setter(agent, places[cell])


def mesa_remove(agent: Agent) -> None:
    """Mesa's ``remove`` of the agent's Mesa class (the first one not from this package)."""
    mesa_class: Any = next(c for c in type(agent).__mro__ if c.__module__.startswith("mesa"))
    mesa_class.remove(agent)


def mesa_cell_setter(agent: Agent, cell: Cell | None) -> None:
    """Mesa's own setter of ``agent.cell``."""
    from mesa.discrete_space.cell_agent import HasCell

    HasCell.cell.fset(agent, cell)


# ----------------------------------------------------------------------------------------
# The batches on a known layout


class Batched:
    """Batched bookkeeping on one of Mesa's registry layouts (see the module docstring)."""

    def __init__(self, layout: str) -> None:
        self.layout = layout

    # --- ids and registries

    def take_ids(self, model: Any, count: int) -> list[int]:
        """The next ``count`` unique ids of ``model``, as ``count`` ``Agent.__init__`` draw them."""
        if self.layout == "3.3":
            return list(itertools.islice(Agent._ids[model], count))
        start = model.agent_id_counter
        model.agent_id_counter = start + count
        return list(range(start, start + count))

    def _agent_sets(self, model: Any, cls: type[Agent]) -> tuple[Any, Any]:
        """The AgentSet of ``cls`` (created as ``register_agent`` would) and of all agents.

        On Mesa 3.3 both become :class:`HardKeyAgentSet` (Mesa 3.5's design): the same agents
        in the same order, without two weak references per agent.
        """
        if self.layout == "3.3" and not isinstance(model._all_agents, HardKeyAgentSet):
            # Mesa 3.3 keeps the same agents, in the same order, in model._agents: one dict
            # serves both (35 bytes an agent at 300k agents).
            model._all_agents = HardKeyAgentSet.sharing(model._agents, model._all_agents.random)
        by_type = model._agents_by_type.get(cls)
        if by_type is None:
            agent_set = HardKeyAgentSet if self.layout == "3.3" else type(model._all_agents)
            by_type = model._agents_by_type[cls] = agent_set([], random=model.random)
        return by_type, model._all_agents

    def _registries(self, model: Any, cls: type[Agent]) -> list[dict]:
        """The distinct dicts that register an agent of ``cls``: by type, all, Mesa 3.3's."""
        by_type, everyone = self._agent_sets(model, cls)
        registries = [by_type._agents, everyone._agents]
        if self.layout == "3.3" and model._agents is not everyone._agents:
            registries.append(model._agents)
        return registries

    def observed(self, model: Any, cls: type[Agent]) -> bool:
        """Whether Mesa 3.5's signals or data sets must see each agent come and go."""
        if self.layout != "3.5":
            return False
        subscribers = model.subscribers
        watched = any(key[0] == "agents" and subscribers[key] for key in list(subscribers))
        return watched or bool(cls._datasets) or model._batch_context is not None

    def register(self, model: Any, cls: type[Agent], agents: list[Agent], observed: bool) -> None:
        """``model.register_agent`` for each agent in turn."""
        if observed:  # Mesa 3.5: its own calls, which draw the ids and signal each agent
            for agent in agents:
                model.register_agent(agent)
                for dataset in cls._datasets:
                    model.data_registry[dataset].add_agent(agent)
            return
        for entries in self._registries(model, cls):
            entries.update(zip(agents, itertools.repeat(None)))

    def deregister(self, model: Any, cls: type[Agent], agents: list[Agent]) -> None:
        """``model.deregister_agent`` for each agent in turn."""
        if self.observed(model, cls):
            for agent in agents:
                model.deregister_agent(agent)
                for dataset in cls._datasets:
                    model.data_registry[dataset].remove_agent(agent)
            return
        for entries in self._registries(model, cls):
            for agent in agents:
                del entries[agent]

    # --- the batches

    def create(
        self,
        cls: type[Agent],
        model: Any,
        table: ColumnTable,
        rows: np.ndarray,
        cells: np.ndarray,
    ) -> None:
        """Create, register and place one agent per new row."""
        geo = model.geography
        places = geo.cells
        new: Any = cls.__new__  # object.__new__: no __init__, the attributes are set below
        agents = []
        observed = self.observed(model, cls)
        with gc_paused():
            # Attributes are set in the order Agent.__init__ and the subclass set them (pos is
            # a class attribute of the model's agents: None).
            ids = itertools.repeat(None) if observed else self.take_ids(model, len(rows))
            for row, unique_id, cell in zip(rows.tolist(), ids, cells.tolist(), strict=False):
                agent = new(cls)
                agent.model = model
                agent.unique_id = unique_id
                agent.row = row
                agent._mesa_cell = places[cell]
                agents.append(agent)
            self.register(model, cls, agents, observed)
            table.attach(rows, agents)
            enter_cells(geo, agents, cells)

    def remove(
        self,
        cls: type[Agent],
        model: Any,
        table: ColumnTable,
        rows: np.ndarray,
        cells: np.ndarray,
    ) -> None:
        """Deregister the agents and take them off their cells."""
        agents = table.handles_of(rows)
        self.deregister(model, cls, agents)
        leave_cells(model.geography, agents, cells)
        # A removed agent points at no cell; Mesa 3.3's FixedAgent.remove left the old one.
        if self.layout != "3.3" or _is_cell_agent(cls):
            for agent in agents:
                agent._mesa_cell = None

    def move(
        self, model: Any, table: ColumnTable, rows: np.ndarray, old: np.ndarray, new: np.ndarray
    ) -> None:
        """Take the agents off their old cells and put them in the new ones."""
        geo = model.geography
        agents = table.handles_of(rows)
        leave_cells(geo, agents, old)
        places = geo.cells
        for agent, cell in zip(agents, new.tolist(), strict=True):
            agent._mesa_cell = places[cell]
        enter_cells(geo, agents, new)


def _is_cell_agent(cls: type[Agent]) -> bool:
    from mesa.discrete_space import CellAgent

    return issubclass(cls, CellAgent)


class HardKeyAgentSet(AgentSet):
    """Mesa 3.5's ``_HardKeyAgentSet`` on Mesa 3.3: an AgentSet holding its agents strongly.

    Mesa 3.3 keeps ``model.agents`` and ``model.agents_by_type`` as weak-key dictionaries: two
    weak references per agent (about 150 bytes, and two more objects for the cycle collector to
    traverse), for agents that ``model._agents`` holds strongly anyway. Mesa 3.5 made them
    hard-key sets; this is the same for Mesa 3.3's AgentSet: the same agents in the same order
    and the same methods. Views it returns (``select``, ``shuffle``, ``groupby``, ...) are
    ordinary weak AgentSets, as in Mesa 3.5; ``do``, ``shuffle_do`` and ``map`` skip agents
    removed while they run.
    """

    def __init__(self, agents: Iterable[Agent], random: Any) -> None:
        super().__init__([], random=random)
        self._agents = dict.fromkeys(agents)

    @classmethod
    def sharing(cls, registry: dict, random: Any) -> HardKeyAgentSet:
        """A set whose dict is ``registry`` itself (Mesa 3.3's ``model._agents``)."""
        agent_set = cls([], random)
        agent_set._agents = registry
        return agent_set

    def remove(self, agent: Agent) -> None:
        """Remove ``agent``; sharing ``model._agents``, Mesa 3.3 may have removed it already."""
        self._agents.pop(agent, None)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self._agents)

    def _update(self, agents: Iterable[Agent]) -> HardKeyAgentSet:
        self._agents = dict.fromkeys(agents)
        return self

    def shuffle(self, inplace: bool = False) -> AgentSet:
        """The agents in random order (this set itself, reordered, if ``inplace``)."""
        agents = list(self._agents)
        self.random.shuffle(agents)
        return self._update(agents) if inplace else AgentSet(agents, self.random)

    def _each(
        self, agents: list[Agent], method: str | Callable, args: tuple, kwargs: dict
    ) -> list[Any]:
        members = self._agents
        if isinstance(method, str):
            return [getattr(a, method)(*args, **kwargs) for a in agents if a in members]
        return [method(a, *args, **kwargs) for a in agents if a in members]

    def do(self, method: str | Callable, *args: Any, **kwargs: Any) -> HardKeyAgentSet:
        """Call ``method`` on each agent (by name, or a function of the agent)."""
        self._each(list(self._agents), method, args, kwargs)
        return self

    def shuffle_do(self, method: str | Callable, *args: Any, **kwargs: Any) -> HardKeyAgentSet:
        """Call ``method`` on each agent, in random order."""
        agents = list(self._agents)
        self.random.shuffle(agents)
        self._each(agents, method, args, kwargs)
        return self

    def map(self, method: str | Callable, *args: Any, **kwargs: Any) -> list[Any]:
        """The results of calling ``method`` on each agent."""
        return self._each(list(self._agents), method, args, kwargs)


# ----------------------------------------------------------------------------------------
# The grid: cells connected when first asked for


class CityCell(Cell):
    """Mesa's grid cell, whose ``connections`` are found when first asked for.

    No rule of the model walks the grid from cell to cell, so most cells are never asked for
    their neighbours; each 8-entry dict of connections (about 290 bytes a cell, 45 bytes an
    agent in the benchmark's city) is built on first use, the same as Mesa's (keys, order,
    neighbours: ``tests/test_fast_paths.py``). So is the empty ``properties`` dict Mesa gives
    every cell (for Voronoi meshes).
    """

    __slots__ = ("_grid_cells", "_links", "_properties")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cell.__init__ set {}: made on first use
        self._links: dict[tuple[int, int], Cell] | None = None
        self._properties: dict | None = None
        self._grid_cells: dict[tuple[int, int], Cell] = {}  # the grid's cells by coordinate

    @property
    def connections(self) -> dict[tuple[int, int], Cell]:
        """The neighbouring cells by relative offset, as Mesa's Moore grid connects them."""
        links = self._links
        if links is None:
            x, y = self.coordinate
            cells = self._grid_cells
            links = {}
            for key in CityGrid.OFFSETS:
                neighbour = cells.get((x + key[0], y + key[1]))
                if neighbour is not None:
                    links[key] = neighbour
            self._links = links
        return links

    @connections.setter
    def connections(self, links: dict[tuple[int, int], Cell]) -> None:
        self._links = links

    @property
    def properties(self) -> dict:
        """Mesa's per-cell dict of properties."""
        if self._properties is None:
            self._properties = {}
        return self._properties

    @properties.setter
    def properties(self, properties: dict) -> None:
        self._properties = properties

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        """Mesa's pickled form of a cell (its slots), without its neighbours (as Mesa's)."""
        skip = {"__dict__", "__weakref__", "connections", "properties", "_grid_cells", "_links"}
        names = {name for klass in type(self).__mro__ for name in getattr(klass, "__slots__", ())}
        state = {name: getattr(self, name) for name in names - skip if hasattr(self, name)}
        return None, {**state, "connections": {}}


class CityGrid(OrthogonalMooreGrid):
    """Mesa's Moore grid, with :class:`CityCell`s connected when first asked for.

    Mesa connects every pair of neighbours as it builds the grid, through ``Cell.connect`` (a
    fresh ``(dx, dy)`` key tuple and a cache to clear per connection). A non-wrapping grid of
    :class:`CityCell`s leaves that to each cell's first look at its neighbours: the grid builds
    in a fraction of the time and memory. A torus is built as Mesa builds it.
    """

    # Mesa's order of the eight directions (OrthogonalMooreGrid._connect_cells_2d)
    OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

    def __init__(self, dimensions: Sequence[int], torus: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("cell_klass", Cell if torus else CityCell)
        super().__init__(dimensions, torus=torus, **kwargs)
        _reduce_by_class(self.cell_klass)

    def _connect_cells_2d(self) -> None:  # Mesa calls it once the cells exist
        cells = self._cells
        if not isinstance(next(iter(cells.values())), CityCell):
            super()._connect_cells_2d()
            return
        for cell in cells.values():
            cell._grid_cells = cells
            cell._links = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Mesa's unpickling, then the cells connect on first use again."""
        super().__setstate__(state)
        self._connect_cells_2d()


def _reduce_by_class(cell_klass: type) -> None:
    """Move Mesa's pickling of a grid's own cell class from ``copyreg`` onto the class.

    Mesa's grid makes a cell class per grid and registers how to pickle it in
    ``copyreg.dispatch_table``, a dict of the whole process: the table then holds the class,
    its property descriptors and every property layer's array after the grid and its model
    are gone (about 200 KB a model of the Northeast at 3,000 residents, growing with each run
    of ``mesa.batch_run``). A ``__reduce__`` on the class pickles and copies the cells the same
    way (pickle and copy ask the table first, then ``__reduce_ex__``, which calls it) and goes
    with the class.
    """
    reduce = copyreg.dispatch_table.pop(cell_klass, None)
    if reduce is None:
        return

    def reduce_cell(cell: Any) -> Any:
        return reduce(cell)

    cell_klass.__reduce__ = reduce_cell  # type: ignore[assignment, method-assign]


# ----------------------------------------------------------------------------------------
# Cells: every agent records its place in its cell's list


def enter_cells(geo: Geography, agents: Sequence[Agent], cells: np.ndarray) -> None:
    """Append each agent to its flat cell's list, in turn, recording its place there."""
    places = geo.cells
    for agent, cell in zip(agents, cells.tolist(), strict=True):
        members = places[cell]._agents
        agent._cell_slot = len(members)
        members.append(agent)
    if len(cells):
        empty_layer(geo)[cells] = False


def leave_cells(geo: Geography, agents: Sequence[Agent], cells: np.ndarray) -> None:
    """Take each agent off its flat cell's list, in turn: the cell's last agent takes its place."""
    places = geo.cells
    for agent, cell in zip(agents, cells.tolist(), strict=True):
        members = places[cell]._agents
        last = members.pop()
        if last is not agent:
            slot = agent._cell_slot
            members[slot] = last
            last._cell_slot = slot
    if len(cells):
        touched = np.unique(cells)
        empty_layer(geo)[touched] = [not places[cell]._agents for cell in touched.tolist()]


def empty_layer(geo: Geography) -> np.ndarray:
    """Flat view of Mesa's ``empty`` property layer (True where a cell holds no agent)."""
    return geo.grid.empty.data.reshape(-1)


# ----------------------------------------------------------------------------------------
# Mesa 3.3's id counter, made weak


class _WeakIdCounters(weakref.WeakKeyDictionary):
    """``Agent._ids`` of Mesa 3.3 (model -> id counter) without keeping the models alive."""

    def __init__(self, counters: Iterable[tuple[Any, Any]], factory: Callable[[], Any]) -> None:
        super().__init__(counters)
        self.factory = factory

    def __getitem__(self, model: Any) -> Any:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = self.factory()
            return counter


def _weaken_id_counters() -> None:
    ids = Agent._ids
    if not isinstance(ids, _WeakIdCounters):
        Agent._ids = _WeakIdCounters(ids.items(), ids.default_factory)


def _choose() -> MesaCalls | Batched:
    if LAYOUT == "unknown":
        warnings.warn(
            f"declineabm knows the bookkeeping of Mesa 3.3 and 3.5, not of {mesa.__version__}: "
            "agents are created and removed through Mesa's own calls (correct, but slower)",
            stacklevel=2,
        )
        return MesaCalls()
    if LAYOUT == "3.3":
        _weaken_id_counters()
    return Batched(LAYOUT)


BOOKKEEPING: MesaCalls | Batched = _choose()
"""The bookkeeping in use: batched on a known layout, Mesa's own calls otherwise."""
