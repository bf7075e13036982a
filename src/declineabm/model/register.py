"""The register of residents and firms: every agent is created, moved and removed here.

Births, arrivals, deaths, departures, moves, firm entries and closures come by the thousand
each year, so they are done in batches of rows of the model's columns (``model.residents``,
``model.firms``, :mod:`declineabm.model.agents`). The register keeps the two tables true to
each other (a resident's ``employer`` and its firm's ``workforce``), draws a new firm's traits,
stops runaway growth with an error naming the parameters to look at, and hands Mesa's
bookkeeping of the agents to :mod:`declineabm.model.mesa_adapter`. This is the only
per-agent Python work of a year.

:class:`AgentRegister` is a mixin of :class:`~declineabm.model.urban_decline.UrbanDeclineModel`
(as Mesa's ``CellAgent`` mixes in ``HasCell``), so processes reach it through the model they
are given, ``model.add_residents(...)``, and Mesa-style calls land here too:
``agent.remove()`` and assigning ``resident.cell``. Its callers: population (births, deaths),
labour (retirement), migration and housing (moves), firm_dynamics (entry, closure) and
:mod:`~declineabm.model.initial_state` (the region on the first day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.agents import Firm, FirmTable, Resident, ResidentTable
from declineabm.model.allocation import systematic_sample
from declineabm.model.labour import stochastic_round
from declineabm.model.mesa_adapter import create_agents, move_agents, release, remove_agents
from declineabm.model.sectors import Sector, SectorArrays
from declineabm.scenario.errors import RunawayGrowthError

if TYPE_CHECKING:
    from declineabm.model.geography import Geography
    from declineabm.scenario import Scenario

FIRM_SIZE_DISPERSION = 0.5  # log s.d. of firm size at creation
POLLUTION_DISPERSION = 0.3  # log s.d. of a firm's emission intensity around its sector norm
MAX_RESIDENT_GROWTH = 4  # residents beyond 4x the start: runaway growth, not a city (guard)
MAX_FIRMS_PER_RESIDENT = 1.0  # more firms than resident agents: runaway entry (guard)


class AgentRegister:
    """Creating, moving and removing residents and firms, in batches of rows.

    Writes ``residents`` and ``firms`` (new rows, removed rows, ``residents.employer, home``,
    ``firms.workforce``), the ``closed_sites`` layer, and Mesa's registries and cells; reads
    the year, the scenario's limits and the sectors' firm sizes; draws from the ``firms``
    stream.
    """

    # What the register reads and writes of the model (set by UrbanDeclineModel.__init__).
    residents: ResidentTable
    firms: FirmTable
    geography: Geography
    config: Scenario
    sectors: SectorArrays
    streams: dict[str, np.random.Generator]
    persons_per_agent: float
    year: int

    def add_residents(self, age: np.ndarray, skill: np.ndarray, home: np.ndarray) -> np.ndarray:
        """Create resident agents living in the flat cells ``home``; returns their rows."""
        limit = MAX_RESIDENT_GROWTH * self.config.simulation.residents
        if len(self.residents) + len(age) > limit:
            raise RunawayGrowthError(
                f"year {self.year}: the residents would grow past {limit:,} agents "
                f"({MAX_RESIDENT_GROWTH}x simulation.residents), runaway growth the model "
                "cannot simulate; lower migration.income_response, migration.base_rate or "
                "demography.fertility_path"
            )
        rows = self.residents.append(len(age), age=age, skill=skill, home=home, employer=-1)
        create_agents(Resident, self, self.residents, rows, self.residents.home[rows])
        return rows

    def remove_residents(self, rows: np.ndarray) -> int:
        """Remove residents (deaths, departures); returns how many. Their jobs fall vacant."""
        residents, firms = self.residents, self.firms
        employer = residents.employer[rows]
        np.subtract.at(firms.workforce, employer[employer >= 0], 1)
        remove_agents(Resident, self, residents, rows, residents.home[rows])
        residents.remove(rows)
        return len(rows)

    def leave_jobs(self, rows: np.ndarray) -> None:
        """The residents of ``rows`` leave their jobs (their firms' workforce follows)."""
        residents = self.residents
        employer = residents.employer[rows]
        np.subtract.at(self.firms.workforce, employer[employer >= 0], 1)
        residents.employer[rows] = -1

    def relocate_residents(self, rows: np.ndarray, homes: np.ndarray) -> None:
        """Move residents to new homes (flat cells)."""
        residents = self.residents
        move_agents(self, residents, rows, residents.home[rows], homes)
        residents.home[rows] = homes

    def open_firms(
        self,
        sector: Sector,
        cells: np.ndarray,
        state_owned: np.ndarray,
        sizes: np.ndarray | None = None,
        founded: np.ndarray | int | None = None,
    ) -> np.ndarray:
        """Open real firms of one sector in the flat ``cells``; returns the rows created.

        A firm's size is in persons (drawn around the sector's mean unless given). A firm of
        at least one agent's persons is one firm of ``size / persons_per_agent`` agents' jobs
        (rounded without bias); a smaller one is kept with the chance its size is of an agent,
        as a firm of one agent's job that stands for ``persons_per_agent / size`` real firms of
        its size (``represents``). Jobs and firms are then the same, on average, at any
        resolution. The small firms are kept by systematic sampling, so their jobs in agents
        are their jobs in persons rounded, not a sum of coin flips: with coarse agents the
        coin flips' noise made a city's jobs miss its workers, and the unemployed that left
        (min(jobs, workers) is concave) depended on the resolution.

        Draws from the ``firms`` stream: the sizes (unless given), which small firms are kept,
        the jobs, then each firm's ``reform_rank``, ``productivity`` and ``pollution``.
        """
        rng = self.streams["firms"]
        count = len(cells)
        if sizes is None:
            sizes = self.sectors.firm_size[sector] * rng.lognormal(
                -(FIRM_SIZE_DISPERSION**2) / 2, FIRM_SIZE_DISPERSION, count
            )
        agents = np.asarray(sizes, dtype=np.float64) / self.persons_per_agent
        keep = (agents >= 1.0) | systematic_sample(np.where(agents < 1.0, agents, 0.0), rng)
        agents, cells = agents[keep], np.asarray(cells)[keep]
        state_owned = np.asarray(state_owned)[keep]
        if founded is not None and not np.isscalar(founded):
            founded = np.asarray(founded)[keep]
        count = len(cells)
        # Against the larger of the residents now and at the start: a city that empties
        # keeps its firms for a while, which is decline, not runaway entry.
        residents = max(len(self.residents), self.config.simulation.residents)
        limit = int(MAX_FIRMS_PER_RESIDENT * residents)
        if len(self.firms) + count > limit and self.year > self.config.simulation.start_year:
            raise RunawayGrowthError(
                f"year {self.year}: the firms would outnumber the {residents:,} resident "
                f"agents ({len(self.firms) + count:,}), runaway entry the model cannot "
                f"simulate; lower sectors.{sector.key}.entry_rate or policy.entry_boost"
            )
        positions = np.where(agents >= 1.0, stochastic_round(agents, rng), 1)
        represents = np.where(agents >= 1.0, 1.0, 1.0 / np.maximum(agents, 1e-12))
        sigma = self.config.economy.productivity_dispersion
        rows = self.firms.append(
            count,
            sector=int(sector),
            soe=state_owned,
            cell=cells,
            founded=self.year if founded is None else founded,
            reform_rank=rng.random(count),
            productivity=rng.lognormal(-(sigma**2) / 2, sigma, count),
            pollution=rng.lognormal(-(POLLUTION_DISPERSION**2) / 2, POLLUTION_DISPERSION, count),
            desired=np.maximum(agents, 1.0),
            positions=np.maximum(positions, 1),
            represents=represents,
        )
        create_agents(Firm, self, self.firms, rows, self.firms.cell[rows])
        return rows

    def close_firms(self, rows: np.ndarray) -> int:
        """Close firms: their workers lose their jobs, their sites become wasteland."""
        if len(rows) == 0:
            return 0
        residents, firms = self.residents, self.firms
        closing = np.zeros(len(firms), dtype=bool)
        closing[rows] = True
        employer = residents.employer
        residents.employer[(employer >= 0) & closing[np.maximum(employer, 0)]] = -1
        np.add.at(self.geography.layer("closed_sites"), firms.cell[rows], firms.represents[rows])
        remove_agents(Firm, self, firms, rows, firms.cell[rows])
        remap = firms.remove(rows)
        employed = residents.employer >= 0
        residents.employer[employed] = remap[residents.employer[employed]]
        return len(rows)

    def dispose(self) -> None:
        """Release the model's agents so a long-lived process does not keep it in memory.

        A model nobody refers to is freed by Python's cycle collector anyway; this frees it at
        once, without waiting for a collection, by dropping the references between the model
        and its agents. The model cannot be stepped afterwards.
        """
        release(self)
        self.residents.handles.clear()
        self.firms.handles.clear()
