"""Modules that are imported as usual but run their code only when first used.

:func:`load_on_first_use` puts a module in ``sys.modules`` the way the standard library's
``importlib.util.LazyLoader`` recipe does: found as usual (a missing module is still missing),
bound by every later ``import`` of it, and executed, into the same module object, on the first
access to any of its attributes, by anyone. From then on it is the plain module: the names
bound to it everywhere are the real module, with nothing in between.

The model's modules use it for numpy (:mod:`declineabm.model`): the causes' modules keep their
scenario sections beside their rules, the rules use numpy and the sections do not, so checking a
scenario (the command line refuses a bad ``--set`` with the schema alone) does not wait for
numpy to load.

Two differences from ``LazyLoader`` (which :mod:`declineabm.mesa_import` uses, for modules
that Mesa imports once): an ``import`` statement of a module already waiting does not run it
(the import system reads the module's ``__spec__``, which ``LazyLoader`` counts as a use, so
there a second ``import numpy`` anywhere would run numpy); and the first use is safe from
several threads at once: one thread runs the module's code while the others wait for it
(``LazyLoader`` has that from Python 3.12.3 on, not on 3.11).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

_LOCK = threading.RLock()
"""Held while a waiting module runs its code (re-entered by that module's own imports)."""


class _WaitingModule(types.ModuleType):
    """A module found but not yet executed: an attribute access executes it first.

    Except ``__spec__``: every ``import`` statement of a module already in ``sys.modules``
    reads its spec (to see whether another thread is still importing it), and that must not
    count as a use, or the second ``import numpy`` of a process would run numpy.
    """

    def __getattribute__(self, attr: str) -> Any:
        if attr == "__spec__":
            return types.ModuleType.__getattribute__(self, attr)
        with _LOCK:
            if object.__getattribute__(self, "__class__") is _WaitingModule:
                spec = object.__getattribute__(self, "__spec__")
                state = spec.loader_state
                if not state["running"]:
                    state["running"] = True
                    try:
                        spec.loader.exec_module(self)
                    except BaseException:
                        state["running"] = False
                        sys.modules.pop(spec.name, None)
                        raise
                    object.__setattr__(self, "__class__", types.ModuleType)  # now plain
                # while it runs, the module's own code reads its attributes as they are
                return types.ModuleType.__getattribute__(self, attr)
        return types.ModuleType.__getattribute__(self, attr)


def load_on_first_use(name: str) -> None:
    """Let the top-level module ``name`` run when first used, if nothing has imported it yet.

    Does nothing if ``name`` is already imported (or waiting) or cannot be found (a later
    ``import`` then raises as usual).
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader_state = {"running": False}
    module.__class__ = _WaitingModule
    sys.modules[name] = module


def is_waiting(module: types.ModuleType) -> bool:
    """Whether ``module`` was found but has not run yet (here or by ``LazyLoader``)."""
    return type(module).__name__ in ("_WaitingModule", "_LazyModule")
