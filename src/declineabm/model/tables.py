"""Columnar agent state: one numpy column per attribute, one dense row per living agent.

Every rule of the model is a vectorised pass over these columns. Each Mesa agent is a thin
handle onto its row (``agent.row``); only agents that are created, removed or moved touch
Mesa's per-agent machinery, in batches (:mod:`declineabm.model.mesa_adapter`). Removal fills
the holes with rows from the tail (swap-remove), so only the handles of moved rows are updated,
never the whole population. See ``docs/PERFORMANCE.md``.

The handles are kept in a Python list, not a numpy object array: the cycle collector sees
into a list, so a model nobody refers to any more (agent -> model -> table -> agent) is freed
without an explicit ``dispose``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    get_args,
    get_origin,
    get_type_hints,
)

import numpy as np


class ColumnTable:
    """Struct-of-arrays storage with dense rows ``0 .. n-1``.

    A table's columns are declared once, in a subclass, as annotations that carry the numpy
    dtype (``age: Annotated[np.ndarray, np.int16]``), so a type checker knows every column and
    flags a misspelt one. Columns are reached as attributes (``table.age``); each returns a
    writable view of the live rows, so ``table.age += 1`` ages everyone in place. An unknown
    name is an ``AttributeError`` naming it, whether read or assigned.

    Args:
        capacity: Initial number of rows to reserve (the table grows by doubling).
    """

    COLUMNS: ClassVar[dict[str, type]] = {}
    """Each column's name and numpy dtype, from the subclass's annotations."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = get_type_hints(cls, include_extras=True)
        cls.COLUMNS = {
            name: hint.__metadata__[0]
            for name, hint in hints.items()
            if get_origin(hint) is Annotated and get_args(hint)[0] is np.ndarray
        }

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self.handles: list[Any] = []  # the Mesa agent of each row (its .row is the row)
        self._data: dict[str, np.ndarray] = {
            name: np.zeros(capacity, dtype) for name, dtype in self.COLUMNS.items()
        }

    if not TYPE_CHECKING:  # a type checker reads the columns from the subclass's annotations

        def __getattr__(self, name: str) -> np.ndarray:
            data = self.__dict__.get("_data")
            if data is None or name not in data:
                raise AttributeError(f"{type(self).__name__} has no column {name!r}")
            return data[name][: self.n]

    def __setattr__(self, name: str, value: object) -> None:
        # `table.age += 1` ends in `table.age = <view>`: write into the column, never shadow it
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            view = data[name][: self.n]
            if value is not view:
                view[...] = value
            return
        if data is not None and name not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no column {name!r}")
        super().__setattr__(name, value)

    def __len__(self) -> int:
        return self.n

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the columns."""
        return tuple(self.COLUMNS)

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self._data.values()))) if self._data else 0
        if needed <= capacity:
            return
        new_capacity = max(needed, 2 * capacity)
        for name, column in self._data.items():
            grown = np.zeros(new_capacity, column.dtype)
            grown[: self.n] = column[: self.n]
            self._data[name] = grown

    def append(self, count: int, **values: np.ndarray | float) -> np.ndarray:
        """Add ``count`` rows; columns not given are zero. Returns the new row indices."""
        unknown = set(values) - set(self._data)
        if unknown:
            raise KeyError(f"unknown columns: {sorted(unknown)}")
        start = self.n
        self._reserve(start + count)
        self.n = start + count
        # Every column is written, the ones not given with zero: removing rows leaves their
        # values (and copies of the rows moved into the holes) beyond the end, and a new row
        # must not inherit them. Inherited, a newborn taking a dead pensioner's row was retired
        # for life, and a new firm started with a closed or moved firm's workforce, filled jobs
        # and ``staffed`` flag, in that firm's agents: the entrants' first year depended on how
        # many agents the firms before them had been drawn with.
        for name, column in self._data.items():
            column[start : self.n] = values.get(name, 0)
        return np.arange(start, self.n)

    def attach(self, rows: np.ndarray, handles: Sequence[Any]) -> None:
        """Store the Mesa agent (``handles[i]``) of each new row (``rows[i]``, the last rows)."""
        if len(rows) and (rows[0] != len(self.handles) or rows[-1] != self.n - 1):
            raise ValueError("handles are attached to the rows just appended, in order")
        self.handles.extend(handles)

    def handles_of(self, rows: np.ndarray) -> list[Any]:
        """The Mesa agents of ``rows``, in that order."""
        handles = self.handles
        return [handles[row] for row in rows.tolist()]

    def remove(self, rows: np.ndarray) -> np.ndarray:
        """Remove rows (their handles must already be detached from Mesa).

        Returns:
            ``remap``: for every old row, its new row index, or -1 if it was removed.
        """
        n = self.n
        remap = np.arange(n)
        rows = np.unique(rows)
        if len(rows) == 0:
            return remap
        removed = np.zeros(n, dtype=bool)
        removed[rows] = True
        new_n = n - len(rows)
        holes = np.flatnonzero(removed[:new_n])
        movers = np.flatnonzero(~removed[new_n:]) + new_n
        for column in self._data.values():
            column[holes] = column[movers]
        handles = self.handles
        for hole, mover in zip(holes.tolist(), movers.tolist(), strict=True):
            handle = handles[hole] = handles[mover]
            handle.row = hole
        del handles[new_n:]
        remap[rows] = -1
        remap[movers] = holes
        self.n = new_n
        return remap


@contextmanager
def gc_paused() -> Iterator[None]:
    """Suspend the cyclic garbage collector while a batch allocates many lasting objects.

    Creating a city's agents (or its grid) allocates a few container objects per agent (cell)
    and frees none; left on, the collector would run ever larger full collections over every
    live object as the batch grows, which makes creation superlinear in the city's size.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
