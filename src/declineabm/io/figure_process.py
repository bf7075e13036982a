"""``summary.png`` drawn by a helper process that imports matplotlib while the model runs.

A default ``declineabm run`` spent about as long importing matplotlib and drawing its summary
figure as it spent running the model, one after the other. :class:`FigureProcess`, started when
a run begins, is a second interpreter that imports numpy, matplotlib and the figure's code at
once, on another core, then waits for the run's yearly indicators on its stdin, draws
:func:`~declineabm.io.report.summary_figure` from them (the same code, the same bytes) and
hands back the PNG's bytes on its stdout.

The helper writes no file. The run alone writes ``summary.png.part`` from those bytes and
commits the folder as before (:mod:`declineabm.run`), so the commit protocol and the folder's
lock stay the run's. Whatever happens to the helper, the run loses nothing: if it dies (killed,
out of memory), fails, hangs past :data:`TIMEOUT` or answers anything but a PNG, the run draws
the figure itself, as it always did. If the run dies, the helper reads the end of its input (or
writes into a closed pipe) and exits. No helper is started where it could not help: with one
core for this process (it would only compete with the model), or where matplotlib is already
imported (a script that set its own style draws with it, in process).
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 120.0
"""Seconds the run waits for the helper's figure (about a second normally), then draws it."""


HELPER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from declineabm.io.figure_process import serve; sys.exit(serve())"
)
"""The helper's program: the run's own copy of this package (``-P``: not one in the working
folder), then :func:`serve`."""


def _package_root() -> str | None:
    """The folder the running ``declineabm`` package was imported from (None: not a folder)."""
    import declineabm

    where = getattr(declineabm, "__file__", None)
    return str(Path(where).resolve().parents[1]) if where else None


def usable_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS, Windows


def helps() -> bool:
    """Whether a helper would draw sooner than this process: another core, no matplotlib yet."""
    return usable_cores() >= 2 and "matplotlib" not in sys.modules and bool(sys.executable)


class FigureProcess:
    """A helper process that draws a run's summary figure (see the module docstring).

    Use as a context manager: the helper is ended, whatever state it is in, on exit.

    Args:
        start: Start the helper (False: :meth:`draw` answers None, the run draws in process).
    """

    def __init__(self, start: bool = True) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        root = _package_root()
        if not start or root is None:
            return
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-c", HELPER, root],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError:
            self.process = None

    def draw(self, df: Mapping[str, Iterable[Any]], title: str) -> bytes | None:
        """The PNG of ``summary_figure(df, ..., title)`` drawn by the helper, or None if none.

        None when no helper runs or it failed in any way: the caller then draws it itself.
        """
        process, self.process = self.process, None
        if process is None:
            return None
        payload = pickle.dumps(({name: list(values) for name, values in df.items()}, title))
        try:
            png, _ = process.communicate(payload, timeout=TIMEOUT)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            _end(process)
            return None
        if process.returncode != 0 or not png.startswith(PNG_SIGNATURE):
            return None
        return png

    def close(self) -> None:
        """End the helper if it still runs (the run failed, or drew no figure)."""
        process, self.process = self.process, None
        if process is not None:
            _end(process)

    def __enter__(self) -> FigureProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _end(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate()  # reaps it and closes the pipes


def serve() -> int:
    """The helper: import, read the indicators and title, write the PNG's bytes to stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's: it ends this helper
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.ticker  # noqa: F401  # what the figure uses, imported while the model runs

    from declineabm.io.report import summary_figure

    payload = sys.stdin.buffer.read()
    if not payload:
        return 0  # the run ended without asking for its figure
    df, title = pickle.loads(payload)  # from the run that started this process
    png = io.BytesIO()
    summary_figure(df, png, title)
    sys.stdout.buffer.write(png.getvalue())
    sys.stdout.buffer.flush()
    return 0
