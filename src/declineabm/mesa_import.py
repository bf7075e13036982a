"""Import Mesa without the cost of its loggers' stack inspection.

``mesa.model`` names its loggers at import time through ``inspect.stack()`` and
``inspect.getouterframes()`` (``mesa.mesa_logging``, Mesa 3.3 to 3.5). Those read the source
lines of every frame on the stack, and for each frame that is not a file on disk (the import
machinery's frozen modules) they scan all of ``sys.modules`` (CPython issue 92041). By then
Mesa has imported numpy, pandas, SciPy and networkx, some 1,200 modules, and an import from
inside the command line is some 50 frames deep: measured on this project, that inspection was
0.2-0.5 s of a ``declineabm run``, more than the rest of Mesa's own code.

Mesa reads only the frame and the function's name from what those calls return, and then the
module of a frame (``inspect.getmodule``, which maps every loaded module's file to its name on
first use). While Mesa imports, :func:`import_mesa` lets ``inspect.getouterframes`` return just
those (no source lines) and finds a frame's module by the name it runs under, so Mesa names the
same loggers; the real functions are put back after.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Iterator
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


def import_mesa() -> None:
    """Import Mesa (once per process) without reading the source of the import stack."""
    if "mesa" in sys.modules:
        return
    with _cheap_frame_inspection():
        import mesa  # noqa: F401
