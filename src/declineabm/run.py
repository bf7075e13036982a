"""One run of a scenario to a folder: ``model.csv``, ``cities.csv``, ``run.json``, ``summary.png``.

::

    <out>/
      model.csv          the yearly indicators of the last complete run
      cities.csv         its yearly indicators of each city
      summary.png        its figure (absent with --no-figure)
      run.json           its record: resolved scenario, seed, versions, hashes, wall time, and
                         the SHA-256 of model.csv and summary.png
      *.csv.part         the run in progress, or one that was killed or failed: every year
                         finished so far, streamed as the run goes
      run.json.part      its record: status running / failed (with the error) / ok
      .lock              held by the process running (a second run into the folder is refused)

The files of a complete run change together: the new run writes only ``.part`` files until
it has finished and drawn its figure; then it removes the old ``run.json``, moves the new
``model.csv``, ``cities.csv`` and ``summary.png`` into place and moves ``run.json.part`` to
``run.json`` last. So a ``run.json`` on disk always describes the CSV files and ``summary.png``
beside it, even after a kill -9 at any moment; a folder with ``run.json.part`` saying ``ok``
and no ``run.json`` was killed while committing, and the next run into it finishes that commit
first.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from declineabm.errors import InputError
from declineabm.io.files import folder_lock, write_json
from declineabm.io.provenance import now, package_versions

if TYPE_CHECKING:
    from declineabm.io.figure_process import FigureProcess
    from declineabm.model.urban_decline import UrbanDeclineModel
    from declineabm.scenario import Scenario

FILES = ("model.csv", "cities.csv", "summary.png")
"""The files of a complete run that ``run.json`` describes (and hashes)."""
RECORD = "run.json"
LARGE_GRID = 1_000_000
"""Grid cells from which building the grid takes long enough to say so first: Mesa makes an
object for every cell, about 13 s a million cells on the development machine under load (the
baseline at ``geography.km_per_cell = 0.1``, 9,000,000 cells, built in 107 s, then 9 s a year)."""


def draw_seed() -> int:
    """A fresh seed for a run that was given none (recorded in ``run.json``)."""
    return secrets.randbelow(2**63)


def run_record(
    model: UrbanDeclineModel, started: str, wall_time: float, status: str
) -> dict[str, Any]:
    """The ``run.json`` content for a model."""
    return {
        "scenario": model.config.name,
        "seed": model.seed,
        "status": status,
        "years": [model.config.simulation.start_year, model.year],
        "scenario_sha256": model.config.digest(),
        "started": started,
        "wall_time_s": round(wall_time, 3),
        "versions": package_versions(),
        "config": model.config.to_dict(),
    }


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finish_commit(out: Path) -> None:
    """Complete a commit that a kill interrupted (see the module docstring); else do nothing."""
    part = _part(out / RECORD)
    if (out / RECORD).exists() or not part.exists():
        return
    try:
        record = json.loads(part.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # killed while writing its first record: a run that never got far
    if record.get("status") != "ok":
        return
    for name in FILES:
        target, staged = out / name, _part(out / name)
        digest = record.get("files", {}).get(name)
        if staged.exists():
            os.replace(staged, target)
        elif digest is None:
            target.unlink(missing_ok=True)
    os.replace(part, out / RECORD)


def _commit(out: Path, record: dict[str, Any]) -> None:
    record["files"] = {
        name: _sha256(_part(out / name)) for name in FILES if _part(out / name).exists()
    }
    write_json(_part(out / RECORD), record)
    # From here on a kill leaves no run.json (never the old one beside new files) and a
    # run.json.part that finish_commit completes.
    (out / RECORD).unlink(missing_ok=True)
    finish_commit(out)


def check_fits(config: Scenario) -> None:
    """Refuse a run that cannot fit in the memory this machine has free now, with the estimate.

    The scenario itself refuses what no machine of this size could hold; this also counts
    what other processes use.
    """
    from declineabm.io.memory import available_memory, gib

    needed, available = config.run_bytes(), available_memory()
    if needed > available:
        raise InputError(
            f"{config.name}: a run of {config.grid_cells():,.0f} grid cells "
            f"(geography.km_per_cell) and {config.simulation.residents:,} resident agents "
            f"(simulation.residents) needs about {gib(needed)}, more than the {gib(available)} "
            "free on this machine"
        )


def run_to_folder(
    scenario: str | Path | Scenario,
    out: Path,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
    figure: bool = True,
) -> dict[str, list[Any]]:
    """Run a scenario to its end year and write its results into ``out``.

    Args:
        scenario: Scenario name, TOML path or object.
        out: Output folder (created).
        seed: Random seed (drawn and recorded if None).
        overrides: Parameter overrides by dotted key.
        progress: Show a progress bar on stderr.
        figure: Also draw ``summary.png`` (by a helper process that imports matplotlib while
            the model runs, where that is sooner; this process writes the file:
            :mod:`declineabm.io.figure_process`).

    Returns:
        The yearly indicators (the content of ``model.csv``), a list of values per indicator
        (the DataCollector's ``model_vars``; ``pandas.DataFrame(result)`` is the table). A run
        imports no pandas.

    Raises:
        InputError: ``out`` is in use by another run or holds a sweep, or the scenario cannot
            be simulated (nothing is committed).
    """
    from declineabm.io.figure_process import FigureProcess, helps

    with FigureProcess(start=figure and helps()) as drawer:  # matplotlib loads as the model runs
        return _run_to_folder(scenario, out, seed, overrides, progress, figure, drawer)


def _run_to_folder(
    scenario: str | Path | Scenario,
    out: Path,
    seed: int | None,
    overrides: Mapping[str, Any] | None,
    progress: bool,
    figure: bool,
    drawer: FigureProcess,
) -> dict[str, list[Any]]:
    from tqdm import tqdm

    from declineabm.mesa_import import import_mesa

    import_mesa()
    from declineabm.io.files import StreamingCsv
    from declineabm.io.report import summary_figure
    from declineabm.model import UrbanDeclineModel
    from declineabm.model.indicators import CITY_INDICATOR_NAMES, INDICATOR_NAMES
    from declineabm.scenario import load_scenario

    started, clock = now(), time.perf_counter()
    seed = draw_seed() if seed is None else seed
    config = load_scenario(scenario, overrides)
    check_fits(config)
    cells = config.grid_cells()
    if progress and cells >= LARGE_GRID:  # long work shows progress
        print(
            f"building a grid of {cells:,.0f} cells (geography.km_per_cell = "
            f"{config.geography.km_per_cell:g}); a grid this large takes a while to build",
            file=sys.stderr,
            flush=True,
        )
    model = UrbanDeclineModel(config, seed=seed)
    if (out / "manifest.json").exists():
        raise InputError(f"{out} holds a batch of runs (manifest.json); choose another folder")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out, "a run"):
        finish_commit(out)
        record_part = _part(out / RECORD)
        write_json(record_part, run_record(model, started, 0.0, "running"))
        csv = StreamingCsv(out / "model.csv", INDICATOR_NAMES)
        cities = StreamingCsv(out / "cities.csv", CITY_INDICATOR_NAMES)
        years = model.config.simulation.end_year - model.year
        try:
            csv.write(model.indicators)
            for row in model.city_indicators():
                cities.write(row)
            if getattr(tqdm, "_lock", None) is None:
                # One process writes this bar: a thread lock. tqdm's default one includes a
                # multiprocessing lock, which under the spawn start method that Mesa sets
                # starts a resource-tracker process (some 0.05 s of every run).
                tqdm.set_lock(threading.RLock())
            with tqdm(
                total=years,
                desc=f"{model.config.name} seed {model.seed}",
                unit="year",
                disable=not progress,
                leave=False,
            ) as bar:
                while model.running and model.year < model.config.simulation.end_year:
                    model.step()
                    csv.write(model.indicators)
                    for row in model.city_indicators():
                        cities.write(row)
                    bar.update()
            csv.finish()
            cities.finish()
            df = dict(model.datacollector.model_vars)
            _part(out / "summary.png").unlink(missing_ok=True)
            if figure:
                title = f"{model.config.name}, seed {model.seed}"
                png = drawer.draw(df, title)
                if png is None:  # no helper, or it failed: drawn here, as the helper would
                    summary_figure(df, _part(out / "summary.png"), title)
                else:
                    _part(out / "summary.png").write_bytes(png)
        except InputError:
            # A scenario the model cannot simulate: refused, and no trace of it is kept.
            csv.close()
            cities.close()
            for path in (csv.part, cities.part, record_part, _part(out / "summary.png")):
                path.unlink(missing_ok=True)
            if created and not [p for p in out.iterdir() if p.name != ".lock"]:
                (out / ".lock").unlink(missing_ok=True)
                out.rmdir()
            raise
        except BaseException as exc:
            csv.close()
            cities.close()
            record = run_record(model, started, time.perf_counter() - clock, "failed")
            record["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            write_json(record_part, record)
            raise
        finally:
            model.dispose()
        _commit(out, run_record(model, started, time.perf_counter() - clock, "ok"))
    return df


def summary_table(df: Mapping[str, list[Any]]) -> str:
    """A short text table of key indicators (see :func:`declineabm.io.report.summary_table`)."""
    from declineabm.io.report import summary_table as table

    return table(df)


__all__ = ["check_fits", "draw_seed", "finish_commit", "run_to_folder", "summary_table"]
