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
from test_rules import set_columns

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
