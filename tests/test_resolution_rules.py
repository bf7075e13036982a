"""The rules that made the Northeast on 12 km cells depend on how many agents draw it.

``tests/test_resolution.py`` compares whole runs at three resolutions (slow); these check, on a
handful of rows, the two rules behind its failure at the default 12 km cells with 5,000,
20,000 and 80,000 agents (issue 12; docs/PERFORMANCE.md, "What still moves"): a new row
inherited the columns of removed ones, counted in their agents, and a new firm looked for its
founding jobs as long as its number of agents allowed.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from test_rules import hand_built, set_columns

from declineabm.model import firm_dynamics, labour
from declineabm.model.agents import FirmTable, ResidentTable


def handles(table, rows: np.ndarray) -> None:
    """Stand-ins for the Mesa agents of new rows (removal moves their ``row``)."""
    table.attach(rows, [SimpleNamespace(row=int(row)) for row in rows])


def test_a_row_added_after_removals_starts_from_zero_in_every_column_not_given() -> None:
    residents = ResidentTable(capacity=4)
    handles(residents, residents.append(3, age=np.array([70, 80, 90])))
    residents.retired[:] = True
    residents.laid_off[:] = 2
    residents.remove(np.array([0, 2]))  # two deaths; the third row moves into a hole
    born = residents.append(2, age=np.zeros(2))
    assert not residents.retired[born].any()  # a newborn is not a dead pensioner
    assert (residents.laid_off[born] == 0).all()

    firms = FirmTable(capacity=4)
    handles(firms, firms.append(2, desired=np.array([8.0, 8.0])))
    set_columns(firms, workforce=8, filled=8, staffed=True, loss_years=3, profit=-1.0)
    firms.remove(np.array([0]))
    new = firms.append(1, desired=np.array([1.0]))
    for column in ("workforce", "filled", "loss_years", "empty_years", "profit"):
        assert getattr(firms, column)[new].tolist() == [0], column
    assert not firms.staffed[new].any()


def test_a_new_firm_looks_for_its_founding_jobs_as_long_at_any_resolution() -> None:
    # Founded last year wanting 4 agents' jobs, it filled 2: this year it still looks for the
    # other 2 (with no margin to grow), as a one-agent firm that found nobody looks again for
    # its one. Drawn with four times the agents, each founding job is looked for the same two
    # years either way (firm_dynamics.EMPTY_YEARS).
    model = hand_built([{"employer": 0}, {"employer": 0}], [{}, {}])
    founded = model.year - 1
    set_columns(
        model.firms,
        founded=founded,
        workforce=[2, 0],
        filled=[2, 0],
        desired=[4.0, 1.0],
        profit=0.0,
        output=[1.0, 0.0],
    )
    labour.adjust_workforce(model)
    assert model.firms.positions.tolist() == [4, 1]
    # After its search years a firm's jobs follow the workforce it has, as before.
    model.year = founded + firm_dynamics.EMPTY_YEARS
    set_columns(model.firms, desired=[4.0, 1.0])
    labour.adjust_workforce(model)
    assert model.firms.positions[0] == 2


def test_an_old_firm_that_could_not_fill_its_openings_does_not_pile_them_up() -> None:
    # Growing from 2 agents to 4 it filled 2: next year it grows from the 2 it has.
    model = hand_built([{"employer": 0}, {"employer": 0}], [{}])
    set_columns(model.firms, workforce=2, filled=2, desired=4.0, profit=0.0, output=1.0)
    labour.adjust_workforce(model)
    assert model.firms.positions.tolist() == [2]
