"""The results folder of a batch of runs: per-run files while it runs, sorted tables at the end.

::

    <folder>/
      manifest.json          what was run, with which versions, when; counts and status
      runs.csv               one row per run, sorted by run id  (runs.parquet with parquet)
      timeseries.csv         run id, year, indicators; sorted   (timeseries.parquet)
      timings.csv            where, when and how long each run ran (differs between sweeps)
      runs/ab/ab12....json   while the batch runs: the record of each finished run
      runs/ab/ab12....csv    ... and its time series (.parquet)
      .lock                  held by the process running the batch

Workers write a run's files themselves, each to a temporary file moved into place with
``os.replace``, the time series first and the ``.json`` record last: a record on disk always
means a complete run, and a run written twice (Dask may run a task twice) is written with the
same bytes. Only when every run is done are the records merged, in run-id order, into the tables,
which are moved into place whole. That makes the tables the same whatever order runs finished
in, however many processes computed them and however often the batch was interrupted. The
per-run files are deleted once every run succeeded; a failed run keeps them for ``--resume``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from declineabm.errors import InputError
from declineabm.io.files import (
    StreamingCsv,
    atomic_path,
    csv_line,
    folder_lock,
    write_atomic,
    write_json,
)
from declineabm.sweep.errors import SweepError

MANIFEST = "manifest.json"
SHARDS = "runs"
TIMINGS = "timings.csv"
FORMATS = ("csv", "parquet")
TIMING_COLUMNS = (
    "run_id",
    "status",
    "attempt",
    "host",
    "pid",
    "started",
    "wall_time_s",
    "cpu_time_s",
)
PARQUET_ROW_GROUP = 65_536  # rows per Parquet row group when merging: bounds the memory used


@dataclass(frozen=True)
class Layout:
    """The columns and format of a batch's tables.

    Attributes:
        fmt: ``"csv"`` or ``"parquet"``.
        indicators: Indicators kept (the time-series columns after ``run_id`` and ``year``,
            and the final values in the runs table).
        every: Time-series rows every this many years (the last year is always kept).
        parameters: Parameter columns of the runs table (dotted keys).
        parameter_types: Column type of each parameter: bool, int, float or string.
    """

    fmt: str
    indicators: tuple[str, ...]
    every: int
    parameters: tuple[str, ...]
    parameter_types: tuple[str, ...]

    @property
    def runs_columns(self) -> list[str]:
        """Columns of the runs table."""
        return ["run_id", *self.parameters, "seed", "status", "error", *self.indicators]

    @property
    def series_columns(self) -> list[str]:
        """Columns of the time-series table."""
        return ["run_id", "year", *self.indicators]

    @property
    def tables(self) -> tuple[str, str]:
        """File names of the runs and time-series tables."""
        return (f"runs.{self.fmt}", f"timeseries.{self.fmt}")

    def to_dict(self) -> dict[str, Any]:
        """The layout as plain data (for the manifest)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


def column_type(values: Iterable[Any]) -> str:
    """The table column type that holds every value of a parameter."""
    kinds = {type(v) for v in values}
    if kinds <= {bool}:
        return "bool"
    if kinds <= {int}:
        return "int"
    if kinds <= {int, float}:
        return "float"
    return "string"


# ---------------------------------------------------------------------------------------------
# Per-run files


def shard_dir(folder: Path, run_id: str) -> Path:
    """Folder of a run's files (fanned out by the first two hex digits: 256 folders)."""
    return folder / SHARDS / run_id[:2]


def record_path(folder: Path, run_id: str) -> Path:
    """The record of a run that finished (its presence means the run is done)."""
    return shard_dir(folder, run_id) / f"{run_id}.json"


def failure_path(folder: Path, run_id: str) -> Path:
    """The record of a run that failed."""
    return shard_dir(folder, run_id) / f"{run_id}.failed.json"


def series_path(folder: Path, run_id: str, fmt: str) -> Path:
    """The time series of a finished run."""
    return shard_dir(folder, run_id) / f"{run_id}.{fmt}"


