"""The agents' column tables: every column declared once, and a misspelt one is an error."""

from __future__ import annotations

import numpy as np
import pytest

from declineabm.model.agents import FirmTable, ResidentTable


def test_columns_come_from_the_declarations_with_their_dtypes() -> None:
    residents = ResidentTable(capacity=2)
    assert residents.columns == tuple(ResidentTable.COLUMNS)
    assert residents.age.dtype == np.int16
    assert FirmTable(capacity=1).profit.dtype == np.float64


def test_a_misspelt_column_is_an_attribute_error_naming_it() -> None:
    residents = ResidentTable(capacity=4)
    residents.append(2, age=np.array([30, 40]))
    with pytest.raises(AttributeError, match="ResidentTable has no column 'agee'"):
        _ = residents.agee
    with pytest.raises(AttributeError, match="ResidentTable has no column 'agee'"):
        residents.agee = 1  # would otherwise shadow nothing and change nobody's age
    residents.age += 1  # a real column is written in place
    assert residents.age.tolist() == [31, 41]
