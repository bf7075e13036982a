"""Writing files so that a crash never leaves a damaged one behind.

Everything is written to a temporary file beside its target and moved into place with
``os.replace`` (atomic on POSIX), so a reader sees either the old file or the complete new one,
and a task that runs twice (as Dask may do) writes the same bytes twice harmlessly.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from declineabm.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

LOCK = ".lock"

_UMASK = os.umask(0)
os.umask(_UMASK)


def read_csv_exact(path: Path) -> pd.DataFrame:
    """A CSV table whose floats read back to the very bits that were written.

    pandas before 3.1 needs ``float_precision="round_trip"`` for that; from 3.1 every mode uses
    the exact converter and the argument is deprecated, so it is passed only where it matters.
    """
    import pandas as pd

    major, minor = (int(part) for part in pd.__version__.split(".")[:2])
    if (major, minor) >= (3, 1):
        return pd.read_csv(path)
    return pd.read_csv(path, float_precision="round_trip")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, moved onto ``path`` when the block ends without error.

    For writers that want a file name rather than text (Parquet, images)::

        with atomic_path(out / "table.parquet") as tmp:
            pyarrow.parquet.write_table(table, tmp)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented, strict JSON (no NaN or Infinity), atomically."""
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


def check_writable_folder(path: Path, option: str = "--out") -> None:
    """Refuse (:class:`InputError`) a folder that cannot be created or written; writes nothing.

    Args:
        path: The folder (it may not exist yet).
        option: How the user named it, for the message.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file, not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {path}: {existing} is a file, not a folder")
    try:  # the permission bits do not tell (root, read-only filesystems): try
        fd, probe = tempfile.mkstemp(prefix=".declineabm-probe-", dir=existing)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write in {existing} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)


@contextlib.contextmanager
def folder_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold ``folder`` for this process: two processes writing into it would mix their files.

    The lock (``flock`` on ``.lock``) goes with the process, however it ends, even by SIGKILL.

    Args:
        folder: An existing folder.
        what: What holds it, for the message a second process gets ("a sweep", "a run").
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    with open(folder / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            raise InputError(f"{folder} is in use by {owner}; wait for it to end") from None
        handle.truncate(0)
        handle.write(f"{what} still running (pid {os.getpid()})")
        handle.flush()
        yield


def format_value(value: Any) -> str:
    """CSV text of a value: integers without a decimal point, floats round-trip exact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # float(): numpy's float64 is a float whose repr is "np.float64(...)" (numpy 2)
        value = float(value)
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    text = str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[Any]) -> str:
    """One CSV line (with newline) from values."""
    return ",".join(format_value(v) for v in values) + "\n"


class StreamingCsv:
    """A CSV written row by row to ``<name>.part`` and moved into place on :meth:`commit`.

    Rows are flushed as they come, so if the process dies the ``.part`` file holds every row
    finished so far, and the previous complete file (if any) is untouched.

    Args:
        path: Final path of the CSV.
        header: Column names.
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.header = list(header)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: TextIO | None = open(self.part, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._handle.write(csv_line(self.header))
        self._handle.flush()

    def write(self, row: dict[str, Any]) -> None:
        """Append one row (values in header order) and flush it to disk."""
        assert self._handle is not None, "the CSV is already committed"
        self._handle.write(csv_line(row[name] for name in self.header))
        self._handle.flush()

    def write_text(self, text: str) -> None:
        """Append ready-made CSV lines (each ending in a newline) and flush them to disk."""
        assert self._handle is not None, "the CSV is already committed"
        self._handle.write(text)
        self._handle.flush()

    def finish(self) -> None:
        """Close the complete file, synced to disk, and leave it at its ``.part`` name."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    def commit(self) -> None:
        """Close the file and move it to its final name."""
        if self._handle is not None:
            self.finish()
            os.replace(self.part, self.path)

    def close(self) -> None:
        """Close without committing (the ``.part`` file stays as a record of progress)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