def write_record(path: Path, record: Mapping[str, Any]) -> None:
    """Write a run's record (JSON keeps floats exact)."""
    write_atomic(path, json.dumps(record, separators=(",", ":")) + "\n")


def read_record(path: Path) -> dict[str, Any]:
    """Read a run's record."""
    return json.loads(path.read_text(encoding="utf-8"))


def write_series(
    folder: Path, run_id: str, layout: Layout, years: Sequence[int], rows: Sequence[Sequence[float]]
) -> None:
    """Write a run's time series (rows of indicator values, one per year)."""
    path = series_path(folder, run_id, layout.fmt)
    if layout.fmt == "csv":
        text = "".join(
            csv_line([run_id, year, *row]) for year, row in zip(years, rows, strict=True)
        )
        write_atomic(path, text)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: list[Sequence[float]] = (
        list(zip(*rows, strict=True)) if rows else [[] for _ in layout.indicators]
    )
    table = pa.table(
        [pa.array([run_id] * len(years), pa.string()), pa.array(years, pa.int64())]
        + [pa.array(column, pa.float64()) for column in columns],
        names=layout.series_columns,
    )
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def scan(folder: Path) -> tuple[set[str], set[str]]:
    """Run ids with a record on disk: (finished, failed)."""
    finished: set[str] = set()
    failed: set[str] = set()
    root = folder / SHARDS
    if not root.is_dir():
        return finished, failed
    for path in root.glob("??/*.json"):
        name = path.name
        if name.endswith(".failed.json"):
            failed.add(name.removesuffix(".failed.json"))
        elif not name.startswith("."):
            finished.add(name.removesuffix(".json"))
    return finished, failed - finished


def remove_temporary(folder: Path) -> None:
    """Delete temporary files left by processes that were killed while writing."""
    for pattern in (f"{SHARDS}/??/.*.tmp", ".*.tmp", "*.part"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder for one batch process: two processes merging into it would mix tables."""
    try:
        with folder_lock(folder, "a sweep"):
            yield
    except InputError as exc:
        if isinstance(exc, SweepError):
            raise
        raise SweepError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# Manifest


def read_manifest(folder: Path, kind: str = "declineabm batch") -> dict[str, Any] | None:
    """The folder's manifest, or None if it has none; SweepError if it is damaged.

    Args:
        folder: The results folder.
        kind: The manifest's ``kind`` expected (a calibration's folder has its own).
    """
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SweepError(
            f"{path}: damaged, not JSON ({str(exc).splitlines()[0]}); the folder cannot be "
            "resumed or analysed: run the batch into a new folder"
        ) from None
    except OSError as exc:
        raise SweepError(f"{path}: cannot read: {exc.strerror}") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != kind:
        raise SweepError(f"{path}: not the manifest of a {kind}")
    return manifest


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Write the manifest atomically."""
    write_json(folder / MANIFEST, manifest)


