"""Import Mesa without the cost of its loggers' stack inspection and of libraries a run never uses.

``mesa.model`` names its loggers at import time through ``inspect.stack()`` and
``inspect.getouterframes()`` (``mesa.mesa_logging``, Mesa 3.3 to 3.5). Those read the source
lines of every frame on the stack, and for each frame that is not a file on disk (the import
machinery's frozen modules) they scan all of ``sys.modules`` (CPython issue 92041). By then
Mesa has imported numpy, pandas, SciPy and networkx (unless they wait, below), some 1,200
modules, and an import from inside the command line is some 50 frames deep: measured on this
project, that inspection was 0.2-0.5 s of a ``declineabm run``, more than the rest of Mesa's
own code.

Mesa reads only the frame and the function's name from what those calls return, and then the
module of a frame (``inspect.getmodule``, which maps every loaded module's file to its name on
first use). While Mesa imports, :func:`import_mesa` lets ``inspect.getouterframes`` return just
those (no source lines) and finds a frame's module by the name it runs under, so Mesa names the
same loggers; the real functions are put back after.

``import mesa`` also imports pandas (with pyarrow), networkx and SciPy's spatial module
(``mesa/__init__`` imports ``mesa.datacollection``, ``mesa.space`` and Mesa's experimental
continuous space): about 1.3 s of CPU on the development machine, twice the model's own run,
for libraries a run of this model never calls. Mesa 3.3 binds each of them once, at module
level, and touches them only inside functions (``DataCollector.get_model_vars_dataframe``,
``NetworkGrid``, ``ContinuousSpace``). So while Mesa imports, :func:`import_mesa` gives those
modules the standard library's :class:`importlib.util.LazyLoader`: each is found as usual (a
missing one is still missing) and executed on first use of any of its attributes, by Mesa or
by anyone (a later ``import pandas`` anywhere loads it). Where a Mesa version imports one of
them twice or imports a name from it, that import simply loads it and nothing changes but the
time: Mesa 3.5 imports pandas in ``mesa.agent`` too, networkx in ``mesa.discrete_space`` too,
and ``scipy.spatial.KDTree`` in its discrete spaces, so there only the continuous space waits.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
from collections.abc import Iterator, Sequence
from types import FrameType, ModuleType


def _frames_without_source(frame: FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.getouterframes`` without the source lines (``code_context`` is None)."""
    frames = []
    while frame is not None:
        code = frame.f_code
        frames.append(
            inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        )
        frame = frame.f_back
    return frames


@contextlib.contextmanager
def _cheap_frame_inspection() -> Iterator[None]:
    outer_frames, module_of = inspect.getouterframes, inspect.getmodule

    def frame_module(obj: object, _filename: str | None = None) -> ModuleType | None:
        if isinstance(obj, FrameType):
            return sys.modules.get(obj.f_globals.get("__name__", ""))
        return module_of(obj, _filename)

    inspect.getouterframes = _frames_without_source
    inspect.getmodule = frame_module  # type: ignore[assignment]  # its parameter is not named "object"
    try:
        yield
    finally:
        inspect.getouterframes, inspect.getmodule = outer_frames, module_of


DEFERRED = ("pandas", "networkx", "mesa.experimental.continuous_space")
"""Modules ``import mesa`` imports and a run does not use: loaded on first use instead."""


class _LoadOnFirstUse(importlib.abc.MetaPathFinder):
    """Finds the named modules as the path finder does, loaded by a ``LazyLoader``."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None  # not installed: the other finders say so as usual
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


@contextlib.contextmanager
def _deferred(names: Sequence[str]) -> Iterator[None]:
    finder = _LoadOnFirstUse(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_mesa() -> None:
    """Import Mesa (once per process) without reading the source of the import stack.

    The libraries in :data:`DEFERRED` are loaded when first used, not during Mesa's import.
    """
    if "mesa" in sys.modules:
        return
    with _cheap_frame_inspection(), _deferred(DEFERRED):
        import mesa  # noqa: F401