def write_manifest_in_place(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Write the manifest over the existing file, for a folder that refuses new files.

    A read-only folder keeps its files writable: this is how the manifest of a batch stopped
    by such a folder still says what happened (not atomic: the folder allows nothing else).
    """
    text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
    with open(folder / MANIFEST, "r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()


# ---------------------------------------------------------------------------------------------
# Merging the per-run files into the tables


def _cell(value: Any) -> Any:
    # Time paths and other structured values go into one cell as JSON text.
    return json.dumps(value) if isinstance(value, list | dict) else value


def runs_row(record: Mapping[str, Any], layout: Layout) -> dict[str, Any]:
    """The runs-table row of a record (empty cells for parameters a run did not set)."""
    parameters, final = record["parameters"], record.get("final") or {}
    row: dict[str, Any] = {"run_id": record["run_id"]}
    row.update({name: _cell(parameters.get(name, "")) for name in layout.parameters})
    row.update(seed=record["seed"], status=record["status"], error=record.get("error", ""))
    row.update({name: final.get(name, "") for name in layout.indicators})
    return row


def timing_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """The timings-table row of a record."""
    return {name: record.get(name, "") for name in TIMING_COLUMNS}


def merge(folder: Path, run_ids: Sequence[str], layout: Layout) -> tuple[int, int]:
    """Merge the per-run files of ``run_ids`` (sorted) into the tables; returns (ok, failed)."""
    counts = {"ok": 0, "failed": 0}

    def records() -> Iterable[dict[str, Any]]:
        for run_id in run_ids:
            path = record_path(folder, run_id)
            record = read_record(path if path.exists() else failure_path(folder, run_id))
            counts[record["status"]] += 1
            yield record

    timings = StreamingCsv(folder / TIMINGS, TIMING_COLUMNS)
    try:
        if layout.fmt == "csv":
            _merge_csv(folder, records(), layout, timings)
        else:
            _merge_parquet(folder, records(), layout, timings)
        timings.commit()
    finally:
        timings.close()
    return counts["ok"], counts["failed"]


def _merge_csv(
    folder: Path, records: Iterable[dict[str, Any]], layout: Layout, timings: StreamingCsv
) -> None:
    runs_name, series_name = layout.tables
    runs = StreamingCsv(folder / runs_name, layout.runs_columns)
    series = StreamingCsv(folder / series_name, layout.series_columns)
    try:
        for record in records:
            runs.write(runs_row(record, layout))
            timings.write(timing_row(record))
            if record["status"] == "ok":
                path = series_path(folder, record["run_id"], "csv")
                series.write_text(path.read_text(encoding="utf-8"))
        runs.commit()
        series.commit()
    finally:
        runs.close()
        series.close()


def _merge_parquet(
    folder: Path, records: Iterable[dict[str, Any]], layout: Layout, timings: StreamingCsv
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "string": pa.string()}
    runs_schema = pa.schema(
        [("run_id", pa.string())]
        + [(n, types[t]) for n, t in zip(layout.parameters, layout.parameter_types, strict=True)]
        + [("seed", pa.int64()), ("status", pa.string()), ("error", pa.string())]
        + [(name, pa.float64()) for name in layout.indicators]
    )
    series_schema = pa.schema(
        [("run_id", pa.string()), ("year", pa.int64())]
        + [(name, pa.float64()) for name in layout.indicators]
    )
    runs_name, series_name = layout.tables

    def typed(row: dict[str, Any]) -> dict[str, Any]:
        # Empty cells are nulls; ints in a float column become floats.
        out = {}
        for field in runs_schema:
            value = row[field.name]
            if value == "" and field.name not in ("status", "error"):
                value = None
            elif field.type == pa.float64() and value is not None:
                value = float(value)
            elif field.type == pa.string() and value is not None:
                value = str(value)
            out[field.name] = value
        return out

    with (
        atomic_path(folder / runs_name) as runs_tmp,
        atomic_path(folder / series_name) as series_tmp,
        pq.ParquetWriter(runs_tmp, runs_schema) as runs_writer,
        pq.ParquetWriter(series_tmp, series_schema) as series_writer,
    ):
        rows: list[dict[str, Any]] = []
        parts: list[pa.Table] = []
        part_rows = 0
        for record in records:
            rows.append(typed(runs_row(record, layout)))
            timings.write(timing_row(record))
            if record["status"] == "ok":
                part = pq.read_table(series_path(folder, record["run_id"], "parquet"))
                parts.append(part.cast(series_schema))
                part_rows += part.num_rows
            if len(rows) >= PARQUET_ROW_GROUP:
                runs_writer.write_table(pa.Table.from_pylist(rows, runs_schema))
                rows.clear()
            if part_rows >= PARQUET_ROW_GROUP:
                series_writer.write_table(pa.concat_tables(parts))
                parts.clear()
                part_rows = 0
        if rows:
            runs_writer.write_table(pa.Table.from_pylist(rows, runs_schema))
        if parts:
            series_writer.write_table(pa.concat_tables(parts))


def remove_shards(folder: Path) -> None:
    """Delete the per-run files (after the tables hold them all)."""
    shutil.rmtree(folder / SHARDS, ignore_errors=True)
